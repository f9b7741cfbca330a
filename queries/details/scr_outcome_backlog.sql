-- Drill-through of SCR-OUTCOME (rulebook §6; 003 #22-24): list entries found unverifiable or not
-- in Chongqing and not yet reviewed by police at $as_of, oldest first.
-- One row per entry. Ids and codes only: no name, ID-card number or phone.

with backlog as (
    select
        task_id,
        list_type,
        district_code,
        township_code,
        community_code,
        outcome,
        checked_at
    from screening_tasks
    where checked_at <= $as_of
      and outcome in ('unverifiable', 'not_in_chongqing')
      and (police_review_at is null or police_review_at > $as_of)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
)

select
    task_id,
    list_type,
    district_code,
    township_code,
    community_code,
    outcome,
    checked_at,
    date_diff('minute', checked_at, cast($as_of as timestamp)) as minutes_waiting
from backlog
order by checked_at, task_id
