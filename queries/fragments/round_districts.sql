-- fragments/round_districts: the testing round-districts started by $as_of in the place asked for,
-- each with its deadline (rulebook §4; 003 #52). Reads no CTE, only stg_test_round_districts.
-- One row per round and district:
--   deadline_at  the round's stored deadline_at where the source gives one, else started_at +
--                testing_round_deadline_hours. Every query that judges a round against its
--                deadline takes it from here.
-- Place filter: $district_code; $township_code keeps the round-districts whose targets include
-- that township (reports are per district, so they keep their district-wide numbers).
select
    d.round_id,
    d.district_code,
    d.scope,
    d.started_at,
    coalesce(d.stored_deadline_at, d.started_at + $testing_round_deadline_hours * interval '1' hour)
        as deadline_at,
    d.target_population,
    d.targets
from stg_test_round_districts d
where d.started_at <= $as_of
  and ($district_code is null or d.district_code = $district_code)
  and ($township_code is null or exists (
        select 1 from testing_round_targets t
        where t.round_id = d.round_id and t.district_code = d.district_code
          and t.township_code = $township_code))
