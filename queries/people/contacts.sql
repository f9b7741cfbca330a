-- The people behind a drill-through list of close contacts (CON-TRANSFER's overdue transfers):
-- name, ID-card number and phone of the contacts $contact_ids. Read only to be masked on the page,
-- or shown in full to a permitted user who gave a reason (sitrep.reveal; every reveal audited).
-- Through a district officer's cursor, persons and contacts hold only their districts' people.

with wanted as (
    select contact_id, person_id
    from contacts
    where list_contains($contact_ids, contact_id)
),

named as (
    select w.contact_id, p.full_name, p.id_card_number, p.phone
    from wanted w
    join persons p on p.person_id = w.person_id
)

select * from named
order by contact_id
