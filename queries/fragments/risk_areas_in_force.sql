-- fragments/risk_areas_in_force: the risk areas in force at $as_of in the place asked for
-- (rulebook §7; 003 #51): designated_at <= $as_of and (lifted_at is null or lifted_at > $as_of).
-- Reads no CTE, only risk_areas. One row per area, all levels; ids and codes, no area name.
select
    risk_area_id,
    district_code,
    township_code,
    community_code,
    level,
    residents,
    designated_at
from risk_areas
where designated_at <= $as_of
  and (lifted_at is null or lifted_at > $as_of)
  and ($district_code is null or district_code = $district_code)
  and ($township_code is null or township_code = $township_code)
  and ${fragments/in_community}
