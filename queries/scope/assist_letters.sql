-- Assist letters sent by the user's districts (the letter's district is the sender).
select * from base_assist_letters
where from_district_code in (select district_code from scope_districts)
