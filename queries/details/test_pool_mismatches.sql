-- Drill-through of TEST-POOL (rulebook §4; 003 #52): targets of active rounds whose pool size is
-- not what their risk level asks (high pool_size_high_risk, medium pool_size_medium_risk, low
-- pool_size_low_risk). The same steps as metrics/test_pool.sql: active round-districts
-- (fragments/round_active), their targets judged (fragments/round_pool_targets); these are the
-- targets it counts as breaches.
-- One row per round, township and risk level. Ids, codes and counts only.

with round_districts as (${fragments/round_districts}),

round_reports as (${fragments/round_reports}),

active_round_districts as (${fragments/round_active}),

judged as (${fragments/round_pool_targets}),

mismatches as (
    select
        round_id,
        district_code,
        township_code,
        risk_level,
        pool_size,
        expected_pool_size,
        target_population,
        started_at,
        deadline_at
    from judged
    where breach = 1
)

select * from mismatches
order by started_at, round_id, district_code, township_code, risk_level
