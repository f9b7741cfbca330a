"""Briefing and bulletin: how long a duty officer waits, and the memory it takes, at city scale.

    python benchmarks/bench_briefing.py --db /tmp/city.duckdb [--as-of "2022-08-05 18:00"]

Times (median of --runs, after one warm-up run), for the daily briefing and the 2-hour testing
bulletin, split as the briefing page spends them:

  to preview   what a visit waits for before the page shows the document: building the snapshot
               from the query layer, then composing it without charts as Markdown (the preview)
  files        what only asking for the files costs: composing with the charts drawn, then
               rendering Markdown, DOCX and PDF

Peak RSS of this process at the end.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitrep.briefing.bulletin import build_bulletin  # noqa: E402
from sitrep.briefing.compose import compose_briefing, compose_bulletin  # noqa: E402
from sitrep.briefing.render import FORMATS, render, to_markdown  # noqa: E402
from sitrep.briefing.snapshot import build_snapshot, snapshot_sha256  # noqa: E402
from sitrep.db import connect_read, dataset_info, install_staging_views  # noqa: E402


def timed(step, runs: int):
    step()                                    # warm-up: caches and lazy imports
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-of", help="default: the newest data")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    con = connect_read(args.db)
    install_staging_views(con)
    info = dataset_info(con)
    as_of = pd.Timestamp(args.as_of or info["data_as_of"])
    print(f"database {args.db}: scale {info.get('scenario_scale')}, as of {as_of:%Y-%m-%d %H:%M}; "
          f"median of {args.runs} runs after a warm-up\n")
    rows = []
    for kind, build, compose in (("briefing", build_snapshot, compose_briefing),
                                 ("bulletin", build_bulletin, compose_bulletin)):
        snap_s, snapshot = timed(lambda: build(con, as_of), args.runs)
        plain = (lambda s: compose(s, "zh", with_charts=False)) if kind == "briefing" else (lambda s: compose(s, "zh"))
        preview_s, _ = timed(lambda: to_markdown(plain(snapshot), images="omit"), args.runs)
        compose_s, doc = timed(lambda: compose(snapshot, "zh"), args.runs)
        row = {"document": kind, "snapshot s": round(snap_s, 2), "preview md s": round(preview_s, 3),
               "to preview s": round(snap_s + preview_s, 2), "compose+charts s": round(compose_s, 2)}
        for fmt in FORMATS:
            seconds, data = timed(lambda: render(doc, fmt), args.runs)
            row[f"{fmt} s"] = round(seconds, 2)
            row[f"{fmt} KB"] = round(len(data) / 1024)
        row["files s"] = round(compose_s + sum(row[f"{f} s"] for f in FORMATS), 2)
        row["sha256"] = snapshot_sha256(snapshot)[:12]
        rows.append(row)
    print(pd.DataFrame(rows).to_string(index=False))
    print("\nto preview: what every visit waits for (snapshot + Markdown without charts); files: made only "
          "when asked for (charts + Markdown + DOCX + PDF), then cached by the snapshot's SHA-256")
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
