"""Import speed and memory: a 1-million-row file of testing samples, at city scale.

    python benchmarks/bench_import.py --db /tmp/city.duckdb       # a city-scale database (build-demo --scale city)
    python benchmarks/bench_import.py                             # builds a demo database first

Works on a copy of --db (the original is never touched). Each run is a separate process, so its
peak RSS is its own: the `python -m sitrep import` a duty officer runs, timed end to end, with the
time of each step from the importer's progress callback. Runs:
  1. 1,000,000 new samples (CSV, UTF-8 with BOM)           -> 1,000,000 inserted
  2. the same file again                                    -> 1,000,000 unchanged (idempotent)
  3. the same rows in GB18030 with 1% of them changed       -> 10,000 updated, 990,000 unchanged
  4. check only (no write)
  5. 100,000 rows as XLSX (openpyxl reads it cell by cell, in streaming mode)
  6. 6,000,000 new samples (CSV, about 200 MB)             -> 6,000,000 inserted (--big-rows 0 skips it)
The targets: run 1 under 30 s, run 6 under 3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def one_run(args: argparse.Namespace) -> None:
    """Child process: one import, its steps and peak RSS as JSON on stdout."""
    from sitrep.db import connect_read
    from sitrep.intake.run import check_file, import_file

    data = Path(args.file).read_bytes()
    # Each step's time and peak RSS: at each step's start the peak so far is read (it belongs to
    # the step before) and reset (Linux: 5 to /proc/self/clear_refs), so a step's peak is its own.
    marks: list[tuple[str, float, int]] = []
    overall = [0]

    def mark(label: str, _fraction: float = 0.0) -> None:
        peak = peak_rss_kb()
        overall[0] = max(overall[0], peak)
        marks.append((label, time.perf_counter() - started, peak))
        reset_peak_rss()

    started = time.perf_counter()
    mark("starting")
    if args.check_only:
        con = connect_read(args.db)
        outcome, _ = check_file(con, data, Path(args.file).name, "testing_samples", progress=mark)
        con.close()
    else:
        outcome = import_file(args.db, data, Path(args.file).name, "testing_samples", by="benchmark", progress=mark)
    total = time.perf_counter() - started
    mark("end")
    steps = {}
    for (label, at, _), (_, until, peak) in zip(marks, marks[1:]):
        if label not in ("starting", "done", "end"):
            steps[label] = {"s": round(until - at, 2), "peak_rss_mb": round(peak / 1024)}
    c = outcome.counts
    print(json.dumps({"status": outcome.status, "rows": outcome.rows_in_file, "inserted": c.inserted,
                      "updated": c.updated, "unchanged": c.unchanged, "problems": len(outcome.problems),
                      "seconds": round(total, 2), "steps": steps,
                      "peak_rss_mb": round(overall[0] / 1024)}))


def reset_peak_rss() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass        # not Linux, or not allowed: the peaks are then running peaks


def peak_rss_kb() -> int:
    """This process's own peak RSS. Linux's ru_maxrss keeps, across exec, the peak of the forked
    copy of the parent (which built the files: over a gigabyte), so VmHWM is read instead."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(db: Path, file: Path, check_only: bool = False) -> dict:
    command = [sys.executable, __file__, "--one", "--db", str(db), "--file", str(file)]
    if check_only:
        command.append("--check-only")
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    out = json.loads(result.stdout.strip().splitlines()[-1])
    out["wall_seconds"] = round(time.perf_counter() - started, 2)   # with interpreter start and imports
    return out


def samples_file(path: Path, first_id: int, tube_ids: np.ndarray, rows: int, encoding: str = "utf-8-sig",
                 changed_every: int = 0) -> Path:
    rng = np.random.default_rng(7)
    minutes = rng.integers(0, 600, rows)
    if changed_every:
        minutes[::changed_every] += 1
    frame = pd.DataFrame({
        "采样编号": np.arange(first_id, first_id + rows),
        "样本管编号": tube_ids[np.arange(rows) % len(tube_ids)],
        "采样时间": (pd.Timestamp("2022-08-05 06:00") + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%d %H:%M"),
    })
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding=encoding)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="database to copy and import into (default: build a demo database)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=6_000_000, help="rows of the big CSV run (0: skip it)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--check-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_run(args)
        return

    work = Path(tempfile.mkdtemp(prefix="sitrep-bench-import-"))
    try:
        db = work / "sitrep.duckdb"
        if args.db:
            shutil.copyfile(args.db, db)
        else:
            subprocess.run([sys.executable, "-m", "sitrep", "build-demo", "--out", str(db)], cwd=ROOT, check=True)
        con = duckdb.connect(str(db), read_only=True)
        scale = dict(con.execute("select key, value from dataset_info").fetchall()).get("scenario_scale")
        held = con.execute("select count(*), coalesce(max(sample_id), 0) from testing_samples").fetchone()
        tube_ids = con.execute("select tube_id from testing_tubes order by tube_id limit 100000").df()["tube_id"]
        tubes = con.execute("select count(*) from testing_tubes").fetchone()[0]
        con.close()
        if not len(tube_ids):
            raise SystemExit("the database holds no testing tubes to sample into")
        first = held[1] + 1
        print(f"database: {args.db or 'fresh demo build'} (scale {scale}, {db.stat().st_size / 2**20:,.0f} MB), "
              f"{held[0]:,} samples and {tubes:,} tubes held; {os.cpu_count()} cores")

        made = time.perf_counter()
        csv_file = samples_file(work / "samples.csv", first, tube_ids.to_numpy(), args.rows)
        gb_file = samples_file(work / "samples_gb18030.csv", first, tube_ids.to_numpy(), args.rows, "gb18030",
                               changed_every=100)
        xlsx_file = samples_file(work / "samples.xlsx", first + args.rows, tube_ids.to_numpy(), 100_000)
        big_file = samples_file(work / "samples_big.csv", first + args.rows + 100_000, tube_ids.to_numpy(),
                                args.big_rows) if args.big_rows else None
        print(f"files written in {time.perf_counter() - made:.1f} s: {csv_file.stat().st_size / 2**20:.1f} MB CSV, "
              f"{xlsx_file.stat().st_size / 2**20:.1f} MB XLSX"
              + (f", {big_file.stat().st_size / 2**20:.1f} MB big CSV" if big_file else "") + "\n")

        runs = [
            (f"1. {args.rows:,} new samples, CSV UTF-8 BOM", csv_file, False),
            ("2. the same file again", csv_file, False),
            ("3. GB18030, 1% of rows changed", gb_file, False),
            ("4. check only, nothing written", csv_file, True),
            ("5. 100,000 new samples, XLSX", xlsx_file, False),
        ]
        if big_file:
            runs.append((f"6. {args.big_rows:,} new samples, CSV", big_file, False))
        rows = []
        for label, path, check_only in runs:
            out = run_child(db, path, check_only)
            rows.append({"run": label, "status": out["status"], "inserted": out["inserted"],
                         "updated": out["updated"], "unchanged": out["unchanged"], "import s": out["seconds"],
                         "wall s": out["wall_seconds"], "peak RSS MB": out["peak_rss_mb"]})
            print(f"{label}: {out['status']} in {out['seconds']} s, peak RSS {out['peak_rss_mb']:,} MB; steps: "
                  + ", ".join(f"{k} {v['s']} s (peak {v['peak_rss_mb']:,} MB)" for k, v in out["steps"].items()))
        print()
        print(pd.DataFrame(rows).to_string(index=False))
        con = duckdb.connect(str(db), read_only=True)
        after = con.execute("select count(*), count(distinct sample_id) from testing_samples").fetchone()
        con.close()
        expected = held[0] + args.rows + 100_000 + args.big_rows
        print(f"\nsamples held after: {after[0]:,} ({after[1]:,} distinct ids; expected {expected:,})")
        first_run = rows[0]["import s"]
        print(f"1M-row import: {first_run} s ({'under' if first_run < 30 else 'OVER'} the 30 s target)")
        if big_file:
            big_run = rows[-1]["import s"]
            print(f"{args.big_rows:,}-row import: {big_run} s ({'under' if big_run < 180 else 'OVER'} the 180 s target)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
