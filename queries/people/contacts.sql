-- The people behind a drill-through list of close contacts (CON-TRANSFER's overdue transfers):
-- name, ID-card number and phone of the contacts $contact_ids. Read only to be masked on the page,
-- or shown in full to a permitted user who gave a reason (sitrep.reveal; every reveal audited).
-- Through a district officer's cursor, persons and contacts hold only their districts' people.

with wanted as (
    select contact_id as record_id, person_id
    from contacts
    where list_contains($contact_ids, contact_id)
),

named as (${fragments/named_people})

select record_id as contact_id, full_name, id_card_number, phone
from named
order by contact_id
