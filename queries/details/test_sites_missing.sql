-- Drill-through of TEST-SITES (rulebook §4; 003 #44): communities of residents_per_sampling_site
-- (3,000) or more residents with no sampling site open at $as_of, largest first; then those of
-- unknown population without one (population null), which may or may not need one.
-- A site is open when opened_at <= $as_of and (closed_at is null or closed_at > $as_of).
-- One row per community. Codes, counts and times only.

with sites_so_far as (
    select
        community_code,
        count(*) as sites_opened,
        sum(case when closed_at is null or closed_at > $as_of then 1 else 0 end) as open_sites,
        max(case when closed_at <= $as_of then closed_at end) as last_closed_at
    from sampling_sites
    where opened_at <= $as_of
    group by community_code
)

select
    c.community_code,
    c.township_code,
    c.district_code,
    c.population,
    coalesce(s.sites_opened, 0) as sites_opened,
    s.last_closed_at
from communities c
left join sites_so_far s on s.community_code = c.community_code
where (c.population is null or c.population >= $residents_per_sampling_site)
  and coalesce(s.open_sites, 0) = 0
  and ($district_code is null or c.district_code = $district_code)
  and ($township_code is null or c.township_code = $township_code)
  and ${fragments/in_community(community_code = c.community_code)}
order by c.population is null, c.population desc, c.community_code
