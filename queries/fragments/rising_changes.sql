-- fragments/rising_changes: when a "rising" rule (more events in the window to a moment t than
-- in the window before it: CASE-NEW over 7 days, CASE-SUSPECT over 24 h) can change colour, as
-- steps of f(t) = count in (t - w, t] - count in (t - 2w, t - w]: an event adds 1 when it happens,
-- takes 2 away one window later (it moves to the window before) and adds 1 back two windows later
-- (it leaves both). Only steps up to $as_of. The rule is rising at t while the steps up to and
-- including t add up to more than 0.
-- Reads events(district_code, happened_at, window_length), one row per counted event, w its
-- window (an interval). One row per step: district_code, changed_at, delta.
select district_code, happened_at as changed_at, 1 as delta
from events
union all
select district_code, happened_at + window_length, -2
from events
where happened_at + window_length <= $as_of
union all
select district_code, happened_at + window_length + window_length, 1
from events
where happened_at + window_length + window_length <= $as_of
