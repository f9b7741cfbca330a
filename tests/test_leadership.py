"""Leadership's first screen, the logic (sitrep/leadership.py): the strip's counts, the worst rules, the
three things that need a decision, the worst state per district and "new since the briefing", against
hand-made alert states worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from sitrep import alerts, leadership
from sitrep.alerts import STATE_COLUMNS

AT = pd.Timestamp("2022-07-24 18:00")
BRIEFING = pd.Timestamp("2022-07-24 08:00")


def alert(alert_id, rule, district, status, opened, overdue=False, closed=None, severity=1, value=1.0,
          threshold=0.0, owner="", round_id=""):
    row = {c: None for c in STATE_COLUMNS}
    row.update(alert_id=alert_id, rule_id=rule, district_code=district, round_id=round_id, status=status,
               opened_at=pd.Timestamp(opened), overdue=overdue,
               overdue_minutes=(AT - pd.Timestamp(opened) - pd.Timedelta(minutes=60)) / pd.Timedelta(minutes=1)
               if overdue else 0.0,
               closed_at=pd.Timestamp(closed) if closed else None, severity=severity, value=value,
               threshold=threshold, owner=owner, acting_unit="")
    return row


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=STATE_COLUMNS)


STATES = frame(
    alert(1, "ISO-USE", "500105", alerts.NEW, "2022-07-24 12:00", overdue=True, value=0.987, threshold=0.75),
    alert(2, "CON-TRANSFER", "500112", alerts.NEW, "2022-07-24 17:30", value=0.25, threshold=8),
    alert(3, "SCR-8H", "500105", alerts.ACK, "2022-07-23 06:00", severity=2, owner="demo-500105"),
    alert(4, "SCR-8H", "500108", alerts.HAND, "2022-07-24 09:00", severity=2, owner="demo-500108"),
    alert(5, "SCR-8H", "500108", alerts.NEW, "2022-07-24 10:00", overdue=True, severity=2),
    alert(6, "ISO-USE", "500113", alerts.DONE, "2022-07-22 00:00", closed="2022-07-24 10:00"),
    alert(7, "ISO-USE", "500116", alerts.DONE, "2022-07-20 00:00", closed="2022-07-23 10:00"),
    alert(8, "CASE-NEW", "", alerts.ACK, "2022-07-24 06:00", owner="demo-duty"),
)


def test_the_briefing_counted_from_is_the_newest_issued_for_a_moment_up_to_the_view():
    issued = ["2022-07-23T18:00:00", "2022-07-24T08:00:00", "2022-07-25T08:00:00", None]
    assert leadership.since_briefing(issued, AT) == BRIEFING               # not the one written later
    assert leadership.since_briefing(issued, "2022-07-24 08:00") == BRIEFING   # its own moment counts
    assert leadership.since_briefing(issued, "2022-07-23 12:00") is None
    assert leadership.since_briefing([], AT) is None


def test_the_strip_counts_open_alerts_by_status_and_those_closed_since_the_briefing():
    counts = leadership.strip(STATES, BRIEFING)
    assert {k: counts[k] for k in ("new", "overdue", "acknowledged", "in_hand")} == \
        {"new": 1, "overdue": 2, "acknowledged": 2, "in_hand": 1}         # 1 and 5 overdue; 2 new in time
    assert counts["open"] == 6
    assert counts["closed_since"] == 1                                    # 6 (07-24 10:00), not 7 (07-23)
    assert counts["new_since"] == 4                                       # 1, 2, 4, 5 opened after 08:00
    nothing = leadership.strip(STATES, None)
    assert nothing["closed_since"] is None and nothing["new_since"] is None and nothing["open"] == 6


def test_new_since_the_briefing_is_opened_after_it_and_nothing_without_a_briefing():
    assert leadership.new_since(STATES, BRIEFING).tolist() == [True, True, False, True, True, False, False, False]
    assert not leadership.new_since(STATES, None).any()


def test_the_worst_rules_come_first_severity_then_overdue_then_how_many():
    rules = leadership.by_rule(STATES)
    assert rules[["rule_id", "open", "overdue"]].values.tolist() == [
        ["ISO-USE", 1, 1], ["CASE-NEW", 1, 0], ["CON-TRANSFER", 1, 0], ["SCR-8H", 3, 1]]


def test_the_three_decisions_are_the_top_three_open_alerts_of_the_ranking():
    ranked = alerts.ranked(STATES)
    top = leadership.decisions(ranked, 3)
    assert top["alert_id"].tolist() == ranked[ranked["status"] != alerts.DONE]["alert_id"].head(3).tolist()
    assert len(top) == 3 and (top["status"] != alerts.DONE).all()
    # Worked by hand: severity 1 first, then how far past: CASE-NEW 1 vs 0 is red at any count (1.0,
    # 100 % past); CON-TRANSFER has 25 % of its contacts moved in time (0.75 past); ISO-USE 0.987 vs
    # 0.75 (0.316).
    assert top["alert_id"].tolist() == [8, 2, 1]
    closed_only = alerts.ranked(frame(alert(9, "ISO-USE", "500105", alerts.DONE, "2022-07-24 00:00",
                                            closed="2022-07-24 12:00")))
    assert leadership.decisions(closed_only).empty


def test_each_district_shows_its_worst_open_state():
    worst = leadership.worst_by_district(STATES)
    # 500105: overdue (1) beats acknowledged (3); 500108: overdue (5) beats in hand (4); 500112 new;
    # 500113 and 500116 only closed alerts: absent; the city-wide alert 8 names no district.
    assert worst == {"500105": "overdue", "500108": "overdue", "500112": "new"}
    acknowledged_only = frame(alert(1, "SCR-8H", "500101", alerts.ACK, "2022-07-24 10:00"),
                              alert(2, "SCR-8H", "500101", alerts.HAND, "2022-07-24 11:00"))
    assert leadership.worst_by_district(acknowledged_only) == {"500101": "open"}


def test_a_district_bound_user_sees_only_their_districts_alerts():
    mine = leadership.visible(STATES, ("500108",))
    assert mine["alert_id"].tolist() == [4, 5]                     # not the city-wide alert 8
    assert leadership.visible(STATES, None)["alert_id"].tolist() == list(range(1, 9))
    assert leadership.visible(STATES, None, "500105")["alert_id"].tolist() == [1, 3]
    assert leadership.strip(mine, BRIEFING)["open"] == 2


@pytest.mark.parametrize("lang, expected", [
    ("zh", ("江北区", "98.7%", "75.0%", "07-24 12:00", "6 小时", "超时未签收", "5 小时", True)),
    ("en", ("Jiangbei", "98.7%", "75.0%", "07-24 12:00", "6 h", "Overdue, unacknowledged", "5 h", True)),
])
def test_an_alert_in_words(lang, expected):
    row = alerts.ranked(STATES).set_index("alert_id").loc[1].to_dict() | {"alert_id": 1}
    d = leadership.describe(row, AT, BRIEFING, lang)
    assert (d.place.split(" ")[0], d.value, d.threshold, d.since, d.open_for, d.status_text, d.overdue_for,
            d.new) == expected
    assert d.acting_unit == alerts.acting_unit("ISO-USE", "500105", lang) and d.owner == ""
    acked = alerts.ranked(STATES).set_index("alert_id").loc[3].to_dict() | {"alert_id": 3}
    described = leadership.describe(acked, AT, BRIEFING, lang)
    assert described.owner == "demo-500105" and described.overdue_for == "" and not described.new
