"""RISK-* and VAC-60: risk areas and their support (rulebook §7), against small fixtures
worked out by hand."""

import pandas as pd

from sitrep.settings import load_settings, values
from tests.fixture_db import FixtureDB

AS_OF = "2022-08-05 12:00"


def area(db, area_id, level="high", residents=1000, designated="2022-08-01 12:00", lifted=None,
         district="500105", township=None):
    db.insert("risk_areas", risk_area_id=area_id, district_code=district,
              township_code=township or district + "001", community_code=(township or district + "001") + "001",
              level=level, residents=residents, designated_at=designated, lifted_at=lifted)


def support(db, area_id, at, staff=1000, supply=30.0):
    db.insert("risk_area_support_reports", risk_area_id=area_id, reported_at=at, staff_on_duty=staff,
              supply_days=supply)


# --- RISK-AREAS ----------------------------------------------------------------------------

def test_areas_in_force_are_counted_per_level_with_residents_and_days(db):
    """RISK-AREAS: two high, one medium, one low in force; lifted and future ones left out."""
    area(db, "H1", "high", 1000, designated="2022-08-01 12:00")          # 4 days in force
    area(db, "H2", "high", 500, designated="2022-08-04 00:00")           # 1.5 days
    area(db, "M1", "medium", 3000, designated="2022-08-03 12:00")        # 2 days
    area(db, "L1", "low", 20000, designated="2022-07-31 12:00")          # 5 days
    area(db, "H3", "high", 800, designated="2022-07-20 00:00", lifted="2022-08-05 12:00")   # lifted at as_of
    area(db, "H4", "high", 800, designated="2022-07-20 00:00", lifted="2022-08-04 12:00")   # 24 h ago: outside
    area(db, "H5", "high", 800, designated="2022-08-05 12:01")           # not yet designated
    row = db.row("metrics/risk_areas", AS_OF, "500105")
    assert (row.value, row.numerator) == (4.0, 4)
    assert (row.high_areas, row.medium_areas, row.low_areas) == (2, 1, 1)
    assert (row.high_residents, row.medium_residents, row.low_residents) == (1500, 3000, 20000)
    assert row.residents == 24500
    assert (row.high_max_days, row.medium_max_days, row.low_max_days) == (4.0, 2.0, 5.0)
    assert row.lifted_in_window == 1                # H3 (lifted exactly at as_of), not H4
    assert row.is_red == False and pd.isna(row.red_since)  # noqa: E712  (shown, never red)


def test_a_district_whose_areas_were_all_lifted_in_the_window_still_shows(db):
    """RISK-AREAS: 快封快解, a lifted area keeps its district on the page for the window."""
    area(db, "H1", district="500106", designated="2022-07-30 00:00", lifted="2022-08-05 06:00")
    row = db.row("metrics/risk_areas", AS_OF, "500106")
    assert row.value == 0 and row.lifted_in_window == 1 and pd.isna(row.high_max_days)
    later = db.metric("metrics/risk_areas", "2022-08-06 06:01")
    assert later["district_code"].notna().sum() == 0


def test_risk_areas_city_row_place_filter_and_empty_data(db):
    """RISK-AREAS: the city adds up districts; a township keeps its own areas."""
    area(db, "H1", district="500105", residents=100)
    area(db, "H2", district="500106", residents=200, township="500106002")
    city = db.row("metrics/risk_areas", AS_OF, None)
    assert (city.numerator, city.residents) == (2, 300)
    only = db.metric("metrics/risk_areas", AS_OF, township_code="500106002")
    assert list(only["district_code"].dropna()) == ["500106"]
    empty = FixtureDB().metric("metrics/risk_areas", AS_OF)
    assert empty["district_code"].notna().sum() == 0 and empty["value"].fillna(0).sum() == 0
    before = db.metric("metrics/risk_areas", "2022-07-01 00:00")
    assert before["district_code"].notna().sum() == 0


# --- RISK-STAFF ----------------------------------------------------------------------------

def test_staff_of_exactly_10_percent_of_residents_is_enough_and_one_less_is_not(db):
    """RISK-STAFF: 100 staff for 1,000 residents is 10%: fine; 99 is short."""
    area(db, "H1", residents=1000)
    support(db, "H1", "2022-08-05 08:00", staff=100)
    area(db, "H2", residents=1000)
    support(db, "H2", "2022-08-05 08:00", staff=99)
    area(db, "H3", residents=30)
    support(db, "H3", "2022-08-05 08:00", staff=3)
    row = db.row("metrics/risk_staff", AS_OF, "500105")
    assert (row.value, row.numerator, row.denominator) == (1.0, 1, 3)
    assert row.threshold == 0.10
    assert row.is_red and row.red_since == pd.Timestamp("2022-08-05 08:00")


def test_a_staff_share_set_by_the_operator_is_compared_exactly_not_in_floating_point(db):
    """RISK-STAFF: at 7%, 7 staff for 100 residents is enough though 0.07 x 100 = 7.000000000000001."""
    area(db, "H1", residents=100)
    support(db, "H1", "2022-08-05 08:00", staff=7)
    settings = {**values(load_settings(overrides=None)), "high_risk_staff_share": 0.07}
    row = db.row("metrics/risk_staff", AS_OF, "500105", settings=settings)
    assert row.threshold == 0.07 and row.numerator == 0 and not row.is_red
    support(db, "H1", "2022-08-05 09:00", staff=6)
    assert db.row("metrics/risk_staff", AS_OF, "500105", settings=settings).is_red


def test_staff_are_judged_on_the_latest_report_of_high_areas_in_force(db):
    """RISK-STAFF: later reports count over earlier ones; medium and lifted areas are not judged."""
    area(db, "H1", residents=1000)
    support(db, "H1", "2022-08-03 08:00", staff=50)
    support(db, "H1", "2022-08-04 08:00", staff=120)      # latest at as_of: enough
    support(db, "H1", "2022-08-05 13:00", staff=10)       # after as_of: not seen
    area(db, "M1", level="medium", residents=1000)
    support(db, "M1", "2022-08-05 08:00", staff=0)
    area(db, "H2", residents=1000, designated="2022-07-20 00:00", lifted="2022-08-05 00:00")
    support(db, "H2", "2022-08-04 08:00", staff=0)
    row = db.row("metrics/risk_staff", AS_OF, "500105")
    assert (row.numerator, row.denominator, row.high_areas) == (0, 1, 1)
    assert not row.is_red and pd.isna(row.red_since)


def test_staff_red_since_is_the_first_short_report_of_the_current_run(db):
    """RISK-STAFF: short 08-02, enough 08-03, short 08-04 and 08-05: red since 08-04."""
    area(db, "H1", residents=1000)
    support(db, "H1", "2022-08-02 08:00", staff=50)
    support(db, "H1", "2022-08-03 08:00", staff=150)
    support(db, "H1", "2022-08-04 08:00", staff=90)
    support(db, "H1", "2022-08-05 08:00", staff=95)
    area(db, "H2", residents=500, district="500106")
    support(db, "H2", "2022-08-05 09:00", staff=10)
    assert db.row("metrics/risk_staff", AS_OF, "500105").red_since == pd.Timestamp("2022-08-04 08:00")
    city = db.row("metrics/risk_staff", AS_OF, None)
    assert (city.numerator, city.denominator) == (2, 2)
    assert city.red_since == pd.Timestamp("2022-08-04 08:00")


def test_high_areas_without_any_report_leave_staffing_unknown_not_zero(db):
    """RISK-STAFF: 500106's only high area has not reported yet."""
    area(db, "H1", residents=1000, district="500106")
    row = db.row("metrics/risk_staff", AS_OF, "500106")
    assert pd.isna(row.value) and pd.isna(row.is_red) and row.areas_unreported == 1
    support(db, "H1", "2022-08-05 13:00", staff=0)        # after as_of: still unknown
    assert pd.isna(db.row("metrics/risk_staff", AS_OF, "500106").is_red)
    empty = FixtureDB().metric("metrics/risk_staff", AS_OF)
    assert empty["district_code"].notna().sum() == 0 and not empty["is_red"].fillna(False).any()


# --- RISK-SUPPLY ---------------------------------------------------------------------------

def test_supplies_of_exactly_15_days_are_enough_and_14_9_are_not(db):
    """RISK-SUPPLY: areas under 15 days of grain and oil, on their latest report."""
    area(db, "H1")
    support(db, "H1", "2022-08-05 08:00", supply=15.0)
    area(db, "H2")
    support(db, "H2", "2022-08-04 08:00", supply=20.0)
    support(db, "H2", "2022-08-05 08:00", supply=14.9)
    area(db, "H3")                                          # no report yet
    row = db.row("metrics/risk_supply", AS_OF, "500105")
    assert (row.value, row.numerator, row.denominator) == (1.0, 1, 2)
    assert row.threshold == 15 and row.areas_unreported == 1 and row.min_supply_days == 14.9
    assert row.is_red and row.red_since == pd.Timestamp("2022-08-05 08:00")


def test_supply_red_since_runs_back_over_consecutive_short_reports(db):
    """RISK-SUPPLY: 10 on 08-01, 16 on 08-02, then 14, 13, 12: short since 08-03; restocked at
    12:00 it is fine."""
    area(db, "H1", residents=2000, designated="2022-08-01 00:00")
    support(db, "H1", "2022-08-01 08:00", supply=10.0)
    support(db, "H1", "2022-08-02 08:00", supply=16.0)
    support(db, "H1", "2022-08-03 08:00", supply=14.0)
    support(db, "H1", "2022-08-04 08:00", supply=13.0)
    support(db, "H1", "2022-08-05 08:00", supply=12.0)
    support(db, "H1", "2022-08-05 12:00", supply=30.0)
    before = db.row("metrics/risk_supply", "2022-08-05 11:59", "500105")
    assert before.is_red and before.red_since == pd.Timestamp("2022-08-03 08:00")
    assert before.residents_short == 2000
    after = db.row("metrics/risk_supply", AS_OF, "500105")
    assert not after.is_red and pd.isna(after.red_since)


# --- VAC-60 --------------------------------------------------------------------------------

def vac(db, date, residents, full, district="500105", booster=0):
    db.insert("vaccination_60plus", district_code=district, report_date=date, residents_60plus=residents,
              vaccinated_full=full, vaccinated_booster=booster)


def test_elderly_coverage_of_exactly_90_percent_is_not_red_and_89_9_is(db):
    """VAC-60: vaccinated_full / residents 60+ from each district's latest report."""
    vac(db, "2022-08-01", 1000, 900, booster=600)
    vac(db, "2022-08-01", 1000, 899, district="500106")
    ok = db.row("metrics/vac_60", AS_OF, "500105")
    assert (ok.value, ok.numerator, ok.denominator) == (0.9, 900, 1000)
    assert ok.threshold == 0.9 and ok.booster_share == 0.6
    assert not ok.is_red and pd.isna(ok.red_since)
    low = db.row("metrics/vac_60", AS_OF, "500106")
    assert low.value == 0.899 and low.is_red and low.red_since == pd.Timestamp("2022-08-01")


def test_a_district_with_unknown_residents_60_plus_is_unknown_and_left_out_of_the_city(db):
    """VAC-60: 500233 has no census figure: value and is_red null; the city adds the others."""
    db.district("500233", population=None)
    vac(db, "2022-08-01", None, 70_000, district="500233")
    vac(db, "2022-08-01", 1000, 800)
    unknown = db.row("metrics/vac_60", AS_OF, "500233")
    assert pd.isna(unknown.value) and pd.isna(unknown.is_red) and pd.isna(unknown.denominator)
    city = db.row("metrics/vac_60", AS_OF, None)
    assert (city.numerator, city.denominator, city.value) == (800, 1000, 0.8)
    assert city.districts_unknown == 1 and city.is_red


def test_vaccination_uses_the_latest_report_dated_on_or_before_as_of_and_red_since_its_run(db):
    """VAC-60: weekly 07-11 low, 07-18 ok, 07-25 and 08-01 low, 08-08 (future) ignored."""
    vac(db, "2022-07-11", 1000, 700)
    vac(db, "2022-07-18", 1000, 950)
    vac(db, "2022-07-25", 1000, 850)
    vac(db, "2022-08-01", 1000, 880)
    vac(db, "2022-08-08", 1000, 990)
    row = db.row("metrics/vac_60", AS_OF, "500105")
    assert row.value == 0.88 and pd.Timestamp(row.report_date) == pd.Timestamp("2022-08-01")
    assert row.is_red and row.red_since == pd.Timestamp("2022-07-25")
    on_the_day = db.row("metrics/vac_60", "2022-08-08 00:00", "500105")
    assert on_the_day.value == 0.99 and not on_the_day.is_red
    before = db.metric("metrics/vac_60", "2022-07-10 23:59")
    assert before["district_code"].notna().sum() == 0 and not before["is_red"].fillna(False).any()


# --- RISK-AREAS: drill-through --------------------------------------------------------------

def test_areas_in_force_detail_shows_level_days_and_latest_support_without_names(db):
    """RISK-AREAS / RISK-STAFF / RISK-SUPPLY drill-through."""
    area(db, "M1", level="medium", designated="2022-08-01 00:00")
    area(db, "H1", residents=30, designated="2022-08-03 12:00")
    support(db, "H1", "2022-08-04 08:00", staff=2, supply=20.0)
    support(db, "H1", "2022-08-05 08:00", staff=3, supply=14.0)
    area(db, "H2", designated="2022-07-30 00:00", lifted="2022-08-05 00:00")
    detail = db.metric("details/risk_areas_in_force", AS_OF)
    assert list(detail["risk_area_id"]) == ["H1", "M1"]          # high first; H2 lifted
    h1 = detail.iloc[0]
    assert h1.days_in_force == 2.0 and h1.last_report_at == pd.Timestamp("2022-08-05 08:00")
    assert h1.staff_on_duty == 3 and not h1.staff_short and h1.supply_short
    assert pd.isna(detail.iloc[1].staff_short) and pd.isna(detail.iloc[1].last_report_at)
    assert "name_zh" not in detail.columns
