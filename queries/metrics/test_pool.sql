-- TEST-POOL: pooling ratio (rulebook §4; 003 #52). One row per district with targets in an
-- active round, plus the city row (district_code null).
--
-- Active round-districts at $as_of as in TEST-ROUND (fragments/round_active): the round started
-- and the round-district is not finished by its latest progress report at or before $as_of.
-- A target (one round, township and risk level) breaches when its pool_size differs from what
-- its level asks (fragments/round_pool_targets): high-risk pool_size_high_risk (door to door,
-- single tubes), medium pool_size_medium_risk (1:5), low pool_size_low_risk (1:10).
-- details/test_pool_mismatches lists the breaching targets from the same steps.
-- value = numerator = breaching targets; denominator = targets of active round-districts.
-- Red when value > 0 (no threshold setting: threshold is null). red_since = the start of the
-- earliest active round holding a breaching target (targets are fixed when a round starts).
-- Place filter: $township_code keeps that township's targets.

with round_districts as (${fragments/round_districts}),

round_reports as (${fragments/round_reports}),

active_round_districts as (${fragments/round_active}),

judged as (${fragments/round_pool_targets}),

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
