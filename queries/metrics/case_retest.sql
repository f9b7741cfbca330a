-- CASE-RETEST: missing re-tests of recovered cases per district and for the city at $as_of
-- (rulebook §3; 003 #39). One row per district with a re-test due at or before $as_of, plus
-- the city row (district_code null; always present).
--
-- A discharged case owes two re-tests (fragments/retests_owed), on the days after discharge
-- listed in the setting case_retest_days (default [3, 7]): the first listed day is the first
-- re-test (cases.retest_day3_at), the second listed day the second (cases.retest_day7_at).
--   due_at   = discharged_at + N days
--   deadline = due_at + case_retest_grace_hours
--   due      re-tests with due_at <= $as_of                                   (denominator)
--   done     due, re-test recorded at or before $as_of (early re-tests count)
--   missing  $as_of > deadline and no re-test recorded at or before $as_of    (value, numerator;
--            the re-tests details/case_retest_missing lists)
--   awaiting due, not done, deadline not yet passed
-- Limits to the minute: at $as_of = deadline a re-test is not yet missing; a minute later it is.
-- A re-test recorded after $as_of is not known at $as_of. Red when value > 0; red_since = the
-- earliest deadline among the missing re-tests (the timeliness convention).

with retests as (${fragments/retests_owed}),

due as (
    select district_code, retest_number, deadline, done, missing
    from retests
    where due_at <= $as_of
),

counts as (
    select
        district_code,
        count(*) as due,
        count(case when done then 1 end) as done,
        count(case when missing then 1 end) as missing,
        count(case when missing and retest_number = 1 then 1 end) as missing_first_retest,
        count(case when missing and retest_number = 2 then 1 end) as missing_second_retest,
        min(case when missing then deadline end) as first_missed_deadline
    from due
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(missing as double) as value,
        missing as numerator,
        due as denominator,
        cast($case_retest_grace_hours as double) as threshold,
        missing > 0 as is_red,
        first_missed_deadline as red_since,
        due,
        done,
        missing,
        due - done - missing as awaiting,
        missing_first_retest,
        missing_second_retest
    from counts
)

select * from final
order by district_code nulls first
