-- ISO-USE: isolation-room usage per district and for the city at $as_of (rulebook §1; 003 #57).
-- One row per district with commissioned rooms, plus the city row (district_code null).
-- A room counts once its facility passed assessment; a room holding two people counts once.
-- red_since: when usage last rose to the trigger and stayed there until $as_of.

with commissioned_rooms as (
    select room_id, district_code, commissioned_at
    from stg_rooms
    where commissioned_at <= $as_of
      and (closed_at is null or closed_at > $as_of)
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

occupancy as (
    -- Periods of each commissioned room, clipped to its commissioning and to $as_of.
    select
        c.room_id,
        c.district_code,
        greatest(o.occupied_from, c.commissioned_at) as occupied_from,
        case when o.occupied_until <= $as_of then o.occupied_until end as occupied_until
    from stg_room_occupancy o
    join commissioned_rooms c on c.room_id = o.room_id
    where o.occupied_from <= $as_of
      and (o.occupied_until is null or o.occupied_until > c.commissioned_at)
),

usage_now as (
    select
        c.district_code,
        count(*) as rooms,
        count(o.room_id) as rooms_occupied
    from commissioned_rooms c
    left join (
        select distinct room_id from occupancy where occupied_until is null  -- open at $as_of
    ) o on o.room_id = c.room_id
    group by grouping sets ((c.district_code), ())
),

changes as (
    -- Every change of occupied rooms (+1/-1) and of commissioned rooms, per district and city.
    select district_code, occupied_from as changed_at, 1 as occupied_delta, 0 as rooms_delta from occupancy
    union all
    select district_code, occupied_until, -1, 0 from occupancy where occupied_until is not null
    union all
    select district_code, commissioned_at, 0, 1 from commissioned_rooms
),

red_now as (
    select district_code as scope_code
    from usage_now
    where rooms_occupied >= $room_usage_trigger * rooms
),

changes_by_scope as (
    -- History is only needed where usage is red now (the city row has scope_code null).
    select c.district_code as scope_code, c.changed_at, c.occupied_delta, c.rooms_delta
    from changes c
    where c.district_code in (select scope_code from red_now)
    union all
    select null, changed_at, occupied_delta, rooms_delta
    from changes
    where exists (select 1 from red_now where scope_code is null)
),

net_change_per_moment as (
    select scope_code, changed_at, sum(occupied_delta) as occupied_delta, sum(rooms_delta) as rooms_delta
    from changes_by_scope
    group by scope_code, changed_at
),

usage_history as (
    select
        scope_code,
        changed_at,
        sum(occupied_delta) over w as occupied,
        sum(rooms_delta) over w as rooms
    from net_change_per_moment
    window w as (partition by scope_code order by changed_at rows between unbounded preceding and current row)
),

last_below_trigger as (
    select scope_code, max(changed_at) as last_below_at
    from usage_history
    where occupied < $room_usage_trigger * rooms
    group by scope_code
),

red_since as (
    select h.scope_code, min(h.changed_at) as red_since
    from usage_history h
    left join last_below_trigger b on b.scope_code is not distinct from h.scope_code
    where b.last_below_at is null or h.changed_at > b.last_below_at
    group by h.scope_code
),

final as (
    select
        u.district_code,
        cast(u.rooms_occupied as double) / u.rooms as value,
        u.rooms_occupied as numerator,
        u.rooms as denominator,
        cast($room_usage_trigger as double) as threshold,
        u.rooms_occupied >= $room_usage_trigger * u.rooms as is_red,
        case when u.rooms_occupied >= $room_usage_trigger * u.rooms then r.red_since end as red_since,
        u.rooms_occupied,
        u.rooms
    from usage_now u
    left join red_since r on r.scope_code is not distinct from u.district_code
)

select * from final
order by district_code nulls first
