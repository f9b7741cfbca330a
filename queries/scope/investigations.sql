-- A district-bound user sees the investigations of their districts.
select * from base_investigations
where district_code in (select district_code from scope_districts)
