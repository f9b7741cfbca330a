-- What the database holds at $as_of: one row of headline counts for the home page.

with positive_cases as (
    select count(*) as positives
    from cases
    where confirmed_at <= $as_of
),

contacts_identified as (
    select count(*) as contacts
    from contacts
    where identified_at <= $as_of
),

commissioned_rooms as (
    select count(*) as rooms
    from rooms r
    join facilities f on f.facility_id = r.facility_id
    where f.assessed_at <= $as_of
),

occupied_rooms as (
    select count(distinct room_id) as rooms_occupied
    from room_stays
    where check_in_at <= $as_of
      and (check_out_at is null or check_out_at > $as_of)
),

active_risk_areas as (
    select count(*) as risk_areas
    from risk_areas
    where designated_at <= $as_of
      and (lifted_at is null or lifted_at > $as_of)
)

select *
from positive_cases
cross join contacts_identified
cross join commissioned_rooms
cross join occupied_rooms
cross join active_risk_areas
