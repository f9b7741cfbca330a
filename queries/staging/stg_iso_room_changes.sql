-- Every change in the two counts of ISO-USE, as +1/-1 events per room: rooms_delta for
-- commissioned rooms (+1 when the facility passed assessment, -1 when it closed) and
-- occupied_delta for commissioned rooms holding at least one person. The counts at any moment t
-- are sum(delta) over changed_at <= t, for one moment (ISO-DISPATCH) or a history (ISO-RUNWAY).
-- fragments/room_changes takes them up to $as_of in the place filter for ISO-USE, ISO-RUNWAY and
-- ISO-USE's drill-through, so that the rooms a facility lists add up to the metric.
--
-- A person is in a room from check-in (included) to check-out (excluded), and counts only while
-- the room counts (commissioned, not closed). Occupied rooms = people - people beyond the first
-- in their room, so no room's stays need sorting: a stay that begins while an earlier stay of its
-- room is still there (earlier check-in, or the same check-in and a smaller stay_id) is an extra
-- person until it ends or the last of those earlier stays ends. This gives the counts of
-- merged occupancy periods without window passes over every stay.

with rooms_counted as (
    -- When each room counts; counted_until is the far future while its facility is open.
    select
        room_id,
        district_code,
        township_code,
        commissioned_at as counted_from,
        coalesce(closed_at, timestamp '9999-12-31 00:00:00') as counted_until
    from stg_rooms
    where commissioned_at is not null
      and (closed_at is null or closed_at > commissioned_at)
),

stays as (
    -- Each stay clipped to the time its room counts; stays wholly outside it drop out.
    select
        s.stay_id,
        s.room_id,
        r.district_code,
        r.township_code,
        s.check_in_at,
        greatest(s.check_in_at, r.counted_from) as counted_from,
        least(coalesce(s.check_out_at, timestamp '9999-12-31 00:00:00'), r.counted_until) as counted_until
    from room_stays s
    join rooms_counted r on r.room_id = s.room_id
    where greatest(s.check_in_at, r.counted_from)
        < least(coalesce(s.check_out_at, timestamp '9999-12-31 00:00:00'), r.counted_until)
),

extra_people as (
    select
        b.room_id,
        b.district_code,
        b.township_code,
        b.counted_from as extra_from,
        least(b.counted_until, max(a.counted_until)) as extra_until
    from stays b
    join stays a
        on a.room_id = b.room_id
        and (a.check_in_at < b.check_in_at or (a.check_in_at = b.check_in_at and a.stay_id < b.stay_id))
        and a.counted_until > b.counted_from
    group by b.stay_id, b.room_id, b.district_code, b.township_code, b.counted_from, b.counted_until
),

changes as (
    select room_id, district_code, township_code, counted_from as changed_at, 1 as rooms_delta, 0 as occupied_delta
    from rooms_counted
    union all
    select room_id, district_code, township_code, counted_until, -1, 0 from rooms_counted
    union all
    select room_id, district_code, township_code, counted_from, 0, 1 from stays
    union all
    select room_id, district_code, township_code, counted_until, 0, -1 from stays
    union all
    select room_id, district_code, township_code, extra_from, 0, -1 from extra_people
    union all
    select room_id, district_code, township_code, extra_until, 0, 1 from extra_people
)

select room_id, district_code, township_code, changed_at, rooms_delta, occupied_delta
from changes
where changed_at < timestamp '9999-12-31 00:00:00'
