-- Daily new positives for the epidemic curve (rulebook §3, CASE-NEW and CASE-SOURCE), up to
-- $as_of, for the city or the district / township of the place filter.
-- One row per calendar day of confirmation (confirmed_on, local time), classification and
-- source, with at least one positive; days without positives are absent. The last day runs
-- only to $as_of.
-- Positives are those of metrics/case_new (fragments/positives): confirmed at or before $as_of,
-- confirmed or asymptomatic by the classification in force at $as_of (a case later reclassified
-- from asymptomatic to confirmed counts as confirmed on the day it was first confirmed, once the
-- as-of moment is past the reclassification).

with positives as (${fragments/positives}),

per_day as (
    select
        cast(confirmed_at as date) as confirmed_on,
        classification,
        source,
        count(*) as new_positives
    from positives
    group by cast(confirmed_at as date), classification, source
)

select * from per_day
order by confirmed_on, classification, source
