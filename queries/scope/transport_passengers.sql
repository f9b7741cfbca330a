-- Passengers of the transport runs in scope.
select * from base_transport_passengers
where transport_run_id in (select transport_run_id from transport_runs)
