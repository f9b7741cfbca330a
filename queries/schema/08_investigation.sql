-- Epidemiological investigation and reporting (rulebook section 5, notice 003 #49, #50, #58).

create table investigations (
    case_id                bigint primary key,
    district_code          varchar not null,
    positive_confirmed_at  timestamp not null,      -- 阳性复核确认: the clock starts here
    team_on_site_at        timestamp,               -- limit 2 h
    core_info_done_at      timestamp,               -- limit 4 h
    full_trace_done_at     timestamp,               -- limit 24 h, first report
    check (team_on_site_at is null or team_on_site_at >= positive_confirmed_at),
    check (core_info_done_at is null or core_info_done_at >= positive_confirmed_at),
    check (full_trace_done_at is null or full_trace_done_at >= positive_confirmed_at)
);

-- Assist letters (协查函) for risk people who left for another district or province: limit 2 h.
create table assist_letters (
    letter_id           bigint primary key,
    case_id             bigint not null,
    from_district_code  varchar not null,
    destination_kind    varchar not null check (destination_kind in ('other_district', 'other_province')),
    destination         varchar not null,
    risk_people         integer not null check (risk_people > 0),
    identified_at       timestamp not null,
    sent_at             timestamp,
    check (sent_at is null or sent_at >= identified_at)
);
