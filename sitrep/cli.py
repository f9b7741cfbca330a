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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitrep", description="Sitrep command line")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build-demo", help="build a database from the synthetic Chongqing scenario")
    build.add_argument("--scale", choices=["demo", "city"], default="demo",
                       help="demo: a month-long outbreak (default); city: adds a 32-million-person "
                            "testing round and hundreds of thousands of contacts, for benchmarks")
    build.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)")
    build.add_argument("--out", help=f"database file to write (default {DEFAULT_DB_PATH})")
    build.set_defaults(func=_build_demo)

    args = parser.parse_args(argv)
    return args.func(args)
