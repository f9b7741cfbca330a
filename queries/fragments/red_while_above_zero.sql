-- fragments/red_while_above_zero: the red_history of a rule that is red while a running count is
-- above zero: a breach still open (ISO-COMMISSION's stays in breach, ISO-SINGLE's pairs of stays
-- sharing a room), or a rise still there (fragments/rising_changes of CASE-NEW, CASE-SUSPECT).
-- Only where the rule is red now (fragments/changes_where_red), each scope's count after each
-- moment being the sum of its changes up to and including that moment.
-- Reads changes(district_code, changed_at, delta, ...) and red_now(scope_code); a query whose
-- change column has another name renames it with the argument (delta = x_delta).
-- One row per scope red now and moment of change: scope_code, changed_at, is_red;
-- fragments/red_since reads it.
select
    scope_code,
    changed_at,
    sum(delta) over (partition by scope_code order by changed_at
                     rows between unbounded preceding and current row) > 0 as is_red
from (
    -- The changes of one moment added up first: the window then runs over moments, not changes
    -- (about half as many rows for ISO-*), and each moment's row is the count after all of them.
    select scope_code, changed_at, sum(delta) as delta
    from (${fragments/changes_where_red}) c
    group by scope_code, changed_at
) m
