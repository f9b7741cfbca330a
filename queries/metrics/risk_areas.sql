-- RISK-AREAS: risk areas, 快封快解 (rulebook §7; 003 #51). One row per district with a risk area
-- in force at $as_of or lifted in the window, plus the city row (district_code null).
--
-- In force at $as_of: designated_at <= $as_of and (lifted_at is null or lifted_at > $as_of).
-- Lifted in the window: $as_of - timeliness_window_hours < lifted_at <= $as_of.
-- value = numerator = areas in force (all levels); then per level (high 足不出户, medium
-- 人不出区, low): areas, residents and the most days any has been in force (days since
-- designated, to the minute, as a decimal), and lifted_in_window.
-- The rule has no red: threshold null, is_red false, red_since null.
-- Place filter on the area's district, township and community (fragments/in_community).

with areas as (
    select
        district_code,
        level,
        residents,
        designated_at <= $as_of and (lifted_at is null or lifted_at > $as_of) as in_force,
        lifted_at > $as_of - $timeliness_window_hours * interval '1' hour and lifted_at <= $as_of as lifted_in_window,
        date_diff('minute', designated_at, cast($as_of as timestamp)) / 1440.0 as days_in_force
    from risk_areas
    where designated_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
      and ${fragments/in_community}
),

relevant as (
    select * from areas where in_force or lifted_in_window
),

rolled as (
    select
        district_code,
        sum(case when in_force then 1 else 0 end) as areas,
        sum(case when in_force then residents else 0 end) as residents,
        sum(case when in_force and level = 'high' then 1 else 0 end) as high_areas,
        sum(case when in_force and level = 'medium' then 1 else 0 end) as medium_areas,
        sum(case when in_force and level = 'low' then 1 else 0 end) as low_areas,
        sum(case when in_force and level = 'high' then residents else 0 end) as high_residents,
        sum(case when in_force and level = 'medium' then residents else 0 end) as medium_residents,
        sum(case when in_force and level = 'low' then residents else 0 end) as low_residents,
        max(case when in_force and level = 'high' then days_in_force end) as high_max_days,
        max(case when in_force and level = 'medium' then days_in_force end) as medium_max_days,
        max(case when in_force and level = 'low' then days_in_force end) as low_max_days,
        sum(case when lifted_in_window then 1 else 0 end) as lifted_in_window
    from relevant
    group by grouping sets ((district_code), ())
)

select
    district_code,
    cast(coalesce(areas, 0) as double) as value,
    cast(coalesce(areas, 0) as bigint) as numerator,
    cast(null as bigint) as denominator,
    cast(null as double) as threshold,
    false as is_red,
    cast(null as timestamp) as red_since,
    cast(coalesce(residents, 0) as bigint) as residents,
    cast(coalesce(high_areas, 0) as bigint) as high_areas,
    cast(coalesce(medium_areas, 0) as bigint) as medium_areas,
    cast(coalesce(low_areas, 0) as bigint) as low_areas,
    cast(coalesce(high_residents, 0) as bigint) as high_residents,
    cast(coalesce(medium_residents, 0) as bigint) as medium_residents,
    cast(coalesce(low_residents, 0) as bigint) as low_residents,
    high_max_days,
    medium_max_days,
    low_max_days,
    cast(coalesce(lifted_in_window, 0) as bigint) as lifted_in_window
from rolled
order by district_code nulls first
