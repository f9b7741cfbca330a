-- fragments/red_since: since when each scope has been red, the same way for every rule: the last
-- moment its value was not red, then the first change after it.
-- Reads red_history(scope_code, changed_at, is_red): the rule's state after each change, per scope
-- (scope_code null is the city row). One row per scope:
--   last_green_at  the last change after which the rule was not red; null when red throughout
--   red_since      the first change after last_green_at (the first change on record when red
--                  throughout: a rule that needs a known start, as ISO-RESERVE does, checks
--                  last_green_at is not null)
select
    h.scope_code,
    g.last_green_at,
    min(h.changed_at) as red_since
from red_history h
left join (
    select scope_code, max(changed_at) as last_green_at
    from red_history
    where not is_red
    group by scope_code
) g on g.scope_code is not distinct from h.scope_code
where g.last_green_at is null or h.changed_at > g.last_green_at
group by h.scope_code, g.last_green_at
