-- Drill-through of RISK-AREAS, RISK-STAFF and RISK-SUPPLY (rulebook §7; 003 #51, #66, #71):
-- risk areas in force at $as_of (fragments/risk_areas_in_force), high first, longest in force
-- first, each with its latest support report at or before $as_of (support is reported for
-- high-risk areas; null where there is none), judged as the metrics judge it
-- (fragments/risk_support_reports): staff_short as in RISK-STAFF, supply_short as in
-- RISK-SUPPLY; both for high-risk areas only, null without a report.
-- One row per area. Ids, codes, counts and times only: no area name.

with areas_in_force as (${fragments/risk_areas_in_force}),

support_reports as (${fragments/risk_support_reports}),

listed as (
    select
        a.risk_area_id,
        a.district_code,
        a.township_code,
        a.community_code,
        a.level,
        a.residents,
        a.designated_at,
        date_diff('minute', a.designated_at, cast($as_of as timestamp)) / 1440.0 as days_in_force,
        l.reported_at as last_report_at,
        l.staff_on_duty,
        cast(l.staff_on_duty as double) / nullif(a.residents, 0) as staff_per_resident,
        l.supply_days,
        case when a.level = 'high' then l.staff_short end as staff_short,
        case when a.level = 'high' then l.supply_short end as supply_short
    from areas_in_force a
    left join support_reports l on l.risk_area_id = a.risk_area_id and l.recency = 1
)

select * from listed
order by case level when 'high' then 1 when 'medium' then 2 else 3 end, designated_at, risk_area_id
