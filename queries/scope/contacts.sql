-- A district-bound user sees the contacts of their districts.
select * from base_contacts
where district_code in (select district_code from scope_districts)
