-- ISO-COMMISSION: rooms in use at $as_of in facilities that have not passed assessment
-- (rulebook §1; 003 #54: 集中隔离场所经评估合格后方可启用).
-- One row per district with a facility open at $as_of (0 when none of its rooms breaks the rule,
-- so a green row means "checked"), plus the city row (district_code null).
--
-- A room is in breach while someone is in it (check-in at or before the moment, check-out after it)
-- and its facility's commissioned_at is null or later than that moment; a room holding two people
-- counts once. value = numerator = rooms in breach at $as_of; red when > 0. No denominator and no
-- setting: threshold is null.
-- red_since: when the place's current breach began: the start of the unbroken stretch, up to
-- $as_of, during which at least one of its rooms was in breach. It is the earliest check-in of the
-- stays in breach now, unless rooms used before them kept the breach going without a break (a
-- room vacated at 10:00 and another taken at 09:00 make one stretch). A room's breach ends when
-- the stay ends or the facility passes assessment, whichever comes first.

with facility_rooms as (
    select room_id, facility_id, district_code, commissioned_at, closed_at
    from stg_rooms
    where ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

stays_in_breach as (
    -- Each stay's stretch in a facility not yet commissioned; breach_until is the far future while
    -- it lasts.
    select
        r.district_code,
        r.facility_id,
        s.room_id,
        s.stay_id,
        s.check_in_at as breach_from,
        least(coalesce(s.check_out_at, timestamp '9999-12-31 00:00:00'),
              coalesce(r.commissioned_at, timestamp '9999-12-31 00:00:00')) as breach_until
    from room_stays s
    join facility_rooms r on r.room_id = s.room_id
    where s.check_in_at <= $as_of
      and (r.commissioned_at is null or s.check_in_at < r.commissioned_at)
),

breach_now as (
    select district_code, facility_id, room_id, stay_id
    from stays_in_breach
    where breach_until > $as_of
),

counted as (
    -- The stays in breach now, and one empty row per district with an open facility so that
    -- districts without a breach show 0.
    select district_code, facility_id, room_id, stay_id from breach_now
    union all
    select distinct district_code, null, null, null
    from facility_rooms
    where closed_at is null or closed_at > $as_of
),

breach_counts as (
    select
        district_code,
        count(distinct room_id) as rooms_in_use,
        count(distinct facility_id) as facilities,
        count(stay_id) as people
    from counted
    group by grouping sets ((district_code), ())
),

red_now as (
    select district_code as scope_code from breach_counts where rooms_in_use > 0
),

changes as (
    select district_code, breach_from as changed_at, 1 as stays_delta from stays_in_breach
    union all
    select district_code, breach_until, -1 from stays_in_breach where breach_until <= $as_of
),

changes_by_scope as (
    -- History is only needed where the rule is broken now (the city row has scope_code null).
    select c.district_code as scope_code, c.changed_at, c.stays_delta
    from changes c
    where c.district_code in (select scope_code from red_now)
    union all
    select null, changed_at, stays_delta
    from changes
    where exists (select 1 from red_now where scope_code is null)
),

net_change_per_moment as (
    select scope_code, changed_at, sum(stays_delta) as stays_delta
    from changes_by_scope
    group by scope_code, changed_at
),

breach_history as (
    select
        scope_code,
        changed_at,
        sum(stays_delta) over (partition by scope_code order by changed_at
                               rows between unbounded preceding and current row) as stays_in_breach
    from net_change_per_moment
),

last_clear as (
    select scope_code, max(changed_at) as clear_at
    from breach_history
    where stays_in_breach = 0
    group by scope_code
),

red_since as (
    select h.scope_code, min(h.changed_at) as red_since
    from breach_history h
    left join last_clear c on c.scope_code is not distinct from h.scope_code
    where c.clear_at is null or h.changed_at > c.clear_at
    group by h.scope_code
),

final as (
    select
        b.district_code,
        cast(b.rooms_in_use as double) as value,
        b.rooms_in_use as numerator,
        cast(null as bigint) as denominator,
        cast(null as double) as threshold,
        b.rooms_in_use > 0 as is_red,
        case when b.rooms_in_use > 0 then r.red_since end as red_since,
        b.rooms_in_use,
        b.facilities,
        b.people
    from breach_counts b
    left join red_since r on r.scope_code is not distinct from b.district_code
)

select * from final
order by district_code nulls first
