-- Drill-through of CASE-SOCIAL (rulebook §3; 003 #49, 004): the social-surface positives
-- (社会面, found_in = 'social') among the new positives, confirmed in ($as_of - 24 h, $as_of]
-- (fragments/positives, is_new), i.e. the numerator of metrics/case_social. classification is
-- the one in force at $as_of.
-- One row per case. Ids, codes and times only: never a name, ID-card number or phone; times
-- recorded after $as_of are not known at $as_of and show as null.

with positives as (${fragments/positives}),

final as (
    select
        case_id,
        district_code,
        township_code,
        community_code,
        grid_code,
        classification,
        source,
        cluster_code,
        infector_case_id,
        sampled_at,
        case when prelim_positive_at <= $as_of then prelim_positive_at end as prelim_positive_at,
        confirmed_at,
        case when hospital_transfer_at <= $as_of then hospital_transfer_at end as hospital_transfer_at
    from positives
    where is_new
      and found_in = 'social'
)

select * from final
order by confirmed_at, case_id
