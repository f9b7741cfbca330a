-- Drill-through of TEST-ROUND and TEST-CADENCE (rulebook §4; 003 #52): each active round and
-- district at $as_of, earliest deadline first. Active, projection and lateness exactly as in
-- metrics/test_round.sql: the round started and the round-district is not finished by its
-- latest report at or before $as_of (sampled >= target and tested >= sampled); the projection
-- is linear on the average sampling rate from the start to that report.
-- One row per round and district. Ids, codes, counts and times only.

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

latest as (
    select *
    from (
        select
            p.*,
            row_number() over (partition by p.round_id, p.district_code order by p.reported_at desc) as recency
        from stg_test_progress p
        join round_districts d on d.round_id = p.round_id and d.district_code = p.district_code
        where p.reported_at <= $as_of
    ) r
    where recency = 1
)

select
    d.round_id,
    d.district_code,
    d.scope,
    d.targets,
    d.target_population,
    coalesce(l.people_sampled, 0) as people_sampled,
    coalesce(l.people_tested, 0) as people_tested,
    coalesce(l.tubes_tested, 0) as tubes_tested,
    coalesce(l.positive_tubes, 0) as positive_tubes,
    cast(coalesce(l.people_sampled, 0) as double) / nullif(d.target_population, 0) as sampled_share,
    cast(l.people_tested as double) / nullif(l.people_sampled, 0) as tested_share,
    d.started_at,
    l.reported_at as last_report_at,
    date_diff('minute', coalesce(l.reported_at, d.started_at), cast($as_of as timestamp)) as minutes_since_report,
    l.projected_finish_at,
    d.deadline_at,
    $as_of > d.deadline_at or coalesce(l.projected_late, false) as projected_late,
    $as_of > coalesce(l.reported_at, d.started_at) + $testing_report_cadence_hours * interval '1' hour as report_overdue
from round_districts d
left join latest l on l.round_id = d.round_id and l.district_code = d.district_code
where not coalesce(l.finished, d.target_population = 0)
order by d.deadline_at, d.round_id, d.district_code
