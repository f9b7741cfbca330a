-- Drill-through of metrics/timeliness (CON-TRANSFER, EPI-*, SCR-8H, SCR-24H; rulebook §2, §5, §6):
-- the items that make rule $rule_id red at $as_of. For CON-TRANSFER this is the overdue list of
-- close contacts not yet moved to centralized isolation (003 #53).
-- One row per item: done late (due in the window, as metrics/timeliness judges it; done after its deadline by
-- $as_of) or open overdue (not done at $as_of, deadline passed, whatever its age).
-- Ids and codes only: no name, ID-card number or phone. A stop recorded after $as_of is not
-- shown (done_at null): it was not known at $as_of.

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

breaches as (
    select
        item_id,
        district_code,
        township_code,
        started_at,
        deadline,
        done_at,
        case when done_at is null then 'open_overdue' else 'done_late' end as status,
        date_diff('minute', deadline, coalesce(done_at, cast($as_of as timestamp))) as minutes_late
    from clocks
    where (done_at is null and deadline < $as_of)
       or (done_at > deadline and deadline > $as_of - $timeliness_window_hours * interval '1' hour)
)

select
    item_id,
    district_code,
    township_code,
    started_at,
    deadline,
    done_at,
    status,
    minutes_late
from breaches
order by status desc, deadline, district_code, item_id
