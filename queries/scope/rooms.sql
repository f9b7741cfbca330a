-- The rooms of the facilities in scope (a facility belongs to the district it stands in).
select * from base_rooms
where facility_id in (select facility_id from facilities)
