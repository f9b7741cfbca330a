-- A district-bound user sees the buildings of their districts.
select * from base_buildings
where district_code in (select district_code from scope_districts)
