-- Drill-through of metrics/timeliness (CON-TRANSFER, EPI-*, SCR-8H, SCR-24H; rulebook §2, §5, §6):
-- the items that make rule $rule_id red at $as_of. For CON-TRANSFER this is the overdue list of
-- close contacts not yet moved to centralized isolation (003 #53).
-- The same steps as metrics/timeliness (fragments/clock_items). One row per item: done late (due
-- in the window, done after its deadline by $as_of) or open overdue (not done at $as_of,
-- deadline passed, whatever its age): metrics/timeliness's done_late + open_overdue.
-- Ids and codes only: no name, ID-card number or phone. A stop recorded after $as_of is not
-- shown (done_at null): it was not known at $as_of.

with judged as (${fragments/clock_items}),

breaches as (
    select
        item_id,
        district_code,
        township_code,
        started_at,
        deadline,
        done_at,
        status,
        date_diff('minute', deadline, coalesce(done_at, cast($as_of as timestamp))) as minutes_late
    from judged
    where status = 'open_overdue' or (status = 'done_late' and in_window)
)

select * from breaches
order by status desc, deadline, district_code, item_id
