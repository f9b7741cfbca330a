-- Drill-through of CASE-NEW (rulebook §3): the new positives, confirmed in ($as_of - 24 h, $as_of]
-- (fragments/positives, is_new), i.e. new_confirmed + new_asymptomatic of metrics/case_new, each
-- with the class in force at $as_of and where it was found (under control or in society).
-- One row per case. Ids, codes and times only: never a name, ID-card number or phone.

with positives as (${fragments/positives}),

final as (
    select
        case_id,
        district_code,
        township_code,
        community_code,
        classification,
        found_in,
        source,
        cluster_code,
        confirmed_at
    from positives
    where is_new
)

select * from final
order by confirmed_at, case_id
