-- ISO-USE: isolation-room usage per district and for the city at $as_of (rulebook §1; 003 #57).
-- One row per district with commissioned rooms, plus the city row (district_code null).
-- A room counts once its facility passed assessment; a room holding two people counts once
-- (fragments/room_changes gives both counts as +1/-1 changes; details/iso_rooms_in_use adds up
-- the same changes per facility).
-- red_since: when usage last rose to the trigger and stayed there until $as_of.

with changes as (${fragments/room_changes}),

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

changes_where_red as (${fragments/changes_where_red}),

moment_changes as (
    -- The changes of one moment added up first: the window then runs over moments, not changes
    -- (about half as many rows at city scale).
    select scope_code, changed_at, sum(occupied_delta) as occupied_delta, sum(rooms_delta) as rooms_delta
    from changes_where_red
    group by scope_code, changed_at
),

red_history as (
    -- Usage after each moment: the changes of its scope up to and including it.
    select
        scope_code,
        changed_at,
        sum(occupied_delta) over so_far >= $room_usage_trigger * sum(rooms_delta) over so_far as is_red
    from moment_changes
    window so_far as (partition by scope_code order by changed_at
                      rows between unbounded preceding and current row)
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
