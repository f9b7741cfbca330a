-- The 38 districts and counties with their names in both languages: labels beside codes, and
-- the place selector of the sidebar. One row per district, in code order.

with named_districts as (
    select district_code, name_zh, name_en
    from districts
)

select * from named_districts
order by district_code
