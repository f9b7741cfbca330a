-- fragments/changes_where_red: the history behind a rule's red_since, only where the rule is red
-- now (red_since is asked of no other scope), each change put under every scope it counts
-- toward: its district, and the city row (scope_code null).
-- Reads changes(district_code, changed_at, ...), the rule's own +/- columns after those two,
-- and red_now(scope_code). One row per change and scope red now that it counts toward:
-- scope_code, then every column of changes as it is.
-- The rule's counts after each moment are then running sums over the scope up to and including
-- that moment, all changes of one moment together: the changes added up per scope and moment
-- first (fewer rows for the window), then
--   sum(x_delta) over (partition by scope_code order by changed_at
--                      rows between unbounded preceding and current row)
-- and red_history(scope_code, changed_at, is_red) tests them, for fragments/red_since.
select c.district_code as scope_code, c.*
from changes c
where c.district_code in (select scope_code from red_now)
union all
select null, c.*
from changes c
where exists (select 1 from red_now where scope_code is null)
