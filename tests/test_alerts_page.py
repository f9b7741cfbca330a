"""The alert inbox (pages/alerts.py, issue 14): who sees which alerts, who may act on them, and what
acting does. A copy of the demo whose alerts are opened from the red list at the peak (2022-07-24
18:00: 江北 at 98.7 % room usage, ISO-USE acted on by 市指挥部综合办); acting is at the demo's clock
(its newest moment), long past every acknowledgement deadline, so every new alert is overdue."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sitrep import alerts, audit
from sitrep.db import connect_read
from sitrep.redlist import red_list
from tests.login import app_test

PEAK = pd.Timestamp("2022-07-24 18:00")
JIANGBEI, YUBEI = "500105", "500112"
HQ = "市指挥部综合办"
PAGE = "pages/alerts.py"


@pytest.fixture(scope="module")
def with_alerts(demo_db_path, tmp_path_factory):
    db = tmp_path_factory.mktemp("inbox") / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    con = connect_read(db)
    try:
        items = red_list(con, PEAK)
    finally:
        con.close()
    assert alerts.sync(db, items, PEAK)["opened"] == len(items) > 100
    return db


@pytest.fixture()
def on_alerts(with_alerts, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(with_alerts))
    return with_alerts


def open_page(role: str, **login):
    at = app_test(role=role, default_timeout=180, **login)
    at.run()
    assert not at.exception, at.exception
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def alert_of(db, rule: str, district: str) -> int:
    frame = alerts.states(db, alerts.clock(db))
    found = frame[(frame.rule_id == rule) & (frame.district_code == district)]
    assert len(found) == 1, found
    return int(found.iloc[0].alert_id)


def status_of(db, alert_id: int) -> str:
    return alerts.states(db, alerts.clock(db)).set_index("alert_id").loc[alert_id, "status"]


def all_alerts_table(at) -> pd.DataFrame:
    return at.dataframe[-1].value


def buttons(at, prefix: str) -> dict[int, object]:
    return {int(b.key.rsplit("-", 1)[1]): b for b in at.button if b.key and b.key.startswith(prefix)}


def test_a_district_officer_sees_only_their_alerts_and_acknowledges_one(on_alerts):
    db = on_alerts
    at = open_page("district_officer", districts=(JIANGBEI,))
    assert at.title[0].value == "督办事项"
    # Their open alerts, each with its acknowledge form; none of another district.
    ack = buttons(at, "ack-button-")
    ours = alerts.states(db, alerts.clock(db)).query("district_code == @JIANGBEI")
    assert set(ack) == set(ours.alert_id) and len(ack) >= 10
    listed = all_alerts_table(at)
    assert set(listed["编号"]) == set(ours.alert_id)
    assert set(listed["区县"]) == {"江北区"}
    assert any("确认已超时" in m.value for m in at.markdown)           # new since the peak: overdue
    assert any("8小时内" in m.value or "8 小时" in m.value for m in at.markdown)   # CON-TRANSFER's action
    # Acknowledge the dispatch-free one they lead: CON-TRANSFER in 江北.
    target = alert_of(db, "CON-TRANSFER", JIANGBEI)
    at.text_input(key=f"ack-text-{target}").input("已收到，正在组织转运")
    buttons(at, "ack-button-")[target].click()
    at.run()
    assert not at.exception
    assert status_of(db, target) == alerts.ACK
    assert any(f"#{target} 现为：已确认" in s.value for s in at.success)
    assert target not in buttons(at, "ack-button-") or buttons(at, "ack-button-")[target].disabled
    entries = audit.entries(db)
    acked = entries[entries["event"] == audit.ALERT_ACKNOWLEDGED]
    assert len(acked) == 1 and acked.iloc[0]["login"].startswith("test-district-officer")
    assert f"alert {target}" in acked.iloc[0]["object"]
    # An empty note is refused with a clear message, and nothing changes.
    hand = alert_of(db, "EPI-CORE", JIANGBEI)
    buttons(at, "hand-button-")[hand].click()
    at.run()
    assert any("请填写已采取的措施" in e.value for e in at.error)
    assert status_of(db, hand) == alerts.NEW


def test_a_district_officer_cannot_act_on_another_districts_alert(on_alerts):
    db = on_alerts
    at = open_page("district_officer", districts=(JIANGBEI,))
    yubei = alert_of(db, "CON-TRANSFER", YUBEI)
    assert yubei not in buttons(at, "ack-button-") and yubei not in buttons(at, "close-button-")
    officer = at.session_state["user"]
    with pytest.raises(alerts.AlertError, match="not .* to act on"):
        alerts.acknowledge(db, yubei, officer, "试图越权确认")
    assert status_of(db, yubei) == alerts.NEW


def test_leadership_sees_every_district_and_has_no_action_buttons(on_alerts):
    at = open_page("leadership")
    assert not [b for b in at.button if b.key and b.key.split("-")[0] in ("ack", "hand", "close")]
    assert not at.text_input
    listed = all_alerts_table(at)
    assert listed["区县"].nunique() > 10 and "江北区" in set(listed["区县"])
    # Filter by rule: only ISO-USE rows remain.
    at.multiselect(key="inbox_rule").select("ISO-USE").run()
    assert set(all_alerts_table(at)["规则"].str.split().str[0]) == {"ISO-USE"}


def test_the_dispatch_unit_acts_on_room_usage_alerts(on_alerts):
    db = on_alerts
    at = open_page("unit_officer", unit=HQ)
    hand = buttons(at, "hand-button-")
    rules = alerts.states(db, alerts.clock(db)).set_index("alert_id").loc[list(hand), "rule_id"]
    assert set(rules) == {"ISO-USE"}        # 市指挥部综合办 acts on dispatch, nothing else
    target = alert_of(db, "ISO-USE", JIANGBEI)
    at.text_input(key=f"hand-text-{target}").input("已从渝北、巴南调度隔离房间 300 间")
    hand[target].click()
    at.run()
    assert not at.exception
    state = alerts.states(db, alerts.clock(db)).set_index("alert_id").loc[target]
    assert state.status == alerts.HAND and state.owner == "test-unit-officer" and state.owner_unit == HQ


def open_pinned(moment: str):
    at = app_test(role="district_officer", districts=(JIANGBEI,), default_timeout=180)
    at.query_params["as_of"] = moment
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_pinned_past_moment_shows_the_alerts_then_and_cannot_act(on_alerts):
    before = open_pinned("2022-07-24T12:00")           # before the peak's alerts opened
    assert any("仅供查看" in i.value for i in before.info)
    assert not buttons(before, "ack-button-")           # nothing open then
    after = open_pinned("2022-07-25T12:00")
    assert any("仅供查看" in i.value for i in after.info)
    ack = buttons(after, "ack-button-")
    assert ack and all(b.disabled for b in ack.values())
