-- The grids of $community_code with their names, for the sidebar's grid selector (the fourth of
-- the five levels, 003 #64). One row per grid, in code order.

with community_grids as (
    select grid_code, name_zh
    from grids
    where community_code = $community_code
)

select * from community_grids
order by grid_code
