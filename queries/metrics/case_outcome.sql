-- CASE-OUTCOME: outcomes of positives per district and for the city, cumulative to $as_of
-- (rulebook §3; 001 二(一)). One row per district with a positive, plus the city row
-- (district_code null; always present).
--
-- Positives are those of CASE-NEW (fragments/positives: confirmed at or before $as_of,
-- confirmed or asymptomatic by the classification in force at $as_of). Outcomes are read from their timestamps, not
-- from cases.outcome (which holds the latest state), so a past as-of is reproduced:
--   recovered (治愈)  discharged_at <= $as_of
--   died (死亡)       died_at <= $as_of
--   admitted (收治)   arrived at a designated hospital or shelter, hospital_transfer_at <= $as_of
--   in_treatment     admitted, neither recovered nor died at $as_of
-- value = cure_rate = recovered / positives (numerator / denominator); fatality_rate =
-- died / positives; admission_rate = admitted / positives; all null with no positive.
-- Shown, never red: is_red is false, threshold and red_since are null.

with positives as (${fragments/positives}),

outcomes as (
    select
        district_code,
        discharged_at <= $as_of as recovered,
        died_at <= $as_of as died,
        hospital_transfer_at <= $as_of as admitted
    from positives
),

counts as (
    select
        district_code,
        count(*) as positives,
        count(case when recovered then 1 end) as recovered,
        count(case when died then 1 end) as died,
        count(case when admitted then 1 end) as admitted,
        count(case when admitted and not coalesce(recovered, false) and not coalesce(died, false)
                   then 1 end) as in_treatment
    from outcomes
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        case when positives > 0 then cast(recovered as double) / positives end as value,
        recovered as numerator,
        positives as denominator,
        cast(null as double) as threshold,
        false as is_red,
        cast(null as timestamp) as red_since,
        case when positives > 0 then cast(recovered as double) / positives end as cure_rate,
        case when positives > 0 then cast(died as double) / positives end as fatality_rate,
        case when positives > 0 then cast(admitted as double) / positives end as admission_rate,
        positives,
        recovered,
        died,
        admitted,
        in_treatment
    from counts
)

select * from final
order by district_code nulls first
