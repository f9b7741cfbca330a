-- CON-TRANSFER (rulebook §2; 003 #53), EPI-ARRIVE, EPI-CORE, EPI-FULL (§5; 003 #49), EPI-ASSIST
-- (003 #50), EPI-REPORT, EPI-PUBLISH (003 #58), SCR-8H, SCR-24H (§6; 003 #21): the share of items
-- done within the limit of rule $rule_id, per district and for the city, at $as_of.
-- One row per district with items of the rule, plus the city row (district_code null).
-- Run it through sitrep.queries.run_metric, which binds $rule_id and $limit_hours (the rule's
-- threshold setting). Clocks come from the staging view stg_timeliness_clocks, judged item by
-- item in fragments/clock_items, as details/timeliness_items lists them.
--
-- Limits to the minute: an item done at or before started_at + limit is on time; at
-- $as_of = started_at + limit an open item is pending, one minute later it is overdue. A stop
-- recorded after $as_of is not known yet: the item counts as open.
--   judged        deadline after $as_of - window: due in the window, or not yet due (so a rule
--                 whose limit equals the window, EPI-FULL and SCR-24H, still sees its late items)
--   on_time       judged, done by $as_of, at or before the deadline
--   late          judged, done after the deadline by $as_of, or still open with the deadline passed
--   pending       judged, open, deadline not yet passed
--   open_overdue  open at $as_of with the deadline passed, whatever its age (overlaps late)
--   done_late     the part of late that was done, after the deadline; done_late + open_overdue
--                 is the number of items details/timeliness_items lists
-- value = on_time / (on_time + late), null when nothing is judged yet; red when anything is late
-- or open overdue; red_since = the earliest deadline missed by those items.
-- median_minutes: median clock time of the judged items done by $as_of.

with judged as (${fragments/clock_items}),

counts as (
    select
        district_code,
        count(*) filter (where in_window and status = 'on_time') as on_time,
        count(*) filter (where in_window and status in ('done_late', 'open_overdue')) as late,
        count(*) filter (where in_window and status = 'done_late') as done_late,
        count(*) filter (where in_window and status = 'pending') as pending,
        count(*) filter (where status = 'open_overdue') as open_overdue,
        min(case when (in_window and status = 'done_late') or status = 'open_overdue' then deadline end)
            as first_missed_deadline,
        percentile_cont(0.5) within group (
            order by case when in_window and done_at is not null then date_diff('minute', started_at, done_at) end
        ) as median_minutes
    from judged
    where in_window or status = 'open_overdue'
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        case when on_time + late > 0 then cast(on_time as double) / (on_time + late) end as value,
        on_time as numerator,
        on_time + late as denominator,
        cast($limit_hours as double) as threshold,
        late + open_overdue > 0 as is_red,
        case when late + open_overdue > 0 then first_missed_deadline end as red_since,
        on_time,
        late,
        done_late,
        pending,
        open_overdue,
        median_minutes
    from counts
)

select * from final
order by district_code nulls first
