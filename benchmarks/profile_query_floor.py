"""Where the time of a small metric query goes, step by step (issue 13: the per-query floor).

    python benchmarks/profile_query_floor.py --db /work/city.duckdb
    python benchmarks/profile_query_floor.py --db /tmp/demo_baseline.duckdb --as-of "2022-08-01 18:00"

The app's path for one metric: sitrep.db.new_cursor (a cursor of the read-only connection, the
scope views of a district-bound user, the staging views), then sitrep.queries.run: bind the
parameters, arm the time limit, con.execute, .df(). This prints what each of those steps costs,
the floor (`select 1` on a cursor), and, from DuckDB's own profile of one run (profiling_mode
'detailed'), how much of a query's time is binding, optimizing and physical planning rather than
executing. Medians of --runs runs; the machine is shared, so read them as orders of magnitude.
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

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitrep import DATA_DIR, queries  # noqa: E402
from sitrep.db import connect_read, dataset_info, new_cursor  # noqa: E402
from sitrep.queries import bind, metric_parameters, run_metric, sql_text  # noqa: E402

SMALL = ["EPI-ARRIVE", "EPI-CORE", "EPI-FULL", "EPI-ASSIST", "EPI-REPORT", "EPI-PUBLISH", "TEST-ROUND",
         "TEST-CADENCE", "TEST-POOL", "RISK-AREAS", "RISK-STAFF", "RISK-SUPPLY", "VAC-60"]
A_DISTRICT = ("500105",)


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def duckdb_profile(cur, sql: str, bound: dict) -> dict[str, float]:
    """Milliseconds DuckDB spent binding, optimizing, physically planning and in all, for one run."""
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    cur.execute("pragma enable_profiling = 'json'")
    cur.execute("pragma profiling_mode = 'detailed'")
    cur.execute(f"pragma profiling_output = '{out}'")
    try:
        cur.execute(sql, bound).fetchall()
    finally:
        cur.execute("pragma disable_profiling")
        cur.execute("pragma profiling_mode = 'standard'")
    profile = json.loads(out.read_text())
    out.unlink()
    return {"bind": profile["planner"]["binding_time"] * 1000,
            "optimize": profile["optimizer"]["total_time"] * 1000,
            "stats prop.": profile["optimizer"]["statistics_propagation"] * 1000,
            "phys. plan": profile["physical_planner"]["total_time"] * 1000,
            "duckdb total": profile["query"]["total_time"] * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(DATA_DIR / "city.duckdb"))
    parser.add_argument("--as-of", default=None, help="default: the database's data_as_of")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--metric", action="append", help=f"metric ids (default: {', '.join(SMALL)})")
    args = parser.parse_args()
    if not os.path.exists(args.db):
        print(f"no database at {args.db}")
        return 2

    started = time.perf_counter()
    con = connect_read(args.db)
    connect_ms = (time.perf_counter() - started) * 1000
    as_of = pd.Timestamp(args.as_of or dataset_info(con)["data_as_of"])
    print(f"database {args.db}, as of {as_of}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"medians of {args.runs} runs\n")

    def fresh_cursor(scope):
        new_cursor(con, scope=scope).close()

    cur = new_cursor(con, scope=None)
    steps = {
        "connect_read (once per file version)": connect_ms,
        "new_cursor, whole city (staging views)": median_ms(lambda: fresh_cursor(None), max(3, args.runs // 3)),
        "new_cursor, one district (scope + staging views)": median_ms(lambda: fresh_cursor(A_DISTRICT),
                                                                      max(3, args.runs // 3)),
        "select 1: execute + fetchall (the floor)": median_ms(lambda: cur.execute("select 1").fetchall(), args.runs),
        "select 1: execute + .df()": median_ms(lambda: cur.execute("select 1").df(), args.runs),
        "select 1 through queries.run's time limit": median_ms(lambda: _guarded(cur), args.runs),
    }
    width = max(map(len, steps))
    print("Per cursor and the floor:")
    for step, ms in steps.items():
        print(f"  {step:<{width}}  {ms:8.2f} ms")

    rows = []
    for metric_id in args.metric or SMALL:
        name, params = metric_parameters(metric_id, as_of=as_of)
        sql, bound = sql_text(name), bind(name, params)
        run_metric(cur, metric_id, as_of=as_of)      # warm the cache
        row = {"metric": metric_id,
               "bind µs": round(median_ms(lambda: bind(name, params), args.runs) * 1000),
               "execute ms": median_ms(lambda: cur.execute(sql, bound), args.runs),
               "+fetchall ms": median_ms(lambda: cur.execute(sql, bound).fetchall(), args.runs),
               "+df ms": median_ms(lambda: cur.execute(sql, bound).df(), args.runs),
               "run_metric ms": median_ms(lambda: run_metric(cur, metric_id, as_of=as_of), args.runs)}
        row.update(duckdb_profile(cur, sql, bound))
        rows.append(row)
    table = pd.DataFrame(rows).round(2)
    table["planning share"] = ((table["bind"] + table["optimize"] + table["phys. plan"])
                               / table["duckdb total"]).map("{:.0%}".format)
    print("\nSmall metric queries (bind: queries.bind; execute: con.execute, result held in DuckDB; "
          "+fetchall / +df: and fetched; run_metric: the app's whole path;\nthen DuckDB's profile of one run: "
          "bind, optimize (of which statistics propagation), physical planning, its total):")
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(table.to_string(index=False))
    print(f"\nsums over {len(table)} queries: run_metric {table['run_metric ms'].sum():.0f} ms, "
          f"DuckDB planning {(table['bind'] + table['optimize'] + table['phys. plan']).sum():.0f} ms, "
          f"DataFrame conversion (+df - +fetchall) {(table['+df ms'] - table['+fetchall ms']).sum():.0f} ms")
    return 0


def _guarded(cur) -> None:
    """`select 1` under the time limit the way queries.run arms it (queries.guarded_df)."""
    queries.guarded_df(cur, "select 1", {}, "select_one", 30.0)


if __name__ == "__main__":
    sys.exit(main())
