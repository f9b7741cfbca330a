-- Personal data lives here and only here. Source systems send names, ID-card numbers and
-- phones; metric queries join on person_id and never need this table.

create table persons (
    person_id       bigint primary key,
    full_name       varchar not null,
    id_card_number  varchar,          -- GB 11643, 18 characters with check digit
    phone           varchar,
    sex             varchar check (sex in ('M', 'F')),
    birth_year      integer
);
