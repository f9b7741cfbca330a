-- Drill-through of CON-SEPARATE (rulebook §2; 003 #53): the mixed transport runs that make the
-- rule red at $as_of, with their passengers by id.
-- One row per passenger of a run that departed in ($as_of - timeliness_window_hours, $as_of]
-- carrying both a case and a contact (fragments/transport_runs_judged, mixed: the runs counted
-- by metrics/con_separate). Place = the run's district; runs carry no township, so the township
-- filter does not apply.
-- Ids, codes and times only: case_id or contact_id, never a name, ID-card number or phone.

with runs as (${fragments/transport_runs_judged}),

final as (
    select
        r.transport_run_id,
        r.district_code,
        r.departed_at,
        case when r.arrived_at <= $as_of then r.arrived_at end as arrived_at,
        p.passenger_kind,
        p.case_id,
        p.contact_id
    from runs r
    join transport_passengers p on p.transport_run_id = r.transport_run_id
    where r.mixed
)

select * from final
order by departed_at, transport_run_id, passenger_kind, case_id, contact_id
