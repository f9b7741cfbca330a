-- ISO-COMMISSION: rooms in use at $as_of in facilities that have not passed assessment
-- (rulebook §1; 003 #54: 集中隔离场所经评估合格后方可启用).
-- One row per district with a facility open at $as_of (0 when none of its rooms breaks the rule,
-- so a green row means "checked"), plus the city row (district_code null).
--
-- A room is in breach while someone is in it (check-in at or before the moment, check-out after it)
-- and its facility's commissioned_at is null or later than that moment; a room holding two people
-- counts once. The rooms in breach at $as_of are fragments/uncommissioned_rooms_in_use, the rows
-- details/iso_commission_rooms lists. value = numerator = rooms in breach at $as_of; red when > 0.
-- No denominator and no setting: threshold is null.
-- red_since: when the place's current breach began: the start of the unbroken stretch, up to
-- $as_of, during which at least one of its rooms was in breach. It is the earliest check-in of the
-- stays in breach now, unless rooms used before them kept the breach going without a break (a
-- room vacated at 10:00 and another taken at 09:00 make one stretch). A room's breach ends when
-- the stay ends or the facility passes assessment, whichever comes first.

with open_stays as (${fragments/open_stays}),

rooms_in_breach as (${fragments/uncommissioned_rooms_in_use}),

open_facility_districts as (${fragments/open_facility_districts}),

counted as (
    -- The rooms in breach now, and one empty row per district with an open facility so that
    -- districts without a breach show 0.
    select district_code, facility_id, room_id, people_in_room from rooms_in_breach
    union all
    select district_code, null, null, 0 from open_facility_districts
),

breach_counts as (
    select
        district_code,
        count(room_id) as rooms_in_use,
        count(distinct facility_id) as facilities,
        cast(coalesce(sum(people_in_room), 0) as bigint) as people
    from counted
    group by grouping sets ((district_code), ())
),

red_now as (
    select district_code as scope_code from breach_counts where rooms_in_use > 0
),

stays_in_breach as (
    -- For the history: each stay's stretch, up to $as_of, in a facility not yet commissioned;
    -- breach_until is the far future while it lasts.
    select
        r.district_code,
        s.check_in_at as breach_from,
        least(coalesce(s.check_out_at, timestamp '9999-12-31 00:00:00'),
              coalesce(r.commissioned_at, timestamp '9999-12-31 00:00:00')) as breach_until
    from room_stays s
    join stg_rooms r on r.room_id = s.room_id
    where s.check_in_at <= $as_of
      and coalesce(s.check_in_at < r.commissioned_at, true)  -- before assessment, or never assessed
      and ($district_code is null or r.district_code = $district_code)
      and ($township_code is null or r.township_code = $township_code)
),

changes as (
    select district_code, breach_from as changed_at, 1 as stays_delta from stays_in_breach
    union all
    select district_code, breach_until, -1 from stays_in_breach where breach_until <= $as_of
),

red_history as (${fragments/red_while_above_zero(delta = stays_delta)}),

red_since as (${fragments/red_since}),

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
