-- The people named by a record in scope: a case, a contact, a stay, an arrival or a screening task
-- of the user's districts. Anyone else's name, ID number and phone is out of reach.
select * from base_persons
where person_id in (
    select person_id from cases
    union all select person_id from contacts
    union all select person_id from room_stays
    union all select person_id from arrivals
    union all select person_id from screening_tasks
)
