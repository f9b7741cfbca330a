-- fragments/positives: the positives at $as_of (rulebook §3), the cases every CASE-* count starts
-- from: confirmed (复核确认, confirmed_at) at or before $as_of and, by the classification in force
-- at $as_of (fragments/class_at_as_of), confirmed (确诊) or asymptomatic (无症状感染者). A case
-- excluded by $as_of is not a positive; a reclassification is not a new case (a case is new
-- once, when confirmed). In the place filter ($district_code, $township_code, and the case's
-- community and grid: fragments/in_community, in_grid).
-- Reads the tables only. One row per positive: the case's ids, place and times as recorded
-- (a time after $as_of is not yet known: a query that shows one masks it), classification (in
-- force at $as_of), and
--   is_new  confirmed in ($as_of - 24 h, $as_of]: CASE-NEW's new positives
select
    c.case_id,
    c.district_code,
    c.township_code,
    c.community_code,
    c.grid_code,
    k.classification,
    c.source,
    c.found_in,
    c.cluster_code,
    c.infector_case_id,
    c.sampled_at,
    c.prelim_positive_at,
    c.confirmed_at,
    c.hospital_transfer_at,
    c.discharged_at,
    c.died_at,
    c.confirmed_at > $as_of - interval '24' hour as is_new
from cases c
join (${fragments/class_at_as_of}) k on k.case_id = c.case_id
where k.classification in ('confirmed', 'asymptomatic')
  and c.confirmed_at <= $as_of
  and ($district_code is null or c.district_code = $district_code)
  and ($township_code is null or c.township_code = $township_code)
  and ${fragments/in_community(community_code = c.community_code)}
  and ${fragments/in_grid(grid_code = c.grid_code)}
