-- Testing-round progress reports (rulebook §4; 003 #52), each with what it tells on its own.
-- Reports are cumulative counts per round and district, due every 2 hours.
--
--   finished            everyone on the list sampled and every sample resulted:
--                       people_sampled >= target and people_tested >= people_sampled.
--   elapsed_minutes     reported_at - started_at.
--   projected_finish_at the moment sampling reaches the target at the average rate since the
--                       start: started_at + elapsed x target / sampled (to the second). Null
--                       while nobody is sampled, and beyond 100 years (never, in practice).
-- Whether a report shows the round-district missing its deadline depends on the deadline, which
-- depends on a setting: fragments/round_reports judges that (projected_late).

with reports as (
    select
        p.round_id,
        p.district_code,
        d.scope,
        d.started_at,
        d.target_population,
        p.reported_at,
        p.people_sampled,
        p.people_tested,
        p.tubes_tested,
        p.positive_tubes,
        date_diff('minute', d.started_at, p.reported_at) as elapsed_minutes,
        p.people_sampled >= d.target_population and p.people_tested >= p.people_sampled as finished
    from testing_progress_reports p
    join stg_test_round_districts d
      on d.round_id = p.round_id and d.district_code = p.district_code
)

select
    round_id,
    district_code,
    scope,
    started_at,
    target_population,
    reported_at,
    people_sampled,
    people_tested,
    tubes_tested,
    positive_tubes,
    elapsed_minutes,
    finished,
    case
        when people_sampled > 0 and elapsed_minutes * target_population <= people_sampled * 52560000
        then started_at + cast(round(60.0 * elapsed_minutes * target_population / people_sampled) as bigint)
                          * interval '1' second
    end as projected_finish_at
from reports
