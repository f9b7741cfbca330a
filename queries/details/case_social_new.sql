-- Drill-through of CASE-SOCIAL (rulebook §3; 003 #49, 004): the social-surface positives
-- (社会面, found_in = 'social') confirmed in ($as_of - 24 h, $as_of], i.e. the numerator of
-- metrics/case_social. classification is the one in force at $as_of.
-- One row per case. Ids, codes and times only: never a name, ID-card number or phone; times
-- recorded after $as_of are not known at $as_of and show as null.

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
    c.grid_code,
    k.classification,
    c.source,
    c.cluster_code,
    c.infector_case_id,
    c.sampled_at,
    case when c.prelim_positive_at <= $as_of then c.prelim_positive_at end as prelim_positive_at,
    c.confirmed_at,
    case when c.hospital_transfer_at <= $as_of then c.hospital_transfer_at end as hospital_transfer_at
from cases c
join class_at_as_of k on k.case_id = c.case_id
where k.classification in ('confirmed', 'asymptomatic')
  and c.found_in = 'social'
  and c.confirmed_at > $as_of - interval '24' hour
  and c.confirmed_at <= $as_of
  and ($district_code is null or c.district_code = $district_code)
  and ($township_code is null or c.township_code = $township_code)
order by c.confirmed_at, c.case_id
