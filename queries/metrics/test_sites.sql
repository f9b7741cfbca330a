-- TEST-SITES: sampling sites (rulebook §4; 003 #44). One row per district with communities of
-- residents_per_sampling_site (3,000) or more residents, or of unknown population, plus the city
-- row (district_code null).
--
-- A site is open at $as_of when opened_at <= $as_of and (closed_at is null or closed_at >
-- $as_of). value = numerator = communities of at least the threshold with no open site;
-- denominator = communities of at least the threshold. Red when value > 0.
-- Unknown is not zero: a community of unknown population may or may not need a site. Where a
-- district has no community known to lack one but some of unknown population without a site,
-- value and is_red are null; those communities are counted in unknown_without_site.
-- red_since: the earliest moment from which one of the missing communities has been without an
-- open site (the close of its last site). Null when one of them never had a site at or before
-- $as_of: the breach began before the data.
-- Place filter on the community's district, township and code (fragments/in_community).

with communities_in_scope as (
    select community_code, district_code, population
    from communities
    where ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
      and ${fragments/in_community}
      and (population is null or population >= $residents_per_sampling_site)
),

sites_so_far as (
    -- Per community: sites open at $as_of, and the last close of a site opened by then.
    select
        community_code,
        sum(case when closed_at is null or closed_at > $as_of then 1 else 0 end) as open_sites,
        max(case when closed_at <= $as_of then closed_at end) as last_closed_at
    from sampling_sites
    where opened_at <= $as_of
    group by community_code
),

judged as (
    select
        c.district_code,
        c.population,
        case when c.population is not null then 1 else 0 end as eligible,
        case when coalesce(s.open_sites, 0) = 0 and c.population is not null then 1 else 0 end as missing,
        case when coalesce(s.open_sites, 0) = 0 and c.population is null then 1 else 0 end as unknown_missing,
        case when coalesce(s.open_sites, 0) = 0 and c.population is not null and s.last_closed_at is null
             then 1 else 0 end as missing_never_had,
        case when coalesce(s.open_sites, 0) = 0 and c.population is not null then s.last_closed_at end as missing_since
    from communities_in_scope c
    left join sites_so_far s on s.community_code = c.community_code
),

rolled as (
    select
        district_code,
        cast(sum(eligible) as bigint) as communities,
        cast(coalesce(sum(missing), 0) as bigint) as missing,
        cast(coalesce(sum(unknown_missing), 0) as bigint) as unknown_without_site,
        cast(coalesce(sum(case when missing = 1 then population end), 0) as bigint) as residents_without_site,
        coalesce(sum(missing_never_had), 0) as missing_never_had,
        min(missing_since) as missing_since
    from judged
    group by grouping sets ((district_code), ())
)

select
    district_code,
    case when missing > 0 or unknown_without_site = 0 then cast(missing as double) end as value,
    case when missing > 0 or unknown_without_site = 0 then missing end as numerator,
    communities as denominator,
    cast($residents_per_sampling_site as double) as threshold,
    case when missing > 0 then true when unknown_without_site = 0 then false end as is_red,
    case when missing > 0 and missing_never_had = 0 then missing_since end as red_since,
    residents_without_site,
    unknown_without_site
from rolled
order by district_code nulls first
