-- People in centralized isolation at $as_of: open room stays, by the district of the facility.
-- One row per district plus the city row (district_code null).

with open_stays as (
    select r.district_code, s.person_kind
    from room_stays s
    join stg_rooms r on r.room_id = s.room_id
    where s.check_in_at <= $as_of
      and (s.check_out_at is null or s.check_out_at > $as_of)
      and ($district_code is null or r.district_code = $district_code)
      and ($township_code is null or r.township_code = $township_code)
),

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
