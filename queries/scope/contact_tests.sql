-- The tests of the contacts in scope (the scoped view contacts).
select * from base_contact_tests
where contact_id in (select contact_id from contacts)
