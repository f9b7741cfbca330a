-- fragments/open_stays: the people in centralized isolation at $as_of: room stays checked in at or
-- before $as_of and not checked out (check-out is excluded: one leaving at 10:00 and the next
-- arriving at 10:00 never share), with the place and dates of their room's facility (stg_rooms),
-- in the place filter ($district_code, $township_code). Every stay counts, whatever its
-- person_kind, in any facility, commissioned or not.
-- Reads the tables only. One row per stay: district_code, township_code, facility_id,
-- commissioned_at, closed_at, room_id, stay_id, person_kind, check_in_at.
select
    r.district_code,
    r.township_code,
    r.facility_id,
    r.commissioned_at,
    r.closed_at,
    s.room_id,
    s.stay_id,
    s.person_kind,
    s.check_in_at
from room_stays s
join stg_rooms r on r.room_id = s.room_id
where s.check_in_at <= $as_of
  and (s.check_out_at is null or s.check_out_at > $as_of)
  and ($district_code is null or r.district_code = $district_code)
  and ($township_code is null or r.township_code = $township_code)
