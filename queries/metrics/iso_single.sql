-- ISO-SINGLE: rooms holding more than one isolated person at $as_of (rulebook §1; 003 #55: 严格执行单人单间).
-- One row per district with a facility open at $as_of (0 when every room holds at most one person,
-- so a green row means "checked"), plus the city row (district_code null).
--
-- A person is in a room from check-in (included) to check-out (excluded): one leaving at 10:00 and
-- the next arriving at 10:00 never share. Every stay counts, whatever its person_kind (an
-- accompanying relative is isolated in the room too), in any facility, commissioned or not.
-- value = numerator = rooms with two or more open stays at $as_of; red when > 0. No denominator
-- and no setting: threshold is null.
-- red_since: when the place's current breach began: the start of the unbroken stretch, up to
-- $as_of, during which at least one of its rooms held two or more people. For a single shared
-- room that is the moment the second person checked in (the earliest moment of its current
-- overlap); a room shared earlier without a break before it moves the start back.

with facility_rooms as (
    select room_id, district_code, closed_at
    from stg_rooms
    where ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

stays as (
    select
        r.district_code,
        s.room_id,
        s.stay_id,
        s.check_in_at,
        coalesce(s.check_out_at, timestamp '9999-12-31 00:00:00') as check_out_at
    from room_stays s
    join facility_rooms r on r.room_id = s.room_id
    where s.check_in_at <= $as_of
),

shared_pairs as (
    -- Every two stays of one room that were there at the same time, and when (to the far future
    -- while both are still in).
    select
        a.district_code,
        a.room_id,
        greatest(a.check_in_at, b.check_in_at) as shared_from,
        least(a.check_out_at, b.check_out_at) as shared_until
    from stays a
    join stays b on b.room_id = a.room_id and b.stay_id > a.stay_id
    where greatest(a.check_in_at, b.check_in_at) < least(a.check_out_at, b.check_out_at)
),

shared_now as (
    select district_code, room_id, count(*) as people
    from stays
    where check_out_at > $as_of
    group by district_code, room_id
    having count(*) >= 2
),

counted as (
    -- The shared rooms, and one empty row per district with an open facility so that districts
    -- without a shared room show 0.
    select district_code, room_id, people from shared_now
    union all
    select distinct district_code, null, 0
    from facility_rooms
    where closed_at is null or closed_at > $as_of
),

shared_counts as (
    select
        district_code,
        count(room_id) as rooms_shared,
        cast(coalesce(sum(people), 0) as bigint) as people
    from counted
    group by grouping sets ((district_code), ())
),

red_now as (
    select district_code as scope_code from shared_counts where rooms_shared > 0
),

changes as (
    select district_code, shared_from as changed_at, 1 as pairs_delta from shared_pairs
    union all
    select district_code, shared_until, -1 from shared_pairs where shared_until <= $as_of
),

changes_by_scope as (
    -- History is only needed where a room is shared now (the city row has scope_code null).
    select c.district_code as scope_code, c.changed_at, c.pairs_delta
    from changes c
    where c.district_code in (select scope_code from red_now)
    union all
    select null, changed_at, pairs_delta
    from changes
    where exists (select 1 from red_now where scope_code is null)
),

net_change_per_moment as (
    select scope_code, changed_at, sum(pairs_delta) as pairs_delta
    from changes_by_scope
    group by scope_code, changed_at
),

overlap_history as (
    select
        scope_code,
        changed_at,
        sum(pairs_delta) over (partition by scope_code order by changed_at
                               rows between unbounded preceding and current row) as pairs_sharing
    from net_change_per_moment
),

last_clear as (
    select scope_code, max(changed_at) as clear_at
    from overlap_history
    where pairs_sharing = 0
    group by scope_code
),

red_since as (
    select h.scope_code, min(h.changed_at) as red_since
    from overlap_history h
    left join last_clear c on c.scope_code is not distinct from h.scope_code
    where c.clear_at is null or h.changed_at > c.clear_at
    group by h.scope_code
),

final as (
    select
        s.district_code,
        cast(s.rooms_shared as double) as value,
        s.rooms_shared as numerator,
        cast(null as bigint) as denominator,
        cast(null as double) as threshold,
        s.rooms_shared > 0 as is_red,
        case when s.rooms_shared > 0 then r.red_since end as red_since,
        s.rooms_shared,
        s.people
    from shared_counts s
    left join red_since r on r.scope_code is not distinct from s.district_code
)

select * from final
order by district_code nulls first
