"""The daily briefing's data snapshot: every number the briefing shows, as plain JSON values.

The snapshot is built from the query layer only (sitrep.queries.run_metric, sitrep.redlist,
queries/briefing/*.sql) and carries what it needs to be rendered again later without the
database: the registry's names, conditions and sources of the rules it cites, the district
names, the thresholds in force. It holds no language: the same snapshot renders in Chinese or
English, and its SHA-256 (of the canonical JSON, see `canonical_json`) is the same for both.

Personal data never enters it: no query used here joins `persons`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from sitrep import alerts, database_path, opstore, registry
from sitrep import settings as settings_module
from sitrep.briefing.follow_through import follow_through
from sitrep.briefing.issued import list_issued
from sitrep.db import dataset_info, scope_of
from sitrep.queries import run, run_metric
from sitrep.redlist import EXPLAINING, EXPLAINING_COLUMNS, SECTION_ORDER, red_list

SCHEMA = "sitrep-briefing/1"
DAY = pd.Timedelta(days=1)
EPI_CURVE_DAYS = 14

# Headline numbers and the clock rules come from the registry: registry.headlines("briefing")
# ([headline.*] of metrics.toml) and the entries whose query is metrics/timeliness.


def timeliness_rules() -> list[str]:
    """The clock rules, city rows: the investigation clocks first, then the others in registry order."""
    return sorted(registry.timeliness_rules(), key=lambda rule: registry.metric(rule).section != "investigation")


TIMELINESS_COLUMNS = ["value", "on_time", "late", "done_late", "pending", "open_overdue", "median_minutes",
                      "threshold", "is_red"]

ROUND_COLUMNS = ["round_id", "district_code", "started_at", "deadline_at", "elapsed_hours", "last_report_at",
                 "denominator", "numerator", "value", "people_tested", "tested_share", "tubes_tested",
                 "positive_tubes", "projected_finish_at", "is_red", "red_since"]
CADENCE_COLUMNS = ["round_id", "district_code", "last_report_at", "value", "reports", "next_report_due_at",
                   "is_red", "red_since"]


# --- plain JSON values ----------------------------------------------------------------------

def plain(value: Any) -> Any:
    """A JSON value: None for missing, int/float/str/bool, timestamps as 'YYYY-MM-DDTHH:MM:SS'.
    Floats keep 12 significant digits, so a sum that DuckDB adds up in another order in its
    last bits still gives the same snapshot."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, Decimal)):
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            return None
        rounded = float(f"{value:.12g}")
        return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded
    if isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    raise TypeError(f"not a plain value: {value!r} ({type(value).__name__})")


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    present = [c for c in columns if c in frame.columns]
    return [plain(dict(zip(present, row))) for row in frame[present].itertuples(index=False, name=None)]


def canonical_json(snapshot: dict) -> str:
    """The snapshot as canonical JSON: keys sorted, no spaces, UTF-8 text, no NaN. Its SHA-256
    is the briefing's fingerprint."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def snapshot_sha256(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def stamp(moment: pd.Timestamp) -> str:
    return pd.Timestamp(moment).strftime("%Y-%m-%dT%H:%M:%S")


# --- reading the query layer ------------------------------------------------------------------

def _city_row(frame: pd.DataFrame) -> pd.Series | None:
    city = frame[frame["district_code"].isna()]
    return city.iloc[0] if len(city) else None


def _value(row: pd.Series | None, column: str):
    return None if row is None else plain(row[column])


def _headline(con, as_of: pd.Timestamp) -> dict[str, Any]:
    frames: dict[tuple, pd.DataFrame] = {}
    out = {}
    for h in registry.headlines("briefing"):
        name = h.query or h.metric
        if name not in frames:
            frames[name] = run(con, h.query, as_of=as_of) if h.query else run_metric(con, h.metric, as_of=as_of)
        out[h.key] = _value(_city_row(frames[name]), h.column)
    return out


def _district_rows(frame: pd.DataFrame) -> dict[str, pd.Series]:
    rows = frame[frame["district_code"].notna()]
    return {code: row for code, row in zip(rows["district_code"], (r for _, r in rows.iterrows()))}


def _district_table(con, as_of: pd.Timestamp, districts: pd.DataFrame, items: pd.DataFrame) -> list[dict]:
    new = _district_rows(run_metric(con, "CASE-NEW", as_of=as_of))
    social = _district_rows(run_metric(con, "CASE-SOCIAL", as_of=as_of))
    isolated = _district_rows(run(con, "overview/people_in_isolation", as_of=as_of))
    usage = _district_rows(run_metric(con, "ISO-USE", as_of=as_of))
    risk = _district_rows(run_metric(con, "RISK-AREAS", as_of=as_of))
    red_counts = items[items["district_code"].notna()].groupby("district_code").size().to_dict()
    table = []
    for code in districts["district_code"]:
        n, s, i, u, r = (d.get(code) for d in (new, social, isolated, usage, risk))
        table.append(plain({
            "district_code": code,
            "new_confirmed": _value(n, "new_confirmed") if n is not None else 0,
            "new_asymptomatic": _value(n, "new_asymptomatic") if n is not None else 0,
            "new_social": _value(s, "value") if s is not None else 0,
            "active_cases": _value(n, "active") if n is not None else 0,
            "people_isolated": _value(i, "people") if i is not None else 0,
            "rooms": _value(u, "rooms"),
            "rooms_occupied": _value(u, "rooms_occupied"),
            "room_usage": _value(u, "value"),
            "room_usage_red": _value(u, "is_red"),
            "high_risk_areas": _value(r, "high_areas") if r is not None else 0,
            "medium_risk_areas": _value(r, "medium_areas") if r is not None else 0,
            "low_risk_areas": _value(r, "low_areas") if r is not None else 0,
            "red_items": int(red_counts.get(code, 0)),
        }))
    return table


def _dispatch(con, as_of: pd.Timestamp, usage: pd.DataFrame) -> list[dict]:
    """ISO-DISPATCH: per district at or over the trigger, its need and the nearest lenders."""
    plan = run_metric(con, "ISO-DISPATCH", as_of=as_of)
    rows = _district_rows(usage)
    out = []
    for code, part in plan.groupby("needy_district_code", sort=True):
        part = part.sort_values("lender_rank")
        row = rows.get(code)
        lenders = part[part["lender_district_code"].notna()]
        out.append(plain({
            "district_code": code,
            "need_rooms": part["need_rooms"].iloc[0],
            "rooms": _value(row, "rooms"),
            "rooms_occupied": _value(row, "rooms_occupied"),
            "room_usage": _value(row, "value"),
            "need_covered": bool(part["need_covered"].fillna(False).iloc[0]),
            "lenders": [plain({"district_code": l.lender_district_code, "distance_km": l.distance_km,
                               "spare_rooms": l.spare_rooms})
                        for l in lenders.itertuples()],
        }))
    return out


def _red_items(items: pd.DataFrame) -> list[dict]:
    """The red list's items; a rule whose value alone does not say what makes it red (CASE-NEW,
    ISO-RUNWAY, TEST-CADENCE) keeps its explaining fields too (redlist.EXPLAINING), so its text
    reads the same when the briefing is re-opened later."""
    columns = ["rule_id", "district_code", "round_id", "value", "unit", "threshold", "threshold_unit", "red_since",
               "acting_unit_zh", "acting_unit_en"]
    out = records(items, columns)
    for item, extra in zip(out, records(items, ["rule_id", *EXPLAINING_COLUMNS])):
        item.update({k: extra[k] for k in EXPLAINING.get(item["rule_id"], ())})
    return out


def _rules(items: pd.DataFrame, alerted: set[str] = frozenset()) -> dict[str, dict]:
    """The registry's words for every rule the briefing cites (`alerted`: those of the alerts the
    follow-through section counts, red now or not), kept with the numbers so that a briefing
    re-opened later reads as issued even if a definition changed since."""
    cited = set(items["rule_id"]) | set(alerted) | set(timeliness_rules()) | {h.metric for h in registry.headlines("briefing")} | {
        "ISO-DISPATCH", "TEST-ROUND", "TEST-CADENCE", "TEST-TAT"}
    out = {}
    for metric_id in sorted(cited):
        m = registry.metric(metric_id)
        out[metric_id] = {"name_zh": m.name_zh, "name_en": m.name_en, "section": m.section, "unit": m.unit,
                          "red_when": m.red_when, "red_when_zh": m.red_when_zh, "source": m.source,
                          "threshold": m.threshold}
        if m.flags_red:   # who must act (registry `responsible`, `acting`, ...); older snapshots lack it
            out[metric_id].update({
                "responsible_zh": m.responsible_names("zh"), "responsible_en": m.responsible_names("en"),
                "acting_zh": m.acting_names("zh"), "acting_en": m.acting_names("en"),
                "responsibility_source": m.responsibility_source, "severity": m.severity,
                "action_zh": m.action_zh, "action_en": m.action_en, "ack_deadline": m.ack_deadline})
    return out


def _epi_curve(con, as_of: pd.Timestamp) -> list[dict]:
    daily = run(con, "details/case_daily", as_of=as_of)
    last = as_of.normalize()
    days = pd.date_range(last - pd.Timedelta(days=EPI_CURVE_DAYS - 1), last, freq="D")
    if daily.empty:
        counts = pd.DataFrame(0, index=days, columns=["confirmed", "asymptomatic"])
    else:
        daily["confirmed_on"] = pd.to_datetime(daily["confirmed_on"])
        counts = (daily.pivot_table(index="confirmed_on", columns="classification", values="new_positives",
                                    aggfunc="sum", fill_value=0)
                  .reindex(index=days, columns=["confirmed", "asymptomatic"], fill_value=0))
    return [{"date": day.strftime("%Y-%m-%d"), "confirmed": int(row.confirmed), "asymptomatic": int(row.asymptomatic)}
            for day, row in zip(counts.index, counts.itertuples())]


def _testing(con, as_of: pd.Timestamp) -> dict:
    rounds = run_metric(con, "TEST-ROUND", as_of=as_of)
    cadence = run_metric(con, "TEST-CADENCE", as_of=as_of)
    finished = run(con, "briefing/test_rounds_finished", as_of=as_of)
    tat = _city_row(run_metric(con, "TEST-TAT", as_of=as_of))
    names = dict(con.execute("select round_id, name_zh from testing_rounds").fetchall())
    cited = sorted(set(rounds["round_id"]) | set(finished["round_id"]))
    return {
        "active": records(rounds, ROUND_COLUMNS),
        "cadence": records(cadence, CADENCE_COLUMNS),
        "finished": records(finished, ["round_id", "district_code", "started_at", "deadline_at", "finished_at",
                                       "target_population", "people_sampled", "people_tested", "tubes_tested",
                                       "positive_tubes", "hours_taken", "on_time"]),
        "round_names_zh": {r: names.get(r) for r in cited},
        "turnaround": None if tat is None else plain({
            "median_hours": tat["value"], "median_to_lab_hours": tat["median_to_lab_hours"],
            "median_to_result_hours": tat["median_to_result_hours"], "tubes": tat["numerator"]}),
    }


def _timeliness(con, as_of: pd.Timestamp) -> list[dict]:
    out = []
    for metric_id in timeliness_rules():
        row = _city_row(run_metric(con, metric_id, as_of=as_of))
        entry = {"metric_id": metric_id}
        entry.update({c: _value(row, c) for c in TIMELINESS_COLUMNS})
        out.append(plain(entry))
    return out


def previous_briefing(as_of: pd.Timestamp, directory: Path | None = None) -> dict | None:
    """The issued briefing before `as_of`: of those issued for an earlier moment, the latest moment
    (the newest issue of it); None when none was issued."""
    earlier = [i for i in list_issued(directory)
               if i.meta.get("kind", "briefing") == "briefing" and pd.Timestamp(i.meta["as_of"]) < as_of]
    if not earlier:
        return None
    latest = max(earlier, key=lambda i: (pd.Timestamp(i.meta["as_of"]), i.meta["issued_at"], i.id))
    return {"id": latest.id, "as_of": stamp(pd.Timestamp(latest.meta["as_of"])), "issued_at": latest.meta["issued_at"]}


def _follow_through(db: Path, as_of: pd.Timestamp, scope: tuple[str, ...] | None, items: list[dict],
                    briefings: Path | None) -> dict:
    """What happened to the alerts since the previous issued briefing (else the previous 24 h), and
    each red item's alert (sitrep/briefing/follow_through.py). Only events up to `as_of`, so the
    same data and the same history up to then give the same section. A database with no
    operational store yet has no alerts: the store is not created for a briefing."""
    before = previous_briefing(as_of, briefings)
    since = pd.Timestamp(before["as_of"]) if before else as_of - DAY
    if opstore.path_for(db).exists():
        states = alerts.states(db, as_of)
    else:
        states = pd.DataFrame(columns=alerts.STATE_COLUMNS)
    if scope is not None:     # a district account's briefing: its districts' alerts (no city-wide ones)
        states = states[states["district_code"].isin(scope)]
    # An alert closed before the window has no events in it (closing ends it until a reopening,
    # which would show in its status): its history is not read.
    quiet = (states["status"] == alerts.DONE) & (pd.to_datetime(states["closed_at"]) <= since)
    histories = [alerts.history(db, alert_id, until=as_of).assign(alert_id=alert_id)
                 for alert_id in states.loc[~quiet, "alert_id"]]
    events = pd.concat(histories, ignore_index=True) if histories else \
        pd.DataFrame(columns=["alert_id", "at", "kind", "login"])
    deadlines = {rule_id: alerts.ack_minutes(rule_id) for rule_id in set(states["rule_id"])}
    section = follow_through(states, events, since, as_of, deadlines, items)
    return plain({"previous_briefing": before, **section})


def build_snapshot(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp, *, db: Path | str | None = None,
                   briefings: Path | None = None) -> dict:
    """Every number of the daily briefing at `as_of` (city-wide), as plain JSON values.

    `db`: the analytics file whose operational store holds the alerts (default: the app's,
    sitrep.database_path()); `con` may read a copy of it, so the path is given, not guessed from
    `con`. `briefings`: the issued briefings' folder (default: store.briefings_dir())."""
    as_of = pd.Timestamp(as_of)
    db = Path(db) if db is not None else database_path()
    previous = as_of - DAY
    info = dataset_info(con)
    districts = con.execute("select district_code, name_zh, name_en from districts order by district_code").df()
    items = red_list(con, as_of)
    previous_items = red_list(con, previous)
    usage = run_metric(con, "ISO-USE", as_of=as_of)
    values = settings_module.rule_values()
    # A district account's cursor reads only its districts (sitrep.db.install_scope): its snapshot
    # says so, and its text speaks of those districts, not the city. A city snapshot has no "scope".
    scope = scope_of(con)
    red = _red_items(items)
    follow = _follow_through(db, as_of, scope, red, briefings)
    return {
        **({"scope": list(scope)} if scope is not None else {}),
        "schema": SCHEMA,
        "as_of": stamp(as_of),
        "previous": stamp(previous),
        "data_as_of": plain(pd.Timestamp(info["data_as_of"])) if info.get("data_as_of") else None,
        "dataset": {k: v for k, v in sorted(info.items())},
        "settings": {name: plain(values[name]) for name in sorted(values)},
        "districts": {c: {"name_zh": z, "name_en": e} for c, z, e in districts.itertuples(index=False)},
        "headline": {"now": _headline(con, as_of), "previous": _headline(con, previous),
                     "red_items": len(items), "red_items_previous": len(previous_items)},
        "red_items": red,
        "follow_through": follow,
        "rules": _rules(items, {r["rule_id"] for r in follow["by_rule"]}),
        "dispatch": _dispatch(con, as_of, usage),
        "district_table": _district_table(con, as_of, districts, items),
        "testing": _testing(con, as_of),
        "timeliness": _timeliness(con, as_of),
        "epi_curve": _epi_curve(con, as_of),
        "section_order": list(SECTION_ORDER),
    }
