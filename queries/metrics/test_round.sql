-- TEST-ROUND: testing-round progress (rulebook §4; 003 #52). One row per active round and
-- district (district_code, round_id), plus a city row per round (district_code null) adding up
-- its districts.
--
-- Active at $as_of: the round started (started_at <= $as_of) and the round-district is not
-- finished by its latest progress report at or before $as_of, finished meaning everyone on the
-- list sampled and every sample resulted (people_sampled >= target, people_tested >=
-- people_sampled). A round-district with no report yet counts as nobody sampled. An unfinished
-- round-district stays active past its deadline, however late; a finished one is gone at once,
-- before its deadline too.
--
-- value = people sampled / target, both from the latest report; tested_share = people tested /
-- people sampled. projected_finish_at = started_at + elapsed x target / sampled, elapsed taken
-- at the latest report (the moment its counts refer to): the finish at the average sampling rate
-- since the start. Null while nobody is sampled.
--
-- The deadline is the round's deadline_at (the scenario sets it to started_at + 24 h);
-- threshold shows the setting testing_round_deadline_hours, as bound.
-- Red when the latest report projects a finish after the deadline (exactly at the deadline is
-- on time), or when $as_of is past the deadline and the round-district is still not finished.
-- With nobody sampled there is no projection: red only once past the deadline.
-- red_since: the first report of the current unbroken run of reports projecting a late finish,
-- or deadline_at when the deadline passed first (the earlier of the two).
-- City row per round: sums of its districts; red when any district is, since the earliest;
-- projected_finish_at the latest of its districts' (null if any is unknown).
-- Place filter: reports are per district, so $township_code keeps the round-districts whose
-- targets include that township, with their district-wide numbers.

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
        p.*,
        row_number() over (partition by p.round_id, p.district_code order by p.reported_at desc) as recency
    from stg_test_progress p
    join round_districts d on d.round_id = p.round_id and d.district_code = p.district_code
    where p.reported_at <= $as_of
),

last_on_time as (
    select round_id, district_code, max(reported_at) as on_time_at
    from reports
    where not projected_late
    group by round_id, district_code
),

late_run as (
    -- Reports projecting a late finish since the last one that did not.
    select r.round_id, r.district_code, min(r.reported_at) as late_from
    from reports r
    left join last_on_time o on o.round_id = r.round_id and o.district_code = r.district_code
    where r.projected_late and (o.on_time_at is null or r.reported_at > o.on_time_at)
    group by r.round_id, r.district_code
),

active as (
    select
        d.round_id,
        d.district_code,
        d.scope,
        d.started_at,
        d.deadline_at,
        d.target_population,
        l.reported_at as last_report_at,
        coalesce(l.people_sampled, 0) as people_sampled,
        coalesce(l.people_tested, 0) as people_tested,
        coalesce(l.tubes_tested, 0) as tubes_tested,
        coalesce(l.positive_tubes, 0) as positive_tubes,
        l.projected_finish_at,
        $as_of > d.deadline_at or coalesce(l.projected_late, false) as is_red,
        lr.late_from
    from round_districts d
    left join reports l
      on l.round_id = d.round_id and l.district_code = d.district_code and l.recency = 1
    left join late_run lr
      on lr.round_id = d.round_id and lr.district_code = d.district_code
    where not coalesce(l.finished, d.target_population = 0)
),

judged as (
    -- late_from is set only while the latest report projects late (the run ends at it).
    select
        a.*,
        case when a.is_red then
            least(a.late_from, case when $as_of > a.deadline_at then a.deadline_at end)
        end as red_since
    from active a
),

rolled as (
    select
        district_code,
        round_id,
        min(scope) as scope,
        min(started_at) as started_at,
        min(deadline_at) as deadline_at,
        cast(sum(target_population) as bigint) as target_population,
        cast(sum(people_sampled) as bigint) as people_sampled,
        cast(sum(people_tested) as bigint) as people_tested,
        cast(sum(tubes_tested) as bigint) as tubes_tested,
        cast(sum(positive_tubes) as bigint) as positive_tubes,
        max(last_report_at) as last_report_at,
        case when count(projected_finish_at) = count(*) then max(projected_finish_at) end as projected_finish_at,
        max(case when is_red then 1 else 0 end) = 1 as is_red,
        min(red_since) as red_since,
        count(*) as districts
    from judged
    group by grouping sets ((district_code, round_id), (round_id))
),

final as (
    select
        district_code,
        round_id,
        cast(people_sampled as double) / nullif(target_population, 0) as value,
        people_sampled as numerator,
        target_population as denominator,
        cast($testing_round_deadline_hours as double) as threshold,
        is_red,
        red_since,
        scope,
        started_at,
        deadline_at,
        date_diff('minute', started_at, cast($as_of as timestamp)) / 60.0 as elapsed_hours,
        last_report_at,
        people_tested,
        cast(people_tested as double) / nullif(people_sampled, 0) as tested_share,
        tubes_tested,
        positive_tubes,
        projected_finish_at,
        districts
    from rolled
)

select * from final
order by round_id, district_code nulls first
