-- What this database holds: how it was built and up to when its data reach.
create table dataset_info (
    key    varchar primary key,
    value  varchar not null
);
