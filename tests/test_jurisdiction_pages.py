"""Jurisdiction on the pages (issue 12): every page a district officer can open shows only their
districts — tables, cards, notes and downloads — and a link naming another district is refused,
not answered. The queries behind them are checked one by one in tests/test_jurisdiction.py."""

from __future__ import annotations

import ast
import re

import pandas as pd
import pytest

from sitrep import PROJECT_ROOT, access
from sitrep.reference import load_districts
from tests.login import app_test

JIANGBEI = "500105"
MOMENT = "2022-07-24T18:00"
OTHERS = [d for d in load_districts() if d.code != JIANGBEI]
# Names as the pages write them: 南岸区 and 南岸 (a shortened name), Nan'an District.
OTHER_NAMES = sorted({d.name_zh for d in OTHERS} | {d.name_en for d in OTHERS}, key=len, reverse=True)
OTHER_CODES = {d.code for d in OTHERS}


def _pages():
    """The pages app.py's page table lists for the permission to view data (read from its source:
    importing app.py would run it)."""
    tree = ast.parse((PROJECT_ROOT / "app.py").read_text(encoding="utf-8"))
    table = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and getattr(node.targets[0], "id", "") == "PAGES")
    pages = [(row.elts[0].value, row.elts[2].attr) for row in table.elts]
    assert len(pages) >= 9
    return [path for path, permission in pages if getattr(access, permission) == access.VIEW_DATA]


def _text_of(at) -> tuple[list[str], list[pd.DataFrame]]:
    texts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader")
             for e in getattr(at, kind)]
    texts += [f"{m.label} {m.value}" for m in at.metric]
    frames = [d.value for d in at.dataframe] + [t.value for t in at.table]
    return [str(x) for x in texts], frames


def _others_named(texts: list[str], frames: list[pd.DataFrame]) -> list[str]:
    found = []
    for frame in frames:
        for column in frame.columns:
            values = frame[column].dropna().astype(str)
            if "district" in str(column).lower() or "区县" in str(column):
                found += [v for v in values if v in OTHER_CODES]
            found += [v for v in values if v in OTHER_NAMES]
    for text in texts:
        found += [name for name in OTHER_NAMES if len(name) > 2 and name in text]
        found += [c for c in re.findall(r"(?<![0-9])(50(?:01|02)[0-9]{2})(?![0-9])", text) if c in OTHER_CODES]
    return found


@pytest.fixture()
def on_demo(demo_db_path, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    return demo_db_path


@pytest.mark.parametrize("page", _pages())
def test_a_district_officer_sees_only_their_district_on_every_page(on_demo, page):
    at = app_test(role="district_officer", districts=(JIANGBEI,), default_timeout=180)
    at.query_params["as_of"] = MOMENT
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts, frames = _text_of(at)
    assert frames or at.metric or len(texts) > 3, f"{page} showed nothing to check"
    assert _others_named(texts, frames) == []
    # Their totals are their districts', and say so: no card calls itself the city's.
    assert not [m.label for m in at.metric if m.label.startswith("全市")]
    # The page did show 江北 (it is not empty for the wrong reason).
    shown = " ".join(texts) + " ".join(f.to_string() for f in frames)
    assert "江北" in shown or JIANGBEI in shown or page.endswith(("testing.py", "briefing.py", "data.py"))


def test_the_same_pages_as_leadership_name_other_districts(on_demo):
    # The check above can fail: the city-wide view of the overview names other districts.
    at = app_test(role="leadership", default_timeout=180)
    at.query_params["as_of"] = MOMENT
    at.run()
    assert not at.exception, at.exception
    texts, frames = _text_of(at)
    assert _others_named(texts, frames)


@pytest.mark.parametrize("place", [("district", "500108"), ("township", "500108001"), ("district", "500101")])
def test_a_link_to_another_district_is_refused_not_answered(on_demo, place):
    key, code = place
    at = app_test(role="district_officer", districts=(JIANGBEI,), default_timeout=180)
    at.query_params["as_of"] = MOMENT
    at.query_params[key] = code
    at.run()
    assert not at.exception, at.exception
    assert any("无权查看" in e.value and code in e.value for e in at.error)
    assert not at.dataframe and not at.metric


def test_a_link_to_their_own_district_is_answered(on_demo):
    at = app_test(role="district_officer", districts=(JIANGBEI,), default_timeout=180)
    at.query_params["as_of"] = MOMENT
    at.query_params["district"] = JIANGBEI
    at.run()
    assert not at.exception, at.exception
    assert not any("无权查看" in e.value for e in at.error)
    assert at.metric
