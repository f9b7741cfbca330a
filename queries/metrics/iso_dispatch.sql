-- ISO-DISPATCH: the dispatch plan at $as_of for districts whose room usage is at or over the
-- trigger (rulebook §1; 003 #57: 使用率达到75%时 ... 按照就近原则跨区调度). A plan, not a flag, so it
-- has its own columns instead of value/is_red. One row per (needy district, lender), nearest first;
-- a needy district with no lender at all gets one row with the lender columns null.
--
-- Rooms and occupied rooms are those of ISO-USE at $as_of (rooms of facilities commissioned at or
-- before it and not closed; occupied while someone is in it, counted once), added up from the
-- events of stg_iso_room_changes.
-- trigger_rooms = ceil($room_usage_trigger x rooms): the fewest occupied rooms at which usage
-- reaches the trigger (4 rooms at 75%: 3).
-- A district is needy when occupied >= trigger x rooms (exactly 75% counts). need_rooms: the
-- fewest rooms whose occupants, moved out, bring it back below the trigger: the smallest n with
-- occupied - n < trigger x rooms, i.e. occupied - trigger_rooms + 1 (3 of 4 occupied: 1).
-- A lender is any other district; it can lend spare_rooms = greatest(trigger_rooms - 1 - occupied, 0)
-- free rooms and still stay below the trigger (2 of 4 occupied lends 0: a third would reach 75%).
-- Lenders with no spare room are left out. They are ranked by distance_km from the needy district
-- (commuting_ties, from the needy district to the lender; a pair without a distance comes last),
-- then by code. cumulative_spare_rooms adds up spare rooms in that order; covers_need is true from
-- the first lender at which it reaches need_rooms, and the plan stops there. need_covered tells
-- whether the listed lenders together cover the need.
-- Each needy district's plan is drawn independently: a lender near two needy districts offers the
-- same spare rooms to both, and the city HQ decides who gets them.
-- $district_code picks the needy district, $township_code the district it lies in; lenders always
-- come from the whole city.

with usage as (
    select
        district_code,
        cast(sum(rooms_delta) as bigint) as rooms,
        cast(sum(occupied_delta) as bigint) as rooms_occupied
    from stg_iso_room_changes
    where changed_at <= $as_of
    group by district_code
),

thresholds as (
    select
        district_code,
        rooms,
        rooms_occupied,
        cast(ceil($room_usage_trigger * rooms) as bigint) as trigger_rooms
    from usage
    where rooms > 0
),

needy as (
    select district_code, rooms_occupied - trigger_rooms + 1 as need_rooms
    from thresholds
    where rooms_occupied >= $room_usage_trigger * rooms
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null
           or district_code in (select district_code from townships where township_code = $township_code))
),

lenders as (
    select district_code, trigger_rooms - 1 - rooms_occupied as spare_rooms
    from thresholds
    where trigger_rooms - 1 - rooms_occupied > 0
),

ranked as (
    select
        n.district_code as needy_district_code,
        n.need_rooms,
        l.district_code as lender_district_code,
        row_number() over (partition by n.district_code
                           order by t.distance_km nulls last, l.district_code) as lender_rank,
        t.distance_km,
        l.spare_rooms
    from needy n
    join lenders l on l.district_code <> n.district_code
    left join commuting_ties t
        on t.from_district_code = n.district_code and t.to_district_code = l.district_code
),

cumulated as (
    select
        *,
        cast(sum(spare_rooms) over (partition by needy_district_code order by lender_rank
                                    rows between unbounded preceding and current row) as bigint)
            as cumulative_spare_rooms
    from ranked
),

plan as (
    -- Lenders up to and including the first whose cumulative spare covers the need.
    select
        *,
        cumulative_spare_rooms >= need_rooms as covers_need
    from cumulated
    where cumulative_spare_rooms - spare_rooms < need_rooms
),

final as (
    select
        n.district_code as needy_district_code,
        n.need_rooms,
        p.lender_district_code,
        p.lender_rank,
        p.distance_km,
        p.spare_rooms,
        p.cumulative_spare_rooms,
        p.covers_need,
        max(case when p.covers_need then 1 else 0 end) over (partition by n.district_code) = 1
            as need_covered
    from needy n
    left join plan p on p.needy_district_code = n.district_code
)

select * from final
order by needy_district_code, lender_rank
