-- Drill-through of CASE-RETEST (rulebook §3; 003 #39): the re-tests of recovered cases missing
-- at $as_of, i.e. the numerator of metrics/case_retest.
-- One row per missing re-test: retest_number 1 or 2 (the first or second day listed in
-- case_retest_days), retest_day (that day after discharge), due_at = discharged_at + day,
-- deadline = due_at + case_retest_grace_hours (passed: $as_of > deadline), no re-test recorded
-- at or before $as_of; hours_overdue = hours from the deadline to $as_of.
-- Ids, codes and times only: never a name, ID-card number or phone.

with retests as (
    select
        case_id, district_code, township_code, discharged_at,
        1 as retest_number,
        $case_retest_days[1] as retest_day,
        discharged_at + $case_retest_days[1] * interval '1' day as due_at,
        retest_day3_at as retested_at
    from cases
    where discharged_at is not null
    union all
    select
        case_id, district_code, township_code, discharged_at,
        2 as retest_number,
        $case_retest_days[2] as retest_day,
        discharged_at + $case_retest_days[2] * interval '1' day as due_at,
        retest_day7_at as retested_at
    from cases
    where discharged_at is not null
),

missing as (
    select
        case_id,
        district_code,
        township_code,
        discharged_at,
        retest_number,
        retest_day,
        due_at,
        due_at + $case_retest_grace_hours * interval '1' hour as deadline
    from retests
    where due_at + $case_retest_grace_hours * interval '1' hour < $as_of
      and not coalesce(retested_at <= $as_of, false)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
)

select
    case_id,
    district_code,
    township_code,
    discharged_at,
    retest_number,
    retest_day,
    due_at,
    deadline,
    date_diff('minute', deadline, cast($as_of as timestamp)) / 60.0 as hours_overdue
from missing
order by deadline, case_id, retest_number
