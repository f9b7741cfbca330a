-- fragments/risk_support_reports: the support reports filed at or before $as_of for the areas of a
-- CTE named areas_in_force (fragments/risk_areas_in_force, or a part of it), each judged on both
-- support rules (rulebook §7; 003 #66, #71). One row per report:
--   staff_short   RISK-STAFF: staff_on_duty < high_risk_staff_share x residents, compared exactly
--                 (the share as a decimal): 100 staff for 1,000 residents at 10% is enough, 99 not
--   supply_short  RISK-SUPPLY: supply_days < supply_days_minimum: exactly 15 days is enough
--   recency       1 for the area's latest report at or before $as_of, 2 for the one before, ...
select
    r.risk_area_id,
    r.reported_at,
    r.staff_on_duty,
    r.supply_days,
    r.staff_on_duty < cast($high_risk_staff_share as decimal(18, 6)) * a.residents as staff_short,
    r.supply_days < $supply_days_minimum as supply_short,
    row_number() over (partition by r.risk_area_id order by r.reported_at desc) as recency
from risk_area_support_reports r
join areas_in_force a on a.risk_area_id = r.risk_area_id
where r.reported_at <= $as_of
