-- fragments/shared_rooms: the rooms that break single occupancy at $as_of (ISO-SINGLE; 003 #55:
-- 单人单间): rooms holding two or more people.
-- Reads open_stays (fragments/open_stays). One row per shared room: district_code,
-- township_code, facility_id, room_id, people_in_room.
select district_code, township_code, facility_id, room_id, count(*) as people_in_room
from open_stays
group by district_code, township_code, facility_id, room_id
having count(*) >= 2
