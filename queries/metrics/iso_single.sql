-- ISO-SINGLE: rooms holding more than one isolated person at $as_of (rulebook §1; 003 #55: 严格执行单人单间).
-- One row per district with a facility open at $as_of (0 when every room holds at most one person,
-- so a green row means "checked"), plus the city row (district_code null).
--
-- A person is in a room from check-in (included) to check-out (excluded): one leaving at 10:00 and
-- the next arriving at 10:00 never share. Every stay counts, whatever its person_kind (an
-- accompanying relative is isolated in the room too), in any facility, commissioned or not.
-- The shared rooms at $as_of are fragments/shared_rooms, the rooms details/iso_single_rooms lists.
-- value = numerator = rooms with two or more open stays at $as_of; red when > 0. No denominator
-- and no setting: threshold is null.
-- red_since: when the place's current breach began: the start of the unbroken stretch, up to
-- $as_of, during which at least one of its rooms held two or more people. For a single shared
-- room that is the moment the second person checked in (the earliest moment of its current
-- overlap); a room shared earlier without a break before it moves the start back.

with open_stays as (${fragments/open_stays}),

shared_rooms as (${fragments/shared_rooms}),

open_facility_districts as (${fragments/open_facility_districts}),

counted as (
    -- The shared rooms, and one empty row per district with an open facility so that districts
    -- without a shared room show 0.
    select district_code, room_id, people_in_room from shared_rooms
    union all
    select district_code, null, 0 from open_facility_districts
),

shared_counts as (
    select
        district_code,
        count(room_id) as rooms_shared,
        cast(coalesce(sum(people_in_room), 0) as bigint) as people
    from counted
    group by grouping sets ((district_code), ())
),

red_now as (
    select district_code as scope_code from shared_counts where rooms_shared > 0
),

shared_pairs as (
    -- Every two stays of one room that were there at the same time (stg_iso_shared_pairs, stored
    -- once per file for whole-city readers), both checked in by $as_of, in the place filter.
    select district_code, shared_from, shared_until
    from stg_iso_shared_pairs
    where shared_from <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

changes as (
    select district_code, shared_from as changed_at, 1 as pairs_delta from shared_pairs
    union all
    select district_code, shared_until, -1 from shared_pairs where shared_until <= $as_of
),

red_history as (${fragments/red_while_above_zero(delta = pairs_delta)}),

red_since as (${fragments/red_since}),

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
