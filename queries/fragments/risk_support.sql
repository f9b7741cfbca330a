-- fragments/risk_support: RISK-STAFF and RISK-SUPPLY, one rule keyed by the rule_id of a one-row
-- CTE named support_rule (rulebook §7; 003 #66, #71). One row per district with a high-risk area
-- in force at $as_of, plus the city row (district_code null).
--
-- High-risk areas in force at $as_of (fragments/risk_areas_in_force), each judged on its latest
-- support report at or before $as_of against the rule (fragments/risk_support_reports:
-- staff_short for RISK-STAFF, supply_short for RISK-SUPPLY).
-- value = numerator = areas breaching; denominator = areas in force with a report; threshold =
-- the rule's setting (high_risk_staff_share, supply_days_minimum).
-- Red when value > 0. Unknown is not zero: a district none of whose areas has reported yet has
-- value and is_red null (areas_unreported counts areas without a report).
-- red_since: per breaching area, the first report of its current unbroken run of breaching
-- reports (fragments/red_since); per district, the earliest over its breaching areas.
-- Columns of both rules (each rule's query picks its own): staff_on_duty and residents_reported
-- (residents of areas with a report) for RISK-STAFF; residents_short (residents of breaching
-- areas) and min_supply_days for RISK-SUPPLY.
with areas_in_force as (${fragments/risk_areas_in_force}),

high_areas as (
    select * from areas_in_force where level = 'high'
),

support_reports as (${fragments/risk_support_reports(areas_in_force = high_areas)}),

rule_reports as (
    select
        r.risk_area_id,
        r.reported_at,
        r.staff_on_duty,
        r.supply_days,
        r.recency,
        case s.rule_id when 'RISK-STAFF' then r.staff_short when 'RISK-SUPPLY' then r.supply_short end as breach
    from support_reports r
    cross join support_rule s
),

breach_history as (
    select risk_area_id as scope_code, reported_at as changed_at, breach as is_red
    from rule_reports
),

breach_since as (${fragments/red_since(red_history = breach_history)}),

judged as (
    select
        a.district_code,
        a.residents,
        l.reported_at,
        l.staff_on_duty,
        l.supply_days,
        case when l.breach then 1 else 0 end as breach,
        case when l.risk_area_id is null then 1 else 0 end as unreported,
        case when l.breach then b.red_since end as breach_from
    from high_areas a
    left join rule_reports l on l.risk_area_id = a.risk_area_id and l.recency = 1
    left join breach_since b on b.scope_code = a.risk_area_id
),

rolled as (
    select
        district_code,
        count(*) as areas,
        cast(coalesce(sum(breach), 0) as bigint) as breaches,
        cast(coalesce(sum(unreported), 0) as bigint) as unreported,
        cast(sum(staff_on_duty) as bigint) as staff_on_duty,
        cast(sum(case when unreported = 0 then residents else 0 end) as bigint) as residents_reported,
        cast(sum(case when breach = 1 then residents else 0 end) as bigint) as residents_short,
        min(supply_days) as min_supply_days,
        min(breach_from) as red_since,
        min(reported_at) as oldest_latest_report_at
    from judged
    group by grouping sets ((district_code), ())
)

select
    r.district_code,
    case when r.areas = 0 or r.areas > r.unreported then cast(r.breaches as double) end as value,
    case when r.areas = 0 or r.areas > r.unreported then r.breaches end as numerator,
    r.areas - r.unreported as denominator,
    case s.rule_id
        when 'RISK-STAFF' then cast($high_risk_staff_share as double)
        when 'RISK-SUPPLY' then cast($supply_days_minimum as double)
    end as threshold,
    case when r.areas = 0 or r.areas > r.unreported then r.breaches > 0 end as is_red,
    case when r.breaches > 0 then r.red_since end as red_since,
    r.areas as high_areas,
    r.unreported as areas_unreported,
    r.staff_on_duty,
    r.residents_reported,
    r.residents_short,
    r.min_supply_days,
    r.oldest_latest_report_at
from rolled r
cross join support_rule s
