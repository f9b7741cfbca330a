-- Cases (rulebook section 3). All timestamps are local time, Asia/Shanghai, without zone.

create table cases (
    case_id               bigint primary key,
    person_id             bigint not null,
    classification        varchar not null check (classification in ('confirmed', 'asymptomatic', 'suspected', 'excluded')),
    cluster_code          varchar,                   -- e.g. '7·13 江北'
    infector_case_id      bigint,
    district_code         varchar not null,
    township_code         varchar,
    community_code        varchar,
    grid_code             varchar,
    source                varchar not null check (source in ('abroad', 'other_province', 'local')),
    found_in              varchar not null check (found_in in ('under_control', 'social')),  -- 管控人员中 / 社会面
    control_setting       varchar check (control_setting in ('centralized_isolation', 'home_isolation', 'sealed_area')),
    onset_at              timestamp,                 -- null for asymptomatic infections
    sampled_at            timestamp not null,
    prelim_positive_at    timestamp,                 -- 初筛阳性; null for a suspected case never positive
    reported_at           timestamp,                 -- 网络直报
    confirmed_at          timestamp,                 -- 复核确认 (as confirmed or asymptomatic)
    hospital_transfer_at  timestamp,                 -- arrival at designated hospital or shelter
    published_at          timestamp,                 -- public information released
    outcome               varchar not null check (outcome in ('in_hospital', 'recovered', 'died')),
    discharged_at         timestamp,
    died_at               timestamp,
    retest_day3_at        timestamp,
    retest_day7_at        timestamp,
    check (reported_at is null or reported_at >= prelim_positive_at),
    check (prelim_positive_at is null or prelim_positive_at >= sampled_at),
    check (hospital_transfer_at is null or hospital_transfer_at >= sampled_at),
    check (discharged_at is null or hospital_transfer_at is null or discharged_at > hospital_transfer_at)
);

-- Every classification a case held and from when: suspected -> confirmed, asymptomatic -> confirmed.
create table case_classifications (
    case_id         bigint not null,
    classification  varchar not null check (classification in ('confirmed', 'asymptomatic', 'suspected', 'excluded')),
    classified_at   timestamp not null,
    primary key (case_id, classified_at)
);
