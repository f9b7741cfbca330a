-- fragments/class_at_as_of: each case's classification in force at $as_of (rulebook §3), from
-- stg_case_class_periods: the period with valid_from <= $as_of < valid_until (valid_until null:
-- still in force). An as-of moment before a reclassification (asymptomatic -> confirmed,
-- suspected -> confirmed or excluded) shows the old class; a case not yet classified at $as_of
-- has no row.
-- Reads the staging view only. One row per case classified at or before $as_of:
-- case_id, classification.
select case_id, classification
from stg_case_class_periods
where valid_from <= $as_of
  and (valid_until is null or valid_until > $as_of)
