-- ISO-USE: isolation-room usage per district and for the city at $as_of (rulebook §1; 003 #57).
-- One row per district with commissioned rooms, plus the city row (district_code null).
-- A room counts once its facility passed assessment; a room holding two people counts once
-- (stg_iso_room_changes gives both counts as +1/-1 changes).
-- red_since: when usage last rose to the trigger and stayed there until $as_of.

with changes as (
    select district_code, changed_at, rooms_delta, occupied_delta
    from stg_iso_room_changes
    where changed_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

usage_now as (
    select
        district_code,
        sum(rooms_delta) as rooms,
        sum(occupied_delta) as rooms_occupied
    from changes
    group by grouping sets ((district_code), ())
    having sum(rooms_delta) > 0 or grouping(district_code) = 1
),

red_now as (
    select district_code as scope_code
    from usage_now
    where rooms_occupied >= $room_usage_trigger * rooms
),

changes_by_scope as (
    -- History is only needed where usage is red now (the city row has scope_code null).
    select district_code as scope_code, changed_at, rooms_delta, occupied_delta
    from changes
    where district_code in (select scope_code from red_now)
    union all
    select null, changed_at, rooms_delta, occupied_delta
    from changes
    where exists (select 1 from red_now where scope_code is null)
),

net_change_per_moment as (
    select scope_code, changed_at, sum(occupied_delta) as occupied_delta, sum(rooms_delta) as rooms_delta
    from changes_by_scope
    group by scope_code, changed_at
),

red_history as (
    select
        scope_code,
        changed_at,
        sum(occupied_delta) over w >= $room_usage_trigger * sum(rooms_delta) over w as is_red
    from net_change_per_moment
    window w as (partition by scope_code order by changed_at rows between unbounded preceding and current row)
),

red_since as (${fragments/red_since}),

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
