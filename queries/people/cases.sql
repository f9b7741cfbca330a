-- The people behind a drill-through list of cases (CASE-RETEST's missing re-tests): name,
-- ID-card number and phone of the cases $case_ids. Read only to be masked on the page, or shown in
-- full to a permitted user who gave a reason (sitrep.reveal; every reveal audited).

with wanted as (
    select case_id as record_id, person_id
    from cases
    where list_contains($case_ids, case_id)
),

named as (${fragments/named_people})

select record_id as case_id, full_name, id_card_number, phone
from named
order by case_id
