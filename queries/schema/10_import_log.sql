-- Every import of a delivered file (issue 5): who, when, which file (name and SHA-256), into
-- which table, and what it did. Written in the same transaction as the rows it reports, so a
-- logged import is always an applied one, and a rejected file leaves only its log row.
-- `if not exists`: imports add it to databases built before it existed.

create table if not exists import_log (
    import_id        bigint primary key,
    imported_at      timestamp not null,            -- local time, Asia/Shanghai
    imported_by      varchar not null,              -- the duty officer (CLI: --by or the login name)
    via              varchar not null check (via in ('cli', 'upload')),
    file_name        varchar not null,
    file_sha256      varchar not null,              -- empty when the file could not be read at all
    file_encoding    varchar,                       -- utf-8, utf-8-sig, gb18030, utf-16, xlsx
    table_name       varchar not null,
    status           varchar not null check (status in ('applied', 'rejected')),
    rows_in_file     bigint not null check (rows_in_file >= 0),
    rows_inserted    bigint not null check (rows_inserted >= 0),
    rows_updated     bigint not null check (rows_updated >= 0),
    rows_unchanged   bigint not null check (rows_unchanged >= 0),   -- same key, same values: a repeat
    rows_rejected    bigint not null check (rows_rejected >= 0),
    problems         integer not null check (problems >= 0),
    persons_added    integer not null default 0,
    persons_updated  integer not null default 0,
    seconds          double not null
);
