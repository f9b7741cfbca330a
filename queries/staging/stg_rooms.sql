-- Every isolation room with the place and dates of its facility.
-- A room counts toward capacity from the moment its facility passed assessment (003 #54)
-- until the facility closes; commissioned_at is null while it has not passed.

select
    r.room_id,
    r.facility_id,
    f.district_code,
    f.township_code,
    f.assessed_at as commissioned_at,
    f.closed_at
from rooms r
join facilities f on f.facility_id = r.facility_id
