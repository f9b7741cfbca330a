-- The townships (streets) of $district_code with their names and centroids, for the overview map's
-- second level (no township outlines exist offline: points). One row per township, in code order.

with district_township_points as (
    select township_code, name_zh, centroid_lon, centroid_lat
    from townships
    where district_code = $district_code
)

select * from district_township_points
order by township_code
