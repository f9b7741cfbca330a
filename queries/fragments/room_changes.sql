-- fragments/room_changes: ISO-USE's two counts as changes up to and including $as_of, in the place
-- filter ($district_code, $township_code): stg_iso_room_changes (rooms_delta: a room commissioned
-- +1 or closed -1; occupied_delta: a commissioned room taken +1 or freed -1; a room holding two
-- people counts once). Added up, they give the commissioned and occupied rooms at $as_of.
-- Reads the staging view only. One row per change: room_id, district_code, township_code,
-- changed_at, rooms_delta, occupied_delta.
select room_id, district_code, township_code, changed_at, rooms_delta, occupied_delta
from stg_iso_room_changes
where changed_at <= $as_of
  and ($district_code is null or district_code = $district_code)
  and ($township_code is null or township_code = $township_code)
