"""The cases, contacts and isolation pages run without error, show the query layer's numbers for
the chosen as-of and place, follow a change of as-of or district, and show no personal fields.

Note on AppTest (Streamlit 1.67): after at.switch_page(...), later runs execute the page script
only; the entrypoint's sidebar controls (ui.controls) are not re-rendered, so the widgets 'follow',
'as_of_date', 'as_of_time' and 'district' cannot be driven after the switch, and the page keeps
the view of the first run. The as-of and district are therefore chosen for the first run, through
the URL (query parameters) that ui.controls reads, exactly as a shared link chooses them.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT, registry
from sitrep.formatting import format_value
from sitrep.personal import PERSONAL_COLUMNS
from sitrep.queries import run_metric
from tests.conftest import scalar
from tests.login import app_test

APP = str(PROJECT_ROOT / "app.py")
PERSONAL = set(PERSONAL_COLUMNS)
PINNED = "2022-07-24T12:00"
DISTRICT = "500105"

# page, metric, column, unit, the registry column whose label names the card showing it
CASES = [
    ("pages/cases.py", "CASE-NEW", "cumulative", "count", "cumulative"),
    ("pages/contacts.py", "CON-MODE", "in_quarantine", "count", "in_quarantine"),
    ("pages/isolation.py", "ISO-USE", "value", "share", "value"),
]


def _open(page: str, as_of: str | None = None, district: str | None = None, lang: str | None = None) -> AppTest:
    at = app_test(APP, default_timeout=120)
    if as_of:
        at.query_params["as_of"] = as_of
    if district:
        at.query_params["district"] = district
    if lang:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, f"expected one card labelled {label!r}, found {len(values)}"
    return values[0]


def _expected(demo, metric_id: str, column: str, unit: str, as_of, district: str | None = None) -> str:
    frame = run_metric(demo, metric_id, as_of=pd.Timestamp(as_of), district_code=district)
    row = frame[frame["district_code"] == district] if district else frame[frame["district_code"].isna()]
    if row.empty:  # no district row: the query's (filtered) total row
        row = frame[frame["district_code"].isna()]
    return format_value(row.iloc[0][column], unit)


def _no_personal_columns(at: AppTest) -> None:
    for frame in at.dataframe:
        columns = {str(c) for c in frame.value.columns}
        assert not columns & PERSONAL, columns


@pytest.mark.parametrize("page, metric_id, column, unit, label", CASES, ids=[c[0] for c in CASES])
def test_page_shows_the_query_layers_number_and_follows_as_of_and_district(
        demo_db_path, demo, monkeypatch, page, metric_id, column, unit, label):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    newest = scalar(demo, "select value from dataset_info where key = 'data_as_of'")

    at = _open(page)
    shown = _shown(at, registry.column_label(metric_id, label, "zh"))
    assert shown == _expected(demo, metric_id, column, unit, newest)
    assert any(str(newest)[:16] in c.value for c in at.caption)
    assert len(at.dataframe) > 0
    _no_personal_columns(at)

    pinned = _open(page, as_of=PINNED)
    shown_pinned = _shown(pinned, registry.column_label(metric_id, label, "zh"))
    assert shown_pinned == _expected(demo, metric_id, column, unit, PINNED)
    assert shown_pinned != shown
    assert any(PINNED.replace("T", " ") in c.value for c in pinned.caption)
    _no_personal_columns(pinned)

    district = _open(page, district=DISTRICT)
    shown_district = _shown(district, registry.column_label(metric_id, label, "zh"))
    assert shown_district == _expected(demo, metric_id, column, unit, newest, DISTRICT)
    assert shown_district != shown
    _no_personal_columns(district)


@pytest.mark.parametrize("page", [c[0] for c in CASES])
def test_page_in_english_uses_the_catalogue(demo_db_path, monkeypatch, page):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = _open(page, as_of=PINNED, lang="en")
    metric_id, column = next((c[1], c[4]) for c in CASES if c[0] == page)
    assert any(m.label == registry.column_label(metric_id, column, "en") for m in at.metric)
    _no_personal_columns(at)
