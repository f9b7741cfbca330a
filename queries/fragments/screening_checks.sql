-- fragments/screening_checks: community-screening list entries checked by $as_of in the place asked
-- for, each with its place in the police review (rulebook §6; 003 #22-24). Reads no CTE, only
-- screening_tasks. One row per entry:
--   for_review  found unverifiable (无法核查) or not in Chongqing (不在渝): goes to police review
--   in_backlog  for review and not reviewed by $as_of (a review recorded later is not known yet)
select
    task_id,
    list_type,
    district_code,
    township_code,
    community_code,
    outcome,
    checked_at,
    outcome in ('unverifiable', 'not_in_chongqing') as for_review,
    outcome in ('unverifiable', 'not_in_chongqing')
        and (police_review_at is null or police_review_at > $as_of) as in_backlog
from screening_tasks
where checked_at <= $as_of
  and ($district_code is null or district_code = $district_code)
  and ($township_code is null or township_code = $township_code)
  and ${fragments/in_community}
