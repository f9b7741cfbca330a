-- CON-MODE: share of contacts in quarantine who are in centralized isolation (集中隔离占比),
-- per district and for the city at $as_of, against the same share 24 h earlier (rulebook §2;
-- 001 一(三)). One row per district with a contact in quarantine at $as_of or 24 h earlier
-- (the district where the contact lives), plus the city row (district_code null; always present).
--
-- Close and secondary contacts together. At a moment t:
--   in quarantine  quarantine_start_at <= t and (quarantine_end_at is null or > t)
--   centralized    in quarantine, isolation_mode = 'centralized' and transferred_at <= t
--   home           in quarantine and not centralized (home isolation, or awaiting transfer)
-- value = centralized / in_quarantine at $as_of (null with nobody in quarantine);
-- value_24h_ago the same at $as_of - 24 h. Red ("falling") when value < value_24h_ago; unknown
-- (null) when either is unknown. red_since: the start of the current stretch in which the
-- share at each moment stayed below the share 24 h before it (the counts change at every
-- start, transfer and end of quarantine, and 24 h after each).

with quarantined as (
    select
        district_code,
        quarantine_start_at,
        quarantine_end_at,
        case when isolation_mode = 'centralized' and transferred_at is not null
             then greatest(quarantine_start_at, transferred_at) end as centralized_from
    from contacts
    where quarantine_start_at <= $as_of
      and (quarantine_end_at is null or quarantine_end_at > $as_of - interval '24' hour)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

at_moments as (
    select
        district_code,
        quarantine_end_at is null or quarantine_end_at > $as_of as in_quarantine,
        (quarantine_end_at is null or quarantine_end_at > $as_of)
            and centralized_from <= $as_of as centralized,
        quarantine_start_at <= $as_of - interval '24' hour as in_quarantine_24h_ago,
        quarantine_start_at <= $as_of - interval '24' hour
            and centralized_from <= $as_of - interval '24' hour as centralized_24h_ago
    from quarantined
),

counts as (
    select
        district_code,
        count(case when in_quarantine then 1 end) as in_quarantine,
        count(case when centralized then 1 end) as centralized,
        count(case when in_quarantine_24h_ago then 1 end) as in_quarantine_24h_ago,
        count(case when centralized_24h_ago then 1 end) as centralized_24h_ago
    from at_moments
    group by grouping sets ((district_code), ())
),

shares as (
    select
        district_code,
        in_quarantine,
        centralized,
        in_quarantine_24h_ago,
        centralized_24h_ago,
        case when in_quarantine > 0 then cast(centralized as double) / in_quarantine end as share_now,
        case when in_quarantine_24h_ago > 0
             then cast(centralized_24h_ago as double) / in_quarantine_24h_ago end as share_24h_ago
    from counts
),

red_now as (
    select district_code as scope_code
    from shares
    where share_now < share_24h_ago
),

-- History for red_since, only where the row is red now: every quarantine that was open at
-- some moment up to $as_of in a red scope.
history_contacts as (
    select
        c.district_code,
        c.quarantine_start_at,
        case when c.quarantine_end_at <= $as_of then c.quarantine_end_at end as quarantine_end_at,
        case when c.isolation_mode = 'centralized' and c.transferred_at is not null
                  and greatest(c.quarantine_start_at, c.transferred_at) <= $as_of
                  and (c.quarantine_end_at is null
                       or greatest(c.quarantine_start_at, c.transferred_at) < c.quarantine_end_at)
             then greatest(c.quarantine_start_at, c.transferred_at) end as centralized_from
    from contacts c
    where c.quarantine_start_at <= $as_of
      and (c.district_code in (select scope_code from red_now)
           or exists (select 1 from red_now where scope_code is null))
      and ($district_code is null or c.district_code = $district_code)
      and ($township_code is null or c.township_code = $township_code)
),

steps as (
    -- Changes of (in quarantine dq, centralized dc): the start of quarantine (centralized at
    -- once when moved straight into isolation), a later arrival in isolation, the end.
    select
        district_code,
        quarantine_start_at as changed_at,
        1 as dq,
        case when centralized_from = quarantine_start_at then 1 else 0 end as dc
    from history_contacts
    union all
    select district_code, centralized_from, 0, 1
    from history_contacts
    where centralized_from > quarantine_start_at
    union all
    select district_code, quarantine_end_at, -1, case when centralized_from is not null then -1 else 0 end
    from history_contacts
    where quarantine_end_at is not null
),

steps_both as (
    -- The same changes 24 h later feed the counts "24 h before" each moment.
    select district_code, changed_at, dq, dc, 0 as dq_before, 0 as dc_before from steps
    union all
    select district_code, changed_at + interval '24' hour, 0, 0, dq, dc from steps
    where changed_at + interval '24' hour <= $as_of
),

steps_by_scope as (
    select district_code as scope_code, changed_at, dq, dc, dq_before, dc_before
    from steps_both
    where district_code in (select scope_code from red_now)
    union all
    select null, changed_at, dq, dc, dq_before, dc_before
    from steps_both
    where exists (select 1 from red_now where scope_code is null)
),

net_change_per_moment as (
    select scope_code, changed_at, sum(dq) as dq, sum(dc) as dc,
           sum(dq_before) as dq_before, sum(dc_before) as dc_before
    from steps_by_scope
    group by scope_code, changed_at
),

history as (
    select
        scope_code,
        changed_at,
        sum(dq) over w as q,
        sum(dc) over w as c,
        sum(dq_before) over w as q_before,
        sum(dc_before) over w as c_before
    from net_change_per_moment
    window w as (partition by scope_code order by changed_at rows between unbounded preceding and current row)
),

last_not_falling as (
    -- falling: c / q < c_before / q_before, both known
    select scope_code, max(changed_at) as last_not_falling_at
    from history
    where not (q > 0 and q_before > 0 and c * q_before < c_before * q)
    group by scope_code
),

red_since as (
    select h.scope_code, min(h.changed_at) as red_since
    from history h
    left join last_not_falling n on n.scope_code is not distinct from h.scope_code
    where n.last_not_falling_at is null or h.changed_at > n.last_not_falling_at
    group by h.scope_code
),

final as (
    select
        s.district_code,
        s.share_now as value,
        s.centralized as numerator,
        s.in_quarantine as denominator,
        cast(null as double) as threshold,
        s.share_now < s.share_24h_ago as is_red,
        case when s.share_now < s.share_24h_ago then r.red_since end as red_since,
        s.share_24h_ago as value_24h_ago,
        s.in_quarantine,
        s.centralized,
        s.in_quarantine - s.centralized as home,
        s.in_quarantine_24h_ago,
        s.centralized_24h_ago
    from shares s
    left join red_since r on r.scope_code is not distinct from s.district_code
)

select * from final
order by district_code nulls first
