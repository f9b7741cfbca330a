"""Follow-through alerts (sitrep/alerts.py): opened, acknowledged, in hand and closed; by the data and
by the units that act; the state at any moment; worst first. Hand-made red lists, worked out by hand."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from sitrep import access, alerts, audit, opstore, registry

T0 = pd.Timestamp("2022-07-24 18:00")
H = pd.Timedelta(hours=1)
SETTINGS = {"alert_settle_hours": 6}


def red(*items) -> pd.DataFrame:
    """A red list with the items (rule, district or None, round or None, value, threshold)."""
    return pd.DataFrame([{"rule_id": r, "district_code": d, "round_id": n, "value": v, "threshold": t}
                         for r, d, n, v, t in items],
                        columns=["rule_id", "district_code", "round_id", "value", "threshold"])


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "sitrep.duckdb"     # the store beside it; these tests need no analytics file


def settings(**more):
    values = dict(SETTINGS)
    for rule in registry.metrics().values():
        if getattr(rule, "ack_deadline", None):
            values[rule.ack_deadline] = 60
    return {**values, **more}


def state_of(db, at, rule="ISO-USE", district="500105", round_id="") -> pd.Series:
    frame = alerts.states(db, at, settings())
    found = frame[(frame.rule_id == rule) & (frame.district_code == district) & (frame.round_id == round_id)]
    assert len(found) == 1, frame
    return found.iloc[0]


JIANGBEI = access.User("zhang.san", "district_officer", ("500105",), unit="江北区疫情防控领导小组")
YUBEI = access.User("li.si", "district_officer", ("500112",), unit="渝北区疫情防控领导小组")


def test_lifecycle_by_the_data(db):
    s = settings()
    assert alerts.sync(db, red(("ISO-USE", "500105", None, 0.987, 0.75)), T0, s)["opened"] == 1
    assert alerts.sync(db, red(("ISO-USE", "500105", None, 0.99, 0.75)), T0 + 2 * H, s) == \
        {"opened": 0, "reopened": 0, "green": 0, "red_again": 0, "closed": 0}          # still red: nothing new
    assert alerts.sync(db, red(), T0 + 4 * H, s)["green"] == 1                          # green at 22:00
    assert state_of(db, T0 + 4 * H).status == alerts.NEW                                 # not closed yet
    assert alerts.sync(db, red(), T0 + 9 * H, s)["closed"] == 0                         # 5 h green < 6 h
    assert alerts.sync(db, red(("ISO-USE", "500105", None, 0.8, 0.75)), T0 + 10 * H, s)["red_again"] == 1
    assert alerts.sync(db, red(), T0 + 12 * H, s)["green"] == 1                         # green again at 06:00
    assert alerts.sync(db, red(), T0 + 18 * H, s)["closed"] == 1                        # exactly 6 h: closed
    closed = state_of(db, T0 + 18 * H)
    assert closed.status == alerts.DONE and closed.closed_by == "" and closed.close_reason == "data_green_settled"
    assert alerts.sync(db, red(("ISO-USE", "500105", None, 0.9, 0.75)), T0 + 20 * H, s)["reopened"] == 1
    again = state_of(db, T0 + 20 * H)
    assert again.status == alerts.NEW and again.reopened == 1 and again.opened_at == T0 + 20 * H
    assert again.first_opened_at == T0
    # The state at a past moment is what it was then.
    assert state_of(db, T0 + 3 * H).status == alerts.NEW and pd.isna(state_of(db, T0 + 3 * H).green_since)
    assert state_of(db, T0 + 19 * H).status == alerts.DONE


def test_an_earlier_moment_changes_nothing_and_the_same_moment_twice_changes_nothing(db):
    s = settings()
    alerts.sync(db, red(("CON-TRANSFER", "500105", None, 12, 0)), T0, s)
    assert sum(alerts.sync(db, red(("CON-TRANSFER", "500105", None, 12, 0)), T0, s).values()) == 0
    assert sum(alerts.sync(db, red(("CASE-NEW", "500112", None, 3, 0)), T0 - H, s).values()) == 0
    assert len(alerts.states(db, T0, s)) == 1


def test_overdue_past_the_acknowledgement_deadline_to_the_minute(db):
    s = settings()
    alerts.sync(db, red(("ISO-USE", "500105", None, 0.987, 0.75)), T0, s)
    minutes = alerts.ack_minutes("ISO-USE", s)
    due = T0 + pd.Timedelta(minutes=minutes)
    assert not state_of(db, due).overdue                                   # at the deadline: in time
    late = state_of(db, due + pd.Timedelta(minutes=1))
    assert late.overdue and late.overdue_minutes == 1


def test_a_district_officer_acknowledges_records_action_and_closes_their_alert_and_it_is_audited(db):
    s = settings()
    alerts.sync(db, red(("ISO-USE", "500105", None, 0.987, 0.75), ("ISO-USE", "500112", None, 0.8, 0.75)), T0, s)
    mine = state_of(db, T0).alert_id
    theirs = state_of(db, T0, district="500112").alert_id
    with pytest.raises(alerts.AlertError, match="not zhang.san's"):
        alerts.acknowledge(db, theirs, JIANGBEI, "收到", at=T0 + H)
    with pytest.raises(alerts.AlertError, match="needs a note"):
        alerts.acknowledge(db, mine, JIANGBEI, "  ", at=T0 + H)
    leader = access.User("wang.wu", "leadership")
    with pytest.raises(alerts.AlertError, match="not wang.wu's"):
        alerts.acknowledge(db, mine, leader, "收到", at=T0 + H)

    alerts.acknowledge(db, mine, JIANGBEI, "收到，正在调度", at=T0 + 2 * H)        # late: due 19:00
    acked = state_of(db, T0 + 2 * H)
    assert acked.status == alerts.ACK and acked.owner == "zhang.san" and acked.ack_late and not acked.overdue
    with pytest.raises(alerts.AlertError, match="is acknowledged"):
        alerts.acknowledge(db, mine, JIANGBEI, "again", at=T0 + 2 * H)
    alerts.record_action(db, mine, JIANGBEI, "从渝北区调入 120 间", at=T0 + 3 * H)
    assert state_of(db, T0 + 3 * H).status == alerts.HAND
    assert state_of(db, T0 + 3 * H).action == "从渝北区调入 120 间"
    alerts.close(db, mine, JIANGBEI, "已核实", at=T0 + 4 * H)
    closed = state_of(db, T0 + 4 * H)
    assert closed.status == alerts.DONE and closed.closed_by == "zhang.san"
    assert state_of(db, T0 + H).status == alerts.NEW                      # an hour in, it was still new

    logged = audit.entries(db)
    assert {"alert_acknowledged", "alert_in_hand", "alert_closed"} <= set(logged["event"])
    events = alerts.history(db, mine)
    assert list(events["kind"]) == ["opened", "acknowledged", "in_hand", "closed"]


def test_the_history_is_append_only(db):
    alerts.sync(db, red(("ISO-USE", "500105", None, 0.987, 0.75)), T0, settings())
    with opstore.connect(db) as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("update alert_events set kind = 'closed'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("delete from alert_events")


def test_worst_first_by_severity_then_how_far_past_then_how_long(db):
    s = settings()
    alerts.sync(db, red(("ISO-USE", "500105", None, 0.80, 0.75)), T0, s)
    alerts.sync(db, red(("ISO-USE", "500105", None, 0.80, 0.75), ("ISO-USE", "500112", None, 0.98, 0.75),
                        ("ISO-USE", "500103", None, 0.80, 0.75)), T0 + H, s)
    order = alerts.ranked(alerts.states(db, T0 + H, s))
    # Same rule: 98 % is further past 75 % than 80 %; of the two at 80 %, the older first.
    assert list(order["district_code"]) == ["500112", "500105", "500103"]
    assert order["past_threshold"].iloc[0] == pytest.approx((0.98 - 0.75) / 0.75)


def test_the_demo_history_has_alerts_acknowledged_in_time_late_never_and_closed_by_the_data(demo_alerts_path):
    """The demo's timeline replayed through the alerts (sitrep/scenario/alert_history.py): at the peak,
    a leader sees every kind of follow-through, and each alert's opening matches the red list then."""
    from sitrep.db import connect_read, new_cursor
    from sitrep.redlist import red_list

    peak = pd.Timestamp("2022-07-24 18:00")
    now = alerts.states(demo_alerts_path, peak)
    assert (now["status"] == alerts.NEW).any() and now["overdue"].any()                  # never acknowledged
    acked = now[now["acknowledged_at"].notna()]
    assert acked["ack_late"].any() and (~acked["ack_late"].astype(bool)).any()          # late and in time
    assert (now["status"] == alerts.HAND).any()
    closed = now[now["status"] == alerts.DONE]
    assert (closed["closed_by"] == "").any()                                              # by the data
    # Every open alert at the last replayed moment is a red item then, and every red item has an open alert.
    from sitrep.scenario.alert_history import moments
    replayed = max(m for m in moments(pd.Timestamp("2022-07-10"), pd.Timestamp("2022-08-05 18:00"), 24) if m <= peak)
    now = alerts.states(demo_alerts_path, replayed)
    con = connect_read(demo_alerts_path)
    items = alerts.items_of(red_list(new_cursor(con, scope=None), replayed))
    con.close()
    open_keys = set(zip(*[now.loc[now["status"] != alerts.DONE, c] for c in ("rule_id", "district_code", "round_id")]))
    green = set(zip(*[now.loc[now["green_since"].notna() & (now["status"] != alerts.DONE), c]
                      for c in ("rule_id", "district_code", "round_id")]))
    assert {(i.rule_id, i.district_code, i.round_id) for i in items} == open_keys - green
    # A day earlier the picture was another one: history, not today's state.
    assert not alerts.states(demo_alerts_path, peak - pd.Timedelta(days=1)).equals(now)
