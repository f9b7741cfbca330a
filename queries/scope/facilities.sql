-- A district-bound user sees the facilities of their districts.
select * from base_facilities
where district_code in (select district_code from scope_districts)
