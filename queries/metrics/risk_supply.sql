-- RISK-SUPPLY: supplies for residents of high-risk areas (rulebook §7; 003 #71). One row per
-- district with a high-risk area in force at $as_of, plus the city row (district_code null).
--
-- The rule is fragments/risk_support keyed by this rule's id, the steps RISK-STAFF runs too:
-- high-risk areas in force, each judged on its latest support report at or before $as_of.
-- An area breaches when supply_days < supply_days_minimum: exactly 15 days is enough.
-- value = numerator = areas breaching; denominator = areas in force with a report.
-- Red when value > 0. Unknown is not zero: a district none of whose areas has reported yet has
-- value and is_red null (areas_unreported counts areas without a report).
-- red_since: per breaching area, the first report of its current unbroken run of breaching
-- reports; per district, the earliest over its breaching areas.
-- Own columns: residents_short (residents of breaching areas), min_supply_days.
-- Place filter on the area's district and township.

with support_rule as (select 'RISK-SUPPLY' as rule_id),

support as (${fragments/risk_support}),

final as (
    select
        district_code, value, numerator, denominator, threshold, is_red, red_since,
        high_areas, areas_unreported, residents_short, min_supply_days, oldest_latest_report_at
    from support
)

select * from final
order by district_code nulls first
