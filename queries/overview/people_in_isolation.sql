-- People in centralized isolation at $as_of: open room stays (fragments/open_stays, the stays
-- details/iso_single_rooms lists from), by the district of the facility.
-- One row per district plus the city row (district_code null).

with open_stays as (${fragments/open_stays}),

per_district as (
    select
        district_code,
        count(*) as people,
        count(*) filter (where person_kind in ('close_contact', 'secondary_contact')) as contacts,
        count(*) filter (where person_kind = 'arrival') as arrivals
    from open_stays
    group by grouping sets ((district_code), ())
)

select * from per_district
order by district_code nulls first
