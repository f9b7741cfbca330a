-- Daily new positives for the epidemic curve (rulebook §3, CASE-NEW and CASE-SOURCE), up to
-- $as_of, for the city or the district / township of the place filter.
-- One row per calendar day of confirmation (confirmed_on, local time), classification and
-- source, with at least one positive; days without positives are absent. The last day runs
-- only to $as_of.
-- Positives are those of metrics/case_new: confirmed at or before $as_of, confirmed or
-- asymptomatic by the classification in force at $as_of (a case later reclassified from
-- asymptomatic to confirmed counts as confirmed on the day it was first confirmed, once the
-- as-of moment is past the reclassification).

with class_at_as_of as (
    select case_id, classification
    from stg_case_class_periods
    where valid_from <= $as_of
      and (valid_until is null or valid_until > $as_of)
),

positives as (
    select
        cast(c.confirmed_at as date) as confirmed_on,
        k.classification,
        c.source
    from cases c
    join class_at_as_of k on k.case_id = c.case_id
    where k.classification in ('confirmed', 'asymptomatic')
      and c.confirmed_at <= $as_of
      and ($district_code is null or c.district_code = $district_code)
      and ($township_code is null or c.township_code = $township_code)
)

select
    confirmed_on,
    classification,
    source,
    count(*) as new_positives
from positives
group by confirmed_on, classification, source
order by confirmed_on, classification, source
