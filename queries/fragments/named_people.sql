-- The people behind a list's records: for each row of `wanted` (record_id, person_id), the
-- person's name, ID-card number and phone (persons). Used by queries/people/*.sql, which say which
-- records are wanted; through a district officer's cursor, persons holds only their districts' people.
select w.record_id, p.full_name, p.id_card_number, p.phone
from wanted w
join persons p on p.person_id = w.person_id
