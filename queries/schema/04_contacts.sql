-- Close (密接) and secondary (次密接) contacts (rulebook section 2).

create table contacts (
    contact_id          bigint primary key,
    person_id           bigint not null,
    contact_type        varchar not null check (contact_type in ('close', 'secondary')),
    index_case_id       bigint not null,             -- the case behind the chain
    via_contact_id      bigint,                      -- for secondary contacts: the close contact they met
    district_code       varchar not null,            -- where the contact lives
    township_code       varchar,
    community_code      varchar,
    identified_at       timestamp not null,
    reached_at          timestamp,                   -- first contact by phone or in person
    transferred_at      timestamp,                   -- arrival in centralized isolation
    isolation_mode      varchar check (isolation_mode in ('centralized', 'home')),
    facility_id         varchar,
    room_id             varchar,
    transport_run_id    bigint,
    quarantine_start_at timestamp,
    quarantine_end_at   timestamp,
    turned_positive_at  timestamp,
    positive_case_id    bigint,
    check (reached_at is null or reached_at >= identified_at),
    check (transferred_at is null or transferred_at >= identified_at),
    check (quarantine_end_at is null or quarantine_end_at >= quarantine_start_at),
    check (contact_type = 'close' or via_contact_id is not null)
);

create table contact_tests (
    contact_id  bigint not null,
    sampled_at  timestamp not null,
    result      varchar not null check (result in ('negative', 'positive', 'pending')),
    primary key (contact_id, sampled_at)
);

-- Transfer vehicles: infected people must never ride with contacts (003 #53).
create table transport_runs (
    transport_run_id  bigint primary key,
    district_code     varchar not null,
    departed_at       timestamp not null,
    arrived_at        timestamp,
    check (arrived_at is null or arrived_at >= departed_at)
);

create table transport_passengers (
    transport_run_id  bigint not null,
    passenger_kind    varchar not null check (passenger_kind in ('case', 'contact')),
    case_id           bigint,
    contact_id        bigint,
    check ((passenger_kind = 'case' and case_id is not null) or (passenger_kind = 'contact' and contact_id is not null))
);
