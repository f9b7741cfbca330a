-- A district-bound user sees the townships of their districts.
select * from base_townships
where district_code in (select district_code from scope_districts)
