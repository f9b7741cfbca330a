-- Risk areas and their support (rulebook section 7, notice 003 #51, #66, #71).

create table risk_areas (
    risk_area_id    varchar primary key,
    district_code   varchar not null,
    township_code   varchar not null,
    community_code  varchar,
    name_zh         varchar not null,
    level           varchar not null check (level in ('high', 'medium', 'low')),
    residents       integer not null check (residents >= 0),
    designated_at   timestamp not null,
    lifted_at       timestamp,
    check (lifted_at is null or lifted_at > designated_at)
);

create table risk_area_support_reports (
    risk_area_id        varchar not null,
    reported_at         timestamp not null,
    staff_on_duty       integer not null check (staff_on_duty >= 0),
    supply_days         double not null check (supply_days >= 0),   -- days of grain and oil held for residents
    primary key (risk_area_id, reported_at)
);

-- Vaccination of residents aged 60+ (003 #45).
create table vaccination_60plus (
    district_code          varchar not null,
    report_date            date not null,
    residents_60plus       integer,
    vaccinated_full        integer not null check (vaccinated_full >= 0),
    vaccinated_booster     integer not null check (vaccinated_booster >= 0),
    primary key (district_code, report_date)
);
