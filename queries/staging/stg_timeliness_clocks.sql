-- Every clock of the nine timeliness rules, one row per item and rule (rulebook §2, §5, §6).
-- A clock starts at started_at and stops at done_at (null while the item is open). The limit
-- of each rule is a setting (settings.toml) applied by metrics/timeliness, not here.
--
--   rule_id       item                        started_at            done_at               notice
--   CON-TRANSFER  close contact, centralized  identified_at         transferred_at        003 #53
--   EPI-ARRIVE    investigation               positive_confirmed_at team_on_site_at       003 #49
--   EPI-CORE      investigation               positive_confirmed_at core_info_done_at     003 #49
--   EPI-FULL      investigation               positive_confirmed_at full_trace_done_at    003 #49
--   EPI-ASSIST    assist letter               identified_at         sent_at               003 #50
--   EPI-REPORT    preliminary positive        prelim_positive_at    reported_at           003 #58
--   EPI-PUBLISH   positive (confirmed/asym.)  confirmed_at          published_at          003 #58
--   SCR-8H        pushed list entry           pushed_at             checked_at            003 #21
--   SCR-24H       roaming list entry          pushed_at             checked_at            003 #21
--
-- item_id is the source's own key as text (contact, case, letter or task id); ids and codes
-- only, never a name. township_code is null where the source does not know it.

select
    'CON-TRANSFER' as rule_id,
    cast(contact_id as varchar) as item_id,
    district_code,
    township_code,
    identified_at as started_at,
    transferred_at as done_at
from contacts
where contact_type = 'close'
  and isolation_mode = 'centralized'

union all

-- One investigation, three clocks from its confirmation.
select
    r.rule_id,
    cast(i.case_id as varchar),
    i.district_code,
    c.township_code,
    i.positive_confirmed_at,
    case r.rule_id
        when 'EPI-ARRIVE' then i.team_on_site_at
        when 'EPI-CORE' then i.core_info_done_at
        when 'EPI-FULL' then i.full_trace_done_at
    end
from investigations i
left join cases c on c.case_id = i.case_id
cross join (values ('EPI-ARRIVE'), ('EPI-CORE'), ('EPI-FULL')) as r(rule_id)

union all

select
    'EPI-ASSIST',
    cast(a.letter_id as varchar),
    a.from_district_code,
    -- the township of the letter's case, when the case lives in the sending district
    case when c.district_code = a.from_district_code then c.township_code end,
    a.identified_at,
    a.sent_at
from assist_letters a
left join cases c on c.case_id = a.case_id

union all

select
    'EPI-REPORT',
    cast(case_id as varchar),
    district_code,
    township_code,
    prelim_positive_at,
    reported_at
from cases
where prelim_positive_at is not null

union all

select
    'EPI-PUBLISH',
    cast(case_id as varchar),
    district_code,
    township_code,
    confirmed_at,
    published_at
from cases
where classification in ('confirmed', 'asymptomatic')
  and confirmed_at is not null

union all

-- One screening task, on the clock of its list type.
select
    case when list_type = 'roaming' then 'SCR-24H' else 'SCR-8H' end,
    cast(task_id as varchar),
    district_code,
    township_code,
    pushed_at,
    checked_at
from screening_tasks
where list_type in ('spacetime_companion', 'same_vehicle', 'key_area_stay', 'roaming')
