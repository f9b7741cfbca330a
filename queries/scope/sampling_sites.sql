-- A district-bound user sees the sampling_sites of their districts.
select * from base_sampling_sites
where district_code in (select district_code from scope_districts)
