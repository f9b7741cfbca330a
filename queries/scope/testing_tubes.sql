-- A district-bound user sees the testing_tubes of their districts.
select * from base_testing_tubes
where district_code in (select district_code from scope_districts)
