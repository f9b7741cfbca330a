-- CASE-SOURCE: positives by source per district and for the city, cumulative to $as_of
-- (rulebook §3; 000, 004). One row per district with a positive, plus the city row
-- (district_code null; always present).
--
-- Positives are those of CASE-NEW (fragments/positives: confirmed at or before $as_of, confirmed
-- or asymptomatic by the classification in force at $as_of), split by cases.source: imported from abroad
-- (境外输入), from other provinces (外省输入) and local (本土).
--   value = numerator = local positives, the headline of the daily report (本土);
--   denominator = all positives; imported = abroad + other_province;
--   local_share = local / all (null with no positive).
-- Shown, never red: is_red is false, threshold and red_since are null.

with positives as (${fragments/positives}),

counts as (
    select
        district_code,
        count(case when source = 'abroad' then 1 end) as abroad,
        count(case when source = 'other_province' then 1 end) as other_province,
        count(case when source = 'local' then 1 end) as local,
        count(*) as positives
    from positives
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(local as double) as value,
        local as numerator,
        positives as denominator,
        cast(null as double) as threshold,
        false as is_red,
        cast(null as timestamp) as red_since,
        abroad,
        other_province,
        local,
        abroad + other_province as imported,
        positives,
        case when positives > 0 then cast(local as double) / positives end as local_share
    from counts
)

select * from final
order by district_code nulls first
