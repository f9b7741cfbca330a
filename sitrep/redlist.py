"""The red list: every rule breaching its threshold at a moment, per district, with its value,
threshold, since when, and the notice it comes from. The spine of the leadership screen.

Each flagging metric of the registry (metrics.toml entries with `red_when`) runs once; its
rows with is_red = true become red-list items. Rules whose rows are per round (TEST-ROUND,
TEST-CADENCE) give one item per round and district.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import pandas as pd

from sitrep import registry
from sitrep import settings as settings_module
from sitrep.db import current_catalog, new_cursor, scope_of
from sitrep.queries import run, run_metric

# What makes an item red where its value alone does not say (sitrep.formatting.format_red_item):
# CASE-NEW's rising comparison (value is the last 24 h); ISO-RUNWAY's rooms to the trigger and net
# intake per day (value is the days to the trigger); TEST-CADENCE's time since the last report to
# the second (value counts whole minutes, the judgement compares timestamps). Null for other rules.
EXPLAINING = {"CASE-NEW": ("last_7d", "previous_7d"), "ISO-RUNWAY": ("rooms_to_trigger", "net_rooms_per_day"),
              "TEST-CADENCE": ("hours_since",)}
EXPLAINING_COLUMNS = [c for columns in EXPLAINING.values() for c in columns]
COLUMNS = ["rule_id", "name_zh", "name_en", "district_code", "district_name_zh", "district_name_en",
           "round_id", "value", "unit", "threshold", "threshold_unit", "red_since", "source", "red_when", "red_when_zh",
           *EXPLAINING_COLUMNS]
# Who must act on each item (registry `responsible`, `tasks`, `acting`, `severity`), added to the
# finished list by with_responsibility.
RESPONSIBILITY_COLUMNS = ["responsible_unit_zh", "responsible_unit_en", "acting_unit_zh", "acting_unit_en",
                          "tasks", "severity"]
SECTION_ORDER = ["isolation", "contacts", "cases", "testing", "investigation", "screening", "risk_areas"]


def _explaining(metric_id: str, red: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Any]:
    """The EXPLAINING columns of a rule's red rows, from the columns of its query."""
    if metric_id == "ISO-RUNWAY":
        return {"rooms_to_trigger": red["numerator"].astype("float64").to_numpy(),
                "net_rooms_per_day": red["net_rooms_per_day"].astype("float64").to_numpy()}
    if metric_id == "TEST-CADENCE":
        clock_from = pd.to_datetime(red["last_report_at"]).fillna(pd.to_datetime(red["started_at"]))
        return {"hours_since": ((pd.Timestamp(as_of) - clock_from).dt.total_seconds() / 3600).to_numpy()}
    return {c: red[c].astype("float64").to_numpy() for c in EXPLAINING.get(metric_id, ())}


def red_list(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp, district_code: str | None = None,
             township_code: str | None = None, settings: dict[str, Any] | None = None,
             community_code: str | None = None, grid_code: str | None = None,
             building_code: str | None = None, computed: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The red list at `as_of` for a place. `computed`: rules' frames already computed for exactly
    this moment, place, settings and reader (the latest picture's metrics), used instead of running
    their queries again."""
    # A place below the township narrows the rules whose queries carry it (queries.finest_level);
    # the others read the township's (or district's) figure.
    finer = {k: v for k, v in (("community_code", community_code), ("grid_code", grid_code),
                               ("building_code", building_code)) if v is not None}
    documented = settings_module.current()
    flagging = [m for m in registry.metrics().values() if m.flags_red]

    # Another engine (sitrep.engines.spark) takes the queries of every thread itself.
    duck = isinstance(con, duckdb.DuckDBPyConnection)
    catalog = current_catalog(con) if duck else None
    scope = scope_of(con) if duck else None   # each metric's cursor reads what con reads: the same districts

    # Each worker thread reads through one cursor of its own, made at its first rule and used for
    # every rule it takes (a cursor per rule installed the staging views 30 times per red list);
    # DuckDB runs the threads' queries side by side.
    local, cursors, made = threading.local(), [], threading.Lock()

    def thread_cursor() -> duckdb.DuckDBPyConnection:
        cur = getattr(local, "cursor", None)
        if cur is None:
            cur = local.cursor = new_cursor(con, catalog, scope=scope)
            with made:
                cursors.append(cur)
        return cur

    def evaluate(metric: registry.Metric) -> pd.DataFrame:
        if computed is not None and metric.id in computed:
            return computed[metric.id]
        return run_metric(thread_cursor() if duck else con, metric.id, as_of=as_of, district_code=district_code,
                          township_code=township_code, settings=settings, **finer)

    try:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            frames = list(pool.map(evaluate, flagging))
    finally:
        for cur in cursors:
            cur.close()

    items = []
    for metric, frame in zip(flagging, frames):
        red = frame[frame["is_red"].fillna(False).astype(bool)]
        if red.empty:
            continue
        # The city row repeats what its districts show, unless no district row is red.
        if red["district_code"].notna().any():
            red = red[red["district_code"].notna()]
        items.append(pd.DataFrame({
            "rule_id": metric.id, "name_zh": metric.name_zh, "name_en": metric.name_en,
            "district_code": red["district_code"].to_numpy(),
            "round_id": red["round_id"].to_numpy() if "round_id" in red else None,
            "value": red["value"].astype("float64").to_numpy(),
            "threshold": red["threshold"].astype("float64").to_numpy() if "threshold" in red else None,
            "unit": metric.unit,
            "threshold_unit": documented[metric.threshold].unit if metric.threshold else None,
            "red_since": pd.to_datetime(red["red_since"]).to_numpy(),
            "source": metric.source, "red_when": metric.red_when, "red_when_zh": metric.red_when_zh,
            "section": metric.section,
            **_explaining(metric.id, red, as_of),
        }))
    if not items:
        return with_responsibility(pd.DataFrame(columns=COLUMNS))
    out = pd.concat(items, ignore_index=True)
    names = run(con, "reference/district_names", settings=settings)
    out = out.merge(names.rename(columns={"name_zh": "district_name_zh", "name_en": "district_name_en"}),
                    on="district_code", how="left")
    out["section_rank"] = out["section"].map({s: i for i, s in enumerate(SECTION_ORDER)})
    out = out.sort_values(["section_rank", "rule_id", "district_code", "round_id"], na_position="first")
    for column in EXPLAINING_COLUMNS:
        if column not in out:
            out[column] = float("nan")
    return with_responsibility(out[COLUMNS].reset_index(drop=True))


def with_responsibility(items: pd.DataFrame) -> pd.DataFrame:
    """The red list with who must act beside each item: the rule's responsible units as the task
    plan names them, who acts on the row (a district's own leading group unless a city body acts),
    the task numbers (or notice item) and the rule's severity. Order and other columns unchanged."""
    rules = registry.metrics()
    out = items.copy()
    for lang in ("zh", "en"):
        names = items[f"district_name_{lang}"].where(items["district_code"].notna(), None)
        out[f"responsible_unit_{lang}"] = [rules[r].responsible_names(lang) for r in items["rule_id"]]
        out[f"acting_unit_{lang}"] = [rules[r].acting_names(lang, n if isinstance(n, str) else None)
                                      for r, n in zip(items["rule_id"], names)]
    out["tasks"] = [rules[r].responsibility_source for r in items["rule_id"]]
    out["severity"] = pd.array([rules[r].severity for r in items["rule_id"]], dtype="Int64")
    return out[[*items.columns, *RESPONSIBILITY_COLUMNS]]
