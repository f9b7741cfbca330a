-- SCR-OUTCOME: outcomes of community screening and the police review backlog, per district and
-- for the city, cumulative to $as_of (rulebook §6; 003 #22-24).
-- One row per district with list entries checked by $as_of, plus the city row (district_code null).
-- Entries found unverifiable (无法核查) or not in Chongqing (不在渝) go to police review; those
-- not reviewed by $as_of are the backlog, which is the value and is red when above zero.
-- A review recorded after $as_of is not known yet. red_since: when the oldest entry still in the
-- backlog joined it (its check). Entries are judged one by one in fragments/screening_checks,
-- as details/scr_outcome_backlog lists the backlog.

with marked as (${fragments/screening_checks}),

counts as (
    select
        district_code,
        count(*) as checked,
        count(*) filter (where outcome = 'verified') as verified,
        count(*) filter (where outcome = 'unverifiable') as unverifiable,
        count(*) filter (where outcome = 'not_in_chongqing') as not_in_chongqing,
        count(*) filter (where for_review) as for_review,
        count(*) filter (where for_review and not in_backlog) as reviewed,
        count(*) filter (where in_backlog) as backlog,
        min(case when in_backlog then checked_at end) as oldest_backlog_at
    from marked
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(backlog as double) as value,
        backlog as numerator,
        for_review as denominator,
        cast(null as double) as threshold,
        backlog > 0 as is_red,
        oldest_backlog_at as red_since,
        checked,
        verified,
        unverifiable,
        not_in_chongqing,
        reviewed,
        backlog
    from counts
)

select * from final
order by district_code nulls first
