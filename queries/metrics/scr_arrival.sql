-- SCR-ARRIVAL: arrivals from key areas and from abroad without a one-person-one-file record
-- once the grace period has passed, per district and for the city, cumulative to $as_of
-- (rulebook §6; 003 #25, 004).
-- One row per district with arrivals by $as_of, plus the city row (district_code null).
-- Limits to the minute: an arrival registered at or before arrived_at + grace is on time; at
-- $as_of = arrived_at + grace an unregistered arrival is still within grace, one minute later
-- it is overdue. A registration recorded after $as_of is not known yet.
-- value = arrivals overdue and still unregistered at $as_of; red when above zero;
-- red_since: the earliest deadline missed by an arrival still unregistered.
-- Arrivals are judged one by one in fragments/screening_arrivals, as
-- details/scr_arrival_unregistered lists the overdue ones.

with marked as (${fragments/screening_arrivals}),

counts as (
    select
        district_code,
        count(*) as arrivals,
        count(*) filter (where status = 'on_time') as registered_on_time,
        count(*) filter (where status = 'done_late') as registered_late,
        count(*) filter (where status = 'pending') as within_grace,
        count(*) filter (where status = 'open_overdue') as overdue,
        count(*) filter (where status = 'open_overdue' and origin_kind = 'key_area_domestic') as overdue_key_area,
        count(*) filter (where status = 'open_overdue' and origin_kind = 'abroad') as overdue_abroad,
        min(case when status = 'open_overdue' then deadline end) as first_missed_due_at
    from marked
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(overdue as double) as value,
        overdue as numerator,
        arrivals as denominator,
        cast($arrival_registration_grace_hours as double) as threshold,
        overdue > 0 as is_red,
        first_missed_due_at as red_since,
        arrivals,
        registered_on_time,
        registered_late,
        within_grace,
        overdue_key_area,
        overdue_abroad
    from counts
)

select * from final
order by district_code nulls first
