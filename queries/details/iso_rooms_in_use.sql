-- Drill-through of ISO-USE (rulebook §1; 003 #57): commissioned rooms and rooms in use per
-- facility at $as_of, for a district ($district_code; null lists the whole city).
-- One row per facility commissioned at or before $as_of and not closed; rooms and rooms_occupied
-- add up to ISO-USE's denominator and numerator. A room holding two people counts once.
-- Record ids and places only.

with commissioned_rooms as (
    select room_id, facility_id, district_code, township_code, commissioned_at
    from stg_rooms
    where commissioned_at <= $as_of
      and (closed_at is null or closed_at > $as_of)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

people_per_room as (
    select room_id, count(*) as people
    from room_stays
    where check_in_at <= $as_of
      and (check_out_at is null or check_out_at > $as_of)
    group by room_id
)

select
    c.district_code,
    c.township_code,
    c.facility_id,
    f.kind,
    c.commissioned_at,
    count(*) as rooms,
    count(p.room_id) as rooms_occupied,
    cast(coalesce(sum(p.people), 0) as bigint) as people
from commissioned_rooms c
join facilities f on f.facility_id = c.facility_id
left join people_per_room p on p.room_id = c.room_id
group by c.district_code, c.township_code, c.facility_id, f.kind, c.commissioned_at
order by c.district_code, c.facility_id
