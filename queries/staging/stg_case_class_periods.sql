-- The classification of every case through time (rulebook §3): one row per period during
-- which a classification was in force, valid_from <= t < valid_until (valid_until null: still
-- in force). A query takes the classification in force at $as_of from fragments/class_at_as_of:
--   valid_from <= $as_of and (valid_until is null or valid_until > $as_of)
-- so an as-of moment before a reclassification (asymptomatic -> confirmed, suspected ->
-- confirmed or excluded) shows the old class.
--
-- A case with no row in case_classifications (a feed without history) holds its
-- cases.classification from its confirmation, or from its sampling if it was never confirmed.

with history as (
    select case_id, classification, classified_at as valid_from
    from case_classifications

    union all

    select c.case_id, c.classification, coalesce(c.confirmed_at, c.sampled_at)
    from cases c
    where not exists (select 1 from case_classifications h where h.case_id = c.case_id)
)

select
    case_id,
    classification,
    valid_from,
    lead(valid_from) over (partition by case_id order by valid_from) as valid_until
from history
