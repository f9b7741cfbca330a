-- Testing rounds finished since the previous briefing, for the daily briefing's testing section
-- (rulebook §4; 003 #52). One row per round and district whose first finished progress report
-- was filed in the 24 hours to $as_of (the day since the previous daily briefing).
--
-- Finished exactly as in metrics/test_round.sql (stg_test_progress.finished: everyone on the
-- list sampled and every sample resulted); the deadline is the one it judges against
-- (fragments/round_districts). finished_at is that first finished report; the counts are the
-- ones it reports. on_time: finished at or before the round's deadline (to the minute).
-- Rounds still active at $as_of are TEST-ROUND's rows, not these.

with round_districts as (${fragments/round_districts}),

round_reports as (${fragments/round_reports}),

finished_reports as (
    select
        p.*,
        row_number() over (partition by p.round_id, p.district_code order by p.reported_at) as nth_finished
    from round_reports p
    where p.finished
),

first_finished as (
    select *
    from finished_reports
    where nth_finished = 1
      and reported_at > $as_of - interval '1' day
),

final as (
    select
        f.district_code,
        f.round_id,
        r.name_zh as round_name_zh,
        d.started_at,
        d.deadline_at,
        f.reported_at as finished_at,
        d.target_population,
        f.people_sampled,
        f.people_tested,
        f.tubes_tested,
        f.positive_tubes,
        date_diff('minute', d.started_at, f.reported_at) / 60.0 as hours_taken,
        f.reported_at <= d.deadline_at as on_time
    from first_finished f
    join round_districts d on d.round_id = f.round_id and d.district_code = f.district_code
    join testing_rounds r on r.round_id = f.round_id
)

select * from final
order by finished_at, round_id, district_code
