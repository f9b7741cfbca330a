-- fragments/transport_runs_judged: the transport runs CON-SEPARATE judges at $as_of (003 #53:
-- no joint transport of infected people and contacts): runs departed in
-- ($as_of - timeliness_window_hours, $as_of], in the district filter (the run's district; runs
-- carry no township, so the township filter does not apply).
-- Reads the tables only. One row per run: transport_run_id, district_code, departed_at,
-- arrived_at (as recorded), case_passengers, contact_passengers (by
-- transport_passengers.passenger_kind), and
--   mixed  the run carries both a case and a contact
select
    r.transport_run_id,
    r.district_code,
    r.departed_at,
    r.arrived_at,
    count(case when p.passenger_kind = 'case' then 1 end) as case_passengers,
    count(case when p.passenger_kind = 'contact' then 1 end) as contact_passengers,
    count(case when p.passenger_kind = 'case' then 1 end) > 0
        and count(case when p.passenger_kind = 'contact' then 1 end) > 0 as mixed
from transport_runs r
left join transport_passengers p on p.transport_run_id = r.transport_run_id
where r.departed_at > $as_of - $timeliness_window_hours * interval '1' hour
  and r.departed_at <= $as_of
  and ($district_code is null or r.district_code = $district_code)
group by r.transport_run_id, r.district_code, r.departed_at, r.arrived_at
