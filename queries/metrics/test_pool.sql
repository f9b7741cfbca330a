-- TEST-POOL: pooling ratio (rulebook §4; 003 #52). One row per district with targets in an
-- active round, plus the city row (district_code null).
--
-- Active round-districts at $as_of as in TEST-ROUND: the round started and the round-district
-- is not finished by its latest progress report at or before $as_of.
-- A target (one round, township and risk level) breaches when its pool_size differs from what
-- its level asks: high-risk pool_size_high_risk (door to door, single tubes), medium
-- pool_size_medium_risk (1:5), low pool_size_low_risk (1:10).
-- value = numerator = breaching targets; denominator = targets of active round-districts.
-- Red when value > 0 (no threshold setting: threshold is null). red_since = the start of the
-- earliest active round holding a breaching target (targets are fixed when a round starts).
-- Place filter: $township_code keeps that township's targets.

with round_districts as (
    select d.round_id, d.district_code, d.started_at, d.target_population
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
    select d.round_id, d.district_code, d.started_at
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
        t.target_population,
        a.started_at,
        case t.risk_level
            when 'high' then $pool_size_high_risk
            when 'medium' then $pool_size_medium_risk
            when 'low' then $pool_size_low_risk
        end as expected_pool_size
    from testing_round_targets t
    join active a on a.round_id = t.round_id and a.district_code = t.district_code
    where ($township_code is null or t.township_code = $township_code)
),

judged as (
    select
        *,
        case when pool_size <> expected_pool_size then 1 else 0 end as breach
    from targets
),

rolled as (
    select
        district_code,
        cast(coalesce(sum(breach), 0) as bigint) as breaches,
        count(*) as targets,
        count(distinct round_id) as rounds,
        min(case when breach = 1 then started_at end) as first_breach_round_started_at,
        cast(sum(case when breach = 1 then target_population else 0 end) as bigint) as people_in_breach,
        cast(sum(case when breach = 1 and risk_level = 'high' then 1 else 0 end) as bigint) as breaches_high,
        cast(sum(case when breach = 1 and risk_level = 'medium' then 1 else 0 end) as bigint) as breaches_medium,
        cast(sum(case when breach = 1 and risk_level = 'low' then 1 else 0 end) as bigint) as breaches_low
    from judged
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(breaches as double) as value,
        breaches as numerator,
        targets as denominator,
        cast(null as double) as threshold,
        breaches > 0 as is_red,
        case when breaches > 0 then first_breach_round_started_at end as red_since,
        rounds,
        people_in_breach,
        breaches_high,
        breaches_medium,
        breaches_low
    from rolled
)

select * from final
order by district_code nulls first
