-- Drill-through of ISO-COMMISSION (rulebook §1; 003 #54): rooms in use at $as_of in facilities
-- that have not passed assessment (commissioned_at null or after $as_of).
-- One row per room; their count is the metric's value. Record ids and places only.

with stays_now as (
    select
        r.district_code,
        r.township_code,
        r.facility_id,
        r.commissioned_at,
        s.room_id,
        s.check_in_at
    from room_stays s
    join stg_rooms r on r.room_id = s.room_id
    where s.check_in_at <= $as_of
      and (s.check_out_at is null or s.check_out_at > $as_of)
      and (r.commissioned_at is null or r.commissioned_at > $as_of)
      and ($district_code is null or r.district_code = $district_code)
      and ($township_code is null or r.township_code = $township_code)
)

select
    district_code,
    township_code,
    facility_id,
    commissioned_at,
    room_id,
    count(*) as people_in_room,
    min(check_in_at) as earliest_check_in_at
from stays_now
group by district_code, township_code, facility_id, commissioned_at, room_id
order by district_code, facility_id, room_id
