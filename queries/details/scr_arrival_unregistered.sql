-- Drill-through of SCR-ARRIVAL (rulebook §6; 003 #25, 004): arrivals from key areas and from
-- abroad still without a one-person-one-file record at $as_of, past the grace period, oldest first.
-- One row per arrival. Ids and codes only: no name, ID-card number or phone.

with overdue as (
    select
        arrival_id,
        district_code,
        community_code,
        origin_kind,
        arrived_at,
        arrived_at + $arrival_registration_grace_hours * interval '1' hour as due_at
    from arrivals
    where arrived_at <= $as_of
      and (registered_at is null or registered_at > $as_of)
      and arrived_at + $arrival_registration_grace_hours * interval '1' hour < $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null
           or community_code in (select community_code from communities where township_code = $township_code))
)

select
    arrival_id,
    district_code,
    community_code,
    origin_kind,
    arrived_at,
    due_at,
    date_diff('minute', due_at, cast($as_of as timestamp)) as minutes_overdue
from overdue
order by due_at, arrival_id
