-- CASE-NEW: new positives per district and for the city at $as_of (rulebook §3; all notices).
-- One row per district with a positive confirmed at or before $as_of, plus the city row
-- (district_code null; always present, zeros before any data).
--
-- A positive (fragments/positives) is a case confirmed (复核确认, confirmed_at) at or before $as_of
-- whose classification in force at $as_of (fragments/class_at_as_of) is confirmed (确诊) or
-- asymptomatic (无症状感染者). It is split by that classification, so an as-of moment before
-- an asymptomatic case was reclassified counts it as asymptomatic, and a case excluded by
-- $as_of is not counted. A reclassification is not a new case: a case is new once, when
-- confirmed.
--   new_*        confirmed in ($as_of - 24 h, $as_of]      value = new_total (is_new; the cases
--                                                          details/case_new_list lists)
--   last_7d      confirmed in ($as_of - 7 d, $as_of]       avg_7d = last_7d / 7 (per day)
--   previous_7d  confirmed in ($as_of - 14 d, $as_of - 7 d]
--   cumulative   confirmed at or before $as_of
--   active       cumulative, not discharged and not died at $as_of
-- Red ("rising") when last_7d > previous_7d. red_since: the start of the current stretch in
-- which the 7 days to each moment held more than the 7 days before them (the comparison
-- changes when a case is confirmed, 7 days later when it moves to the previous week, and
-- 14 days later when it leaves it: fragments/rising_changes).

with positives as (${fragments/positives}),

flagged as (
    select
        district_code,
        classification,
        is_new,
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
        count(case when is_new and classification = 'confirmed' then 1 end) as new_confirmed,
        count(case when is_new and classification = 'asymptomatic' then 1 end) as new_asymptomatic,
        count(case when is_new then 1 end) as new_total,
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

events as (
    -- Rising compares the 7 days to each moment with the 7 days before them.
    select district_code, confirmed_at as happened_at, interval '7' day as window_length
    from positives
),

changes as (${fragments/rising_changes}),

red_history as (${fragments/red_while_above_zero}),

red_since as (${fragments/red_since}),

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
