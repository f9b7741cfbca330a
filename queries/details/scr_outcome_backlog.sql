-- Drill-through of SCR-OUTCOME (rulebook §6; 003 #22-24): list entries found unverifiable or not
-- in Chongqing and not yet reviewed by police at $as_of, oldest first. The same steps as
-- metrics/scr_outcome (fragments/screening_checks): its backlog.
-- One row per entry. Ids and codes only: no name, ID-card number or phone.

with marked as (${fragments/screening_checks}),

backlog as (
    select
        task_id,
        list_type,
        district_code,
        township_code,
        community_code,
        outcome,
        checked_at,
        date_diff('minute', checked_at, cast($as_of as timestamp)) as minutes_waiting
    from marked
    where in_backlog
)

select * from backlog
order by checked_at, task_id
