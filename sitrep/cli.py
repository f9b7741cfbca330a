"""Command line: `python -m sitrep COMMAND`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sitrep import DEFAULT_DB_PATH

DEFAULT_SEED = 20220713


def _build_demo(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sitrep.scenario.build import build_database

    out = Path(args.out) if args.out else DEFAULT_DB_PATH
    started = time.perf_counter()
    with tqdm(total=100, desc="building", unit="%", bar_format="{desc:<24}{percentage:3.0f}%|{bar}| {elapsed}",
              file=sys.stderr) as bar:
        def progress(label: str, fraction: float) -> None:
            bar.set_description(label)
            bar.update(round(fraction * 100) - bar.n)

        build_database(out, seed=args.seed, scale=args.scale, progress=progress)
    print(f"built {out} ({args.scale} scale, seed {args.seed}) in {time.perf_counter() - started:.1f} s")
    return 0


def _connect_read(db: str | None):
    import duckdb

    from sitrep.db import install_staging_views

    path = Path(db) if db else DEFAULT_DB_PATH
    if not path.exists():
        raise SystemExit(f"no database at {path}: build one with `python -m sitrep build-demo` or pass --db")
    con = duckdb.connect(str(path), read_only=True)
    install_staging_views(con)
    return con


def _as_of(con, text: str | None):
    import pandas as pd

    from sitrep.db import dataset_info

    if text:
        try:
            return pd.Timestamp(text)
        except ValueError:
            raise SystemExit(f"--as-of: not a date and time: {text!r} (use e.g. '2022-07-28 18:00')")
    return pd.Timestamp(dataset_info(con)["data_as_of"])


def _redlist(args: argparse.Namespace) -> int:
    from sitrep.formatting import format_threshold, format_value
    from sitrep.redlist import red_list

    con = _connect_read(args.db)
    as_of = _as_of(con, args.as_of)
    items = red_list(con, as_of, district_code=args.district)
    if args.format == "csv":
        items.to_csv(sys.stdout, index=False, date_format="%Y-%m-%d %H:%M")
    elif args.format == "json":
        print(items.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
    else:
        print(f"红色预警 Red list as of {as_of:%Y-%m-%d %H:%M} (Asia/Shanghai): {len(items)} items")
        shown = items.assign(
            district=items["district_name_zh"].fillna("全市"),
            value=[format_value(v, u) for v, u in zip(items["value"], items["unit"])],
            threshold=[format_threshold(v, u) for v, u in zip(items["threshold"], items["threshold_unit"])],
            since=items["red_since"].dt.strftime("%m-%d %H:%M").fillna(""),
        )[["rule_id", "name_zh", "district", "round_id", "value", "threshold", "since", "source"]]
        if shown["round_id"].isna().all():
            shown = shown.drop(columns="round_id")
        print(shown.to_string(index=False) if len(shown) else "(nothing is red)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitrep", description="Sitrep command line")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build-demo", help="build a database from the synthetic Chongqing scenario")
    build.add_argument("--scale", choices=["demo", "city"], default="demo",
                       help="demo: a month-long outbreak (default); city: adds a 32-million-person "
                            "testing round and hundreds of thousands of contacts, for benchmarks")
    build.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)")
    build.add_argument("--out", "--db", dest="out", help=f"database file to write (default {DEFAULT_DB_PATH})")
    build.set_defaults(func=_build_demo)

    red = sub.add_parser("redlist", help="every rule breaching its threshold, per district")
    red.add_argument("--as-of", help="moment to compute for, e.g. '2022-07-28 18:00' (default: newest data)")
    red.add_argument("--format", choices=["table", "csv", "json"], default="table")
    red.add_argument("--district", help="only this district code, e.g. 500105")
    red.add_argument("--db", help=f"database file (default {DEFAULT_DB_PATH})")
    red.set_defaults(func=_redlist)

    args = parser.parse_args(argv)
    return args.func(args)
