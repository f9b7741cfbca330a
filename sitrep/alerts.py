"""Follow-through (督办, issue 14): every red item becomes an alert with a responsible unit, an owner,
a clock and an end.

An alert is one (rule, district, round) -- the red list's item. Its life is a list of events in the
operational store (sitrep/opstore.py, migration 3: `alerts`, `alert_events`, append-only like the
audit log), so it survives every import and a view at any past moment can fold the events up to
that moment into the state the alert had then:

    opened ──▶ acknowledged ──▶ in hand ──▶ closed
      ▲   (a user of the responsible unit       │  by the data: green for alert_settle_hours;
      │    or district, with a note / action)   │  by hand: with a reason
      └──────────── reopened when red again ◀───┘

The data opens, marks green, marks red again and closes alerts: `sync(db, red_list, at)` runs once per
data version, on the latest picture (sitrep/latest.py calls its listeners; the demo build replays
its timeline through the same function). Users acknowledge, record action and close by hand
(`acknowledge`, `record_action`, `close`): pages, the inbox and `python -m sitrep alerts` call
these same functions.

Times are the data's clock (Asia/Shanghai, as the data's timestamps): the moment of the data that
opened or closed an alert, and for a user's action `clock(db)`: the wall clock for real data, the
newest data moment for the demo database (its story happened in 2022). An alert still new past
its rule's acknowledgement deadline (the setting the registry names in `ack_deadline`) is overdue,
shown to leadership with how long.

Pure: no Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pandas as pd

from sitrep import access, opstore, registry
from sitrep import settings as settings_module

# Events and who writes them: the data ('' as login) or a user.
OPENED, REOPENED, GREEN, RED_AGAIN = "opened", "reopened", "green", "red_again"          # the data
ACKNOWLEDGED, IN_HAND, NOTE = "acknowledged", "in_hand", "note"                          # a user
CLOSED = "closed"                                                                         # either
KINDS = (OPENED, REOPENED, GREEN, RED_AGAIN, ACKNOWLEDGED, IN_HAND, NOTE, CLOSED)
DATA_EVENTS = (OPENED, REOPENED, GREEN, RED_AGAIN)

# Statuses, in the order of the lifecycle (and of the leadership screen's strip).
NEW, ACK, HAND, DONE = "new", "acknowledged", "in_hand", "closed"
STATUSES = (NEW, ACK, HAND, DONE)
STATUS_AFTER = {OPENED: NEW, REOPENED: NEW, ACKNOWLEDGED: ACK, IN_HAND: HAND, CLOSED: DONE}

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class AlertError(ValueError):
    """An action that cannot be taken (unknown alert, wrong state, not the user's alert); the
    message says why, in words for the person who asked."""


def _at(moment) -> str:
    return pd.Timestamp(moment).floor("s").strftime(TIME_FORMAT)


def clock(db: Path | str) -> pd.Timestamp:
    """Now, on the alerts' clock: the wall clock (Asia/Shanghai) for real data; the newest data
    moment for the demo database, whose story is in 2022 (a user acting there acts 'then')."""
    from sitrep.db import connect_read, dataset_info
    con = connect_read(db)
    try:
        info = dataset_info(con)
    finally:
        con.close()
    if "scenario_seed" in info:
        return pd.Timestamp(info["data_as_of"])
    return pd.Timestamp.now(tz=opstore.TIME_ZONE).tz_localize(None).floor("s")


# --- the rule's follow-through terms ---------------------------------------------------------------

def ack_minutes(rule_id: str, settings: dict | None = None) -> float:
    """Minutes the responsible unit has to acknowledge a new alert of the rule (its registry
    entry's `ack_deadline` setting)."""
    values = settings if settings is not None else settings_module.values()
    return float(values[registry.metric(rule_id).ack_deadline])


def severity(rule_id: str) -> int:
    """The rule's severity (registry): 1 is the most severe."""
    return registry.metric(rule_id).severity


@lru_cache(maxsize=None)
def _district_names(lang: str) -> dict[str, str]:
    from sitrep.reference import load_districts
    return {d.code: d.name_zh if lang == "zh" else d.name_en for d in load_districts()}


def acting_unit(rule_id: str, district_code: str | None, lang: str = "zh") -> str:
    """Who acts on the rule's alert in that district (the registry's words): the district's own
    leading group, unless a city body acts."""
    name = _district_names(lang).get(district_code) if district_code else None
    return registry.metric(rule_id).acting_names(lang, name)


# --- what the data does ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    rule_id: str
    district_code: str
    round_id: str
    value: float | None
    threshold: float | None


def items_of(red_list: pd.DataFrame) -> list[Item]:
    """The red list's items as alert keys ('' for the city row and for no round)."""
    def text(v) -> str:
        return v if isinstance(v, str) else ""

    def number(v):
        return None if v is None or pd.isna(v) else float(v)

    return [Item(r.rule_id, text(r.district_code), text(r.round_id), number(r.value), number(r.threshold))
            for r in red_list.itertuples()]


def sync(db: Path | str, red_list: pd.DataFrame, at, settings: dict | None = None) -> dict[str, int]:
    """Open, mark and close alerts from the red list of the data at `at` (one data version).

    - a red item with no alert opens one; with a closed alert, reopens it;
    - an open alert whose item is red again after a green spell is marked red again;
    - an open alert whose item is no longer red is marked green; green for `alert_settle_hours`
      (the data at `at` is that long after the green mark), it is closed by the data.
    Idempotent for one moment, and a moment earlier than one already synced changes nothing
    (an older file put back must not rewrite history). Returns the counts of what it did."""
    values = settings if settings is not None else settings_module.values()
    settle = pd.Timedelta(hours=float(values["alert_settle_hours"]))
    at = pd.Timestamp(at)
    stamp, recorded = _at(at), opstore.now()
    done = {OPENED: 0, REOPENED: 0, GREEN: 0, RED_AGAIN: 0, CLOSED: 0}
    red = {(i.rule_id, i.district_code, i.round_id): i for i in items_of(red_list)}
    with opstore.connect(db) as con:
        con.execute("begin immediate")
        try:
            latest = con.execute("select max(at) from alert_events where login = ''").fetchone()[0]
            if latest is not None and stamp < latest:
                con.execute("rollback")
                return done
            state = _fold(con.execute(_EVENTS_SQL, {"until": stamp}).fetchall())
            ids = {(r[1], r[2], r[3]): r[0] for r in con.execute(
                "select alert_id, rule_id, district_code, round_id from alerts")}

            def add(alert_id: int, kind: str, item: Item | None = None, text: str = "") -> None:
                con.execute("insert into alert_events (alert_id, at, recorded_at, kind, text, value, threshold) "
                            "values (:a, :at, :rec, :kind, :text, :value, :threshold)",
                            {"a": alert_id, "at": stamp, "rec": recorded, "kind": kind, "text": text,
                             "value": item.value if item else None, "threshold": item.threshold if item else None})
                done[kind] += 1

            for key, item in red.items():
                alert_id = ids.get(key)
                if alert_id is None:
                    alert_id = con.execute(
                        "insert into alerts (rule_id, district_code, round_id, first_opened_at) "
                        "values (:r, :d, :n, :at)", {"r": key[0], "d": key[1], "n": key[2], "at": stamp}).lastrowid
                    add(alert_id, OPENED, item)
                    continue
                now = state.get(alert_id)
                if now is None or now.status == DONE:
                    add(alert_id, REOPENED, item)
                elif now.green_since is not None:
                    add(alert_id, RED_AGAIN, item)
            for alert_id, now in state.items():
                if now.status == DONE or now.key in red:
                    continue
                if now.green_since is None:
                    add(alert_id, GREEN)
                elif at - now.green_since >= settle:
                    add(alert_id, CLOSED, text="data_green_settled")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return done


# --- what users do -----------------------------------------------------------------------------------

def may_act(user: access.User | None, alert: "State") -> bool:
    """A user acts on an alert when their role may act on alerts and the alert is theirs: in one of
    their districts (a district officer), or their unit is the unit that acts on it."""
    if not access.can(user, access.ACT_ON_ALERTS):
        return False
    if access.ROLES[user.role].district_bound:
        return alert.district_code in (user.districts or ())
    return bool(user.unit) and user.unit == acting_unit(alert.rule_id, alert.district_code or None)


def _act(db, alert_id: int, user: access.User, kind: str, text: str, at, allowed_from: tuple[str, ...],
         audited: bool = True) -> "State":
    text = (text or "").strip()
    if not text:
        raise AlertError({ACKNOWLEDGED: "an acknowledgement needs a note", IN_HAND: "say what action was taken",
                          CLOSED: "closing by hand needs a reason", NOTE: "a note needs text"}[kind])
    at = pd.Timestamp(at) if at is not None else clock(db)
    with opstore.connect(db) as con:
        con.execute("begin immediate")
        try:
            state = _fold(con.execute(_EVENTS_SQL, {"until": "9999"}).fetchall()).get(int(alert_id))
            if state is None:
                raise AlertError(f"no alert {alert_id}")
            if not may_act(user, state):
                raise AlertError(f"alert {alert_id} ({state.rule_id} {state.district_code or 'city'}) is not "
                                 f"{user.login}'s to act on: it belongs to "
                                 f"{acting_unit(state.rule_id, state.district_code or None) or 'its district'}")
            if state.status not in allowed_from:
                raise AlertError(f"alert {alert_id} is {state.status}; this needs it to be {' or '.join(allowed_from)}")
            con.execute("insert into alert_events (alert_id, at, recorded_at, kind, login, unit, text) "
                        "values (:a, :at, :rec, :kind, :login, :unit, :text)",
                        {"a": int(alert_id), "at": _at(max(at, state.last_at)), "rec": opstore.now(), "kind": kind,
                         "login": user.login, "unit": user.unit, "text": text})
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    if not audited:      # the demo's replayed history (sitrep/scenario/alert_history.py): no one acted
        return state
    from sitrep import audit
    event = {ACKNOWLEDGED: audit.ALERT_ACKNOWLEDGED, IN_HAND: audit.ALERT_IN_HAND, CLOSED: audit.ALERT_CLOSED}[kind]
    audit.record(db, event, user=user, object=f"alert {alert_id} {state.rule_id} {state.district_code}",
                 scope=(state.district_code,) if state.district_code else None, details={"text": text})
    return state


def acknowledge(db, alert_id: int, user: access.User, note: str, at=None) -> None:
    _act(db, alert_id, user, ACKNOWLEDGED, note, at, (NEW,))


def record_action(db, alert_id: int, user: access.User, action: str, at=None) -> None:
    _act(db, alert_id, user, IN_HAND, action, at, (NEW, ACK, HAND))


def close(db, alert_id: int, user: access.User, reason: str, at=None) -> None:
    _act(db, alert_id, user, CLOSED, reason, at, (NEW, ACK, HAND))


# --- the state at a moment ---------------------------------------------------------------------------

_EVENTS_SQL = """
    select e.alert_id, a.rule_id, a.district_code, a.round_id, e.at, e.kind, e.login, e.unit, e.text,
           e.value, e.threshold
    from alert_events e join alerts a using (alert_id)
    where e.at <= :until
    order by e.alert_id, e.at, e.event_id
"""


@dataclass
class State:
    alert_id: int
    rule_id: str
    district_code: str
    round_id: str
    status: str = NEW
    opened_at: pd.Timestamp | None = None         # this episode's opening (reopened: the reopening)
    first_opened_at: pd.Timestamp | None = None
    reopened: int = 0
    acknowledged_at: pd.Timestamp | None = None
    acknowledged_by: str = ""
    ack_note: str = ""
    in_hand_at: pd.Timestamp | None = None
    owner: str = ""                                # who acknowledged or acted last in this episode
    owner_unit: str = ""
    action: str = ""
    closed_at: pd.Timestamp | None = None
    closed_by: str = ""                            # '' = the data
    close_reason: str = ""
    green_since: pd.Timestamp | None = None
    value: float | None = None
    threshold: float | None = None
    last_at: pd.Timestamp | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule_id, self.district_code, self.round_id)


def _fold(rows: Iterable[tuple]) -> dict[int, State]:
    states: dict[int, State] = {}
    for alert_id, rule_id, district, round_id, at, kind, login, unit, text, value, threshold in rows:
        at = pd.Timestamp(at)
        s = states.get(alert_id)
        if s is None:
            s = states[alert_id] = State(alert_id, rule_id, district, round_id, first_opened_at=at)
        s.last_at = at
        if kind in (OPENED, REOPENED):
            s.status, s.opened_at, s.green_since = NEW, at, None
            s.acknowledged_at = s.in_hand_at = s.closed_at = None
            s.acknowledged_by = s.ack_note = s.owner = s.owner_unit = s.action = s.closed_by = s.close_reason = ""
            s.reopened += kind == REOPENED
            s.value, s.threshold = value, threshold
        elif kind == GREEN:
            s.green_since = at
        elif kind == RED_AGAIN:
            s.green_since, s.value, s.threshold = None, value, threshold
        elif kind == ACKNOWLEDGED:
            s.status, s.acknowledged_at, s.acknowledged_by, s.ack_note = ACK, at, login, text
            s.owner, s.owner_unit = login, unit
        elif kind == IN_HAND:
            s.status, s.in_hand_at, s.action, s.owner, s.owner_unit = HAND, at, text, login, unit
            if s.acknowledged_at is None:           # recording action acknowledges too
                s.acknowledged_at, s.acknowledged_by = at, login
        elif kind == CLOSED:
            s.status, s.closed_at, s.closed_by, s.close_reason = DONE, at, login, text
    return states


STATE_COLUMNS = ["alert_id", "rule_id", "district_code", "round_id", "status", "opened_at", "first_opened_at",
                 "reopened", "ack_due", "acknowledged_at", "acknowledged_by", "ack_note", "ack_late", "overdue",
                 "overdue_minutes", "in_hand_at", "owner", "owner_unit", "action", "closed_at", "closed_by",
                 "close_reason", "green_since", "value", "threshold", "severity", "acting_unit"]


def states(db: Path | str, at, settings: dict | None = None) -> pd.DataFrame:
    """Every alert as it stood at `at` (events up to then): status, clock, owner, overdue."""
    at = pd.Timestamp(at)
    with opstore.connect(db) as con:
        folded = _fold(con.execute(_EVENTS_SQL, {"until": _at(at)}).fetchall())
    rows = []
    for s in folded.values():
        due = s.opened_at + pd.Timedelta(minutes=ack_minutes(s.rule_id, settings))
        acked = s.acknowledged_at
        overdue = s.status == NEW and at > due
        rows.append({**{k: getattr(s, k) for k in (
            "alert_id", "rule_id", "district_code", "round_id", "status", "opened_at", "first_opened_at", "reopened",
            "acknowledged_at", "acknowledged_by", "ack_note", "in_hand_at", "owner", "owner_unit", "action",
            "closed_at", "closed_by", "close_reason", "green_since", "value", "threshold")},
            "ack_due": due, "ack_late": acked is not None and acked > due, "overdue": overdue,
            "overdue_minutes": (at - due) / pd.Timedelta(minutes=1) if overdue else 0.0,
            "severity": severity(s.rule_id), "acting_unit": acting_unit(s.rule_id, s.district_code or None)})
    frame = pd.DataFrame(rows, columns=STATE_COLUMNS)
    return frame.sort_values(["severity", "opened_at", "alert_id"]).reset_index(drop=True)


def history(db: Path | str, alert_id: int, until=None) -> pd.DataFrame:
    """One alert's events, oldest first (up to `until`)."""
    with opstore.connect(db) as con:
        rows = con.execute("select at, kind, login, unit, text, value, threshold, recorded_at from alert_events "
                           "where alert_id = :a and at <= :until order by at, event_id",
                           {"a": int(alert_id), "until": _at(until) if until is not None else "9999"}).fetchall()
    return pd.DataFrame(rows, columns=["at", "kind", "login", "unit", "text", "value", "threshold", "recorded_at"])


# --- worst first ---------------------------------------------------------------------------------------

def past_threshold(rule_id: str, value, threshold) -> float:
    """How far past its threshold a value is, as a share of the threshold (0.2: 20 % past), in the
    rule's bad direction (a clock rule: the share not done in time). A rule red at any count (threshold 0: a shared room, a positive outside
    control) is 1.0 (100 % past) whatever the count: its count is not comparable with a share, and
    severity already ranks those rules."""
    if value is None or pd.isna(value):
        return 0.0
    if registry.metric(rule_id).query == "metrics/timeliness":
        # A clock rule's value is the share done in time and its threshold the limit in hours:
        # how far past is the share late (0 % in time: 100 % past).
        return 1.0 - float(value)
    if threshold is None or pd.isna(threshold) or threshold == 0:
        return 1.0
    gap = float(value) - float(threshold) if registry.metric(rule_id).good != "up" else float(threshold) - float(value)
    return gap / abs(float(threshold))


def ranked(frame: pd.DataFrame, red_list: pd.DataFrame | None = None) -> pd.DataFrame:
    """Alerts worst first: open before closed, then the rule's severity (registry), then how far
    past the threshold (the red list's value now where given, else the value that opened it), then
    how long it has been open. Adds `past_threshold`."""
    frame = frame.copy()
    if red_list is not None and len(red_list) and len(frame):
        now = {(i.rule_id, i.district_code, i.round_id): i for i in items_of(red_list)}
        keys = list(zip(frame["rule_id"], frame["district_code"], frame["round_id"]))
        frame["value"] = [now[k].value if k in now else v for k, v in zip(keys, frame["value"])]
        frame["threshold"] = [now[k].threshold if k in now else v for k, v in zip(keys, frame["threshold"])]
    frame["past_threshold"] = [past_threshold(r, v, t) for r, v, t in
                               zip(frame["rule_id"], frame["value"], frame["threshold"])]
    frame["closed"] = frame["status"] == DONE
    frame = frame.sort_values(["closed", "severity", "past_threshold", "opened_at", "alert_id"],
                              ascending=[True, True, False, True, True])
    return frame.drop(columns="closed").reset_index(drop=True)

