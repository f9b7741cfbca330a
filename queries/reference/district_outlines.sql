-- The 38 districts and counties with their names and outlines (GeoJSON), for the district maps
-- of the overview and risk-area pages. One row per district, in code order.

with outlined_districts as (
    select district_code, name_zh, name_en, outline_geojson
    from districts
)

select * from outlined_districts
order by district_code
