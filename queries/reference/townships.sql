-- The townships (streets) of $district_code with their Chinese names, for the sidebar's
-- township selector. One row per township, in code order.

with district_townships as (
    select township_code, name_zh
    from townships
    where district_code = $district_code
)

select * from district_townships
order by township_code
