-- ISO-RESERVE: commissioned isolation rooms per 10,000 residents at $as_of (rulebook §1; 003 #54).
-- One row per district of the districts table (with or without rooms; a district holding rooms but
-- missing from that table shows too, its population unknown), plus the city row (district_code null).
-- With $township_code the row counts that township's rooms against its own population.
--
-- rooms: rooms of facilities that passed assessment at or before $as_of and are not closed (stg_rooms).
-- value = rooms x 10,000 / population (2020 census); red when value < $rooms_per_10k_standard,
-- decided as rooms x 10,000 < standard x population so that no division rounds the boundary:
-- exactly 60 per 10,000 is not red, 59.99 is.
-- shortfall_rooms = greatest(ceil(standard x population / 10,000) - rooms, 0).
-- Unknown is not zero: a population that is null makes value, is_red and shortfall_rooms null.
-- City row: its population is the sum of the districts' populations only when every district in the
-- row has one; with any unknown it is null (a partial sum would understate the population and
-- overstate the reserve), so the city's value, is_red and shortfall are null too.
-- red_since: the last moment rooms fell below the standard (a facility closing) and stayed below
-- until $as_of. Null when not red, and when the place has been below the standard throughout its
-- records (the breach began before the first room was commissioned: its start is unknown).

with places as (
    -- Population of each place the filter selects: districts, or the one township.
    select district_code, population_2020 as population
    from districts
    where $township_code is null
      and ($district_code is null or district_code = $district_code)
    union all
    select district_code, population
    from townships
    where township_code = $township_code
      and ($district_code is null or district_code = $district_code)
),

selected_rooms as (
    select room_id, district_code, commissioned_at, closed_at
    from stg_rooms
    where commissioned_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
),

rooms_per_district as (
    select district_code, count(*) filter (where closed_at is null or closed_at > $as_of) as rooms
    from selected_rooms
    group by district_code
),

per_district as (
    select
        coalesce(p.district_code, r.district_code) as district_code,
        p.population,
        coalesce(r.rooms, 0) as rooms
    from places p
    full join rooms_per_district r on r.district_code = p.district_code
),

reserve_now as (
    select
        district_code,
        cast(coalesce(sum(rooms), 0) as bigint) as rooms,
        case when count(population) = count(*) then cast(sum(population) as bigint) end as population
    from per_district
    group by grouping sets ((district_code), ())
),

red_now as (
    select district_code as scope_code, population
    from reserve_now
    where rooms * 10000 < $rooms_per_10k_standard * population
),

changes as (
    -- Every change of commissioned rooms (+1 commissioned, -1 closed) up to $as_of.
    select district_code, commissioned_at as changed_at, 1 as rooms_delta
    from selected_rooms
    where closed_at is null or closed_at > commissioned_at
    union all
    select district_code, closed_at, -1
    from selected_rooms
    where closed_at > commissioned_at and closed_at <= $as_of
),

changes_where_red as (${fragments/changes_where_red}),

red_history as (
    -- Below the standard after each moment: the rooms of its scope up to and including it,
    -- against its population now.
    select
        c.scope_code,
        c.changed_at,
        sum(c.rooms_delta) over so_far * 10000 < $rooms_per_10k_standard * r.population as is_red
    from changes_where_red c
    join red_now r on r.scope_code is not distinct from c.scope_code
    window so_far as (partition by c.scope_code order by c.changed_at
                      range between unbounded preceding and current row)
),

red_since as (${fragments/red_since}),

final as (
    select
        n.district_code,
        cast(n.rooms * 10000 as double) / n.population as value,
        n.rooms * 10000 as numerator,
        n.population as denominator,
        cast($rooms_per_10k_standard as double) as threshold,
        n.rooms * 10000 < $rooms_per_10k_standard * n.population as is_red,
        -- Below the standard throughout its records: the breach began before the first room was
        -- commissioned, its start unknown.
        case when r.last_green_at is not null then r.red_since end as red_since,
        n.rooms,
        n.population,
        case when n.population is not null then
            greatest(cast(ceil($rooms_per_10k_standard * n.population / 10000.0) as bigint) - n.rooms, 0)
        end as shortfall_rooms
    from reserve_now n
    left join red_since r on r.scope_code is not distinct from n.district_code
)

select * from final
order by district_code nulls first
