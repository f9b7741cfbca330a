-- TEST-TAT: testing turnaround, 快采 快送 快检 快报 (rulebook §4; 003 #52). One row per district
-- with tubes resulted in the window, plus the city row (district_code null).
--
-- Tubes resulted in the timeliness window: resulted_at > $as_of - timeliness_window_hours and
-- resulted_at <= $as_of. Per tube, whole minutes (date_diff) from sampling to lab receipt, from
-- receipt to result, and from sampling to result; the median of each, in hours.
-- value = median hours from sampling to result (the whole turnaround; not the sum of the two
-- stage medians); numerator = tubes resulted in the window; denominator null.
-- The rule sets no limit: threshold null, is_red false, red_since null.
-- Place filter on the tube's district and township.
--
-- The median is percentile_cont(0.5) (with an even count, the mean of the two middle values),
-- computed from a histogram of minutes: at city scale about 4 million tubes result in a day,
-- and median() over them, three times per district and for the city, took 300-600 ms; counting
-- them per minute takes about 100 ms. With n tubes and cumulative counts up to each minute
-- value, the lower middle value is the first whose count-so-far x 2 > n - 1, the upper the
-- first whose count-so-far x 2 > n (whole numbers only: no integer division).

with tubes as (
    select
        district_code,
        date_diff('minute', sampled_at, received_at) as to_lab,
        date_diff('minute', received_at, resulted_at) as to_result,
        date_diff('minute', sampled_at, resulted_at) as total,
        case when result = 'positive' then 1 else 0 end as positive
    from testing_tubes
    where resulted_at > $as_of - $timeliness_window_hours * interval '1' hour
      and resulted_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
      and ${fragments/in_community}
),

counts as (
    select district_code, count(*) as tubes, sum(positive) as positive_tubes
    from tubes
    group by grouping sets ((district_code), ())
),

minutes as (
    -- One row per district, stage and whole minute: how many tubes took that long.
    select district_code, 'to_lab' as stage, to_lab as minutes, count(*) as tubes from tubes group by district_code, to_lab
    union all
    select district_code, 'to_result', to_result, count(*) from tubes group by district_code, to_result
    union all
    select district_code, 'total', total, count(*) from tubes group by district_code, total
),

histogram as (
    select district_code, stage, minutes, tubes from minutes
    union all
    select null, stage, minutes, sum(tubes) from minutes group by stage, minutes
),

cumulative as (
    select
        district_code,
        stage,
        minutes,
        sum(tubes) over (partition by district_code, stage order by minutes
                         rows between unbounded preceding and current row) as tubes_so_far,
        sum(tubes) over (partition by district_code, stage) as tubes_all
    from histogram
),

medians as (
    select
        district_code,
        stage,
        (min(case when 2 * tubes_so_far > tubes_all - 1 then minutes end)
         + min(case when 2 * tubes_so_far > tubes_all then minutes end)) / 2.0 as median_minutes
    from cumulative
    group by district_code, stage
),

final as (
    select
        c.district_code,
        t.median_minutes / 60.0 as value,
        c.tubes as numerator,
        cast(null as bigint) as denominator,
        cast(null as double) as threshold,
        false as is_red,
        cast(null as timestamp) as red_since,
        l.median_minutes / 60.0 as median_to_lab_hours,
        r.median_minutes / 60.0 as median_to_result_hours,
        cast(coalesce(c.positive_tubes, 0) as bigint) as positive_tubes
    from counts c
    left join medians t on t.district_code is not distinct from c.district_code and t.stage = 'total'
    left join medians l on l.district_code is not distinct from c.district_code and l.stage = 'to_lab'
    left join medians r on r.district_code is not distinct from c.district_code and r.stage = 'to_result'
)

select * from final
order by district_code nulls first
