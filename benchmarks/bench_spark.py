"""Benchmark the Spark engine at city scale beside DuckDB.

    python -m sitrep build-demo --scale city --out data/city.duckdb     # once
    pip install -r requirements-spark.txt                               # and Java 17
    python benchmarks/bench_spark.py --db data/city.duckdb [--lake DIR] [--master local[2]] [--as-of ...]

Exports the database to a lake (sitrep.lake; time and size), starts Spark (local[2] unless told
otherwise), then for each metric of the registry: DuckDB's time (warm: the median of 3 runs after
one) and Spark's time (the first run, and a second), the rows each returned and whether they
agree (sitrep.engines.agreement). Then the red list on each. Spark's times include planning and
the checkpointed steps (sitrep.engines.spark); no result is cached between runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitrep import lake  # noqa: E402
from sitrep.cli_common import connect_read  # noqa: E402
from sitrep.engines import spark as spark_engine  # noqa: E402
from sitrep.engines.agreement import differences  # noqa: E402
from sitrep.queries import run_metric  # noqa: E402
from sitrep.redlist import red_list  # noqa: E402
from sitrep.registry import metrics  # noqa: E402
from sitrep.settings import values as settings_values  # noqa: E402


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a city-scale database (build-demo --scale city)")
    parser.add_argument("--lake", help="lake folder (default: a temporary folder)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--as-of", help="moment (default: the data's newest)")
    parser.add_argument("--driver-memory", default="4g", help="spark.driver.memory (local mode: all of Spark)")
    parser.add_argument("--only", nargs="*", help="only these metric ids")
    args = parser.parse_args()

    spark_engine.require_spark()
    out = Path(args.lake) if args.lake else Path(tempfile.mkdtemp(prefix="sitrep-lake-"))
    result = lake.export(args.db, out)
    rows = sum(e["rows"] for e in result.manifest["tables"].values())
    print(f"lake export: {len(result.tables_written)} tables, {rows:,} rows, {result.bytes / 1e6:,.1f} MB "
          f"(database {Path(args.db).stat().st_size / 1e6:,.1f} MB) in {result.seconds:.1f} s -> {out}")
    again = lake.export(args.db, out)
    print(f"lake export again, nothing changed: {len(again.tables_written)} tables rewritten in {again.seconds:.1f} s")

    con = connect_read(args.db)
    as_of = pd.Timestamp(args.as_of or result.manifest["data_as_of"])
    (engine, start_s) = timed(lambda: spark_engine.SparkEngine.for_lake(
        out, master=args.master, conf={"spark.driver.memory": args.driver_memory}))
    print(f"Spark {engine.spark.version} {args.master}: session and lake tables ready in {start_s:.1f} s; as of {as_of}")
    # No time limit here: a benchmark measures how long a query takes, not whether it fits the app's limit.
    settings = {**settings_values(), "query_time_limit_seconds": 0}

    header = f"{'metric':<15}{'rows':>6}{'duckdb ms':>11}{'spark 1st s':>13}{'spark 2nd s':>13}{'ratio':>8}  agree"
    print(header)
    print("-" * len(header))
    total_duck = total_spark = 0.0
    chosen = [m for m in metrics().values() if not args.only or m.id in args.only]
    for metric in chosen:
        def duck():
            return run_metric(con, metric.id, as_of=as_of, settings=settings)
        expected, _ = timed(duck)
        warm = statistics.median(timed(duck)[1] for _ in range(3))
        got, first = timed(lambda: run_metric(engine, metric.id, as_of=as_of, settings=settings))
        _, second = timed(lambda: run_metric(engine, metric.id, as_of=as_of, settings=settings))
        found = differences(expected, got)
        total_duck += warm
        total_spark += second
        print(f"{metric.id:<15}{len(expected):>6}{warm * 1000:>11.0f}{first:>13.1f}{second:>13.1f}"
              f"{second / warm if warm else float('nan'):>7.0f}x  {'same' if not found else 'DIFFERENT: ' + found[0]}",
              flush=True)
    print(f"{'all metrics':<15}{'':>6}{total_duck * 1000:>11.0f}{'':>13}{total_spark:>13.1f}"
          f"{total_spark / total_duck:>7.0f}x")
    if not args.only:
        duck_items, duck_s = timed(lambda: red_list(con, as_of, settings=settings))
        spark_items, spark_s = timed(lambda: red_list(engine, as_of, settings=settings))
        found = differences(duck_items, spark_items)
        print(f"red list: DuckDB {duck_s:.1f} s, Spark {spark_s:.1f} s, {len(duck_items)} items, "
              f"{'same' if not found else 'DIFFERENT: ' + found[0]}")
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
