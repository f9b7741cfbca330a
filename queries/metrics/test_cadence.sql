-- TEST-CADENCE: 2-hour progress reports (rulebook §4; 003 #52). One row per active round and
-- district (district_code, round_id); no city row, as hours since a report do not add up.
--
-- Active at $as_of exactly as in TEST-ROUND (fragments/round_active): the round started and the
-- round-district is not finished by its latest progress report at or before $as_of
-- (people_sampled >= target and people_tested >= people_sampled); no report yet counts as nobody
-- sampled.
--
-- value = hours from the latest report at or before $as_of (or, with none yet, from the
-- round's start) to $as_of; numerator = the same in minutes.
-- Red when $as_of is later than that moment + testing_report_cadence_hours, to the minute:
-- 2 h 00 min after a report is on time, 2 h 01 min is late.
-- red_since = last report (or start) + testing_report_cadence_hours: when the next report
-- fell due.
-- Place filter: as TEST-ROUND ($township_code keeps the round-districts whose targets include
-- it).

with round_districts as (${fragments/round_districts}),

round_reports as (${fragments/round_reports}),

active_round_districts as (${fragments/round_active}),

final as (
    select
        district_code,
        round_id,
        minutes_since_report / 60.0 as value,
        minutes_since_report as numerator,
        cast(null as bigint) as denominator,
        cast($testing_report_cadence_hours as double) as threshold,
        $as_of > next_report_due_at as is_red,
        case when $as_of > next_report_due_at then next_report_due_at end as red_since,
        scope,
        started_at,
        deadline_at,
        last_report_at,
        reports,
        next_report_due_at
    from active_round_districts
)

select * from final
order by round_id, district_code
