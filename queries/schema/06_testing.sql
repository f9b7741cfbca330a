-- Mass testing rounds (rulebook section 4, notice 003 #52).

create table testing_rounds (
    round_id     varchar primary key,
    name_zh      varchar not null,
    scope        varchar not null check (scope in ('citywide', 'districts', 'areas')),
    started_at   timestamp not null,
    -- Null where the source gives none: the round is then due started_at +
    -- testing_round_deadline_hours (settings.toml; fragments/round_districts).
    deadline_at  timestamp,
    check (deadline_at is null or deadline_at > started_at)
);

-- One row per round, township and risk level: a township with a sealed compound has a high-risk
-- part (door-to-door, single tubes), a medium-risk part (1:5) and the rest low-risk (1:10) (003 #52).
create table testing_round_targets (
    round_id           varchar not null,
    district_code      varchar not null,
    township_code      varchar not null,
    risk_level         varchar not null check (risk_level in ('high', 'medium', 'low')),
    pool_size          integer not null check (pool_size in (1, 5, 10, 20)),
    target_population  integer not null check (target_population >= 0),
    primary key (round_id, township_code, risk_level)
);

-- Progress reports, cumulative counts, every 2 hours per district.
create table testing_progress_reports (
    round_id        varchar not null,
    district_code   varchar not null,
    reported_at     timestamp not null,
    people_sampled  bigint not null check (people_sampled >= 0),
    people_tested   bigint not null check (people_tested >= 0),
    tubes_tested    bigint not null check (tubes_tested >= 0),
    positive_tubes  integer not null check (positive_tubes >= 0),
    primary key (round_id, district_code, reported_at),
    check (people_tested <= people_sampled)
);

-- One row per tube (pooled sample).
create table testing_tubes (
    tube_id          bigint primary key,
    round_id         varchar not null,
    district_code    varchar not null,
    township_code    varchar not null,
    community_code   varchar not null,
    pool_size        integer not null check (pool_size in (1, 5, 10, 20)),
    people_in_tube   integer not null check (people_in_tube between 1 and 20),
    sampled_at       timestamp not null,
    received_at      timestamp,
    resulted_at      timestamp,
    result           varchar not null check (result in ('pending', 'negative', 'positive')),
    check (people_in_tube <= pool_size),
    check (received_at is null or received_at >= sampled_at),
    check (resulted_at is null or received_at is not null and resulted_at >= received_at)
);

-- One row per person swabbed (no identity here; the tube links to the round and place).
create table testing_samples (
    sample_id   bigint not null,
    tube_id     bigint not null,
    sampled_at  timestamp not null
);

create table sampling_sites (
    site_id         varchar primary key,
    community_code  varchar not null,
    district_code   varchar not null,
    opened_at       timestamp not null,
    closed_at       timestamp
);

-- High-risk occupations tested daily, higher-risk twice a week (003 #39).
create table occupational_testing (
    district_code  varchar not null,
    occupation     varchar not null,
    risk_tier      varchar not null check (risk_tier in ('high', 'higher')),
    test_date      date not null,
    people_due     integer not null check (people_due >= 0),
    people_tested  integer not null check (people_tested >= 0),
    primary key (district_code, occupation, test_date)
);
