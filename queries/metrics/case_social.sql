-- CASE-SOCIAL: social-surface positives (社会面) per district and for the city at $as_of
-- (rulebook §3; 003 #49, 004). One row per district with a new positive in the 24 h, plus the
-- city row (district_code null; always present).
--
-- New positives are those of CASE-NEW (fragments/positives, is_new): confirmed in
-- ($as_of - 24 h, $as_of] and confirmed or asymptomatic by the classification in force at
-- $as_of. Social-surface ones (details/case_social_new lists them) were found
-- outside the people already under control (cases.found_in = 'social'; the others were found
-- in centralized or home isolation or in a sealed area, found_in = 'under_control').
--   value = numerator = new social-surface positives; denominator = all new positives;
--   social_share = numerator / denominator (null with no new positive).
-- Red when value > 0. red_since = the earliest confirmation among the social-surface
-- positives of the window (the same convention as the timeliness rules: when the oldest item
-- that makes the row red began).

with positives as (${fragments/positives}),

new_positives as (
    select district_code, found_in, confirmed_at
    from positives
    where is_new
),

counts as (
    select
        district_code,
        count(case when found_in = 'social' then 1 end) as new_social,
        count(case when found_in = 'under_control' then 1 end) as new_under_control,
        count(*) as new_total,
        min(case when found_in = 'social' then confirmed_at end) as first_social_at
    from new_positives
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(new_social as double) as value,
        new_social as numerator,
        new_total as denominator,
        cast(null as double) as threshold,
        new_social > 0 as is_red,
        first_social_at as red_since,
        case when new_total > 0 then cast(new_social as double) / new_total end as social_share,
        new_social,
        new_under_control,
        new_total
    from counts
)

select * from final
order by district_code nulls first
