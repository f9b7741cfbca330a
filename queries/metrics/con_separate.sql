-- CON-SEPARATE: joint transport of infected people and contacts (感染者与密接混运) per district
-- and for the city at $as_of (rulebook §2; 003 #53). One row per district with a run departed
-- in the window, plus the city row (district_code null; always present).
--
-- A run is judged when it departed in ($as_of - timeliness_window_hours, $as_of]; it is mixed
-- when its passengers include both a case and a contact (transport_passengers.passenger_kind):
-- fragments/transport_runs_judged, whose mixed runs details/con_separate_runs lists.
-- The place is the run's district (transport_runs.district_code). Runs carry no township: the
-- township filter does not apply to this rule.
--   value = numerator = mixed runs; denominator = runs judged
--   case_passengers / contact_passengers: passengers of the mixed runs, by kind
-- Red when value > 0; red_since = the departure of the earliest mixed run in the window.

with runs as (${fragments/transport_runs_judged}),

counts as (
    select
        district_code,
        count(*) as runs,
        count(case when mixed then 1 end) as mixed_runs,
        cast(coalesce(sum(case when mixed then case_passengers else 0 end), 0) as bigint) as case_passengers,
        cast(coalesce(sum(case when mixed then contact_passengers else 0 end), 0) as bigint) as contact_passengers,
        min(case when mixed then departed_at end) as first_mixed_departed_at
    from runs
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
