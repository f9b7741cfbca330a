-- TEST-CADENCE: 2-hour progress reports (rulebook §4; 003 #52). One row per active round and
-- district (district_code, round_id); no city row, as hours since a report do not add up.
--
-- Active at $as_of exactly as in TEST-ROUND: the round started and the round-district is not
-- finished by its latest progress report at or before $as_of (people_sampled >= target and
-- people_tested >= people_sampled); no report yet counts as nobody sampled.
--
-- value = hours from the latest report at or before $as_of (or, with none yet, from the
-- round's start) to $as_of; numerator = the same in minutes.
-- Red when $as_of is later than that moment + testing_report_cadence_hours, to the minute:
-- 2 h 00 min after a report is on time, 2 h 01 min is late.
-- red_since = last report (or start) + testing_report_cadence_hours: when the next report
-- fell due.
-- Place filter: as TEST-ROUND ($township_code keeps the round-districts whose targets include
-- it).

with round_districts as (
    select d.*
    from stg_test_round_districts d
    where d.started_at <= $as_of
      and ($district_code is null or d.district_code = $district_code)
      and ($township_code is null or exists (
            select 1 from testing_round_targets t
            where t.round_id = d.round_id and t.district_code = d.district_code
              and t.township_code = $township_code))
),

reports as (
    select
        p.round_id,
        p.district_code,
        p.reported_at,
        p.finished,
        count(*) over (partition by p.round_id, p.district_code) as reports,
        row_number() over (partition by p.round_id, p.district_code order by p.reported_at desc) as recency
    from stg_test_progress p
    join round_districts d on d.round_id = p.round_id and d.district_code = p.district_code
    where p.reported_at <= $as_of
),

active as (
    select
        d.district_code,
        d.round_id,
        d.scope,
        d.started_at,
        d.deadline_at,
        l.reported_at as last_report_at,
        coalesce(l.reports, 0) as reports,
        coalesce(l.reported_at, d.started_at) as clock_from
    from round_districts d
    left join reports l
      on l.round_id = d.round_id and l.district_code = d.district_code and l.recency = 1
    where not coalesce(l.finished, d.target_population = 0)
),

judged as (
    select
        a.*,
        date_diff('minute', a.clock_from, cast($as_of as timestamp)) as minutes_since,
        a.clock_from + $testing_report_cadence_hours * interval '1' hour as next_report_due_at
    from active a
),

final as (
    select
        district_code,
        round_id,
        minutes_since / 60.0 as value,
        minutes_since as numerator,
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
    from judged
)

select * from final
order by round_id, district_code
