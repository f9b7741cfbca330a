-- Stays in the rooms in scope.
select * from base_room_stays
where room_id in (select room_id from rooms)
