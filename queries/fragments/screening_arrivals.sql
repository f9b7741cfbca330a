-- fragments/screening_arrivals: arrivals from key areas and from abroad by $as_of in the place asked
-- for, each on the clock of the one-person-one-file grace period (rulebook §6; 003 #25, 004).
-- Reads no CTE, only arrivals (and communities for $township_code). One row per arrival:
--   deadline  arrived_at + arrival_registration_grace_hours
--   done_at   the registration, when recorded by $as_of (a later one is not known yet)
--   status    as fragments/clock_status: on_time (registered at or before the deadline),
--             done_late (registered after it), open_overdue (still unregistered, the deadline
--             before $as_of, to the minute) or pending (still within grace)
with clocks as (
    select
        arrival_id,
        district_code,
        community_code,
        origin_kind,
        arrived_at,
        arrived_at + $arrival_registration_grace_hours * interval '1' hour as deadline,
        case when registered_at <= $as_of then registered_at end as done_at
    from arrivals
    where arrived_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null
           or community_code in (select community_code from communities where township_code = $township_code))
      and ${fragments/in_community}
)

${fragments/clock_status}
