-- A district-bound user sees the testing_progress_reports of their districts.
select * from base_testing_progress_reports
where district_code in (select district_code from scope_districts)
