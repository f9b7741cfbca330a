-- A district-bound user sees the transport_runs of their districts.
select * from base_transport_runs
where district_code in (select district_code from scope_districts)
