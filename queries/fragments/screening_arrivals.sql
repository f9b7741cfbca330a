-- fragments/screening_arrivals: arrivals from key areas and from abroad by $as_of in the place asked
-- for, each judged against the one-person-one-file grace period (rulebook §6; 003 #25, 004).
-- Reads no CTE, only arrivals (and communities for $township_code). One row per arrival:
--   due_at         arrived_at + arrival_registration_grace_hours
--   registered_at  the registration, when recorded by $as_of (a later one is not known yet)
--   status         registered_on_time (at or before due_at), registered_late, overdue (still
--                  unregistered and due_at before $as_of, to the minute) or within_grace
select
    a.arrival_id,
    a.district_code,
    a.community_code,
    a.origin_kind,
    a.arrived_at,
    a.due_at,
    a.registered_at,
    case
        when a.registered_at is not null and a.registered_at <= a.due_at then 'registered_on_time'
        when a.registered_at is not null then 'registered_late'
        when a.due_at < $as_of then 'overdue'
        else 'within_grace'
    end as status
from (
    select
        arrival_id,
        district_code,
        community_code,
        origin_kind,
        arrived_at,
        arrived_at + $arrival_registration_grace_hours * interval '1' hour as due_at,
        case when registered_at <= $as_of then registered_at end as registered_at
    from arrivals
    where arrived_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null
           or community_code in (select community_code from communities where township_code = $township_code))
) a
