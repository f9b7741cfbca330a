-- fragments/clock_status: where each item on a clock stands at $as_of, to the minute, the same way
-- for every rule with a limit (rulebook §2, §5, §6). Reads clocks(..., deadline, done_at): one row
-- per item, done_at the stop as known at $as_of (null while open). One row per item, all of its
-- columns, and status:
--   on_time       done at or before the deadline
--   done_late     done after it
--   open_overdue  not done, the deadline before $as_of (at the deadline itself it is still pending)
--   pending       not done, the deadline not passed
select
    c.*,
    case
        when c.done_at is not null and c.done_at <= c.deadline then 'on_time'
        when c.done_at is not null then 'done_late'
        when c.deadline < $as_of then 'open_overdue'
        else 'pending'
    end as status
from clocks c
