-- The people behind a drill-through list of arrivals (SCR-ARRIVAL's arrivals not yet registered):
-- name, ID-card number and phone of the arrivals $arrival_ids that name a person. Read only to be
-- masked on the page, or shown in full to a permitted user who gave a reason (sitrep.reveal).

with wanted as (
    select arrival_id as record_id, person_id
    from arrivals
    where list_contains($arrival_ids, arrival_id) and person_id is not null
),

named as (${fragments/named_people})

select record_id as arrival_id, full_name, id_card_number, phone
from named
order by arrival_id
