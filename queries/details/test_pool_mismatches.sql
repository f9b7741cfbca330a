-- Drill-through of TEST-POOL (rulebook §4; 003 #52): targets of active rounds whose pool size is
-- not what their risk level asks (high pool_size_high_risk, medium pool_size_medium_risk, low
-- pool_size_low_risk). Active as in metrics/test_round.sql: the round started and the
-- round-district is not finished by its latest report at or before $as_of.
-- One row per round, township and risk level. Ids, codes and counts only.

with round_districts as (
    select d.round_id, d.district_code, d.started_at, d.deadline_at, d.target_population
    from stg_test_round_districts d
    where d.started_at <= $as_of
      and ($district_code is null or d.district_code = $district_code)
),

latest as (
    select round_id, district_code, finished
    from (
        select
            p.round_id,
            p.district_code,
            p.finished,
            row_number() over (partition by p.round_id, p.district_code order by p.reported_at desc) as recency
        from stg_test_progress p
        join round_districts d on d.round_id = p.round_id and d.district_code = p.district_code
        where p.reported_at <= $as_of
    ) r
    where recency = 1
),

active as (
    select d.round_id, d.district_code, d.started_at, d.deadline_at
    from round_districts d
    left join latest l on l.round_id = d.round_id and l.district_code = d.district_code
    where not coalesce(l.finished, d.target_population = 0)
),

targets as (
    select
        t.round_id,
        t.district_code,
        t.township_code,
        t.risk_level,
        t.pool_size,
        case t.risk_level
            when 'high' then $pool_size_high_risk
            when 'medium' then $pool_size_medium_risk
            when 'low' then $pool_size_low_risk
        end as expected_pool_size,
        t.target_population,
        a.started_at,
        a.deadline_at
    from testing_round_targets t
    join active a on a.round_id = t.round_id and a.district_code = t.district_code
    where ($township_code is null or t.township_code = $township_code)
)

select *
from targets
where pool_size <> expected_pool_size
order by started_at, round_id, district_code, township_code, risk_level
