"""The demo's follow-through history: its timeline replayed through sitrep.alerts (issue 14).

The data opens and closes alerts exactly as on a live system: `alerts.sync` on the red list of each
replayed moment (every `demo_replay_step_hours` from the scenario's start to its newest data).
Between moments, the responsible units act as a command center's units do, drawn from the
scenario's seed: most acknowledge in time, some late, some never; some of those who acknowledge
record the action taken. They act through `alerts.acknowledge` / `record_action` (not audited:
nobody acted; the acting logins are named demo-<district code> and the city bodies' demo-hq).

So every view at a pinned moment of the demo shows the alerts as they stood then: some overdue,
some in hand, some closed by the data.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from sitrep import access, alerts
from sitrep import settings as settings_module
from sitrep.db import ReadPool, dataset_info

IN_TIME, LATE, NEVER = 0.55, 0.25, 0.20            # how units answer a new alert
RECORDS_ACTION = 0.6                                # of those who acknowledge


def moments(start: pd.Timestamp, newest: pd.Timestamp, step_hours: float) -> list[pd.Timestamp]:
    """The replayed moments: every step from the first whole step after the start to the newest."""
    step = pd.Timedelta(hours=step_hours)
    first = start.ceil(step) + step
    out = list(pd.date_range(first, newest, freq=step))
    if not out or out[-1] != newest:
        out.append(newest)
    return out


def _actor(state: alerts.State) -> access.User:
    if state.district_code:
        return access.User(f"demo-{state.district_code}", "district_officer", (state.district_code,),
                           unit=alerts.acting_unit(state.rule_id, state.district_code))
    return access.User("demo-hq", "unit_officer", unit=alerts.acting_unit(state.rule_id, None) or "市指挥部综合办")


def replay(db: Path | str, seed: int, settings: dict | None = None,
           progress: Callable[[float], None] | None = None) -> dict[str, int]:
    """Replay the demo's timeline into the store beside `db`; counts of what happened. A store that
    already has alert history (a rebuild of the same demo) is left as it is."""
    from sitrep import opstore
    from sitrep.redlist import red_list

    values = settings if settings is not None else settings_module.values()
    with opstore.connect(db) as con:
        if con.execute("select count(*) from alert_events").fetchone()[0]:
            return {}
    pool = ReadPool(db)
    cur = pool.cursor(None)
    info = dataset_info(cur)
    rng = np.random.default_rng(seed + 14)
    plans: list[tuple[pd.Timestamp, int, pd.Timestamp, str]] = []    # (when, alert, its opening, ack|act)
    counts = {"moments": 0, "acknowledged": 0, "in_hand": 0}
    ahead = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sitrep-replay")
    try:
        replayed = moments(pd.Timestamp(info["scenario_start"]), pd.Timestamp(info["data_as_of"]),
                           float(values["demo_replay_step_hours"]))
        # The red lists are computed ahead, two moments at a time (each thread its own cursor); the
        # alerts are synced in time order as they come.
        red_lists = ahead.map(lambda moment: red_list(pool.cursor(None), moment), replayed)
        for number, (at, items) in enumerate(zip(replayed, red_lists)):
            if progress:
                progress(number / len(replayed))
            # First what the units did since the last moment, in time order, then what the data says now.
            due = sorted(p for p in plans if p[0] <= at)
            plans = [p for p in plans if p[0] > at]
            for when, alert_id, opened, kind in due:
                state = {s.alert_id: s for s in _states(db, when)}.get(alert_id)
                if state is None or state.opened_at != opened:
                    continue                     # closed and reopened meanwhile: that episode is over
                user = _actor(state)
                try:
                    if kind == "ack" and state.status == alerts.NEW:
                        alerts._act(db, alert_id, user, alerts.ACKNOWLEDGED, "收到，已安排处置", when, (alerts.NEW,),
                                    audited=False)
                        counts["acknowledged"] += 1
                    elif kind == "act" and state.status in (alerts.NEW, alerts.ACK):
                        action = getattr(registry_metric(state.rule_id), "action_zh", "") or "已按规定处置"
                        alerts._act(db, alert_id, user, alerts.IN_HAND, f"已落实：{action}", when,
                                    (alerts.NEW, alerts.ACK), audited=False)
                        counts["in_hand"] += 1
                except alerts.AlertError:
                    pass                         # not this unit's to act on, or closed meanwhile
            alerts.sync(db, items, at, values)
            counts["moments"] += 1
            for state in _states(db, at):
                if state.status != alerts.NEW or state.opened_at != at:
                    continue
                deadline = alerts.ack_minutes(state.rule_id, values)
                draw = rng.random()
                if draw < IN_TIME:
                    ack = at + pd.Timedelta(minutes=float(rng.uniform(5, 0.9 * deadline)))
                elif draw < IN_TIME + LATE:
                    ack = at + pd.Timedelta(minutes=float(deadline + rng.uniform(10, 240)))
                else:
                    continue                     # never acknowledged: overdue until the data closes it
                plans.append((ack, state.alert_id, at, "ack"))
                if rng.random() < RECORDS_ACTION:
                    plans.append((ack + pd.Timedelta(minutes=float(rng.uniform(30, 180))), state.alert_id, at, "act"))
    finally:
        ahead.shutdown(cancel_futures=True)
        pool.close()
    return counts


def registry_metric(rule_id: str):
    from sitrep import registry
    return registry.metric(rule_id)


def _states(db, at) -> list[alerts.State]:
    from sitrep import opstore
    with opstore.connect(db) as con:
        return list(alerts._fold(con.execute(alerts._EVENTS_SQL, {"until": alerts._at(at)}).fetchall()).values())
