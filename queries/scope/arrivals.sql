-- A district-bound user sees the arrivals of their districts.
select * from base_arrivals
where district_code in (select district_code from scope_districts)
