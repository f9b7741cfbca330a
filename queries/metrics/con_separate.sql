-- CON-SEPARATE: joint transport of infected people and contacts (感染者与密接混运) per district
-- and for the city at $as_of (rulebook §2; 003 #53). One row per district with a run departed
-- in the window, plus the city row (district_code null; always present).
--
-- A run is judged when it departed in ($as_of - timeliness_window_hours, $as_of]; it is mixed
-- when its passengers include both a case and a contact (transport_passengers.passenger_kind).
-- The place is the run's district (transport_runs.district_code). Runs carry no township: the
-- township filter does not apply to this rule.
--   value = numerator = mixed runs; denominator = runs judged
--   case_passengers / contact_passengers: passengers of the mixed runs, by kind
-- Red when value > 0; red_since = the departure of the earliest mixed run in the window.

with runs as (
    select transport_run_id, district_code, departed_at
    from transport_runs
    where departed_at > $as_of - $timeliness_window_hours * interval '1' hour
      and departed_at <= $as_of
      and ($district_code is null or district_code = $district_code)
),

passengers as (
    select
        p.transport_run_id,
        count(case when p.passenger_kind = 'case' then 1 end) as case_passengers,
        count(case when p.passenger_kind = 'contact' then 1 end) as contact_passengers
    from transport_passengers p
    join runs r on r.transport_run_id = p.transport_run_id
    group by p.transport_run_id
),

judged as (
    select
        r.district_code,
        r.departed_at,
        coalesce(p.case_passengers, 0) > 0 and coalesce(p.contact_passengers, 0) > 0 as mixed,
        coalesce(p.case_passengers, 0) as case_passengers,
        coalesce(p.contact_passengers, 0) as contact_passengers
    from runs r
    left join passengers p on p.transport_run_id = r.transport_run_id
),

counts as (
    select
        district_code,
        count(*) as runs,
        count(case when mixed then 1 end) as mixed_runs,
        cast(coalesce(sum(case when mixed then case_passengers else 0 end), 0) as bigint) as case_passengers,
        cast(coalesce(sum(case when mixed then contact_passengers else 0 end), 0) as bigint) as contact_passengers,
        min(case when mixed then departed_at end) as first_mixed_departed_at
    from judged
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(mixed_runs as double) as value,
        mixed_runs as numerator,
        runs as denominator,
        cast(null as double) as threshold,
        mixed_runs > 0 as is_red,
        first_mixed_departed_at as red_since,
        mixed_runs,
        runs,
        case_passengers,
        contact_passengers
    from counts
)

select * from final
order by district_code nulls first
