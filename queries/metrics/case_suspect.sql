-- CASE-SUSPECT: suspected cases (疑似病例) per district and for the city at $as_of
-- (rulebook §3; 001 一(二)). One row per district with a suspected case reported at or before
-- $as_of, plus the city row (district_code null; always present).
--
-- A suspected case is a case that held the classification 'suspected' (case_classifications,
-- through stg_case_class_periods); it was reported when that classification began
-- (suspected_at, the first such moment). Whatever it became later, it counts as suspected.
--   value = new_suspected: suspected_at in ($as_of - 24 h, $as_of]
--   previous_24h: suspected_at in ($as_of - 48 h, $as_of - 24 h]
--   denominator = suspected_total: suspected_at at or before $as_of
--   numerator = converted: of those, classified 'confirmed' after suspected_at and at or
--     before $as_of (the registry says confirmed; a change to asymptomatic alone does not count)
--   conversion_share = converted / suspected_total (null with none)
--   pending / excluded: the classification in force at $as_of (fragments/class_at_as_of) is
--     still 'suspected' / 'excluded'
-- Red ("rising") when new_suspected > previous_24h. red_since: the start of the current
-- stretch in which the 24 h to each moment held more than the 24 h before them (the same
-- steps as CASE-NEW's 7 days: fragments/rising_changes).

with suspected as (
    select case_id, min(valid_from) as suspected_at
    from stg_case_class_periods
    where classification = 'suspected'
      and valid_from <= $as_of
    group by case_id
),

converted as (
    select s.case_id, min(p.valid_from) as converted_at
    from suspected s
    join stg_case_class_periods p on p.case_id = s.case_id
    where p.classification = 'confirmed'
      and p.valid_from > s.suspected_at
      and p.valid_from <= $as_of
    group by s.case_id
),

class_at_as_of as (${fragments/class_at_as_of}),

suspects as (
    select
        c.case_id,
        c.district_code,
        s.suspected_at,
        v.converted_at,
        k.classification as classification_now
    from suspected s
    join cases c on c.case_id = s.case_id
    left join converted v on v.case_id = s.case_id
    left join class_at_as_of k on k.case_id = s.case_id
    where ($district_code is null or c.district_code = $district_code)
      and ($township_code is null or c.township_code = $township_code)
      and ${fragments/in_community(community_code = c.community_code)}
      and ${fragments/in_grid(grid_code = c.grid_code)}
),

counts as (
    select
        district_code,
        count(case when suspected_at > $as_of - interval '24' hour then 1 end) as new_suspected,
        count(case when suspected_at > $as_of - interval '48' hour
                    and suspected_at <= $as_of - interval '24' hour then 1 end) as previous_24h,
        count(*) as suspected_total,
        count(converted_at) as converted,
        count(case when classification_now = 'suspected' then 1 end) as pending,
        count(case when classification_now = 'excluded' then 1 end) as excluded
    from suspects
    group by grouping sets ((district_code), ())
),

red_now as (
    select district_code as scope_code
    from counts
    where new_suspected > previous_24h
),

events as (
    -- Rising compares the 24 h to each moment with the 24 h before them.
    select district_code, suspected_at as happened_at, interval '24' hour as window_length
    from suspects
),

changes as (${fragments/rising_changes}),

red_history as (${fragments/red_while_above_zero}),

red_since as (${fragments/red_since}),

final as (
    select
        c.district_code,
        cast(c.new_suspected as double) as value,
        c.converted as numerator,
        c.suspected_total as denominator,
        cast(null as double) as threshold,
        c.new_suspected > c.previous_24h as is_red,
        case when c.new_suspected > c.previous_24h then r.red_since end as red_since,
        c.new_suspected,
        c.previous_24h,
        c.suspected_total,
        c.converted,
        case when c.suspected_total > 0 then cast(c.converted as double) / c.suspected_total end
            as conversion_share,
        c.pending,
        c.excluded
    from counts c
    left join red_since r on r.scope_code is not distinct from c.district_code
)

select * from final
order by district_code nulls first
