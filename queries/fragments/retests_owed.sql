-- fragments/retests_owed: the re-tests recovered cases owe (CASE-RETEST; 003 #39), judged at
-- $as_of, in the place filter ($district_code, $township_code). A discharged case owes two, on
-- the days after discharge listed in the setting case_retest_days (default [3, 7]): the first
-- listed day is the first re-test (cases.retest_day3_at), the second the second
-- (cases.retest_day7_at).
-- Reads the tables only. One row per discharged case and re-test: case_id, district_code,
-- township_code, discharged_at, retest_number (1 or 2), retest_day (that day after discharge),
--   due_at       discharged_at + retest_day days
--   retested_at  the re-test as recorded (a time after $as_of is not known at $as_of)
--   deadline     due_at + case_retest_grace_hours
--   done         a re-test recorded at or before $as_of (early re-tests count)
--   missing      $as_of past the deadline and not done (at $as_of = deadline not yet missing;
--                a minute later it is)
select
    r.*,
    due_at + $case_retest_grace_hours * interval '1' hour as deadline,
    coalesce(retested_at <= $as_of, false) as done,
    not coalesce(retested_at <= $as_of, false)
        and due_at + $case_retest_grace_hours * interval '1' hour < $as_of as missing
from (
    select
        case_id, district_code, township_code, discharged_at,
        1 as retest_number,
        $case_retest_days[1] as retest_day,
        discharged_at + $case_retest_days[1] * interval '1' day as due_at,
        retest_day3_at as retested_at
    from cases
    where discharged_at is not null
      and ${fragments/in_community}
      and ${fragments/in_grid}
    union all
    select
        case_id, district_code, township_code, discharged_at,
        2 as retest_number,
        $case_retest_days[2] as retest_day,
        discharged_at + $case_retest_days[2] * interval '1' day as due_at,
        retest_day7_at as retested_at
    from cases
    where discharged_at is not null
      and ${fragments/in_community}
      and ${fragments/in_grid}
) r
where ($district_code is null or district_code = $district_code)
  and ($township_code is null or township_code = $township_code)
