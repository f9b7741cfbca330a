-- VAC-60: vaccination of residents aged 60+ (rulebook §7; 003 #45). One row per district with a
-- weekly report dated on or before the date of $as_of, plus the city row (district_code null).
--
-- Each district is judged on its latest report: report_date <= the date of $as_of (a report
-- dated today counts). value = vaccinated_full / residents_60plus. Unknown is not zero: where
-- residents_60plus is null, value and is_red are null.
-- Red when value < elderly_vaccination_minimum (exactly at the minimum is not red).
-- red_since = midnight starting the first report date of the district's current unbroken run
-- of reports below the minimum (fragments/red_since).
-- City row: over the districts whose residents 60+ are known (both numerator and denominator
-- leave the others out; districts_unknown counts them); red since the earliest district's.
-- Place filter: reported per district, so $township_code selects the district the township
-- lies in (its district-wide figures).

with reports as (
    select
        district_code,
        report_date,
        residents_60plus,
        vaccinated_full,
        vaccinated_booster,
        case when residents_60plus > 0
             then cast(vaccinated_full as double) / residents_60plus < $elderly_vaccination_minimum
        end as below,
        row_number() over (partition by district_code order by report_date desc) as recency
    from vaccination_60plus
    where report_date <= cast($as_of as date)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null
           or district_code in (select district_code from townships where township_code = $township_code))
),

below_history as (
    -- Each district's reports: below the minimum or not (at or above it, or unknown).
    select district_code as scope_code, report_date as changed_at, coalesce(below, false) as is_red
    from reports
),

below_since as (${fragments/red_since(red_history = below_history)}),

latest as (
    select
        r.district_code,
        r.report_date,
        r.residents_60plus,
        r.vaccinated_full,
        r.vaccinated_booster,
        r.below,
        case when r.below then cast(b.red_since as timestamp) end as red_since
    from reports r
    left join below_since b on b.scope_code = r.district_code
    where r.recency = 1
),

rolled as (
    select
        district_code,
        max(report_date) as report_date,
        cast(sum(case when residents_60plus is not null then vaccinated_full end) as bigint) as vaccinated_full,
        cast(sum(residents_60plus) as bigint) as residents_60plus,
        cast(sum(case when residents_60plus is not null then vaccinated_booster end) as bigint) as vaccinated_booster,
        cast(sum(case when residents_60plus is null then 1 else 0 end) as bigint) as districts_unknown,
        min(red_since) as red_since
    from latest
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(vaccinated_full as double) / nullif(residents_60plus, 0) as value,
        vaccinated_full as numerator,
        residents_60plus as denominator,
        cast($elderly_vaccination_minimum as double) as threshold,
        report_date,
        vaccinated_booster,
        districts_unknown,
        red_since
    from rolled
)

select
    district_code,
    value,
    numerator,
    denominator,
    threshold,
    value < threshold as is_red,
    case when value < threshold then red_since end as red_since,
    report_date,
    cast(vaccinated_booster as double) / nullif(denominator, 0) as booster_share,
    vaccinated_booster,
    districts_unknown
from final
order by district_code nulls first
