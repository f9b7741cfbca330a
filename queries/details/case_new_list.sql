-- Drill-through of CASE-NEW (rulebook §3): the positives confirmed in ($as_of - 24 h, $as_of],
-- i.e. new_confirmed + new_asymptomatic of metrics/case_new, each with the class in force at
-- $as_of and where it was found (under control or in society).
-- One row per case. Ids, codes and times only: never a name, ID-card number or phone.

with class_at_as_of as (
    select case_id, classification
    from stg_case_class_periods
    where valid_from <= $as_of
      and (valid_until is null or valid_until > $as_of)
)

select
    c.case_id,
    c.district_code,
    c.township_code,
    c.community_code,
    k.classification,
    c.found_in,
    c.source,
    c.cluster_code,
    c.confirmed_at
from cases c
join class_at_as_of k on k.case_id = c.case_id
where k.classification in ('confirmed', 'asymptomatic')
  and c.confirmed_at > $as_of - interval '24' hour
  and c.confirmed_at <= $as_of
  and ($district_code is null or c.district_code = $district_code)
  and ($township_code is null or c.township_code = $township_code)
order by c.confirmed_at, c.case_id
