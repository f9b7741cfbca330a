-- Samples of the tubes in scope.
select * from base_testing_samples
where tube_id in (select tube_id from testing_tubes)
