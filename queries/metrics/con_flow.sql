-- CON-FLOW: the contact funnel per district and for the city, cumulative to $as_of
-- (rulebook §2; 001, 003). One row per district with a contact identified at or before $as_of
-- (the district where the contact lives), plus the city row (district_code null; always present).
--
-- Close (密接) and secondary (次密接) contacts together, and each type in its own columns
-- (close_*, secondary_*), so the row stays one per district. Every stage counts contacts
-- identified at or before $as_of whose stage time is at or before $as_of:
--   identified      identified_at
--   reached         reached_at (first contact by phone or in person)
--   transferred     transferred_at (arrival in centralized isolation)
--   tested          at least one contact_tests sample taken at or before $as_of
--   released        quarantine_end_at <= $as_of and not turned positive by $as_of
--   turned_positive turned_positive_at <= $as_of
-- value = identified (the top of the funnel) = denominator; each stage is its own column, so
-- numerator is null. Shown, never red: is_red is false, threshold and red_since are null.

with identified as (
    select
        contact_id,
        district_code,
        contact_type,
        reached_at <= $as_of as reached,
        transferred_at <= $as_of as transferred,
        quarantine_end_at <= $as_of and not coalesce(turned_positive_at <= $as_of, false) as released,
        turned_positive_at <= $as_of as turned_positive
    from contacts
    where identified_at <= $as_of
      and ($district_code is null or district_code = $district_code)
      and ($township_code is null or township_code = $township_code)
      and ${fragments/in_community}
),

stages as (
    select
        i.district_code,
        i.contact_type = 'close' as is_close,
        coalesce(i.reached, false) as reached,
        coalesce(i.transferred, false) as transferred,
        exists (select 1 from contact_tests t
                where t.contact_id = i.contact_id and t.sampled_at <= $as_of) as tested,
        coalesce(i.released, false) as released,
        coalesce(i.turned_positive, false) as turned_positive
    from identified i
),

counts as (
    select
        district_code,
        count(*) as identified,
        count(case when reached then 1 end) as reached,
        count(case when transferred then 1 end) as transferred,
        count(case when tested then 1 end) as tested,
        count(case when released then 1 end) as released,
        count(case when turned_positive then 1 end) as turned_positive,
        count(case when is_close then 1 end) as close_identified,
        count(case when is_close and reached then 1 end) as close_reached,
        count(case when is_close and transferred then 1 end) as close_transferred,
        count(case when is_close and tested then 1 end) as close_tested,
        count(case when is_close and released then 1 end) as close_released,
        count(case when is_close and turned_positive then 1 end) as close_turned_positive,
        count(case when not is_close then 1 end) as secondary_identified,
        count(case when not is_close and reached then 1 end) as secondary_reached,
        count(case when not is_close and transferred then 1 end) as secondary_transferred,
        count(case when not is_close and tested then 1 end) as secondary_tested,
        count(case when not is_close and released then 1 end) as secondary_released,
        count(case when not is_close and turned_positive then 1 end) as secondary_turned_positive
    from stages
    group by grouping sets ((district_code), ())
),

final as (
    select
        district_code,
        cast(identified as double) as value,
        cast(null as bigint) as numerator,
        identified as denominator,
        cast(null as double) as threshold,
        false as is_red,
        cast(null as timestamp) as red_since,
        identified,
        reached,
        transferred,
        tested,
        released,
        turned_positive,
        close_identified,
        close_reached,
        close_transferred,
        close_tested,
        close_released,
        close_turned_positive,
        secondary_identified,
        secondary_reached,
        secondary_transferred,
        secondary_tested,
        secondary_released,
        secondary_turned_positive
    from counts
)

select * from final
order by district_code nulls first
