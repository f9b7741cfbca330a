-- fragments/clock_items: the items of clock rule $rule_id started by $as_of in the place asked
-- for, each judged against the rule's limit $limit_hours (rulebook §2, §5, §6). Reads no CTE,
-- only stg_timeliness_clocks. One row per item:
--   deadline   started_at + limit; done at or before it is on time, to the minute
--   done_at    the stop, when recorded by $as_of (a later one is not known yet: the item is open)
--   status     on_time, done_late, open_overdue or pending (fragments/clock_status)
--   in_window  deadline after $as_of - timeliness_window_hours: due in the window, or not yet due
with clocks as (
    select
        item_id,
        district_code,
        township_code,
        started_at,
        started_at + $limit_hours * interval '1' hour as deadline,
        case when done_at <= $as_of then done_at end as done_at
    from stg_timeliness_clocks
    where rule_id = $rule_id
      and started_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

items as (${fragments/clock_status})

select
    *,
    deadline > $as_of - $timeliness_window_hours * interval '1' hour as in_window
from items
