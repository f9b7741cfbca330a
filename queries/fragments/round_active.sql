-- fragments/round_active: the round-districts still active at $as_of, each with its latest report
-- (rulebook §4; 003 #52). Reads round_districts (fragments/round_districts) and round_reports
-- (fragments/round_reports). One row per active round and district.
--
-- Active: the round started and the round-district is not finished by its latest report at or
-- before $as_of (everyone on the list sampled and every sample resulted). No report yet counts as
-- nobody sampled; a round-district with nobody on its lists has nothing to do. An unfinished
-- round-district stays active past its deadline, however late; a finished one is gone at once.
--   people_sampled ...    the latest report's counts, 0 with no report yet
--   is_late               past the deadline at $as_of, or the latest report projects a late finish
--   minutes_since_report  from the latest report (or, with none yet, the start) to $as_of
--   next_report_due_at    that moment + testing_report_cadence_hours
select
    d.round_id,
    d.district_code,
    d.scope,
    d.started_at,
    d.deadline_at,
    d.target_population,
    d.targets,
    l.reported_at as last_report_at,
    coalesce(l.reports, 0) as reports,
    coalesce(l.people_sampled, 0) as people_sampled,
    coalesce(l.people_tested, 0) as people_tested,
    coalesce(l.tubes_tested, 0) as tubes_tested,
    coalesce(l.positive_tubes, 0) as positive_tubes,
    l.projected_finish_at,
    $as_of > d.deadline_at or coalesce(l.projected_late, false) as is_late,
    date_diff('minute', coalesce(l.reported_at, d.started_at), cast($as_of as timestamp)) as minutes_since_report,
    coalesce(l.reported_at, d.started_at) + $testing_report_cadence_hours * interval '1' hour as next_report_due_at
from round_districts d
left join round_reports l
  on l.round_id = d.round_id and l.district_code = d.district_code and l.recency = 1
where not coalesce(l.finished, d.target_population = 0)
