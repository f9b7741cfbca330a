-- fragments/round_reports: the progress reports filed at or before $as_of for the round-districts
-- of a CTE named round_districts (as fragments/round_districts gives them, with their deadline).
-- One row per report, with stg_test_progress's counts, finished and projected_finish_at, and:
--   projected_late  the report shows the round-district missing its deadline: projected finish
--                   after deadline_at, compared exactly in whole numbers (elapsed x target >
--                   sampled x (deadline_at - started_at), minutes), or filed after deadline_at
--                   while not finished. With nobody sampled nothing is projected: late only once
--                   past the deadline.
--   reports         how many reports the round-district has filed by $as_of
--   recency         1 for its latest report at or before $as_of, 2 for the one before, ...
select
    p.round_id,
    p.district_code,
    p.reported_at,
    p.people_sampled,
    p.people_tested,
    p.tubes_tested,
    p.positive_tubes,
    p.finished,
    p.projected_finish_at,
    (p.people_sampled > 0
        and p.elapsed_minutes * d.target_population
            > p.people_sampled * date_diff('minute', d.started_at, d.deadline_at))
        or (p.reported_at > d.deadline_at and not p.finished) as projected_late,
    count(*) over (partition by p.round_id, p.district_code) as reports,
    row_number() over (partition by p.round_id, p.district_code order by p.reported_at desc) as recency
from stg_test_progress p
join round_districts d on d.round_id = p.round_id and d.district_code = p.district_code
where p.reported_at <= $as_of
