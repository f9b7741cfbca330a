-- The import log for the Data page: the 500 newest imports of delivered files (who, when, which
-- file, into which table, what it did), newest first. One row per import.

with newest_imports as (
    select *
    from import_log
    order by import_id desc
    limit 500
)

select * from newest_imports
order by import_id desc
