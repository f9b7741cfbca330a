-- Drill-through of SCR-ARRIVAL (rulebook §6; 003 #25, 004): arrivals from key areas and from
-- abroad still without a one-person-one-file record at $as_of, past the grace period, oldest first.
-- The same steps as metrics/scr_arrival (fragments/screening_arrivals): its overdue arrivals
-- (status open_overdue).
-- One row per arrival. Ids and codes only: no name, ID-card number or phone.

with marked as (${fragments/screening_arrivals}),

overdue as (
    select
        arrival_id,
        district_code,
        community_code,
        origin_kind,
        arrived_at,
        deadline as due_at,
        date_diff('minute', deadline, cast($as_of as timestamp)) as minutes_overdue
    from marked
    where status = 'open_overdue'
)

select * from overdue
order by due_at, arrival_id
