-- The classification history of the cases in scope (the scoped view cases).
select * from base_case_classifications
where case_id in (select case_id from cases)
