-- Drill-through of CON-SEPARATE (rulebook §2; 003 #53): the mixed transport runs that make the
-- rule red at $as_of, with their passengers by id.
-- One row per passenger of a run that departed in ($as_of - timeliness_window_hours, $as_of]
-- carrying both a case and a contact (the runs counted by metrics/con_separate). Place = the
-- run's district; runs carry no township, so the township filter does not apply.
-- Ids, codes and times only: case_id or contact_id, never a name, ID-card number or phone.

with runs as (
    select transport_run_id, district_code, departed_at, arrived_at
    from transport_runs
    where departed_at > $as_of - $timeliness_window_hours * interval '1' hour
      and departed_at <= $as_of
      and ($district_code is null or district_code = $district_code)
),

mixed_runs as (
    select p.transport_run_id
    from transport_passengers p
    join runs r on r.transport_run_id = p.transport_run_id
    group by p.transport_run_id
    having count(case when p.passenger_kind = 'case' then 1 end) > 0
       and count(case when p.passenger_kind = 'contact' then 1 end) > 0
)

select
    r.transport_run_id,
    r.district_code,
    r.departed_at,
    case when r.arrived_at <= $as_of then r.arrived_at end as arrived_at,
    p.passenger_kind,
    p.case_id,
    p.contact_id
from mixed_runs m
join runs r on r.transport_run_id = m.transport_run_id
join transport_passengers p on p.transport_run_id = m.transport_run_id
order by r.departed_at, r.transport_run_id, p.passenger_kind, p.case_id, p.contact_id
