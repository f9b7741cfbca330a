-- fragments/uncommissioned_rooms_in_use: the rooms that break ISO-COMMISSION at $as_of (003 #54:
-- 集中隔离场所经评估合格后方可启用): rooms someone is in at $as_of whose facility has not passed
-- assessment by then (commissioned_at null or later than $as_of).
-- Reads open_stays (fragments/open_stays). One row per room: district_code, township_code,
-- facility_id, commissioned_at, room_id, people_in_room, earliest_check_in_at.
select
    district_code,
    township_code,
    facility_id,
    commissioned_at,
    room_id,
    count(*) as people_in_room,
    min(check_in_at) as earliest_check_in_at
from open_stays
where commissioned_at is null or commissioned_at > $as_of
group by district_code, township_code, facility_id, commissioned_at, room_id
