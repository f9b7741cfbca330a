-- A district-bound user sees the screening_tasks of their districts.
select * from base_screening_tasks
where district_code in (select district_code from scope_districts)
