-- A district-bound user sees the occupational_testing of their districts.
select * from base_occupational_testing
where district_code in (select district_code from scope_districts)
