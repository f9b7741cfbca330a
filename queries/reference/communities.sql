-- The villages and communities of $township_code with their Chinese names, for the sidebar's
-- community selector (the third of the five levels, 003 #64). One row per community, in code order.

with township_communities as (
    select community_code, name_zh
    from communities
    where township_code = $township_code
)

select * from township_communities
order by community_code
