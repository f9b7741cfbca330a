"""DuckDB, PostgreSQL and pandas side by side: every registry metric and the red list, the same
queries with the same parameters, answers checked to agree.

    python -m sitrep build-demo --scale city --out data/city.duckdb     # once
    pip install -r requirements-bench.txt                               # psycopg; and Debian's postgresql
    python benchmarks/bench_engines.py --db data/city.duckdb [--as-of "2022-07-24 18:00"] [--runs 3]

PostgreSQL: a private PostgreSQL cluster (sitrep.engines.pg_cluster: initdb in a temporary
folder, a unix socket there and 127.0.0.1 at a free port, stopped and removed at the end, on error
too) is loaded from the DuckDB file (COPY, an index on every *_at, *_code and *_id column,
ANALYZE) and runs the queries/ files translated by sqlglot (sitrep.engines.postgres).
pandas: the tables loaded into DataFrames and each metric computed there, as most Streamlit
dashboards do (benchmarks/pandas_engine; a query it does not have yet shows "not implemented").

For each metric: the first run (cold: DuckDB and PostgreSQL on a new connection) and the median of
--runs further runs (warm) on each engine; the ratios PostgreSQL / DuckDB and pandas / DuckDB of
the warm times; whether each engine's rows are DuckDB's (sitrep.engines.agreement). No time limit
applies, and no engine caches a result between runs (the pandas engine keeps its staging frames,
computed once from the loaded tables, as a dashboard would).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitrep.db import connect_read, install_staging_views  # noqa: E402
from sitrep.engines.agreement import differences  # noqa: E402
from sitrep.engines.pg_cluster import (PostgresUnavailable, PrivateCluster, load_duckdb,  # noqa: E402
                                       require_psycopg)
from sitrep.queries import run_metric  # noqa: E402
from sitrep.redlist import red_list  # noqa: E402
from sitrep.registry import metrics  # noqa: E402
from sitrep.settings import values as settings_values  # noqa: E402

# The demo's peak (the most red items), the moment bench_metrics.py and the identity harness use.
PEAK = "2022-07-24 18:00"
GOAL_RATIO = 10
NOT_IMPLEMENTED = "not implemented"


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000


class Timing:
    """One engine's answer and times for one metric (or the red list)."""

    def __init__(self, frame: pd.DataFrame | None = None, cold_ms: float = float("nan"),
                 warm_ms: float = float("nan"), note: str = ""):
        self.frame, self.cold_ms, self.warm_ms, self.note = frame, cold_ms, warm_ms, note


def measure(first: Callable[[], pd.DataFrame], again: Callable[[], pd.DataFrame], runs: int) -> Timing:
    frame, cold = timed(first)
    warm = statistics.median(timed(again)[1] for _ in range(runs))
    return Timing(frame, cold, warm)


def agree(expected: Timing, got: Timing) -> str:
    if got.frame is None:
        return got.note or "n/a"
    found = differences(expected.frame, got.frame)
    return "yes" if not found else f"NO: {found[0]}"


def ms(value: float) -> str:
    return "—" if value != value else (f"{value:,.0f}" if value >= 10 else f"{value:.1f}")


def ratio(value: float, base: float) -> str:
    return "—" if value != value or base != base or not base else f"{value / base:.1f}x"


def run_duckdb(db: str, chosen: list[str], as_of: pd.Timestamp, settings: dict, runs: int) -> dict[str, Timing]:
    out = {}
    for metric_id in chosen:
        con = connect_read(db)
        install_staging_views(con)
        out[metric_id] = measure(lambda: run_metric(con, metric_id, as_of=as_of, settings=settings),
                                 lambda: run_metric(con, metric_id, as_of=as_of, settings=settings), runs)
        con.close()
        print(f"  duckdb {metric_id}: {ms(out[metric_id].warm_ms)} ms", file=sys.stderr, flush=True)
    con = connect_read(db)
    install_staging_views(con)
    out["red list"] = measure(lambda: red_list(con, as_of, settings=settings),
                              lambda: red_list(con, as_of, settings=settings), runs)
    con.close()
    return out


def run_postgres(engine_factory, chosen: list[str], as_of: pd.Timestamp, settings: dict,
                 runs: int) -> dict[str, Timing]:
    import psycopg

    out = {}
    for metric_id in chosen:
        engine = engine_factory()
        try:
            out[metric_id] = measure(lambda: run_metric(engine, metric_id, as_of=as_of, settings=settings),
                                     lambda: run_metric(engine, metric_id, as_of=as_of, settings=settings), runs)
        except psycopg.Error as error:
            out[metric_id] = Timing(note=f"ERROR: {str(error).splitlines()[0]}")
        finally:
            engine.close()
        print(f"  postgres {metric_id}: {ms(out[metric_id].warm_ms)} ms {out[metric_id].note}",
              file=sys.stderr, flush=True)
    engine = engine_factory()
    try:
        out["red list"] = measure(lambda: red_list(engine, as_of, settings=settings),
                                  lambda: red_list(engine, as_of, settings=settings), runs)
    finally:
        engine.close()
    return out


def run_pandas(engine, chosen: list[str], as_of: pd.Timestamp, settings: dict, runs: int) -> dict[str, Timing]:
    out = {}
    for metric_id in chosen + ["red list"]:
        if metric_id == "red list":
            once = lambda: red_list(engine, as_of, settings=settings)  # noqa: E731
        else:
            once = lambda: run_metric(engine, metric_id, as_of=as_of, settings=settings)  # noqa: E731
        try:
            out[metric_id] = measure(once, once, runs)
        except NotImplementedError as missing:
            out[metric_id] = Timing(note=NOT_IMPLEMENTED)
            print(f"  pandas {metric_id}: {missing}", file=sys.stderr, flush=True)
            continue
        except Exception as error:  # a failure inside the pandas engine: shown as ERROR in its row, the run goes on
            out[metric_id] = Timing(note=f"ERROR: {type(error).__name__}: {error}")
            print(f"  pandas {metric_id}: {out[metric_id].note}", file=sys.stderr, flush=True)
            continue
        print(f"  pandas {metric_id}: {ms(out[metric_id].warm_ms)} ms", file=sys.stderr, flush=True)
    return out


def table(chosen: list[str], duck: dict[str, Timing], pg: dict[str, Timing],
          pandas_times: dict[str, Timing] | None) -> pd.DataFrame:
    rows = []
    for metric_id in chosen + ["red list"]:
        d, p = duck[metric_id], pg.get(metric_id, Timing(note="n/a"))
        q = (pandas_times or {}).get(metric_id, Timing(note="pandas not available"))
        rows.append({
            "metric": metric_id, "rows": len(d.frame),
            "DuckDB cold": ms(d.cold_ms), "DuckDB warm": ms(d.warm_ms),
            "PG cold": ms(p.cold_ms), "PG warm": ms(p.warm_ms),
            "pandas cold": ms(q.cold_ms), "pandas warm": ms(q.warm_ms),
            "PG/DuckDB": ratio(p.warm_ms, d.warm_ms), "pandas/DuckDB": ratio(q.warm_ms, d.warm_ms),
            "PG agrees": agree(d, p), "pandas agrees": agree(d, q),
        })
    return pd.DataFrame(rows)


def totals(chosen: list[str], times: dict[str, Timing]) -> float:
    values = [times[m].warm_ms for m in chosen if m in times and times[m].frame is not None]
    return sum(values) if len(values) == len(chosen) else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a Sitrep DuckDB file (the demo, or build-demo --scale city)")
    parser.add_argument("--as-of", default=PEAK, help=f"moment (default: the demo's peak, {PEAK})")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per metric and engine (median; default 3)")
    parser.add_argument("--only", nargs="*", help="only these metric ids")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas engine")
    args = parser.parse_args()
    if not Path(args.db).exists():
        print(f"no database at {args.db}; build one: python -m sitrep build-demo --scale city --out {args.db}")
        return 2
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    # A stop (kill, the end of a CI job) ends the script through SystemExit, so the private
    # cluster is stopped and its folder removed, as on an error.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    as_of = pd.Timestamp(args.as_of)
    registry = metrics()
    unknown = sorted(set(args.only or []) - set(registry))
    if unknown:
        parser.error(f"no metric {unknown} in metrics.toml")
    chosen = [m for m in registry if not args.only or m in args.only]
    # No time limit: a benchmark measures how long a query takes, not whether it fits the app's limit.
    settings = {**settings_values(), "query_time_limit_seconds": 0}
    con = connect_read(args.db)
    info = dict(con.execute("select key, value from dataset_info").fetchall())
    sizes = dict(con.execute("select table_name, estimated_size from duckdb_tables()").fetchall())
    con.close()
    print(f"database {args.db} ({Path(args.db).stat().st_size / 1e6:,.0f} MB): scale {info.get('scenario_scale')}, "
          f"{sum(sizes.values()):,} rows in {len(sizes)} tables (testing_samples {sizes.get('testing_samples', 0):,}, "
          f"testing_tubes {sizes.get('testing_tubes', 0):,}); as of {as_of}; {os.cpu_count()} cores; "
          f"warm = median of {args.runs} runs", flush=True)

    print("DuckDB ...", file=sys.stderr, flush=True)
    duck = run_duckdb(args.db, chosen, as_of, settings, args.runs)

    loads = []
    pg: dict[str, Timing] = {}
    try:
        from sitrep.engines.postgres import PostgresEngine
        started = time.perf_counter()
        with PrivateCluster() as cluster:
            start_s = time.perf_counter() - started
            print("PostgreSQL: loading ...", file=sys.stderr, flush=True)
            report = load_duckdb(cluster, args.db,
                                 progress=lambda message: print(f"  {message}", file=sys.stderr, flush=True))
            with require_psycopg().connect(**cluster.conninfo()) as con:
                server = con.execute("show server_version").fetchone()[0]
            loads.append(f"PostgreSQL {server}: cluster started in {start_s:.1f} s; {sum(report.rows.values()):,} rows "
                         f"copied in {report.copy_seconds:.1f} s, {len(report.indexes)} indexes in "
                         f"{report.index_seconds:.1f} s, ANALYZE in {report.analyze_seconds:.1f} s "
                         f"(load {report.seconds:.1f} s)")
            pg = run_postgres(lambda: PostgresEngine(cluster.conninfo(), time_limit=None),
                              chosen, as_of, settings, args.runs)
    except PostgresUnavailable as missing:
        loads.append(f"PostgreSQL not available: {missing}")

    pandas_times = None
    if args.no_pandas:
        loads.append("pandas: skipped (--no-pandas)")
    else:
        try:
            from benchmarks.pandas_engine import PandasEngine, load_tables
        except ImportError as missing:
            loads.append(f"pandas not available (benchmarks/pandas_engine: {missing})")
        else:
            print("pandas: loading ...", file=sys.stderr, flush=True)
            tables, load_ms = timed(lambda: load_tables(args.db))
            loads.append(f"pandas: {len(tables)} tables loaded into DataFrames in {load_ms / 1000:.1f} s")
            pandas_times = run_pandas(PandasEngine(tables), chosen, as_of, settings, args.runs)
            del tables

    print()
    for line in loads:
        print(line)
    result = table(chosen, duck, pg, pandas_times)
    print(f"\nTimes in ms; cold = first run, warm = median of {args.runs} runs; ratios of the warm times.")
    with pd.option_context("display.width", 250, "display.max_rows", 200, "display.max_colwidth", 60):
        print(result.to_string(index=False))

    duck_total, pg_total = totals(chosen, duck), totals(chosen, pg)
    pandas_total = totals(chosen, pandas_times or {})
    print(f"\nAll {len(chosen)} metrics, warm: DuckDB {ms(duck_total)} ms, PostgreSQL {ms(pg_total)} ms "
          f"({ratio(pg_total, duck_total)}), pandas {ms(pandas_total)} ms ({ratio(pandas_total, duck_total)})")
    for name, times in (("PostgreSQL", pg), ("pandas", pandas_times or {})):
        measured = [m for m in chosen + ["red list"] if m in times and times[m].frame is not None]
        if not measured:
            continue
        behind = [m for m in measured if times[m].warm_ms < GOAL_RATIO * duck[m].warm_ms]
        print(f"DuckDB >= {GOAL_RATIO}x {name}: {len(measured) - len(behind)} of {len(measured)}"
              + (f"; not on: {', '.join(behind)}" if behind else ""))
    disagree = [(m, column) for m in chosen + ["red list"] for column in ("PG agrees", "pandas agrees")
                if result.loc[result["metric"] == m, column].iloc[0].startswith(("NO", "ERROR"))]
    print("every answer agrees with DuckDB's" if not disagree else
          f"DISAGREE: {', '.join(f'{m} ({c.split()[0]})' for m, c in disagree)}")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
