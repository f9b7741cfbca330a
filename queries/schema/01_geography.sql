-- Geography: the five-level chain of rulebook section 8 (notice 003 #64).
-- district -> township/street -> village/community -> grid -> building.
-- The 38-unit list is data, so an administrative reform is a data change, not a code change.
-- The demo's township and community codes, names and kinds are the National Bureau of Statistics'
-- 2023 list (data/reference/chongqing_*.csv); their populations and centroids, and the grids, are synthetic.

create table districts (
    district_code      varchar primary key,           -- GB/T 2260, 5001xx districts, 5002xx counties
    name_zh            varchar not null,
    name_en            varchar not null,
    kind               varchar not null check (kind in ('district', 'county')),
    population_2020    integer check (population_2020 > 0),  -- null: no official figure found; never guessed
    population_source  varchar,
    centroid_lon       double not null,
    centroid_lat       double not null,
    outline_geojson    varchar not null               -- GeoJSON geometry, CGCS2000 (= WGS84 at map scale)
);

create table townships (
    township_code  varchar primary key,               -- district code + 3 digits
    district_code  varchar not null,
    name_zh        varchar not null,
    kind           varchar not null check (kind in ('street', 'town', 'township')),
    population     integer check (population >= 0),  -- synthetic split of the census figure; null where the district has none
    centroid_lon   double not null,    -- demo: a synthetic point inside the district outline
    centroid_lat   double not null
);

create table communities (
    community_code  varchar primary key,              -- township code + 3 digits
    township_code   varchar not null,
    district_code   varchar not null,
    name_zh         varchar not null,                 -- published name less its committee suffix (丹凤社区)
    kind            varchar not null check (kind in ('community', 'village')),
    population      integer check (population >= 0)   -- demo: synthetic split of the township figure
);

create table grids (
    grid_code       varchar primary key,              -- community code + 2 digits
    community_code  varchar not null,
    district_code   varchar not null,
    name_zh         varchar not null
);

-- Buildings (楼栋), the fifth level: loaded through intake, empty in the demo. No rule reads them
-- yet (a risk area names its community, and a building only in its free-text name_zh).
create table buildings (
    building_code   varchar primary key,              -- as the district's address system numbers it
    grid_code       varchar not null,                 -- a grid of community_code
    community_code  varchar not null,
    district_code   varchar not null,
    name_zh         varchar not null,                 -- name or address: 某小区3栋, 某路12号
    residents       integer check (residents >= 0)    -- null: no figure; never guessed
);

-- Commuting ties between districts: share of a district's daily trips that go to another.
create table commuting_ties (
    from_district_code  varchar not null,
    to_district_code    varchar not null,
    trip_share          double not null check (trip_share >= 0 and trip_share <= 1),
    distance_km         double not null check (distance_km >= 0),
    primary key (from_district_code, to_district_code)
);
