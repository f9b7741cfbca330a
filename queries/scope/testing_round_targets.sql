-- A district-bound user sees the testing_round_targets of their districts.
select * from base_testing_round_targets
where district_code in (select district_code from scope_districts)
