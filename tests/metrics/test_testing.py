"""TEST-*: mass testing (rulebook §4), against small fixtures worked out by hand.

A round here starts 2022-08-05 00:00 with its deadline 24 h later, 2022-08-06 00:00, unless a
story says otherwise. A round-district is active while its latest report at or before as_of
does not show everyone on its list sampled and resulted.
"""

import numpy as np
import pandas as pd
import pytest

from sitrep.settings import load_settings, values
from tests.fixture_db import FixtureDB

START = "2022-08-05 00:00"
DEADLINE = "2022-08-06 00:00"


def round_(db, round_id="R1", started_at=START, deadline_at=DEADLINE, **kw):
    db.insert("testing_rounds", round_id=round_id, started_at=started_at, deadline_at=deadline_at, **kw)


def target(db, round_id="R1", district="500105", township=None, level="low", pool=None, people=1000):
    pool = pool if pool is not None else {"high": 1, "medium": 5, "low": 10}[level]
    db.insert("testing_round_targets", round_id=round_id, district_code=district,
              township_code=township or district + "001", risk_level=level, pool_size=pool,
              target_population=people)


def report(db, at, sampled, tested=0, round_id="R1", district="500105", tubes=0, positive=0):
    db.insert("testing_progress_reports", round_id=round_id, district_code=district, reported_at=at,
              people_sampled=sampled, people_tested=tested, tubes_tested=tubes, positive_tubes=positive)


def rows(db, query, as_of, **params):
    frame = db.metric(query, as_of, **params)
    return frame[frame["district_code"].notna()].reset_index(drop=True)


def one(db, query, as_of, district="500105", round_id="R1", **params):
    frame = db.metric(query, as_of, **params)
    hit = frame[(frame["district_code"] == district) & (frame["round_id"] == round_id)] if district else \
        frame[frame["district_code"].isna() & (frame["round_id"] == round_id)]
    assert len(hit) == 1, f"expected one row for {district} {round_id}, got\n{frame}"
    return hit.iloc[0]


# --- TEST-ROUND ----------------------------------------------------------------------------

def test_round_progress_is_sampled_over_target_and_projects_the_average_rate_since_the_start(db):
    """TEST-ROUND: value = sampled / target from the latest report; projection linear."""
    round_(db)
    target(db, level="low", people=600)
    target(db, township="500105002", level="high", people=400)          # target 600 + 400 = 1000
    report(db, "2022-08-05 02:00", sampled=100)
    report(db, "2022-08-05 04:00", sampled=250, tested=100, tubes=20, positive=1)
    report(db, "2022-08-05 06:00", sampled=999)                          # after as_of: not seen
    row = one(db, "metrics/test_round", "2022-08-05 05:00")
    assert (row.numerator, row.denominator, row.value) == (250, 1000, 0.25)
    assert row.tested_share == 0.4 and row.positive_tubes == 1 and row.tubes_tested == 20
    assert row.elapsed_hours == 5.0 and row.threshold == 24.0
    assert row.last_report_at == pd.Timestamp("2022-08-05 04:00")
    # 4 h for 250 of 1000: 16 h for all, 16:00, well before the deadline.
    assert row.projected_finish_at == pd.Timestamp("2022-08-05 16:00")
    assert not row.is_red and pd.isna(row.red_since)


def test_projected_finish_exactly_at_the_deadline_is_not_red_and_a_minute_later_is(db):
    """TEST-ROUND: red only when the projection is past the deadline, to the minute."""
    round_(db)
    target(db, district="500105")
    target(db, district="500106")
    report(db, "2022-08-05 12:00", sampled=500, district="500105")     # 12 h x 1000/500 = 24 h 00
    report(db, "2022-08-05 12:01", sampled=500, district="500106")     # 12 h 01 x 2 = 24 h 02
    on_time = one(db, "metrics/test_round", "2022-08-05 13:00", district="500105")
    assert on_time.projected_finish_at == pd.Timestamp(DEADLINE)
    assert not on_time.is_red and pd.isna(on_time.red_since)
    late = one(db, "metrics/test_round", "2022-08-05 13:00", district="500106")
    assert late.projected_finish_at == pd.Timestamp("2022-08-06 00:02")
    assert late.is_red and late.red_since == pd.Timestamp("2022-08-05 12:01")


def test_red_since_is_the_first_report_of_the_current_run_of_late_projections(db):
    """TEST-ROUND: a report projecting on time ends a run; red_since starts the current one."""
    round_(db)
    target(db, people=1000)
    report(db, "2022-08-05 02:00", sampled=50)      # 2 h x 20 = 40 h: late
    report(db, "2022-08-05 04:00", sampled=200)     # 4 h x 5 = 20 h: on time
    report(db, "2022-08-05 06:00", sampled=240)     # 6 h x 1000/240 = 25 h: late
    report(db, "2022-08-05 08:00", sampled=330)     # 8 h x 1000/330 = 24.2 h: late
    row = one(db, "metrics/test_round", "2022-08-05 09:00")
    assert row.is_red and row.red_since == pd.Timestamp("2022-08-05 06:00")
    # At 05:00 the latest report (04:00) projects 20:00: not red.
    assert not one(db, "metrics/test_round", "2022-08-05 05:00").is_red


def test_an_unfinished_round_is_red_once_past_its_deadline_and_not_at_the_deadline(db):
    """TEST-ROUND: everyone sampled by 12:00 but results still out at the deadline."""
    round_(db)
    target(db, people=1000)
    report(db, "2022-08-05 12:00", sampled=1000, tested=900)
    at_deadline = one(db, "metrics/test_round", DEADLINE)
    assert at_deadline.value == 1.0 and at_deadline.tested_share == 0.9
    assert not at_deadline.is_red
    past = one(db, "metrics/test_round", "2022-08-06 00:01")
    assert past.is_red and past.red_since == pd.Timestamp(DEADLINE)


def test_a_finished_round_district_drops_out_and_one_awaiting_results_stays(db):
    """TEST-ROUND: finished = everyone sampled and every sample resulted, at the latest report."""
    round_(db)
    target(db, district="500105", people=1000)
    target(db, district="500106", people=1000)
    report(db, "2022-08-05 08:00", sampled=900, tested=500, district="500105")
    report(db, "2022-08-05 10:00", sampled=1000, tested=1000, district="500105")   # finished
    report(db, "2022-08-05 10:00", sampled=1000, tested=999, district="500106")    # one result out
    at_nine = rows(db, "metrics/test_round", "2022-08-05 09:00")
    assert set(at_nine["district_code"]) == {"500105", "500106"}
    at_eleven = rows(db, "metrics/test_round", "2022-08-05 11:00")
    assert list(at_eleven["district_code"]) == ["500106"]


def test_with_no_report_yet_nobody_is_sampled_nothing_is_projected_and_red_comes_at_the_deadline(db):
    """TEST-ROUND: no report counts as 0 sampled; as_of far in the future keeps it red."""
    round_(db)
    target(db, people=1000)
    early = one(db, "metrics/test_round", "2022-08-05 01:00")
    assert early.value == 0.0 and early.numerator == 0
    assert pd.isna(early.projected_finish_at) and pd.isna(early.last_report_at)
    assert not early.is_red
    future = one(db, "metrics/test_round", "2030-01-01 00:00")
    assert future.is_red and future.red_since == pd.Timestamp(DEADLINE)


def test_city_row_adds_up_each_round_and_is_red_when_one_of_its_districts_is(db):
    """TEST-ROUND: one city row per round; projected finish is its slowest district's."""
    round_(db)
    round_(db, "R2", started_at="2022-08-05 06:00", deadline_at="2022-08-06 06:00")
    target(db, district="500105", people=1000)
    target(db, district="500106", people=3000)
    target(db, "R2", district="500106", people=100)
    report(db, "2022-08-05 12:00", sampled=500, district="500105")     # projects 24:00, on time
    report(db, "2022-08-05 12:00", sampled=500, district="500106")     # 12 h x 6 = 72 h: late
    city = one(db, "metrics/test_round", "2022-08-05 13:00", district=None)
    assert (city.numerator, city.denominator, city.value) == (1000, 4000, 0.25)
    assert city.districts == 2
    assert city.is_red and city.red_since == pd.Timestamp("2022-08-05 12:00")
    assert city.projected_finish_at == pd.Timestamp("2022-08-08 00:00")
    r2 = one(db, "metrics/test_round", "2022-08-05 13:00", district=None, round_id="R2")
    assert (r2.numerator, r2.denominator, r2.districts) == (0, 100, 1) and not r2.is_red


def test_round_place_filters_keep_the_districts_whose_targets_cover_the_place(db):
    """TEST-ROUND: reports are per district, so a township keeps its district's numbers."""
    round_(db)
    target(db, district="500105", township="500105001", people=600)
    target(db, district="500105", township="500105002", people=400)
    target(db, district="500106", township="500106001", people=1000)
    report(db, "2022-08-05 04:00", sampled=250, district="500105")
    by_township = rows(db, "metrics/test_round", "2022-08-05 05:00", township_code="500105002")
    assert list(by_township["district_code"]) == ["500105"]
    assert by_township.loc[0, "denominator"] == 1000
    by_district = rows(db, "metrics/test_round", "2022-08-05 05:00", district_code="500106")
    assert list(by_district["district_code"]) == ["500106"]


def test_round_gives_no_rows_before_a_round_starts_or_without_data(db):
    """TEST-ROUND: as_of before the start, and an empty database."""
    round_(db)
    target(db)
    assert db.metric("metrics/test_round", "2022-08-04 23:59").empty
    assert FixtureDB().metric("metrics/test_round", "2022-08-05 12:00").empty


# --- TEST-CADENCE --------------------------------------------------------------------------

def test_a_report_exactly_2_hours_old_is_on_time_and_2_h_01_min_is_late(db):
    """TEST-CADENCE: hours since the latest report; red past 2 h, to the minute."""
    round_(db)
    target(db)
    report(db, "2022-08-05 08:00", sampled=100)
    report(db, "2022-08-05 10:00", sampled=300)
    report(db, "2022-08-05 12:30", sampled=500)                        # after as_of: not seen
    on_time = one(db, "metrics/test_cadence", "2022-08-05 12:00")
    assert on_time.value == 2.0 and on_time.numerator == 120 and on_time.threshold == 2.0
    assert not on_time.is_red and pd.isna(on_time.red_since)
    assert on_time.last_report_at == pd.Timestamp("2022-08-05 10:00") and on_time.reports == 2
    late = one(db, "metrics/test_cadence", "2022-08-05 12:01")
    assert late.value == pytest.approx(121 / 60) and late.is_red
    assert late.red_since == pd.Timestamp("2022-08-05 12:00")


def test_without_any_report_the_clock_runs_from_the_round_start(db):
    """TEST-CADENCE: the first report is due 2 h after the start."""
    round_(db, started_at="2022-08-05 08:00", deadline_at="2022-08-06 08:00")
    target(db)
    assert not one(db, "metrics/test_cadence", "2022-08-05 10:00").is_red
    row = one(db, "metrics/test_cadence", "2022-08-05 10:01")
    assert row.is_red and row.red_since == pd.Timestamp("2022-08-05 10:00") and row.reports == 0


def test_cadence_watches_only_active_round_districts_and_has_no_city_row(db):
    """TEST-CADENCE: a finished round-district is not asked for reports."""
    round_(db)
    target(db, district="500105")
    target(db, district="500106")
    report(db, "2022-08-05 10:00", sampled=1000, tested=1000, district="500105")   # finished
    report(db, "2022-08-05 10:00", sampled=800, tested=700, district="500106")
    frame = db.metric("metrics/test_cadence", "2022-08-05 20:00")
    assert list(frame["district_code"]) == ["500106"]
    assert frame.loc[0, "value"] == 10.0 and frame.loc[0, "is_red"]
    assert FixtureDB().metric("metrics/test_cadence", "2022-08-05 20:00").empty


# --- TEST-POOL -----------------------------------------------------------------------------

def test_targets_pooled_other_than_their_level_asks_are_counted_per_district(db):
    """TEST-POOL: high 1, medium 1:5, low 1:10; two of 500105's four targets are wrong."""
    round_(db)
    target(db, district="500105", township="500105001", level="high", pool=1)
    target(db, district="500105", township="500105001", level="medium", pool=10, people=300)  # wrong
    target(db, district="500105", township="500105001", level="low", pool=10)
    target(db, district="500105", township="500105002", level="high", pool=5, people=40)      # wrong
    target(db, district="500106", township="500106001", level="low", pool=10)
    row = db.row("metrics/test_pool", "2022-08-05 06:00", "500105")
    assert (row.value, row.numerator, row.denominator) == (2.0, 2, 4)
    assert row.breaches_medium == 1 and row.breaches_high == 1 and row.people_in_breach == 340
    assert row.is_red and row.red_since == pd.Timestamp(START)
    ok = db.row("metrics/test_pool", "2022-08-05 06:00", "500106")
    assert ok.value == 0 and not ok.is_red and pd.isna(ok.red_since)
    city = db.row("metrics/test_pool", "2022-08-05 06:00", None)
    assert (city.numerator, city.denominator) == (2, 5) and city.is_red
    township = db.row("metrics/test_pool", "2022-08-05 06:00", "500105", township_code="500105002")
    assert (township.numerator, township.denominator) == (1, 1)


def test_pooling_of_finished_rounds_is_not_judged_and_the_sizes_come_from_settings(db):
    """TEST-POOL: only active rounds; an operator asking 1:20 for low risk makes 1:10 wrong."""
    round_(db)
    target(db, district="500105", level="medium", pool=10)
    report(db, "2022-08-05 10:00", sampled=1000, tested=1000)                       # finished
    after = db.metric("metrics/test_pool", "2022-08-05 11:00")
    assert list(after["district_code"]) == [None] and after.loc[0, "value"] == 0
    assert not after.loc[0, "is_red"]
    assert db.row("metrics/test_pool", "2022-08-05 09:00", "500105").is_red
    round_(db, "R2")
    target(db, "R2", district="500106", level="low", pool=10)
    settings = {**values(load_settings(overrides=None)), "pool_size_low_risk": 20}
    assert db.row("metrics/test_pool", "2022-08-05 11:00", "500106", settings=settings).is_red
    assert not db.row("metrics/test_pool", "2022-08-05 11:00", "500106").is_red


# --- TEST-TAT ------------------------------------------------------------------------------

def tube(db, sampled, to_lab_min, to_result_min, district="500105", township="500105001", **kw):
    at = pd.Timestamp(sampled)
    received = at + pd.Timedelta(minutes=to_lab_min)
    resulted = received + pd.Timedelta(minutes=to_result_min)
    db.insert("testing_tubes", round_id="R1", district_code=district, township_code=township,
              sampled_at=at, received_at=received, resulted_at=resulted,
              result=kw.pop("result", "negative"), **kw)


def test_turnaround_medians_are_taken_over_tubes_resulted_in_the_window(db):
    """TEST-TAT: four tubes, so each median is the mean of the two middle ones."""
    tube(db, "2022-08-05 00:00", 60, 180)     # total 240 min
    tube(db, "2022-08-05 01:00", 90, 200)     # 290
    tube(db, "2022-08-05 02:00", 30, 240)     # 270
    tube(db, "2022-08-05 03:00", 120, 150, result="positive")     # 270
    tube(db, "2022-08-04 08:00", 60, 180)     # resulted 2022-08-04 12:00 = as_of - 24 h: outside
    tube(db, "2022-08-05 10:00", 60, 180)     # resulted 14:00, after as_of
    db.insert("testing_tubes", round_id="R1", sampled_at="2022-08-05 11:00")       # pending
    row = db.row("metrics/test_tat", "2022-08-05 12:00", "500105")
    assert row.numerator == 4 and row.positive_tubes == 1
    assert row.median_to_lab_hours == (60 + 90) / 2 / 60          # 30 60 | 90 120 -> 75 min
    assert row.median_to_result_hours == (180 + 200) / 2 / 60     # 150 180 | 200 240 -> 190 min
    assert row.value == 270 / 60                                   # 240 270 | 270 290 -> 4.5 h
    assert row.is_red == False  # noqa: E712  (the rule sets no limit: never red, never unknown)
    assert pd.isna(row.threshold) and pd.isna(row.red_since)


def test_turnaround_medians_agree_with_the_standard_median_per_district_and_city(db):
    """TEST-TAT: the histogram median equals the plain median, odd (37) and even (24) counts."""
    rng = np.random.default_rng(7)
    every_lab, every_total = [], []
    for district, n in (("500105", 37), ("500106", 24)):
        lab = rng.integers(20, 300, n)
        result = rng.integers(60, 600, n)
        for a, b in zip(lab, result):
            tube(db, "2022-08-05 00:00", int(a), int(b), district=district, township=district + "001")
        row = db.row("metrics/test_tat", "2022-08-05 23:00", district)
        assert row.numerator == n
        assert row.median_to_lab_hours == pytest.approx(np.median(lab) / 60)
        assert row.median_to_result_hours == pytest.approx(np.median(result) / 60)
        assert row.value == pytest.approx(np.median(lab + result) / 60)
        every_lab.append(lab)
        every_total.append(lab + result)
    city = db.row("metrics/test_tat", "2022-08-05 23:00", None)
    assert city.numerator == 61
    assert city.median_to_lab_hours == pytest.approx(np.median(np.concatenate(every_lab)) / 60)
    assert city.value == pytest.approx(np.median(np.concatenate(every_total)) / 60)


def test_turnaround_without_tubes_in_the_window_has_no_district_rows(db):
    """TEST-TAT: an empty window leaves only an empty city row."""
    tube(db, "2022-08-01 00:00", 60, 180)
    frame = db.metric("metrics/test_tat", "2022-08-05 12:00")
    assert frame["district_code"].notna().sum() == 0
    assert frame["numerator"].fillna(0).sum() == 0 and frame["value"].isna().all()


# --- TEST-OCCUP ----------------------------------------------------------------------------

def occ(db, date, due, tested, district="500105", occupation="cold_chain", tier="high"):
    db.insert("occupational_testing", district_code=district, occupation=occupation, risk_tier=tier,
              test_date=date, people_due=due, people_tested=tested)


def test_people_missed_on_the_last_report_day_count_and_extra_tests_do_not_make_up(db):
    """TEST-OCCUP: 100 cold-chain workers due, 90 tested; couriers over-tested do not offset."""
    occ(db, "2022-08-04", 100, 100)
    occ(db, "2022-08-05", 100, 90)
    occ(db, "2022-08-05", 50, 60, occupation="courier")
    occ(db, "2022-08-05", 40, 40, occupation="general_hospital", tier="higher")
    occ(db, "2022-08-06", 100, 0)                                      # tomorrow: not seen
    row = db.row("metrics/test_occup", "2022-08-05 12:00", "500105")
    assert (row.value, row.numerator, row.denominator) == (10.0, 10, 190)
    assert pd.Timestamp(row.test_date) == pd.Timestamp("2022-08-05")
    assert row.missed_high == 10 and row.missed_higher == 0 and row.occupations_short == 1
    assert row.is_red and row.red_since == pd.Timestamp("2022-08-05 00:00")


def test_occupational_red_since_goes_back_over_the_unbroken_run_of_days_with_misses(db):
    """TEST-OCCUP: 08-01 short, 08-02 all tested, 08-03 to 08-05 short: red since 08-03."""
    occ(db, "2022-08-01", 100, 50)
    occ(db, "2022-08-02", 100, 100)
    occ(db, "2022-08-03", 100, 99)
    occ(db, "2022-08-04", 100, 98)
    occ(db, "2022-08-05", 100, 97)
    assert db.row("metrics/test_occup", "2022-08-05 23:59", "500105").red_since == \
        pd.Timestamp("2022-08-03")
    # As of 08-02 the day was complete: not red.
    day_two = db.row("metrics/test_occup", "2022-08-02 18:00", "500105")
    assert day_two.value == 0 and not day_two.is_red and pd.isna(day_two.red_since)


def test_occupational_city_row_adds_each_districts_own_last_day(db):
    """TEST-OCCUP: 500106 last reported 08-03 (5 missed); 500105 on 08-05 (10 missed)."""
    occ(db, "2022-08-05", 100, 90)
    occ(db, "2022-08-03", 20, 15, district="500106")
    city = db.row("metrics/test_occup", "2022-08-05 12:00", None)
    assert (city.numerator, city.denominator) == (15, 120)
    assert city.is_red and city.red_since == pd.Timestamp("2022-08-03")
    # Reported per district: a township filter shows the district it lies in.
    db.insert("townships", township_code="500106001", district_code="500106")
    township = db.metric("metrics/test_occup", "2022-08-05 12:00", township_code="500106001")
    assert list(township["district_code"].dropna()) == ["500106"]
    before = db.metric("metrics/test_occup", "2022-08-01 12:00")
    assert before["district_code"].notna().sum() == 0 and not before["is_red"].any()


# --- TEST-SITES ----------------------------------------------------------------------------

def community(db, code, population, district="500105"):
    db.insert("communities", community_code=code, township_code=code[:9], district_code=district,
              population=population)


def site(db, site_id, code, opened="2022-04-01 08:00", closed=None, district="500105"):
    db.insert("sampling_sites", site_id=site_id, community_code=code, district_code=district,
              opened_at=opened, closed_at=closed)


def test_communities_of_3000_or_more_without_an_open_site_are_counted(db):
    """TEST-SITES: exactly 3,000 needs a site, 2,999 does not; a site closing at as_of is shut."""
    community(db, "500105001001", 3000)                         # no site: missing
    community(db, "500105001002", 2999)                         # too small to need one
    community(db, "500105001003", 5000)
    site(db, "S3", "500105001003")                              # open: fine
    community(db, "500105001004", 4000)
    site(db, "S4", "500105001004", closed="2022-08-05 12:00")   # closed exactly at as_of: missing
    community(db, "500105001005", 8000)
    site(db, "S5", "500105001005", opened="2022-08-05 12:01")   # opens after as_of: missing
    row = db.row("metrics/test_sites", "2022-08-05 12:00", "500105")
    assert (row.value, row.numerator, row.denominator) == (3.0, 3, 4)
    assert row.residents_without_site == 3000 + 4000 + 8000 and row.threshold == 3000
    # 001 never had a site: the breach began before the data.
    assert row.is_red and pd.isna(row.red_since)
    later = db.row("metrics/test_sites", "2022-08-05 12:01", "500105")
    assert later.numerator == 2


def test_sites_red_since_is_when_the_last_site_of_a_missing_community_closed(db):
    """TEST-SITES: a community whose only site closed on 08-01 has been without one since."""
    community(db, "500106001001", 4000, district="500106")
    site(db, "S1", "500106001001", closed="2022-08-01 00:00", district="500106")
    row = db.row("metrics/test_sites", "2022-08-05 12:00", "500106")
    assert row.is_red and row.red_since == pd.Timestamp("2022-08-01 00:00")
    assert not db.row("metrics/test_sites", "2022-07-31 23:59", "500106").is_red


def test_communities_of_unknown_population_make_a_district_unknown_not_zero(db):
    """TEST-SITES: 500233's communities have no census figure; one has no site."""
    db.district("500233", population=None)
    community(db, "500233001001", None, district="500233")
    community(db, "500233001002", None, district="500233")
    site(db, "S1", "500233001002", district="500233")
    row = db.row("metrics/test_sites", "2022-08-05 12:00", "500233")
    assert pd.isna(row.value) and pd.isna(row.is_red) and row.unknown_without_site == 1
    site(db, "S2", "500233001001", district="500233")
    known = db.row("metrics/test_sites", "2022-08-05 12:00", "500233")
    assert known.value == 0 and not known.is_red


def test_sites_place_filter_and_empty_data(db):
    """TEST-SITES: a township filter keeps its communities; no communities, no district rows."""
    community(db, "500105001001", 3000)
    community(db, "500105002001", 3000)
    site(db, "S1", "500105002001")
    assert db.row("metrics/test_sites", "2022-08-05 12:00", "500105",
                  township_code="500105002").numerator == 0
    assert db.row("metrics/test_sites", "2022-08-05 12:00", "500105",
                  township_code="500105001").numerator == 1
    empty = FixtureDB().metric("metrics/test_sites", "2022-08-05 12:00")
    assert empty["district_code"].notna().sum() == 0 and not empty["is_red"].fillna(False).any()


# --- TEST-ROUND, TEST-POOL, TEST-SITES: drill-throughs --------------------------------------

def test_round_progress_detail_lists_each_active_round_district_without_names(db):
    """TEST-ROUND / TEST-CADENCE drill-through: the same numbers as the metric rows."""
    round_(db)
    target(db, district="500105")
    target(db, district="500106")
    report(db, "2022-08-05 12:00", sampled=500, district="500105")
    report(db, "2022-08-05 12:00", sampled=1000, tested=1000, district="500106")   # finished
    detail = db.metric("details/test_round_progress", "2022-08-05 14:01")
    assert list(detail["district_code"]) == ["500105"]
    row = detail.iloc[0]
    assert (row.target_population, row.people_sampled, row.minutes_since_report) == (1000, 500, 121)
    assert row.projected_finish_at == pd.Timestamp(DEADLINE) and not row.projected_late
    assert row.report_overdue
    assert not any("name" in c for c in detail.columns)


def test_pool_and_site_details_list_the_items_behind_the_counts(db):
    """TEST-POOL / TEST-SITES drill-throughs."""
    round_(db)
    target(db, level="medium", pool=10, people=300)
    target(db, township="500105002", level="low", pool=10)
    pool = db.metric("details/test_pool_mismatches", "2022-08-05 06:00")
    assert list(pool["township_code"]) == ["500105001"]
    assert (pool.loc[0, "pool_size"], pool.loc[0, "expected_pool_size"]) == (10, 5)
    community(db, "500105001001", 5000)
    community(db, "500105001002", 9000)
    community(db, "500105001003", None)
    site(db, "S1", "500105001002", closed="2022-08-01 00:00")
    sites = db.metric("details/test_sites_missing", "2022-08-05 06:00")
    assert list(sites["community_code"]) == ["500105001002", "500105001001", "500105001003"]
    assert sites.loc[0, "last_closed_at"] == pd.Timestamp("2022-08-01 00:00")
