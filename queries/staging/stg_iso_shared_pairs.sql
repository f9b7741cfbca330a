-- Every two stays of one isolation room that were there at the same time, and when: from the
-- later check-in to the earlier check-out (the far future while both are still in). ISO-SINGLE's
-- history; it takes the pairs of $as_of as those with shared_from <= $as_of (both checked in by
-- then), in the place filter. Any room, commissioned or not, as ISO-SINGLE counts stays.

with stays as (
    select
        r.district_code,
        r.township_code,
        s.room_id,
        s.stay_id,
        s.check_in_at,
        coalesce(s.check_out_at, timestamp '9999-12-31 00:00:00') as check_out_at
    from room_stays s
    join stg_rooms r on r.room_id = s.room_id
)

select
    a.district_code,
    a.township_code,
    greatest(a.check_in_at, b.check_in_at) as shared_from,
    least(a.check_out_at, b.check_out_at) as shared_until
from stays a
join stays b on b.room_id = a.room_id and b.stay_id > a.stay_id
where greatest(a.check_in_at, b.check_in_at) < least(a.check_out_at, b.check_out_at)
