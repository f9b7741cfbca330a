-- Community screening of pushed lists and arrivals (rulebook section 6, notice 003 #21-25).

create table screening_tasks (
    task_id          bigint primary key,
    person_id        bigint,
    list_type        varchar not null check (list_type in ('spacetime_companion', 'same_vehicle', 'key_area_stay', 'roaming')),
    district_code    varchar not null,
    township_code    varchar,
    community_code   varchar,
    pushed_at        timestamp not null,
    checked_at       timestamp,
    outcome          varchar check (outcome in ('verified', 'unverifiable', 'not_in_chongqing')),
    police_review_at timestamp,                     -- review done for unverifiable / not in Chongqing
    check (checked_at is null or checked_at >= pushed_at),
    check ((checked_at is null) = (outcome is null))
);

create table arrivals (
    arrival_id       bigint primary key,
    person_id        bigint,
    district_code    varchar not null,
    community_code   varchar,
    origin_kind      varchar not null check (origin_kind in ('key_area_domestic', 'abroad')),
    arrived_at       timestamp not null,
    registered_at    timestamp,                     -- one-person-one-file record; null = unregistered
    travel_history_days integer check (travel_history_days in (14, 28))
);
