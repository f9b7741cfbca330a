-- Drill-through of ISO-COMMISSION (rulebook §1; 003 #54): rooms in use at $as_of in facilities
-- that have not passed assessment (commissioned_at null or after $as_of):
-- fragments/uncommissioned_rooms_in_use, the rooms metrics/iso_commission counts.
-- One row per room; their count is the metric's value. Record ids and places only.

with open_stays as (${fragments/open_stays}),

rooms_in_breach as (${fragments/uncommissioned_rooms_in_use})

select * from rooms_in_breach
order by district_code, facility_id, room_id
