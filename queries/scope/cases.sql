-- A district-bound user sees the cases of their districts.
select * from base_cases
where district_code in (select district_code from scope_districts)
