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
      and ${fragments/in_community}
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

quarantines_so_far as (
    -- For the history: every quarantine begun up to $as_of, its end and its move into centralized
    -- isolation only when known by $as_of; only of districts whose history is needed (red now, or
    -- every district when the city is), as changes_where_red keeps, so no other is computed.
    select
        district_code,
        quarantine_start_at,
        case when quarantine_end_at <= $as_of then quarantine_end_at end as quarantine_end_at,
        case when isolation_mode = 'centralized' and transferred_at is not null
                  and greatest(quarantine_start_at, transferred_at) <= $as_of
                  and (quarantine_end_at is null
                       or greatest(quarantine_start_at, transferred_at) < quarantine_end_at)
             then greatest(quarantine_start_at, transferred_at) end as centralized_from
    from contacts
    where quarantine_start_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
      and ${fragments/in_community}
      and (district_code in (select scope_code from red_now)
           or exists (select 1 from red_now where scope_code is null))
),

steps as (
    -- Changes of (in quarantine dq, centralized dc): the start of quarantine (centralized at
    -- once when moved straight into isolation), a later arrival in isolation, the end.
    select
        district_code,
        quarantine_start_at as changed_at,
        1 as dq,
        case when centralized_from = quarantine_start_at then 1 else 0 end as dc
    from quarantines_so_far
    union all
    select district_code, centralized_from, 0, 1
    from quarantines_so_far
    where centralized_from > quarantine_start_at
    union all
    select district_code, quarantine_end_at, -1, case when centralized_from is not null then -1 else 0 end
    from quarantines_so_far
    where quarantine_end_at is not null
),

changes as (
    -- The same changes 24 h later feed the counts "24 h before" each moment.
    select district_code, changed_at, dq, dc, 0 as dq_before, 0 as dc_before from steps
    union all
    select district_code, changed_at + interval '24' hour, 0, 0, dq, dc from steps
    where changed_at + interval '24' hour <= $as_of
),

changes_where_red as (${fragments/changes_where_red}),

net_change_per_moment as (
    -- One row per scope and moment: the window below then runs over moments, not changes.
    select scope_code, changed_at, sum(dq) as dq, sum(dc) as dc,
           sum(dq_before) as dq_before, sum(dc_before) as dc_before
    from changes_where_red
    group by scope_code, changed_at
),

history as (
    -- The counts after each moment: the changes of its scope up to and including it.
    select
        scope_code,
        changed_at,
        sum(dq) over so_far as q,
        sum(dc) over so_far as c,
        sum(dq_before) over so_far as q_before,
        sum(dc_before) over so_far as c_before
    from net_change_per_moment
    window so_far as (partition by scope_code order by changed_at
                      rows between unbounded preceding and current row)
),

red_history as (
    -- falling: c / q < c_before / q_before, both known
    select scope_code, changed_at, q > 0 and q_before > 0 and c * q_before < c_before * q as is_red
    from history
),

red_since as (${fragments/red_since}),

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
