-- The buildings of $grid_code with their names or addresses, for the sidebar's building selector
-- (the fifth of the five levels, 003 #64; empty until intake loads buildings). One row per
-- building, in code order.

with grid_buildings as (
    select building_code, name_zh
    from buildings
    where grid_code = $grid_code
)

select * from grid_buildings
order by building_code
