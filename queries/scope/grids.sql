-- A district-bound user sees the grids of their districts.
select * from base_grids
where district_code in (select district_code from scope_districts)
