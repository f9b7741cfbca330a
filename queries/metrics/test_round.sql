-- TEST-ROUND: testing-round progress (rulebook §4; 003 #52). One row per active round and
-- district (district_code, round_id), plus a city row per round (district_code null) adding up
-- its districts.
--
-- Active at $as_of (fragments/round_active): the round started (started_at <= $as_of) and the
-- round-district is not finished by its latest progress report at or before $as_of, finished
-- meaning everyone on the list sampled and every sample resulted (people_sampled >= target,
-- people_tested >= people_sampled). A round-district with no report yet counts as nobody sampled.
-- An unfinished round-district stays active past its deadline, however late; a finished one is
-- gone at once, before its deadline too.
--
-- value = people sampled / target, both from the latest report; tested_share = people tested /
-- people sampled. projected_finish_at = started_at + elapsed x target / sampled, elapsed taken
-- at the latest report (the moment its counts refer to): the finish at the average sampling rate
-- since the start. Null while nobody is sampled.
--
-- The deadline (fragments/round_districts) is the round's stored deadline_at where the source
-- gives one, else started_at + testing_round_deadline_hours; threshold shows that setting.
-- Red when the latest report projects a finish after the deadline (exactly at the deadline is
-- on time), or when $as_of is past the deadline and the round-district is still not finished.
-- With nobody sampled there is no projection: red only once past the deadline.
-- red_since: the first report of the current unbroken run of reports projecting a late finish
-- (fragments/red_since over each round-district's reports), or the deadline when it passed
-- first (the earlier of the two).
-- City row per round: sums of its districts; red when any district is, since the earliest;
-- projected_finish_at the latest of its districts' (null if any is unknown).
-- Place filter: reports are per district, so $township_code keeps the round-districts whose
-- targets include that township, with their district-wide numbers.

with round_districts as (${fragments/round_districts}),

round_reports as (${fragments/round_reports}),

active_round_districts as (${fragments/round_active}),

late_history as (
    -- Each round-district's reports: late or not (the red_since fragment's scope is one key).
    select
        concat(round_id, '/', district_code) as scope_code,
        reported_at as changed_at,
        projected_late as is_red
    from round_reports
),

late_since as (${fragments/red_since(red_history = late_history)}),

judged as (
    -- late_since has a row only while the latest report projects late (the run ends at it).
    select
        a.*,
        a.is_late as is_red,
        case when a.is_late then
            least(s.red_since, case when $as_of > a.deadline_at then a.deadline_at end)
        end as red_since
    from active_round_districts a
    left join late_since s on s.scope_code = concat(a.round_id, '/', a.district_code)
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
