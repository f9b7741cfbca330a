-- ISO-RUNWAY: days until a district's room usage reaches the trigger and 100%, at the net intake of
-- the last $runway_window_hours (rulebook §1, derived from 003 #57).
-- One row per district with commissioned rooms at $as_of, plus the city row (district_code null).
--
-- Rooms and occupied rooms at a moment are those of ISO-USE (rooms of facilities commissioned at or
-- before it and not closed; occupied while someone is in it, counted once), added up from the
-- changes of fragments/room_changes (stg_iso_room_changes up to $as_of, in the place filter).
-- net_rooms_per_day = (occupied at $as_of - occupied at $as_of - window) / (window / 24): the rooms
-- taken per day, net of rooms freed (negative when the district empties).
-- trigger_rooms = ceil($room_usage_trigger x rooms), the fewest occupied rooms at which usage
-- reaches the trigger. numerator = rooms_to_trigger = greatest(trigger_rooms - occupied, 0);
-- denominator = net_rooms_per_day.
-- value = days_to_trigger: 0 when usage is already at or over the trigger; otherwise
-- rooms_to_trigger / net_rooms_per_day when that is positive, and null when it is zero or
-- negative (at this rate the trigger is never reached). days_to_full likewise to 100% of rooms.
-- is_red when 0 < days_to_trigger <= $runway_alert_days, decided without division:
-- rooms_to_trigger x window <= alert days x 24 x net intake over the window (so exactly 3 days is
-- red). A district already at the trigger is not red here (ISO-USE flags it); one whose intake
-- is zero or negative is not red (false, not unknown). A city row without rooms is unknown (null).
-- red_since: the start of the unbroken stretch, up to $as_of, during which the runway was red,
-- judged at every moment it can change: each change of rooms or occupied rooms, and the moment
-- each such change leaves the window (its time + window).

with changes as (${fragments/room_changes}),

counts as (
    select
        district_code,
        cast(coalesce(sum(rooms_delta), 0) as bigint) as rooms,
        cast(coalesce(sum(occupied_delta), 0) as bigint) as rooms_occupied,
        cast(coalesce(sum(case when changed_at <= $as_of - $runway_window_hours * interval '1' hour
                               then occupied_delta else 0 end), 0) as bigint) as rooms_occupied_before
    from changes
    group by grouping sets ((district_code), ())
),

runway_now as (
    select
        district_code,
        rooms,
        rooms_occupied,
        rooms_occupied_before,
        rooms_occupied - rooms_occupied_before as net_change,
        cast(ceil($room_usage_trigger * rooms) as bigint) as trigger_rooms,
        greatest(cast(ceil($room_usage_trigger * rooms) as bigint) - rooms_occupied, 0) as rooms_to_trigger,
        (rooms_occupied - rooms_occupied_before) * 24.0 / $runway_window_hours as net_rooms_per_day
    from counts
    where rooms > 0 or district_code is null
),

judged as (
    select
        *,
        case when rooms > 0 then
            rooms_to_trigger > 0
            and net_change > 0
            and rooms_to_trigger * $runway_window_hours <= $runway_alert_days * 24 * net_change
        end as is_red
    from runway_now
),

red_now as (
    select district_code as scope_code from judged where is_red
),

changes_where_red as (${fragments/changes_where_red}),

net_change_per_moment as (
    -- One row per moment: the probes below read the counts just after it.
    select
        scope_code,
        changed_at,
        cast(sum(occupied_delta) as bigint) as occupied_delta,
        cast(sum(rooms_delta) as bigint) as rooms_delta
    from changes_where_red
    group by scope_code, changed_at
),

timeline as (
    -- Each change c, and two probes that read the counts one window before and after it. Probes
    -- sort after the changes of their own instant: a change exactly one window before c counts
    -- as before the window, as in counts above.
    select scope_code, changed_at as anchor_at, changed_at as point_at, 'change' as kind,
           occupied_delta, rooms_delta
    from net_change_per_moment
    union all
    select scope_code, changed_at, changed_at - $runway_window_hours * interval '1' hour, 'before', 0, 0
    from net_change_per_moment
    union all
    select scope_code, changed_at, changed_at + $runway_window_hours * interval '1' hour, 'after', 0, 0
    from net_change_per_moment
    where changed_at + $runway_window_hours * interval '1' hour <= $as_of
),

counted as (
    select
        scope_code,
        anchor_at,
        kind,
        sum(occupied_delta) over so_far as occupied,
        sum(rooms_delta) over so_far as rooms
    from timeline
    window so_far as (partition by scope_code
                      order by point_at, case when kind = 'change' then 0 else 1 end
                      rows between unbounded preceding and current row)
),

around_change as (
    select
        scope_code,
        anchor_at,
        max(case when kind = 'change' then rooms end) as rooms,
        max(case when kind = 'change' then occupied end) as occupied,
        max(case when kind = 'before' then occupied end) as occupied_window_before,
        max(case when kind = 'after' then rooms end) as rooms_window_after,
        max(case when kind = 'after' then occupied end) as occupied_window_after
    from counted
    group by scope_code, anchor_at
),

runway_history as (
    -- The runway can change colour only at a change c and when c leaves the window, at c + window.
    select scope_code, anchor_at as moment, rooms, occupied, occupied - occupied_window_before as net_change
    from around_change
    union all
    select
        scope_code,
        anchor_at + $runway_window_hours * interval '1' hour,
        rooms_window_after,
        occupied_window_after,
        occupied_window_after - occupied
    from around_change
    where anchor_at + $runway_window_hours * interval '1' hour <= $as_of
),

red_history as (
    select
        scope_code,
        moment as changed_at,
        rooms > 0
        and ceil($room_usage_trigger * rooms) - occupied > 0
        and net_change > 0
        and (ceil($room_usage_trigger * rooms) - occupied) * $runway_window_hours
            <= $runway_alert_days * 24 * net_change as is_red
    from runway_history
),

red_since as (${fragments/red_since}),

final as (
    select
        w.district_code,
        case
            when w.rooms = 0 then null
            when w.rooms_to_trigger = 0 then 0.0
            when w.net_change > 0 then w.rooms_to_trigger / w.net_rooms_per_day
        end as value,
        w.rooms_to_trigger as numerator,
        w.net_rooms_per_day as denominator,
        cast($runway_alert_days as double) as threshold,
        w.is_red,
        case when w.is_red then r.red_since end as red_since,
        case
            when w.rooms = 0 then null
            when w.rooms_occupied >= w.rooms then 0.0
            when w.net_change > 0 then (w.rooms - w.rooms_occupied) / w.net_rooms_per_day
        end as days_to_full,
        w.net_rooms_per_day,
        w.rooms_occupied,
        w.rooms_occupied_before,
        w.rooms,
        w.trigger_rooms
    from judged w
    left join red_since r on r.scope_code is not distinct from w.district_code
)

select * from final
order by district_code nulls first
