-- CASE-NEW: new positives per district and for the city at $as_of (rulebook §3; all notices).
-- One row per district with a positive confirmed at or before $as_of, plus the city row
-- (district_code null; always present, zeros before any data).
--
-- A positive is a case confirmed (复核确认, confirmed_at) at or before $as_of whose
-- classification in force at $as_of (stg_case_class_periods) is confirmed (确诊) or
-- asymptomatic (无症状感染者). It is split by that classification, so an as-of moment before
-- an asymptomatic case was reclassified counts it as asymptomatic, and a case excluded by
-- $as_of is not counted. A reclassification is not a new case: a case is new once, when
-- confirmed.
--   new_*        confirmed in ($as_of - 24 h, $as_of]      value = new_total
--   last_7d      confirmed in ($as_of - 7 d, $as_of]       avg_7d = last_7d / 7 (per day)
--   previous_7d  confirmed in ($as_of - 14 d, $as_of - 7 d]
--   cumulative   confirmed at or before $as_of
--   active       cumulative, not discharged and not died at $as_of
-- Red ("rising") when last_7d > previous_7d. red_since: the start of the current stretch in
-- which the 7 days to each moment held more than the 7 days before them (the comparison
-- changes when a case is confirmed, 7 days later when it moves to the previous week, and
-- 14 days later when it leaves it).

with class_at_as_of as (
    select case_id, classification
    from stg_case_class_periods
    where valid_from <= $as_of
      and (valid_until is null or valid_until > $as_of)
),

positives as (
    select
        c.case_id,
        c.district_code,
        k.classification,
        c.confirmed_at,
        c.discharged_at,
        c.died_at
    from cases c
    join class_at_as_of k on k.case_id = c.case_id
    where k.classification in ('confirmed', 'asymptomatic')
      and c.confirmed_at <= $as_of
      and ($district_code is null or c.district_code = $district_code)
      and ($township_code is null or c.township_code = $township_code)
),

flagged as (
    select
        district_code,
        classification,
        confirmed_at > $as_of - interval '24' hour as in_24h,
        confirmed_at > $as_of - interval '7' day as in_last_7d,
        confirmed_at > $as_of - interval '14' day
            and confirmed_at <= $as_of - interval '7' day as in_previous_7d,
        (discharged_at is null or discharged_at > $as_of)
            and (died_at is null or died_at > $as_of) as is_active
    from positives
),

counts as (
    select
        district_code,
        count(case when in_24h and classification = 'confirmed' then 1 end) as new_confirmed,
        count(case when in_24h and classification = 'asymptomatic' then 1 end) as new_asymptomatic,
        count(case when in_24h then 1 end) as new_total,
        count(case when in_last_7d then 1 end) as last_7d,
        count(case when in_previous_7d then 1 end) as previous_7d,
        count(*) as cumulative,
        count(case when is_active then 1 end) as active
    from flagged
    group by grouping sets ((district_code), ())
),

red_now as (
    select district_code as scope_code
    from counts
    where last_7d > previous_7d
),

steps as (
    -- f(t) = last_7d(t) - previous_7d(t), as steps: +1 when confirmed, -2 seven days later,
    -- +1 fourteen days later; only steps up to $as_of.
    select district_code, confirmed_at as changed_at, 1 as delta
    from positives
    union all
    select district_code, confirmed_at + interval '7' day, -2
    from positives
    where confirmed_at + interval '7' day <= $as_of
    union all
    select district_code, confirmed_at + interval '14' day, 1
    from positives
    where confirmed_at + interval '14' day <= $as_of
),

steps_by_scope as (
    -- History is only needed where the metric is red now (the city row has scope_code null).
    select district_code as scope_code, changed_at, delta
    from steps
    where district_code in (select scope_code from red_now)
    union all
    select null, changed_at, delta
    from steps
    where exists (select 1 from red_now where scope_code is null)
),

net_change_per_moment as (
    select scope_code, changed_at, sum(delta) as delta
    from steps_by_scope
    group by scope_code, changed_at
),

history as (
    select
        scope_code,
        changed_at,
        sum(delta) over (partition by scope_code order by changed_at
                         rows between unbounded preceding and current row) as rising_by
    from net_change_per_moment
),

last_not_rising as (
    select scope_code, max(changed_at) as last_not_rising_at
    from history
    where rising_by <= 0
    group by scope_code
),

red_since as (
    select h.scope_code, min(h.changed_at) as red_since
    from history h
    left join last_not_rising n on n.scope_code is not distinct from h.scope_code
    where n.last_not_rising_at is null or h.changed_at > n.last_not_rising_at
    group by h.scope_code
),

final as (
    select
        c.district_code,
        cast(c.new_total as double) as value,
        c.new_total as numerator,
        cast(null as bigint) as denominator,
        cast(null as double) as threshold,
        c.last_7d > c.previous_7d as is_red,
        case when c.last_7d > c.previous_7d then r.red_since end as red_since,
        c.new_confirmed,
        c.new_asymptomatic,
        c.new_total,
        cast(c.last_7d as double) / 7 as avg_7d,
        c.cumulative,
        c.active,
        c.last_7d,
        c.previous_7d
    from counts c
    left join red_since r on r.scope_code is not distinct from c.district_code
)

select * from final
order by district_code nulls first
