"""Benchmark every metric query at city scale, cold and warm, and against pandas.

    python -m sitrep build-demo --scale city --out data/city.duckdb     # once, ~75 s
    python benchmarks/bench_metrics.py --db data/city.duckdb

Queries run the way the app runs them: one read-only connection per file version
(sitrep.db.connect_read, as ReadPool opens it) and whole-city cursors of it (sitrep.db.new_cursor);
the first cursor stores the staging models once for that file version (timed and printed apart).
For each metric of the registry: the first run on a new cursor (cold), the median of several
further runs (warm) against the 300 ms target of issue 13, the rows DuckDB scanned and the peak
memory of the process while the query ran (Linux: VmHWM, reset before each query). Then the red
list as a whole, at the data's latest moment and at a pinned past moment (--pinned, default a day
before it) against the 500 ms target. Then the same metrics the way most Streamlit dashboards
compute them, by loading the tables into pandas and computing there, and DuckDB's speed as a
ratio against it. The machine may be shared: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitrep import DATA_DIR  # noqa: E402
from sitrep.db import connect_read, new_cursor  # noqa: E402
from sitrep.queries import bind, run_metric, sql_text  # noqa: E402
from sitrep.redlist import red_list  # noqa: E402
from sitrep.registry import metrics  # noqa: E402
from sitrep.settings import values as settings_values  # noqa: E402

WARM_RUNS = 5
TARGET_MS = 300
RED_LIST_PINNED_TARGET_MS = 500
RED_LIST_COMPUTED_TARGET_MS = 1000


def reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def connect(path: str) -> duckdb.DuckDBPyConnection:
    """The app's read-only connection to the file (ReadPool), its staging models stored."""
    con = connect_read(path)
    new_cursor(con, scope=None).close()
    return con


def city_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return new_cursor(con, scope=None)


def rows_scanned(con, metric_id: str, as_of: pd.Timestamp) -> int:
    """Rows DuckDB read from tables for one run, from its JSON profile."""
    from sitrep.queries import metric_parameters

    out = Path(tempfile.mkstemp(suffix=".json")[1])
    con.execute("pragma enable_profiling = 'json'")
    con.execute(f"pragma profiling_output = '{out}'")
    query, params = metric_parameters(metric_id, as_of=as_of)
    con.execute(sql_text(query), bind(query, params)).fetchall()
    con.execute("pragma disable_profiling")
    profile = json.loads(out.read_text())
    out.unlink()
    return int(profile.get("query", {}).get("total_rows_scanned", 0))


def time_metrics(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp) -> pd.DataFrame:
    rows = []
    for metric in metrics().values():
        cur = city_cursor(con)
        reset_peak_rss()
        started = time.perf_counter()
        run_metric(cur, metric.id, as_of=as_of)
        cold_ms = (time.perf_counter() - started) * 1000
        warm = []
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            result = run_metric(cur, metric.id, as_of=as_of)
            warm.append((time.perf_counter() - started) * 1000)
        peak = peak_rss_mb()
        scanned = rows_scanned(cur, metric.id, as_of)
        median = statistics.median(warm)
        rows.append({"metric": metric.id, "query": metric.query, "rows out": len(result),
                     "rows scanned": scanned, "cold ms": round(cold_ms, 1),
                     "median warm ms": round(median, 1), "peak RSS MB": round(peak),
                     f"target {TARGET_MS} ms": "met" if median < TARGET_MS else "MISSED"})
        cur.close()
    return pd.DataFrame(rows)


def time_red_list(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp, target_ms: float, what: str) -> None:
    cur = city_cursor(con)
    started = time.perf_counter()
    items = red_list(cur, as_of)
    first_ms = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        red_list(cur, as_of)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    print(f"Red list {what} {as_of}: {len(items)} items, first {first_ms:.0f} ms, median {median:.0f} ms "
          f"(runs {', '.join(f'{t:.0f}' for t in timings)}); target {target_ms} ms: "
          f"{'met' if median < target_ms else 'MISSED'}")
    cur.close()


# --- the same metrics, computed the way most Streamlit dashboards do ------------------------

def pandas_iso_use(t: dict[str, pd.DataFrame], as_of: pd.Timestamp, trigger: float) -> pd.DataFrame:
    rooms = t["rooms"].merge(t["facilities"], on="facility_id")
    rooms = rooms[(rooms["assessed_at"] <= as_of) & (rooms["closed_at"].isna() | (rooms["closed_at"] > as_of))]
    stays = t["room_stays"]
    open_now = stays[(stays["check_in_at"] <= as_of) & (stays["check_out_at"].isna() | (stays["check_out_at"] > as_of))]
    rooms = rooms.assign(occupied=rooms["room_id"].isin(open_now["room_id"]))
    out = rooms.groupby("district_code").agg(rooms=("room_id", "size"), occupied=("occupied", "sum"))
    out["value"] = out["occupied"] / out["rooms"]
    out["is_red"] = out["occupied"] >= trigger * out["rooms"]
    return out


def pandas_case_new(t, as_of: pd.Timestamp) -> pd.DataFrame:
    cases = t["cases"]
    new = cases[(cases["confirmed_at"] > as_of - pd.Timedelta(hours=24)) & (cases["confirmed_at"] <= as_of)
                & cases["classification"].isin(["confirmed", "asymptomatic"])]
    return new.groupby("district_code").size()


def pandas_con_transfer(t, as_of: pd.Timestamp, limit_h: float) -> pd.DataFrame:
    c = t["contacts"]
    c = c[(c["contact_type"] == "close") & (c["isolation_mode"] == "centralized") & (c["identified_at"] <= as_of)]
    deadline = c["identified_at"] + pd.Timedelta(hours=limit_h)
    not_moved = c["transferred_at"].isna() | (c["transferred_at"] > as_of)
    overdue = c[not_moved & (deadline < as_of)]
    return overdue.groupby("district_code").size()


def pandas_test_round(t, as_of: pd.Timestamp) -> pd.DataFrame:
    tubes = t["testing_tubes"]
    tubes = tubes[tubes["sampled_at"] <= as_of]
    sampled = tubes.groupby(["round_id", "district_code"])["people_in_tube"].sum()
    targets = t["testing_round_targets"].groupby(["round_id", "district_code"])["target_population"].sum()
    return (sampled / targets).dropna()


PANDAS_TABLES = {
    "ISO-USE": ["rooms", "facilities", "room_stays"],
    "CASE-NEW": ["cases"],
    "CON-TRANSFER": ["contacts"],
    "TEST-ROUND": ["testing_tubes", "testing_round_targets"],
}


def compare_with_pandas(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp) -> pd.DataFrame:
    settings = settings_values()
    con = city_cursor(con)
    rows = []
    for metric_id, tables in PANDAS_TABLES.items():
        started = time.perf_counter()
        loaded = {name: con.execute(f'select * from "{name}"').df() for name in tables}
        load_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        if metric_id == "ISO-USE":
            pandas_iso_use(loaded, as_of, settings["room_usage_trigger"])
        elif metric_id == "CASE-NEW":
            pandas_case_new(loaded, as_of)
        elif metric_id == "CON-TRANSFER":
            pandas_con_transfer(loaded, as_of, settings["contact_transfer_limit_hours"])
        else:
            pandas_test_round(loaded, as_of)
        compute_ms = (time.perf_counter() - started) * 1000
        warm = []
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            run_metric(con, metric_id, as_of=as_of)
            warm.append((time.perf_counter() - started) * 1000)
        duck_ms = statistics.median(warm)
        rows.append({"metric": metric_id, "pandas load ms": round(load_ms), "pandas compute ms": round(compute_ms),
                     "duckdb warm ms": round(duck_ms, 1),
                     "speed-up vs load+compute": f"{(load_ms + compute_ms) / duck_ms:.1f}x",
                     "speed-up vs compute only": f"{compute_ms / duck_ms:.1f}x"})
        del loaded
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(DATA_DIR / "city.duckdb"))
    parser.add_argument("--as-of", default=None, help="default: the database's data_as_of")
    parser.add_argument("--pinned", default=None, help="the red list's pinned moment (default: a day before --as-of)")
    args = parser.parse_args()
    if not os.path.exists(args.db):
        print(f"no database at {args.db}; build it: python -m sitrep build-demo --scale city --out {args.db}")
        return 2
    started = time.perf_counter()
    con = connect(args.db)
    stored_ms = (time.perf_counter() - started) * 1000
    info = dict(con.execute("select key, value from dataset_info").fetchall())
    as_of = pd.Timestamp(args.as_of or info["data_as_of"])
    pinned = pd.Timestamp(args.pinned) if args.pinned else as_of - pd.Timedelta(days=1)
    people = con.execute("select coalesce(sum(people_in_tube), 0) from testing_tubes").fetchone()[0]
    samples = con.execute("select count(*) from testing_samples").fetchone()[0]
    contacts = con.execute("select count(*) from contacts").fetchone()[0]
    print(f"database {args.db}: scale {info['scenario_scale']}, as of {as_of}, {contacts:,} contacts, "
          f"{samples:,} person samples, {people:,} people in tubes; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"opening the file and storing its staging models (once per file version): {stored_ms:.0f} ms")

    table = time_metrics(con, as_of)
    with pd.option_context("display.width", 200, "display.max_rows", 100):
        print("\nMetric queries (warm = median of %d runs):" % WARM_RUNS)
        print(table.to_string(index=False))
    slow = table[table[f"target {TARGET_MS} ms"] != "met"]
    print(f"\n{len(table) - len(slow)} of {len(table)} queries under {TARGET_MS} ms warm"
          + (f"; over: {', '.join(slow['metric'])}" if len(slow) else ""))

    print()
    time_red_list(con, as_of, RED_LIST_COMPUTED_TARGET_MS, "computed at the latest moment")
    time_red_list(con, pinned, RED_LIST_PINNED_TARGET_MS, "at a pinned moment")

    print("\nDuckDB against pandas (tables loaded into DataFrames, then computed):")
    print(compare_with_pandas(con, as_of).to_string(index=False))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores; other work on the "
          f"machine slows every number above)")
    con.close()
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
