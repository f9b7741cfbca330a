"""The briefing's follow-through section (督办, issue 14 deliverable 5): what happened to the alerts
since the previous briefing, and where each red item's alert stands.

Pure: it is given the alerts as they stood at the briefing's moment (`alerts.states(db, as_of)`) and
their events up to that moment (`alerts.history(db, id, until=as_of)`), and returns plain JSON
values for the snapshot. `build_snapshot` reads the store and calls it.

The window is (since, as_of]: an event exactly at the previous briefing's moment belongs to that
briefing (an alert the data opened at 18:00 was already red in the 18:00 briefing), one exactly at
this briefing's moment to this one. Counted in the window, per alert episode (an opening or a
reopening starts one):

- opened: openings and reopenings (reopened also on its own);
- acknowledged: the episode's first acknowledgement, or its first recorded action where none came
  before (the alerts fold counts that as acknowledging), judged against the episode's deadline
  (opened + the rule's `ack_deadline` minutes): exactly at the deadline is in time, as
  `alerts.states` has it;
- closed: by the data (green for the settled time) or by hand.

Counted at the briefing's moment: open, overdue (still new past the deadline) and in hand.
"""

from __future__ import annotations

from typing import Callable, Mapping

import pandas as pd

from sitrep import alerts

COUNTS = ("opened", "reopened", "acknowledged", "ack_in_time", "ack_late", "closed", "closed_by_data",
          "closed_by_hand", "open_now", "overdue_now", "in_hand_now")

RED_ITEM_FIELDS = ("alert_id", "status", "owner", "owner_unit", "opened_at", "ack_due", "acknowledged_at",
                   "overdue_minutes")


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _moment(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def follow_through(states: pd.DataFrame, events: pd.DataFrame, since, as_of, deadline_minutes: Mapping[str, float],
                   red_items: list[dict], acting: Callable[[str, str | None, str], str] = alerts.acting_unit) -> dict:
    """The section's numbers.

    states: `alerts.states` at as_of (alert_id, rule_id, district_code, round_id, status, overdue,
    overdue_minutes, owner, owner_unit, opened_at, ack_due, acknowledged_at). events: every event of
    those alerts with `at` <= as_of (alert_id, at, kind, login), any order. deadline_minutes: the
    acknowledgement deadline of each rule. red_items: the snapshot's red items (rule_id,
    district_code, round_id; None for the city and for no round). acting(rule, district or None,
    lang): the unit that acts."""
    since, as_of = pd.Timestamp(since), pd.Timestamp(as_of)
    if since >= as_of:
        raise ValueError(f"the follow-through window must start before it ends: {since} >= {as_of}")
    key_of = {int(r.alert_id): (r.rule_id, _text(r.district_code), _text(r.round_id)) for r in states.itertuples()}
    counted: dict[int, dict[str, int]] = {alert_id: _zero() for alert_id in key_of}

    ordered = events.assign(at=pd.to_datetime(events["at"])).reset_index(drop=True)
    ordered = ordered.assign(order=range(len(ordered))).sort_values(["alert_id", "at", "order"], kind="stable")
    opened_at: dict[int, pd.Timestamp] = {}
    acknowledged: set[int] = set()
    for alert_id, at, kind, login in zip(ordered["alert_id"], ordered["at"], ordered["kind"], ordered["login"]):
        alert_id = int(alert_id)
        if at > as_of:
            raise ValueError(f"alert {alert_id} has an event at {at}, after the briefing's moment {as_of}: "
                             f"the snapshot reads only events up to its moment")
        if alert_id not in key_of:
            raise ValueError(f"alert {alert_id} has events but no state at {as_of}")
        inside = at > since
        c = counted[alert_id]
        if kind in (alerts.OPENED, alerts.REOPENED):
            opened_at[alert_id] = at
            acknowledged.discard(alert_id)
            if inside:
                c["opened"] += 1
                c["reopened"] += kind == alerts.REOPENED
        elif kind in (alerts.ACKNOWLEDGED, alerts.IN_HAND) and alert_id not in acknowledged:
            acknowledged.add(alert_id)
            if inside and alert_id in opened_at:
                due = opened_at[alert_id] + pd.Timedelta(minutes=float(deadline_minutes[key_of[alert_id][0]]))
                c["acknowledged"] += 1
                c["ack_late" if at > due else "ack_in_time"] += 1
        elif kind == alerts.CLOSED and inside:
            c["closed"] += 1
            c["closed_by_data" if not _text(login) else "closed_by_hand"] += 1

    for r in states.itertuples():
        c = counted[int(r.alert_id)]
        c["open_now"] = int(r.status != alerts.DONE)
        c["overdue_now"] = int(bool(r.overdue))
        c["in_hand_now"] = int(r.status == alerts.HAND)

    totals, by_rule, by_unit = _zero(), {}, {}
    for alert_id, c in counted.items():
        rule_id, district, _ = key_of[alert_id]
        unit = (acting(rule_id, district or None, "zh"), acting(rule_id, district or None, "en"))
        for bucket in (totals, by_rule.setdefault(rule_id, _zero()), by_unit.setdefault(unit, _zero())):
            for name, n in c.items():
                bucket[name] += n
    # Rows with nothing to say (no event in the window, nothing open) are left out.
    return {
        "since": since.strftime("%Y-%m-%dT%H:%M:%S"),
        "totals": totals,
        "by_rule": [{"rule_id": rule_id, **c} for rule_id, c in sorted(by_rule.items()) if any(c.values())],
        "by_unit": [{"unit_zh": zh, "unit_en": en, **c} for (zh, en), c in sorted(by_unit.items()) if any(c.values())],
        "red_items": _red_items(states, red_items),
    }


def _red_items(states: pd.DataFrame, red_items: list[dict]) -> list[dict]:
    """Each red item's alert as it stood (in the red list's order); alert_id None where the data's
    red item has no alert (the alerts were not synced with the data at that moment)."""
    by_key = {(r.rule_id, _text(r.district_code), _text(r.round_id)): r for r in states.itertuples()}
    out = []
    for item in red_items:
        key = (item["rule_id"], _text(item.get("district_code")), _text(item.get("round_id")))
        entry = {"rule_id": key[0], "district_code": key[1] or None, "round_id": key[2] or None}
        state = by_key.get(key)
        if state is None:
            entry.update(dict.fromkeys(RED_ITEM_FIELDS))
        else:
            entry.update({"alert_id": int(state.alert_id), "status": state.status, "owner": _text(state.owner),
                          "owner_unit": _text(state.owner_unit), "opened_at": _moment(state.opened_at),
                          "ack_due": _moment(state.ack_due), "acknowledged_at": _moment(state.acknowledged_at),
                          "overdue_minutes": float(state.overdue_minutes) if state.overdue else 0.0})
        out.append(entry)
    return out
