-- A district-bound user sees the communities of their districts.
select * from base_communities
where district_code in (select district_code from scope_districts)
