-- A district-bound user sees the districts of their districts.
select * from base_districts
where district_code in (select district_code from scope_districts)
