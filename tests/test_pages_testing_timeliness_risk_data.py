"""The testing, timeliness, risk-area and data pages show the query layer's numbers, follow the
as-of and the district, and never show personal data."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT, registry
from sitrep.formatting import format_value
from sitrep.i18n import t
from sitrep.personal import PERSONAL_COLUMNS, PERSONAL_TABLES
from sitrep.queries import run_metric
from tests.conftest import scalar
from tests.login import app_test

APP = str(PROJECT_ROOT / "app.py")
PERSONAL = set(PERSONAL_COLUMNS)
EARLIER = pd.Timestamp("2022-08-04 12:00")
DISTRICT = "500105"

# page, metric, the catalogue key of the card that shows its value
CARDS = [
    ("pages/testing.py", "TEST-OCCUP", "kpi_occup_missed"),
    ("pages/timeliness.py", "SCR-OUTCOME", "kpi_review_backlog"),
    ("pages/risk_areas.py", "RISK-AREAS", "kpi_areas_in_force"),
]


def _open(page: str, as_of: pd.Timestamp | None = None, district: str | None = None) -> AppTest:
    """Open the app with the sidebar controls (keys follow, as_of_date, as_of_time, district) set,
    then switch to the page.

    The controls are set in Session State before the first run: under AppTest, a `pages/` folder
    next to app.py makes every run after the first take Streamlit's MPA v1 path, which runs the
    page file alone, without app.py and its sidebar (see the report); the page then reads the
    view that app.py stored on the first run."""
    at = app_test(APP, default_timeout=120)
    if as_of is not None or district is not None:
        state = at.session_state
        state["view_ready"] = True
        state["lang"] = "zh"
        state["follow"] = as_of is None
        if as_of is not None:
            state["as_of_date"], state["as_of_time"] = as_of.date(), as_of.time()
        state["district"] = district or ""
        state["township"] = ""
    at.run()
    assert not at.exception, at.exception
    view = at.session_state["view"]
    if as_of is not None:
        assert view.as_of == as_of and not view.following
    assert view.district_code == district
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def _card(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _expected(demo, metric_id: str, as_of, district: str | None = None, column: str = "value"):
    frame = run_metric(demo, metric_id, as_of=pd.Timestamp(as_of), district_code=district)
    rows = frame[frame["district_code"] == district] if district else frame[frame["district_code"].isna()]
    return rows.iloc[0][column] if len(rows) else None


def _no_personal_columns(at: AppTest) -> None:
    for frame in at.dataframe:
        assert not PERSONAL & {str(c) for c in frame.value.columns}, frame.value.columns


@pytest.fixture
def newest(demo):
    return pd.Timestamp(scalar(demo, "select value from dataset_info where key = 'data_as_of'"))


@pytest.mark.parametrize("page, metric_id, card", CARDS)
def test_page_card_follows_the_as_of_and_the_district(demo_db_path, demo, monkeypatch, newest,
                                                      page, metric_id, card):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = _open(page)
    label = t(card, "zh")
    now = format_value(_expected(demo, metric_id, newest), "count")
    assert _card(at, label) == now
    _no_personal_columns(at)

    earlier = format_value(_expected(demo, metric_id, EARLIER), "count")
    assert earlier != now
    at = _open(page, as_of=EARLIER)
    assert at.session_state["view"].as_of == EARLIER
    assert _card(at, label) == earlier

    in_district = format_value(_expected(demo, metric_id, EARLIER, DISTRICT), "count")
    assert in_district != earlier
    at = _open(page, as_of=EARLIER, district=DISTRICT)
    assert _card(at, label) == in_district
    _no_personal_columns(at)


def test_testing_page_draws_each_round_and_its_progress_rows(demo_db_path, demo, monkeypatch, newest):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = _open("pages/testing.py")
    rounds = run_metric(demo, "TEST-ROUND", as_of=newest)
    assert len(rounds) > 0
    shares = {round(v, 6) for frame in at.dataframe for c in frame.value.columns
              if c == t("value", "zh") for v in frame.value[c].dropna()}
    assert round(float(rounds[rounds["district_code"].isna()].iloc[0]["value"]), 6) in shares


def test_timeliness_page_shows_each_clock_rule_from_the_shared_query(demo_db_path, demo, monkeypatch, newest):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = _open("pages/timeliness.py")
    value = _expected(demo, "SCR-8H", newest)
    assert _card(at, "推送名单8小时核查") == format_value(value, "share")
    _no_personal_columns(at)


def test_risk_page_shows_unknown_elderly_vaccination_as_unknown_never_zero(demo_db_path, demo, monkeypatch, newest):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = _open("pages/risk_areas.py")
    vac = run_metric(demo, "VAC-60", as_of=newest)
    unknown = vac[vac["district_code"].notna() & vac["value"].isna()]["district_code"].tolist()
    assert unknown, "the demo has districts of unknown 60+ population"
    header, code = t("value", "zh"), t("field_district_code", "zh")
    table = next(f.value for f in at.dataframe if code in f.value.columns and "booster_share" not in f.value.columns
                 and registry.column_label("VAC-60", "booster_share", "zh") in f.value.columns)
    shown = table[table[code].isin(unknown)][header].tolist()
    assert shown and all(v == "未知" for v in shown)
    assert _card(at, t("kpi_vac60", "zh")) == format_value(_expected(demo, "VAC-60", newest), "share")


def test_data_page_offers_every_table_but_persons_and_the_metric_csv_follows_the_view(
        demo_db_path, demo, monkeypatch, newest):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = _open("pages/data.py")
    options = at.selectbox(key="data_table").options
    assert not PERSONAL_TABLES & set(options) and "persons" in PERSONAL_TABLES
    assert "cases" in options and "testing_tubes" in options
    for table in options:
        at.selectbox(key="data_table").set_value(table)
        at.run()
        assert not at.exception, (table, at.exception)
        _no_personal_columns(at)

    def metric_cell(at: AppTest, metric_id: str, district: str | None = None) -> float:
        at.selectbox(key="data_metric").set_value(metric_id)
        at.run()
        assert not at.exception, at.exception
        frame = next(f.value for f in at.dataframe if "arrivals" in f.value.columns)
        rows = frame[frame["district_code"] == district] if district else frame[frame["district_code"].isna()]
        return float(rows.iloc[0]["value"])

    then = pd.Timestamp("2022-07-25 12:00")
    now = float(_expected(demo, "SCR-ARRIVAL", newest))
    assert metric_cell(at, "SCR-ARRIVAL") == now
    earlier = float(_expected(demo, "SCR-ARRIVAL", then))
    assert earlier != now and metric_cell(_open("pages/data.py", as_of=then), "SCR-ARRIVAL") == earlier
    in_district = float(_expected(demo, "SCR-ARRIVAL", then, DISTRICT))
    at = _open("pages/data.py", as_of=then, district=DISTRICT)
    assert in_district != earlier and metric_cell(at, "SCR-ARRIVAL", DISTRICT) == in_district
    _no_personal_columns(at)


def test_pages_render_in_english_from_the_catalogue(demo_db_path, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    for page, key in (("pages/testing.py", "page_testing"), ("pages/timeliness.py", "page_timeliness"),
                      ("pages/risk_areas.py", "page_risk_areas"), ("pages/data.py", "page_data")):
        at = app_test(APP, default_timeout=120)
        at.query_params["lang"] = "en"
        at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == t(key, "en")
