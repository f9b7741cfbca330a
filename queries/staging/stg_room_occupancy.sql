-- Periods during which a room held at least one person: overlapping stays in one room
-- (an accompanied stay) merge into one period, so a room is counted once.
-- occupied_until is null while the period is still open.

with stays as (
    select
        room_id,
        check_in_at,
        coalesce(check_out_at, timestamp '9999-12-31 00:00:00') as check_out_at
    from room_stays
),

flagged as (
    select
        room_id,
        check_in_at,
        check_out_at,
        case
            when check_in_at <= max(check_out_at) over (
                partition by room_id order by check_in_at, check_out_at
                rows between unbounded preceding and 1 preceding)
            then 0 else 1
        end as starts_period
    from stays
),

numbered as (
    select
        room_id,
        check_in_at,
        check_out_at,
        sum(starts_period) over (
            partition by room_id order by check_in_at, check_out_at
            rows between unbounded preceding and current row) as period_number
    from flagged
),

periods as (
    select
        room_id,
        min(check_in_at) as occupied_from,
        nullif(max(check_out_at), timestamp '9999-12-31 00:00:00') as occupied_until
    from numbered
    group by room_id, period_number
)

select
    p.room_id,
    r.facility_id,
    r.district_code,
    r.township_code,
    r.commissioned_at,
    p.occupied_from,
    p.occupied_until
from periods p
join stg_rooms r on r.room_id = p.room_id
