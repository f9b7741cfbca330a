-- CASE-TRANSFER: transfer of the infected to a designated hospital or shelter (第一时间转运)
-- per district and for the city at $as_of (rulebook §3; 003 #53). One row per district with
-- an arrival in the window or a positive not yet moved, plus the city row (district_code null;
-- always present).
--
-- The clock starts at the preliminary positive (初筛阳性, prelim_positive_at; the confirmation
-- where no preliminary time is recorded) and stops at arrival (hospital_transfer_at). Cases
-- excluded by $as_of (classification in force at $as_of: fragments/class_at_as_of) are left out.
--   arrivals: arrived in ($as_of - timeliness_window_hours, $as_of]
--   value = median_hours: median hours from positive to arrival of those arrivals, to the
--     minute (null with no arrival); p90_hours and max_hours likewise. A median has no
--     numerator or denominator: both are null.
--   not_moved: positive at or before $as_of, not arrived, not died, not discharged at $as_of,
--     whatever its age; longest_wait_hours = hours since the oldest of them turned positive.
-- Shown, never red (the notice asks for transfer "at once" and sets no limit): is_red is
-- false, threshold and red_since are null.

with class_at_as_of as (${fragments/class_at_as_of}),

positives as (
    select
        c.district_code,
        coalesce(c.prelim_positive_at, c.confirmed_at) as positive_at,
        case when c.hospital_transfer_at <= $as_of then c.hospital_transfer_at end as arrived_at,
        c.died_at <= $as_of or c.discharged_at <= $as_of as left_care
    from cases c
    left join class_at_as_of k on k.case_id = c.case_id
    where coalesce(c.prelim_positive_at, c.confirmed_at) <= $as_of
      and (k.classification is null or k.classification <> 'excluded')
      and ($district_code is null or c.district_code = $district_code)
      and ($township_code is null or c.township_code = $township_code)
      and ${fragments/in_community(community_code = c.community_code)}
      and ${fragments/in_grid(grid_code = c.grid_code)}
),

judged as (
    select
        district_code,
        positive_at,
        case when arrived_at > $as_of - $timeliness_window_hours * interval '1' hour
             then date_diff('minute', positive_at, arrived_at) / 60.0 end as transfer_hours,
        arrived_at is null and not coalesce(left_care, false) as not_moved
    from positives
),

counts as (
    select
        district_code,
        count(transfer_hours) as arrivals,
        percentile_cont(0.5) within group (order by transfer_hours) as median_hours,
        percentile_cont(0.9) within group (order by transfer_hours) as p90_hours,
        max(transfer_hours) as max_hours,
        count(case when not_moved then 1 end) as not_moved,
        min(case when not_moved then positive_at end) as oldest_not_moved_at
    from judged
    where transfer_hours is not null or not_moved
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        median_hours as value,
        cast(null as bigint) as numerator,
        cast(null as bigint) as denominator,
        cast(null as double) as threshold,
        false as is_red,
        cast(null as timestamp) as red_since,
        arrivals,
        median_hours,
        p90_hours,
        max_hours,
        not_moved,
        oldest_not_moved_at,
        date_diff('minute', oldest_not_moved_at, cast($as_of as timestamp)) / 60.0 as longest_wait_hours
    from counts
)

select * from final
order by district_code nulls first
