-- fragments/open_facility_districts: the districts with an isolation facility open at $as_of (not
-- closed, commissioned or not), in the place filter ($district_code, $township_code): the
-- districts a rule that checks every open facility (ISO-COMMISSION, ISO-SINGLE) shows a row
-- for, 0 when nothing breaks it, so that a green row means "checked".
-- Reads the staging view only. One row per district: district_code.
select distinct district_code
from stg_rooms
where (closed_at is null or closed_at > $as_of)
  and ($district_code is null or district_code = $district_code)
  and ($township_code is null or township_code = $township_code)
