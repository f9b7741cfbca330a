-- A district-bound user sees the vaccination_60plus of their districts.
select * from base_vaccination_60plus
where district_code in (select district_code from scope_districts)
