-- A district-bound user sees the risk_areas of their districts.
select * from base_risk_areas
where district_code in (select district_code from scope_districts)
