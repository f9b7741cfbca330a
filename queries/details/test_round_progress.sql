-- Drill-through of TEST-ROUND and TEST-CADENCE (rulebook §4; 003 #52): each active round and
-- district at $as_of, earliest deadline first. The same steps as metrics/test_round.sql and
-- metrics/test_cadence.sql (fragments/round_districts, round_reports, round_active): the round
-- started and the round-district is not finished by its latest report at or before $as_of
-- (sampled >= target and tested >= sampled); the projection is linear on the average sampling
-- rate from the start to that report; projected_late is TEST-ROUND's red, report_overdue
-- TEST-CADENCE's.
-- One row per round and district. Ids, codes, counts and times only.

with round_districts as (${fragments/round_districts}),

round_reports as (${fragments/round_reports}),

active_round_districts as (${fragments/round_active}),

progress as (
    select
        round_id,
        district_code,
        scope,
        targets,
        target_population,
        people_sampled,
        people_tested,
        tubes_tested,
        positive_tubes,
        cast(people_sampled as double) / nullif(target_population, 0) as sampled_share,
        cast(people_tested as double) / nullif(people_sampled, 0) as tested_share,
        started_at,
        last_report_at,
        minutes_since_report,
        projected_finish_at,
        deadline_at,
        is_late as projected_late,
        $as_of > next_report_due_at as report_overdue
    from active_round_districts
)

select * from progress
order by deadline_at, round_id, district_code
