-- fragments/round_pool_targets: the targets of the active round-districts in a CTE named
-- active_round_districts (fragments/round_active), each judged on its pooling (rulebook §4; 003
-- #52). One row per round, township and risk level:
--   expected_pool_size  what its level asks: high pool_size_high_risk (door to door, single
--                       tubes), medium pool_size_medium_risk (1:5), low pool_size_low_risk (1:10)
--   breach              1 when pool_size differs from it, else 0
-- Place filter: $township_code keeps that township's targets.
select
    t.*,
    case when t.pool_size <> t.expected_pool_size then 1 else 0 end as breach
from (
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
    join active_round_districts a on a.round_id = t.round_id and a.district_code = t.district_code
    where ($township_code is null or t.township_code = $township_code)
) t
