-- Where $building_code is: its grid, community and district, for checking a link that names a
-- building (its code, numbered by the district's address system, need not begin with the
-- district's). One row, or none for a building the reader cannot see.

with the_building as (
    select building_code, grid_code, community_code, district_code
    from buildings
    where building_code = $building_code
)

select * from the_building
