-- Drill-through of ISO-USE (rulebook §1; 003 #57): commissioned rooms and rooms in use per
-- facility at $as_of, for a district ($district_code; null lists the whole city).
-- One row per facility commissioned at or before $as_of and not closed. rooms and rooms_occupied
-- add up the changes metrics/iso_use adds up (fragments/room_changes), per facility instead of
-- per district, so they sum to ISO-USE's denominator and numerator. A room holding two people
-- counts once; people counts everyone in the facility's rooms (fragments/open_stays).
-- Record ids and places only.

with changes as (${fragments/room_changes}),

rooms_per_facility as (
    select
        r.district_code,
        r.township_code,
        r.facility_id,
        r.commissioned_at,
        cast(sum(c.rooms_delta) as bigint) as rooms,
        cast(sum(c.occupied_delta) as bigint) as rooms_occupied
    from changes c
    join stg_rooms r on r.room_id = c.room_id
    group by r.district_code, r.township_code, r.facility_id, r.commissioned_at
    having sum(c.rooms_delta) > 0
),

open_stays as (${fragments/open_stays}),

people_per_facility as (
    select facility_id, count(*) as people
    from open_stays
    group by facility_id
),

final as (
    select
        r.district_code,
        r.township_code,
        r.facility_id,
        f.kind,
        r.commissioned_at,
        r.rooms,
        r.rooms_occupied,
        coalesce(p.people, 0) as people
    from rooms_per_facility r
    join facilities f on f.facility_id = r.facility_id
    left join people_per_facility p on p.facility_id = r.facility_id
)

select * from final
order by district_code, facility_id
