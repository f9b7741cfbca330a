"""The briefing's follow-through section (sitrep/briefing/follow_through.py) on hand-made alert events,
its counts worked out by hand; the previous issued briefing it counts from; its words in the briefing.

The window is (since, as_of]: an event exactly at the previous briefing's moment was that briefing's,
one exactly at this briefing's moment is this one's. An acknowledgement at the deadline itself is in
time."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sitrep.briefing.compose import alert_status_text, compose_briefing, follow_through_summary
from sitrep.briefing.follow_through import COUNTS, follow_through
from sitrep.briefing.render import to_markdown
from sitrep.briefing.snapshot import previous_briefing

S = pd.Timestamp("2022-07-23 18:00")       # the previous briefing's moment
A = pd.Timestamp("2022-07-24 18:00")       # this briefing's moment
H, M = pd.Timedelta(hours=1), pd.Timedelta(minutes=1)
DEADLINES = {"R1": 60, "R2": 30}           # minutes to acknowledge


def acting(rule_id, district, lang):
    return f"{district or '市'}组" if lang == "zh" else f"{district or 'city'} group"


# (alert, rule, district) and its events (at, kind, login); the state at A, worked out from them.
ALERTS = {
    1: ("R1", "d1", [(S, "opened", ""), (S + 60 * M, "acknowledged", "a")]),           # opened at S: before; ack at the deadline
    2: ("R1", "d2", [(S + H, "opened", ""), (S + 2 * H + M, "acknowledged", "b"),     # ack a minute late
                     (S + 3 * H, "in_hand", "b")]),                                     # then in hand: not a second ack
    3: ("R2", "d1", [(S - 5 * H, "opened", "")]),                                       # never acknowledged: overdue
    4: ("R2", "d2", [(S - 10 * H, "opened", ""), (S - 2 * H, "green", ""), (S + 4 * H, "closed", "")]),  # by the data
    5: ("R2", "d3", [(S - 2 * H, "opened", ""), (S - H, "acknowledged", "c"), (A, "closed", "c")]),      # by hand, at A
    6: ("R1", "d3", [(S - 20 * H, "opened", ""), (S - 10 * H, "closed", ""), (S + 5 * H, "reopened", ""),
                     (S + 5 * H + 30 * M, "in_hand", "d")]),                            # action first: acknowledges, in time
    7: ("R1", "", [(A, "opened", "")]),                                                 # the city row, opened at A
    8: ("R2", "d4", [(S - H, "opened", ""), (S, "acknowledged", "e")]),                 # acknowledged at S: before
}
STATES = {  # alert: status, overdue minutes, owner, opened_at, acknowledged_at, closed_at
    1: ("acknowledged", 0, "a", S, S + 60 * M, None),
    2: ("in_hand", 0, "b", S + H, S + 2 * H + M, None),
    3: ("new", (A - (S - 5 * H + 30 * M)) / M, "", S - 5 * H, None, None),              # 1710 min
    4: ("closed", 0, "", S - 10 * H, None, S + 4 * H),
    5: ("closed", 0, "c", S - 2 * H, S - H, A),
    6: ("in_hand", 0, "d", S + 5 * H, S + 5 * H + 30 * M, None),
    7: ("new", 0, "", A, None, None),
    8: ("acknowledged", 0, "e", S - H, S, None),
}


def states() -> pd.DataFrame:
    rows = []
    for alert_id, (rule, district, _) in ALERTS.items():
        status, overdue, owner, opened, acked, closed = STATES[alert_id]
        rows.append({"alert_id": alert_id, "rule_id": rule, "district_code": district, "round_id": "",
                     "status": status, "overdue": overdue > 0, "overdue_minutes": float(overdue), "owner": owner,
                     "owner_unit": f"{owner}-unit" if owner else "", "opened_at": opened,
                     "ack_due": opened + pd.Timedelta(minutes=DEADLINES[rule]), "acknowledged_at": acked,
                     "closed_at": closed})
    return pd.DataFrame(rows)


def events(reverse: bool = False) -> pd.DataFrame:
    rows = [{"alert_id": alert_id, "at": at.strftime("%Y-%m-%d %H:%M:%S"), "kind": kind, "login": login}
            for alert_id, (_, _, evs) in ALERTS.items() for at, kind, login in evs]
    return pd.DataFrame(rows[::-1] if reverse else rows)


RED_ITEMS = [{"rule_id": "R2", "district_code": "d1", "round_id": None},
             {"rule_id": "R1", "district_code": "d2", "round_id": None},
             {"rule_id": "R1", "district_code": None, "round_id": None},
             {"rule_id": "R1", "district_code": "d9", "round_id": None}]     # red, but no alert


def section(**overrides):
    args = {"states": states(), "events": events(), "since": S, "as_of": A, "deadline_minutes": DEADLINES,
            "red_items": RED_ITEMS, "acting": acting, **overrides}
    return follow_through(**args)


def counts(**given) -> dict:
    return {**dict.fromkeys(COUNTS, 0), **given}


def test_totals_worked_out_by_hand():
    # opened: 2 (S+1h), 6 (reopened S+5h), 7 (at A, included); not 1 (at S: the previous briefing's).
    # acknowledged: 1 at its deadline (in time), 2 a minute late, 6 by its action (in time); not 8 (at S).
    # closed: 4 by the data, 5 by hand at A. Now: open 1 2 3 6 7 8; overdue 3; in hand 2 6.
    assert section()["totals"] == counts(opened=3, reopened=1, acknowledged=3, ack_in_time=2, ack_late=1, closed=2,
                                         closed_by_data=1, closed_by_hand=1, open_now=6, overdue_now=1, in_hand_now=2)


def test_by_rule_and_by_acting_unit_worked_out_by_hand():
    f = section()
    assert f["by_rule"] == [
        {"rule_id": "R1", **counts(opened=3, reopened=1, acknowledged=3, ack_in_time=2, ack_late=1, open_now=4,
                                   in_hand_now=2)},
        {"rule_id": "R2", **counts(closed=2, closed_by_data=1, closed_by_hand=1, open_now=2, overdue_now=1)}]
    assert f["by_unit"] == [   # sorted by the unit's Chinese name; a unit with only an open alert (d4) stays
        {"unit_zh": "d1组", "unit_en": "d1 group", **counts(acknowledged=1, ack_in_time=1, open_now=2, overdue_now=1)},
        {"unit_zh": "d2组", "unit_en": "d2 group", **counts(opened=1, acknowledged=1, ack_late=1, closed=1,
                                                           closed_by_data=1, open_now=1, in_hand_now=1)},
        {"unit_zh": "d3组", "unit_en": "d3 group", **counts(opened=1, reopened=1, acknowledged=1, ack_in_time=1,
                                                           closed=1, closed_by_hand=1, open_now=1, in_hand_now=1)},
        {"unit_zh": "d4组", "unit_en": "d4 group", **counts(open_now=1)},
        {"unit_zh": "市组", "unit_en": "city group", **counts(opened=1, open_now=1)}]


def test_each_red_items_alert_status_owner_and_overdue_time():
    got = section()["red_items"]
    assert [(i["rule_id"], i["district_code"], i["alert_id"], i["status"], i["owner"], i["overdue_minutes"])
            for i in got] == [("R2", "d1", 3, "new", "", 1710.0), ("R1", "d2", 2, "in_hand", "b", 0.0),
                              ("R1", None, 7, "new", "", 0.0), ("R1", "d9", None, None, None, None)]
    assert got[1]["owner_unit"] == "b-unit" and got[2]["ack_due"] == A + H


def test_the_boundaries_move_when_the_window_moves():
    # From a minute earlier, alert 1's opening and alert 8's acknowledgement (both at S) fall inside
    # (8's half an hour late: opened S-1h, 30 min to acknowledge); without the events at A, alert
    # 7's opening and alert 5's closing do not.
    earlier = section(since=S - M)["totals"]
    assert (earlier["opened"], earlier["acknowledged"], earlier["ack_in_time"], earlier["ack_late"]) == (4, 4, 2, 2)
    only_before_a = section(events=events().query("at < @A.strftime('%Y-%m-%d %H:%M:%S')"))["totals"]
    assert (only_before_a["opened"], only_before_a["closed_by_hand"]) == (2, 0)


def test_the_events_order_does_not_matter():
    assert section(events=events(reverse=True)) == section()


def test_an_acknowledgement_at_the_deadline_is_in_time_and_a_second_after_it_late():
    frame = states().iloc[:1]      # alert 1, R1: 60 minutes
    evs = lambda ack: pd.DataFrame([{"alert_id": 1, "at": S + H, "kind": "opened", "login": ""},  # noqa: E731
                                    {"alert_id": 1, "at": ack, "kind": "acknowledged", "login": "a"}])
    assert section(states=frame, events=evs(S + 2 * H), red_items=[])["totals"]["ack_in_time"] == 1
    late = section(states=frame, events=evs(S + 2 * H + pd.Timedelta(seconds=1)), red_items=[])["totals"]
    assert (late["ack_in_time"], late["ack_late"]) == (0, 1)


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="after the briefing's moment"):
        section(events=pd.concat([events(), pd.DataFrame([{"alert_id": 3, "at": A + M, "kind": "acknowledged",
                                                            "login": "x"}])]))
    with pytest.raises(ValueError, match="must start before it ends"):
        section(since=A)
    with pytest.raises(ValueError, match="no state"):
        section(events=pd.concat([events(), pd.DataFrame([{"alert_id": 99, "at": S, "kind": "opened", "login": ""}])]))


def _issued(root, as_of: str, issued_at: str, sha: str) -> None:
    folder = root / f"{pd.Timestamp(as_of):%Y%m%d-%H%M}_{pd.Timestamp(issued_at):%Y%m%dT%H%M%S}_{sha}"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"kind": "briefing", "as_of": as_of, "issued_at": issued_at}))


def test_the_previous_briefing_is_the_latest_moment_issued_before_this_one(tmp_path):
    assert previous_briefing(A, tmp_path) is None
    _issued(tmp_path, "2022-07-23T18:00:00", "2022-07-23T19:00:00", "aaaaaaaa")
    _issued(tmp_path, "2022-07-22T18:00:00", "2022-07-25T09:00:00", "bbbbbbbb")   # issued last, for an older moment
    _issued(tmp_path, "2022-07-24T18:00:00", "2022-07-24T19:00:00", "cccccccc")   # this moment: not before it
    _issued(tmp_path, "2022-07-23T18:00:00", "2022-07-23T20:00:00", "dddddddd")   # the same moment, issued again
    found = previous_briefing(A, tmp_path)
    assert found == {"id": "20220723-1800_20220723T200000_dddddddd", "as_of": "2022-07-23T18:00:00",
                     "issued_at": "2022-07-23T20:00:00"}
    assert previous_briefing(pd.Timestamp("2022-07-23 18:00"), tmp_path)["as_of"] == "2022-07-22T18:00:00"


# --- the words ---------------------------------------------------------------------------------

def _snapshot_with(f: dict, previous: dict | None) -> dict:
    from sitrep.briefing.snapshot import plain
    return {"as_of": "2022-07-24T18:00:00", "follow_through": plain({"previous_briefing": previous, **f})}


def test_the_summary_sentence_says_since_when_and_every_count():
    f = section()
    zh = follow_through_summary(_snapshot_with(f, {"id": "x", "as_of": "2022-07-23T18:00:00"}), "zh")
    assert zh == ("自上期日报（截至2022年7月23日18:00）以来，新发督办预警3项（其中再次转红1项），签收3项（按时2项、超时1项），"
                  "关闭2项（数据恢复正常自动关闭1项、人工关闭1项）。截至2022年7月24日18:00，未关闭预警6项，其中处置中2项、超时未签收1项。")
    en = follow_through_summary(_snapshot_with(f, None), "en")
    assert en.startswith("In the past 24 hours (since 2022-07-23 18:00; no earlier briefing was issued): 3 alerts opened")
    quiet = section(states=states().iloc[0:0], events=events().iloc[0:0], red_items=[])
    assert "无督办预警新发" in follow_through_summary(_snapshot_with(quiet, None), "zh")


def test_a_red_items_status_reads_with_its_owner_or_its_lateness():
    red = section()["red_items"]
    from sitrep.briefing.snapshot import plain
    red = plain(red)
    assert alert_status_text(red[0], "zh") == "超时未签收28 小时 30 分"
    assert alert_status_text(red[0], "en") == "overdue by 28 h 30 min"
    assert alert_status_text(red[1], "zh") == "处置中，b"
    assert alert_status_text(red[2], "en") == "awaiting acknowledgement by 07-24 19:00"
    assert alert_status_text(red[3], "zh") == ""


def test_an_older_snapshot_without_the_section_still_composes(demo):
    from sitrep.briefing.snapshot import build_snapshot
    snap = build_snapshot(demo, A)
    assert "follow_through" in snap
    del snap["follow_through"]
    markdown = to_markdown(compose_briefing(snap, "zh", with_charts=False))
    assert "督办落实情况" not in markdown and "三、分区县情况" in markdown
