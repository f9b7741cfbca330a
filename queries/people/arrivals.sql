-- The people behind a drill-through list of arrivals (SCR-ARRIVAL's arrivals not yet registered):
-- name, ID-card number and phone of the arrivals $arrival_ids that name a person. Read only to be
-- masked on the page, or shown in full to a permitted user who gave a reason (sitrep.reveal).

with wanted as (
    select arrival_id, person_id
    from arrivals
    where list_contains($arrival_ids, arrival_id) and person_id is not null
),

named as (
    select w.arrival_id, p.full_name, p.id_card_number, p.phone
    from wanted w
    join persons p on p.person_id = w.person_id
)

select * from named
order by arrival_id
