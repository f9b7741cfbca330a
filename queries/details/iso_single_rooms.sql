-- Drill-through of ISO-SINGLE (rulebook §1; 003 #55): the stays in rooms holding more than one
-- person at $as_of: fragments/shared_rooms, the rooms metrics/iso_single counts, with the stays
-- in them. One row per stay, rooms grouped together, earliest check-in first.
-- Record ids and places only: no name, ID-card number or phone (person_kind tells an
-- accompanying relative from a contact).

with open_stays as (${fragments/open_stays}),

shared_rooms as (${fragments/shared_rooms}),

final as (
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
)

select * from final
order by district_code, facility_id, room_id, check_in_at, stay_id
