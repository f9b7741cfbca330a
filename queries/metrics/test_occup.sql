-- TEST-OCCUP: occupational testing (rulebook §4; 003 #39). One row per district with
-- occupational testing rows on or before the date of $as_of, plus the city row
-- (district_code null).
--
-- Each district is judged on its own last report day: the latest test_date <= the date of
-- $as_of for which it has rows (high-risk occupations are due daily, higher-risk ones on their
-- twice-a-week days; a row is written for each occupation due that day). The day of $as_of
-- counts as soon as it has rows, as the data carry no time of report.
-- value = numerator = people due and not tested that day, summed over occupations
-- (people_due - people_tested where fewer were tested than due; extra tests of one occupation
-- do not make up for another); denominator = people due that day.
-- Red when value > 0 (no threshold setting: threshold null).
-- red_since = midnight starting the first report day of the district's current unbroken run of
-- report days with people missed (fragments/red_since). City row: sums over districts, each on
-- its own last day; red since the earliest district's.
-- Place filter: the data are per district, so $township_code selects the district the township
-- lies in (its district-wide figures).

with days as (
    select
        district_code,
        test_date,
        sum(people_due) as people_due,
        sum(case when people_tested < people_due then people_due - people_tested else 0 end) as people_missed,
        sum(case when people_tested < people_due and risk_tier = 'high' then people_due - people_tested else 0 end) as missed_high,
        sum(case when people_tested < people_due and risk_tier = 'higher' then people_due - people_tested else 0 end) as missed_higher,
        sum(case when people_tested < people_due then 1 else 0 end) as occupations_short
    from occupational_testing
    where test_date <= cast($as_of as date)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null
           or district_code in (select district_code from townships where township_code = $township_code))
    group by district_code, test_date
),

last_day as (
    select district_code, max(test_date) as test_date
    from days
    group by district_code
),

missed_history as (
    -- Each district's report days: people missed or not.
    select district_code as scope_code, test_date as changed_at, people_missed > 0 as is_red
    from days
),

missed_since as (${fragments/red_since(red_history = missed_history)}),

latest as (
    select
        d.*,
        case when d.people_missed > 0 then cast(m.red_since as timestamp) end as red_since
    from days d
    join last_day l on l.district_code = d.district_code and l.test_date = d.test_date
    left join missed_since m on m.scope_code = d.district_code
),

rolled as (
    select
        district_code,
        max(test_date) as test_date,
        cast(sum(people_due) as bigint) as people_due,
        cast(coalesce(sum(people_missed), 0) as bigint) as people_missed,
        cast(sum(missed_high) as bigint) as missed_high,
        cast(sum(missed_higher) as bigint) as missed_higher,
        cast(sum(occupations_short) as bigint) as occupations_short,
        min(red_since) as red_since
    from latest
    group by grouping sets ((district_code), ())
)

select
    district_code,
    cast(people_missed as double) as value,
    people_missed as numerator,
    people_due as denominator,
    cast(null as double) as threshold,
    people_missed > 0 as is_red,
    red_since,
    test_date,
    missed_high,
    missed_higher,
    occupations_short
from rolled
order by district_code nulls first
