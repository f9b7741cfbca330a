-- Testing rounds per district (rulebook §4; 003 #52): one row per round and district, with the
-- round's start and the district's target, the people on its lists summed over the round's
-- townships and risk levels. Progress is reported per round and district, so this is the unit a
-- round is followed, and judged, in.
--
-- stored_deadline_at is the source's deadline_at, null where the source gives none. A round's
-- deadline (that, or started_at + testing_round_deadline_hours) depends on a setting, so it is
-- taken in fragments/round_districts, not in this view: read it there.

select
    t.round_id,
    t.district_code,
    r.scope,
    r.started_at,
    r.deadline_at as stored_deadline_at,
    cast(sum(t.target_population) as bigint) as target_population,
    count(*) as targets
from testing_round_targets t
join testing_rounds r on r.round_id = t.round_id
group by t.round_id, t.district_code, r.scope, r.started_at, r.deadline_at
