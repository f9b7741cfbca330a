-- Drill-through of CASE-RETEST (rulebook §3; 003 #39): the re-tests of recovered cases missing
-- at $as_of (fragments/retests_owed, missing), i.e. the numerator of metrics/case_retest.
-- One row per missing re-test: retest_number 1 or 2 (the first or second day listed in
-- case_retest_days), retest_day (that day after discharge), due_at = discharged_at + day,
-- deadline = due_at + case_retest_grace_hours (passed: $as_of > deadline), no re-test recorded
-- at or before $as_of; hours_overdue = hours from the deadline to $as_of.
-- Ids, codes and times only: never a name, ID-card number or phone.

with retests as (${fragments/retests_owed}),

final as (
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
    from retests
    where missing
)

select * from final
order by deadline, case_id, retest_number
