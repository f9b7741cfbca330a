-- Drill-through of ISO-SINGLE (rulebook §1; 003 #55): the stays in rooms holding more than one
-- person at $as_of. One row per stay, rooms grouped together, earliest check-in first.
-- Record ids and places only: no name, ID-card number or phone (person_kind tells an
-- accompanying relative from a contact).

with open_stays as (
    select
        r.district_code,
        r.township_code,
        r.facility_id,
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
),

shared_rooms as (
    select room_id, count(*) as people_in_room
    from open_stays
    group by room_id
    having count(*) >= 2
)

select
    o.district_code,
    o.township_code,
    o.facility_id,
    o.room_id,
    s.people_in_room,
    o.stay_id,
    o.person_kind,
    o.check_in_at
from open_stays o
join shared_rooms s on s.room_id = o.room_id
order by o.district_code, o.facility_id, o.room_id, o.check_in_at, o.stay_id
