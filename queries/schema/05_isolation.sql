-- Isolation facilities, rooms and stays (rulebook section 1). Occupancy at any moment is a
-- query over room_stays, never a stored number.

create table facilities (
    facility_id      varchar primary key,
    district_code    varchar not null,
    township_code    varchar,
    name_zh          varchar not null,
    kind             varchar not null check (kind in ('hotel', 'purpose_built', 'dormitory', 'shelter')),
    rooms_planned    integer not null check (rooms_planned > 0),
    assessed_at      timestamp,                      -- passed assessment (评估合格); null = not yet
    closed_at        timestamp
);

create table rooms (
    room_id      varchar primary key,
    facility_id  varchar not null,
    room_number  varchar not null
);

create table room_stays (
    stay_id        bigint primary key,
    room_id        varchar not null,
    person_id      bigint not null,
    person_kind    varchar not null check (person_kind in ('close_contact', 'secondary_contact', 'arrival', 'other')),
    contact_id     bigint,
    check_in_at    timestamp not null,
    check_out_at   timestamp,                        -- null: still in the room
    check (check_out_at is null or check_out_at >= check_in_at)
);
