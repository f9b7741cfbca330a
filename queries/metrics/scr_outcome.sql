-- SCR-OUTCOME: outcomes of community screening and the police review backlog, per district and
-- for the city, cumulative to $as_of (rulebook §6; 003 #22-24).
-- One row per district with list entries checked by $as_of, plus the city row (district_code null).
-- Entries found unverifiable (无法核查) or not in Chongqing (不在渝) go to police review; those
-- not reviewed by $as_of are the backlog, which is the value and is red when above zero.
-- A review recorded after $as_of is not known yet. red_since: when the oldest entry still in the
-- backlog joined it (its check).

with checked as (
    select
        district_code,
        outcome,
        checked_at,
        case when police_review_at <= $as_of then police_review_at end as reviewed_at
    from screening_tasks
    where checked_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

marked as (
    select
        district_code,
        outcome,
        checked_at,
        outcome in ('unverifiable', 'not_in_chongqing') as for_review,
        outcome in ('unverifiable', 'not_in_chongqing') and reviewed_at is null as in_backlog
    from checked
),

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
