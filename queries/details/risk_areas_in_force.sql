-- Drill-through of RISK-AREAS, RISK-STAFF and RISK-SUPPLY (rulebook §7; 003 #51, #66, #71):
-- risk areas in force at $as_of (designated_at <= $as_of and (lifted_at is null or lifted_at >
-- $as_of)), high first, longest in force first, each with its latest support report at or
-- before $as_of (support is reported for high-risk areas; null where there is none).
-- staff_short: staff_on_duty < high_risk_staff_share x residents (exactly, as in RISK-STAFF);
-- supply_short: supply_days < supply_days_minimum; both for high-risk areas only, null without
-- a report. One row per area. Ids, codes, counts and times only: no area name.

with areas as (
    select risk_area_id, district_code, township_code, community_code, level, residents, designated_at
    from risk_areas
    where designated_at <= $as_of
      and (lifted_at is null or lifted_at > $as_of)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

latest as (
    select risk_area_id, reported_at, staff_on_duty, supply_days
    from (
        select
            r.*,
            row_number() over (partition by r.risk_area_id order by r.reported_at desc) as recency
        from risk_area_support_reports r
        join areas a on a.risk_area_id = r.risk_area_id
        where r.reported_at <= $as_of
    ) r
    where recency = 1
)

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
    case when a.level = 'high' and l.risk_area_id is not null
         then l.staff_on_duty < cast($high_risk_staff_share as decimal(18, 6)) * a.residents end as staff_short,
    case when a.level = 'high' and l.risk_area_id is not null
         then l.supply_days < $supply_days_minimum end as supply_short
from areas a
left join latest l on l.risk_area_id = a.risk_area_id
order by case a.level when 'high' then 1 when 'medium' then 2 else 3 end, a.designated_at, a.risk_area_id
