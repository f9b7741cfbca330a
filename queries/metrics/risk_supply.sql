-- RISK-SUPPLY: supplies for residents of high-risk areas (rulebook §7; 003 #71). One row per
-- district with a high-risk area in force at $as_of, plus the city row (district_code null).
--
-- High-risk areas in force at $as_of (designated_at <= $as_of and (lifted_at is null or
-- lifted_at > $as_of)), each judged on its latest support report at or before $as_of.
-- An area breaches when supply_days < supply_days_minimum: exactly 15 days is enough.
-- value = numerator = areas breaching; denominator = areas in force with a report.
-- Red when value > 0. Unknown is not zero: a district none of whose areas has reported yet has
-- value and is_red null (areas_unreported counts areas without a report).
-- red_since: per breaching area, the first report of its current unbroken run of breaching
-- reports; per district, the earliest over its breaching areas.
-- Place filter on the area's district and township.

with areas as (
    select risk_area_id, district_code, residents
    from risk_areas
    where level = 'high'
      and designated_at <= $as_of
      and (lifted_at is null or lifted_at > $as_of)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

reports as (
    select
        r.risk_area_id,
        r.reported_at,
        r.supply_days,
        r.supply_days < $supply_days_minimum as breach,
        row_number() over (partition by r.risk_area_id order by r.reported_at desc) as recency
    from risk_area_support_reports r
    join areas a on a.risk_area_id = r.risk_area_id
    where r.reported_at <= $as_of
),

last_sufficient as (
    select risk_area_id, max(reported_at) as sufficient_at
    from reports
    where not breach
    group by risk_area_id
),

breach_run as (
    select r.risk_area_id, min(r.reported_at) as breach_from
    from reports r
    left join last_sufficient s on s.risk_area_id = r.risk_area_id
    where r.breach and (s.sufficient_at is null or r.reported_at > s.sufficient_at)
    group by r.risk_area_id
),

judged as (
    select
        a.district_code,
        a.residents,
        l.reported_at,
        l.supply_days,
        case when l.breach then 1 else 0 end as breach,
        case when l.risk_area_id is null then 1 else 0 end as unreported,
        case when l.breach then b.breach_from end as breach_from
    from areas a
    left join reports l on l.risk_area_id = a.risk_area_id and l.recency = 1
    left join breach_run b on b.risk_area_id = a.risk_area_id
),

rolled as (
    select
        district_code,
        count(*) as areas,
        cast(coalesce(sum(breach), 0) as bigint) as breaches,
        cast(coalesce(sum(unreported), 0) as bigint) as unreported,
        cast(sum(case when breach = 1 then residents else 0 end) as bigint) as residents_short,
        min(supply_days) as min_supply_days,
        min(breach_from) as red_since,
        min(reported_at) as oldest_latest_report_at
    from judged
    group by grouping sets ((district_code), ())
)

select
    district_code,
    case when areas = 0 or areas > unreported then cast(breaches as double) end as value,
    case when areas = 0 or areas > unreported then breaches end as numerator,
    areas - unreported as denominator,
    cast($supply_days_minimum as double) as threshold,
    case when areas = 0 or areas > unreported then breaches > 0 end as is_red,
    case when breaches > 0 then red_since end as red_since,
    areas as high_areas,
    unreported as areas_unreported,
    residents_short,
    min_supply_days,
    oldest_latest_report_at
from rolled
order by district_code nulls first
