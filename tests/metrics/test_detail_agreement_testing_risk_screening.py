"""Each drill-through list agrees with its metric's numbers, on the demo database.

Covers every registry entry of the testing, timeliness, screening and risk sections that names a
`detail` query: TEST-ROUND, TEST-CADENCE (details/test_round_progress), TEST-POOL
(details/test_pool_mismatches), TEST-SITES (details/test_sites_missing), the nine clock rules
CON-TRANSFER, EPI-ARRIVE, EPI-CORE, EPI-FULL, EPI-ASSIST, EPI-REPORT, EPI-PUBLISH, SCR-8H, SCR-24H
(details/timeliness_items), SCR-OUTCOME (details/scr_outcome_backlog), SCR-ARRIVAL
(details/scr_arrival_unregistered), RISK-AREAS, RISK-STAFF, RISK-SUPPLY
(details/risk_areas_in_force). TEST-TAT, TEST-OCCUP and VAC-60 have no detail query.

The rows a list shows, counted or summed per district, are the metric's numbers per district,
and their total is the city row's, at moments of the demo chosen where those numbers are not
zero (each test asserts that too, so it cannot pass on empty frames).
"""

import pandas as pd
import pytest

from sitrep import registry
from sitrep.queries import run_metric

CLOCK_RULES = {
    # rule: moments of the demo with items done late or open overdue
    "CON-TRANSFER": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-05 18:00"],
    "EPI-ARRIVE": ["2022-07-12 12:00", "2022-07-20 12:00", "2022-07-24 18:00"],
    "EPI-CORE": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-07-30 09:00"],
    "EPI-FULL": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-02 12:00"],
    "EPI-ASSIST": ["2022-07-20 12:00", "2022-07-24 18:00"],
    "EPI-REPORT": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-07-30 09:00"],
    "EPI-PUBLISH": ["2022-07-20 12:00", "2022-07-24 18:00"],
    "SCR-8H": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-05 18:00"],
    "SCR-24H": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-02 12:00"],
}
ROUND_MOMENTS = ["2022-07-16 07:00", "2022-07-21 07:00", "2022-08-05 18:00"]
POOL_MOMENTS = ["2022-07-16 07:00", "2022-08-05 18:00"]
MOMENTS = ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-05 18:00"]


def metric_and_detail(demo, metric_id, as_of):
    """The metric's rows and its drill-through's rows, the latter through the registry's `detail`."""
    entry = registry.metric(metric_id)
    assert entry.detail, f"{metric_id} names no detail query"
    at = pd.Timestamp(as_of)
    return run_metric(demo, metric_id, as_of=at), run_metric(demo, metric_id, as_of=at, query=entry.detail)


def districts(frame):
    return frame[frame["district_code"].notna()]


def city(frame):
    rows = frame[frame["district_code"].isna()]
    assert len(rows) == 1, f"expected one city row, got\n{frame}"
    return rows.iloc[0]


def per_district(series_by_district):
    """{district: number} without the zeros (a list has no rows where the number is 0)."""
    return {d: int(v) for d, v in series_by_district.items() if v != 0}


def counted(detail, where=None):
    rows = detail if where is None else detail[where]
    return per_district(rows.groupby("district_code").size())


def summed(detail, column):
    return per_district(detail.groupby("district_code")[column].sum())


# --- testing -------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", ROUND_MOMENTS)
def test_round_progress_lists_test_rounds_active_round_districts_with_its_numbers(demo, as_of):
    """TEST-ROUND: one listed row per active round and district, with the same counts and red."""
    metric, detail = metric_and_detail(demo, "TEST-ROUND", as_of)
    rows = districts(metric).set_index(["round_id", "district_code"]).sort_index()
    listed = detail.set_index(["round_id", "district_code"]).sort_index()
    assert len(listed) > 0 and listed.index.equals(rows.index)
    assert (listed["people_sampled"] == rows["numerator"]).all()
    assert (listed["target_population"] == rows["denominator"]).all()
    assert (listed["projected_late"] == rows["is_red"]).all()
    assert (listed["deadline_at"] == rows["deadline_at"]).all()
    assert rows["numerator"].sum() > 0
    for round_id, listed_round in detail.groupby("round_id"):
        whole = metric[metric["district_code"].isna() & (metric["round_id"] == round_id)].iloc[0]
        assert whole.numerator == listed_round["people_sampled"].sum()
        assert whole.denominator == listed_round["target_population"].sum()
        assert whole.is_red == listed_round["projected_late"].any()


@pytest.mark.parametrize("as_of", ROUND_MOMENTS)
def test_round_progress_lists_test_cadences_rows_with_its_minutes_and_red(demo, as_of):
    """TEST-CADENCE: the same round-districts; minutes since the last report; overdue = red."""
    metric, detail = metric_and_detail(demo, "TEST-CADENCE", as_of)
    rows = metric.set_index(["round_id", "district_code"]).sort_index()
    listed = detail.set_index(["round_id", "district_code"]).sort_index()
    assert len(listed) > 0 and listed.index.equals(rows.index)
    assert (listed["minutes_since_report"] == rows["numerator"]).all() and rows["numerator"].sum() > 0
    assert (listed["report_overdue"] == rows["is_red"]).all()


def test_cadence_and_round_are_red_on_the_list_at_the_end_of_the_demo(demo):
    """TEST-ROUND / TEST-CADENCE: the moment above where the lists have red rows to agree on."""
    _, detail = metric_and_detail(demo, "TEST-ROUND", "2022-08-05 18:00")
    assert detail["projected_late"].sum() >= 1 and detail["report_overdue"].sum() >= 1


@pytest.mark.parametrize("as_of", POOL_MOMENTS)
def test_pool_mismatches_are_test_pools_breaches(demo, as_of):
    """TEST-POOL: listed targets per district = breaches; their people = people_in_breach."""
    metric, detail = metric_and_detail(demo, "TEST-POOL", as_of)
    assert counted(detail) == per_district(districts(metric).set_index("district_code")["numerator"])
    assert summed(detail, "target_population") == \
        per_district(districts(metric).set_index("district_code")["people_in_breach"])
    assert city(metric).numerator == len(detail) > 0
    assert (detail["pool_size"] != detail["expected_pool_size"]).all()


@pytest.mark.parametrize("as_of", ["2022-07-12 12:00", "2022-07-24 18:00", "2022-08-05 18:00"])
def test_sites_missing_are_test_sites_communities_without_a_site(demo, as_of):
    """TEST-SITES: known-population communities listed = numerator; unknown ones = unknown_without_site."""
    metric, detail = metric_and_detail(demo, "TEST-SITES", as_of)
    rows = districts(metric).set_index("district_code")
    known = detail["population"].notna()
    assert counted(detail, known) == per_district(rows["numerator"].fillna(0))
    assert counted(detail, ~known) == per_district(rows["unknown_without_site"])
    assert summed(detail[known], "population") == per_district(rows["residents_without_site"])
    assert city(metric).numerator == known.sum() > 0


# --- timeliness: the nine clock rules --------------------------------------------------------

@pytest.mark.parametrize("rule,as_of", [(rule, m) for rule, moments in CLOCK_RULES.items() for m in moments])
def test_timeliness_items_are_the_rules_late_and_open_overdue_items(demo, rule, as_of):
    """CON-TRANSFER, EPI-*, SCR-8H, SCR-24H: items listed per district = done_late + open_overdue."""
    metric, detail = metric_and_detail(demo, rule, as_of)
    rows = districts(metric).set_index("district_code")
    assert counted(detail) == per_district(rows["done_late"] + rows["open_overdue"])
    assert counted(detail, detail["status"] == "open_overdue") == per_district(rows["open_overdue"])
    whole = city(metric)
    assert whole.done_late + whole.open_overdue == len(detail) > 0
    assert whole.red_since == detail["deadline"].min()


# --- screening -------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", MOMENTS)
def test_outcome_backlog_is_scr_outcomes_backlog(demo, as_of):
    """SCR-OUTCOME: entries awaiting police review per district = the backlog."""
    metric, detail = metric_and_detail(demo, "SCR-OUTCOME", as_of)
    assert counted(detail) == per_district(districts(metric).set_index("district_code")["numerator"])
    assert city(metric).numerator == len(detail) > 0
    assert city(metric).red_since == detail["checked_at"].min()


@pytest.mark.parametrize("as_of", ["2022-07-12 12:00", "2022-07-24 18:00", "2022-08-05 18:00"])
def test_unregistered_arrivals_are_scr_arrivals_overdue(demo, as_of):
    """SCR-ARRIVAL: arrivals listed per district = overdue and unregistered."""
    metric, detail = metric_and_detail(demo, "SCR-ARRIVAL", as_of)
    rows = districts(metric).set_index("district_code")
    assert counted(detail) == per_district(rows["numerator"])
    assert counted(detail, detail["origin_kind"] == "abroad") == per_district(rows["overdue_abroad"])
    assert city(metric).numerator == len(detail) > 0
    assert city(metric).red_since == detail["due_at"].min()


# --- risk areas --------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", MOMENTS)
def test_areas_in_force_are_risk_areas_count_and_residents(demo, as_of):
    """RISK-AREAS: areas listed per district = areas in force; their residents and levels agree."""
    metric, detail = metric_and_detail(demo, "RISK-AREAS", as_of)
    rows = districts(metric).set_index("district_code")
    assert counted(detail) == per_district(rows["numerator"])
    assert summed(detail, "residents") == per_district(rows["residents"])
    assert counted(detail, detail["level"] == "high") == per_district(rows["high_areas"])
    assert city(metric).numerator == len(detail) > 0


@pytest.mark.parametrize("metric_id,short", [("RISK-STAFF", "staff_short"), ("RISK-SUPPLY", "supply_short")])
@pytest.mark.parametrize("as_of", MOMENTS)
def test_areas_in_force_flag_the_high_areas_risk_staff_and_risk_supply_count(demo, metric_id, short, as_of):
    """RISK-STAFF / RISK-SUPPLY: flagged areas per district = breaches; high areas with a report =
    the denominator; high areas = high_areas."""
    metric, detail = metric_and_detail(demo, metric_id, as_of)
    rows = districts(metric).set_index("district_code")
    high = detail[detail["level"] == "high"]
    assert counted(high, high[short].fillna(False).astype(bool)) == per_district(rows["numerator"].fillna(0))
    assert counted(high, high["last_report_at"].notna()) == per_district(rows["denominator"])
    assert counted(high) == per_district(rows["high_areas"])
    assert city(metric).numerator == high[short].fillna(False).astype(bool).sum() > 0
