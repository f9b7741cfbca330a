"""Leadership's first screen (pages/overview.py): on a demo copy with alert history, the overview at a
pinned moment shows the three things that need a decision as cards in ranked order, the strip's counts
as they stood then, and a district-bound user only their districts' alerts."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from sitrep import access, alerts, leadership
from sitrep.db import connect_read
from sitrep.redlist import red_list
from tests.login import app_test

AT = pd.Timestamp("2022-07-24 18:00")
H = pd.Timedelta(hours=1)


def red(*items) -> pd.DataFrame:
    return pd.DataFrame([{"rule_id": r, "district_code": d, "round_id": None, "value": v, "threshold": t}
                         for r, d, v, t in items], columns=["rule_id", "district_code", "round_id", "value", "threshold"])


@pytest.fixture()
def history(demo_db_path, tmp_path, monkeypatch):
    """A demo copy whose alerts have a history up to and past 18:00: opened at 06:00 and 12:00, one
    acknowledged, one in hand, one closed by the data, and one opened after 18:00 (not shown then)."""
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    monkeypatch.setenv("SITREP_DB", str(db))
    monkeypatch.setenv("SITREP_BRIEFINGS_DIR", str(tmp_path / "briefings"))     # none issued
    alerts.sync(db, red(("ISO-USE", "500105", 0.95, 0.75), ("CON-TRANSFER", "500112", 5, 0),
                        ("SCR-8H", "500108", 3, 0), ("SCR-8H", "500101", 2, 0), ("ISO-USE", "500113", 0.8, 0.75)),
                AT - 12 * H)
    alerts.sync(db, red(("ISO-USE", "500105", 0.95, 0.75), ("CON-TRANSFER", "500112", 5, 0),
                        ("SCR-8H", "500108", 3, 0), ("SCR-8H", "500101", 2, 0), ("RISK-STAFF", "500105", 1, 0)),
                AT - 6 * H)                                                # 500113's rooms green at 12:00
    ids = alerts.states(db, AT).set_index(["rule_id", "district_code"])["alert_id"]
    officer = access.User("t-500108", "district_officer", ("500108",), unit="南岸区疫情防控领导小组")
    alerts.acknowledge(db, int(ids[("SCR-8H", "500108")]), officer, "on it", at=AT - 5 * H)
    yubei = access.User("t-500112", "district_officer", ("500112",), unit="渝北区疫情防控领导小组")
    alerts.record_action(db, int(ids[("CON-TRANSFER", "500112")]), yubei, "transferred", at=AT - 4 * H)
    alerts.sync(db, red(("ISO-USE", "500105", 0.95, 0.75), ("CON-TRANSFER", "500112", 5, 0),
                        ("SCR-8H", "500108", 3, 0), ("SCR-8H", "500101", 2, 0), ("RISK-STAFF", "500105", 1, 0)),
                AT, {"alert_settle_hours": 6})                             # 500113 green 6 h: closed at 18:00
    alerts.sync(db, red(("CASE-SOCIAL", "500103", 9, 0)), AT + 6 * H)      # later: not in the 18:00 view
    return db


def _cards(at) -> list[int]:
    body = next(h.proto.body for h in at.html if 'class="sr-cards"' in h.proto.body)
    return [int(i) for i in re.findall(r'class="sr-card [^"]*" data-alert="(\d+)"', body)]


def _strip(at) -> dict[str, int]:
    body = next(h.proto.body for h in at.html if 'class="sr-strip"' in h.proto.body)
    return {s: int(n) for s, n in re.findall(r'data-status="(\w+)"><div class="sr-n">(\d+)</div>', body)}


def test_the_overview_shows_the_three_decisions_in_ranked_order_as_they_stood_then(history):
    at = app_test(role="leadership")
    at.query_params["as_of"] = "2022-07-24T18:00"
    at.run()
    assert not at.exception, at.exception

    with connect_read(history) as con:
        items = red_list(con, AT)
    states = alerts.states(history, AT)
    expected = leadership.decisions(alerts.ranked(states, items), 3)["alert_id"].tolist()
    assert _cards(at) == expected and len(expected) == 3
    # At 18:00: 500113's rooms closed by the data, 500103's alert not yet opened.
    shown = set(_cards(at))
    closed = states.set_index(["rule_id", "district_code"]).loc[("ISO-USE", "500113"), "alert_id"]
    assert closed not in shown
    assert _strip(at) == {"overdue": 3, "new": 0, "acknowledged": 1, "in_hand": 1}
    titles = [s.value for s in at.subheader]
    assert "需要决策的三件事" in titles


def test_a_district_officer_sees_only_their_districts_alerts(history):
    at = app_test(role="district_officer", districts=("500108",))
    at.query_params["as_of"] = "2022-07-24T18:00"
    at.run()
    assert not at.exception, at.exception
    states = alerts.states(history, AT)
    mine = states[states["district_code"] == "500108"]["alert_id"].tolist()
    assert _cards(at) == mine and len(mine) == 1
    assert _strip(at) == {"overdue": 0, "new": 0, "acknowledged": 1, "in_hand": 0}
