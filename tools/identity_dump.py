"""Dump everything a refactoring must leave unchanged, for a before/after comparison.

For each moment: the red list (JSON, as `python -m sitrep redlist --format json` prints it), the
briefing's and the bulletin's snapshots (canonical JSON), and every registry metric's query and
drill-through query, city-wide (CSV). Two dumps compare with `diff -r`.

    python tools/identity_dump.py --db data/sitrep.duckdb --out /tmp/before
    python tools/identity_dump.py --db data/sitrep.duckdb --out /tmp/after && diff -r /tmp/before /tmp/after
    python tools/identity_dump.py --compare /tmp/before /tmp/after

--compare says, per file that differs, whether every value of the first dump stands unchanged in
the second (JSON files that only gained fields), or where the first difference is.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitrep import QUERIES_DIR, registry  # noqa: E402
from sitrep.briefing.bulletin import build_bulletin  # noqa: E402
from sitrep.briefing.snapshot import build_snapshot, canonical_json  # noqa: E402
from sitrep.db import connect_read, install_staging_views  # noqa: E402
from sitrep.queries import run, run_metric  # noqa: E402
from sitrep.redlist import red_list  # noqa: E402

MOMENTS = ["2022-07-24 18:00", "2022-08-05 18:00"]
# The whole city, a district (江北, red at the peak), and one of its townships.
PLACES = [{}, {"district_code": "500105"}, {"district_code": "500105", "township_code": "500105001"}]


def added_fields(before, after, path: str = "$") -> set[str]:
    """The fields `after` has beyond `before`; ValueError naming the path where a value differs."""
    if isinstance(before, dict) and isinstance(after, dict):
        added = set(after) - set(before)
        for key in before:
            if key not in after:
                raise ValueError(f"{path}.{key}: gone")
            added |= added_fields(before[key], after[key], f"{path}.{key}")
        return added
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return set().union(*(added_fields(b, a, f"{path}[{i}]") for i, (b, a) in enumerate(zip(before, after))))
    if before != after:
        raise ValueError(f"{path}: {before!r} became {after!r}")
    return set()


def compare(first: Path, second: Path) -> int:
    names = sorted({p.relative_to(first) for p in first.rglob("*") if p.is_file()}
                   | {p.relative_to(second) for p in second.rglob("*") if p.is_file()})
    changed = 0
    for name in names:
        a, b = first / name, second / name
        if not (a.exists() and b.exists()):
            print(f"{name}: only in {first if a.exists() else second}")
            changed += 1
        elif not filecmp.cmp(a, b, shallow=False):
            if a.suffix != ".json":
                print(f"{name}: DIFFERS (diff {a} {b})")
                changed += 1
                continue
            try:
                added = added_fields(json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8")))
                print(f"{name}: every value unchanged; fields added: {', '.join(sorted(added))}")
            except ValueError as difference:
                print(f"{name}: DIFFERS: {difference}")
                changed += 1
    print(f"{len(names)} files compared, {changed} with a changed or missing value")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="data/sitrep.duckdb")
    parser.add_argument("--out")
    parser.add_argument("--moment", action="append", help="as-of moments (default: %(default)s)")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two dumps")
    args = parser.parse_args()
    if args.compare:
        return compare(Path(args.compare[0]), Path(args.compare[1]))
    if not args.out:
        parser.error("--out is required (or --compare BEFORE AFTER)")
    con = connect_read(args.db)
    install_staging_views(con)
    for text in args.moment or MOMENTS:
        as_of = pd.Timestamp(text)
        folder = Path(args.out) / as_of.strftime("%Y%m%dT%H%M")
        (folder / "metrics").mkdir(parents=True, exist_ok=True)
        items = red_list(con, as_of)
        (folder / "redlist.json").write_text(
            items.to_json(orient="records", force_ascii=False, date_format="iso", indent=1), encoding="utf-8")
        (folder / "briefing_snapshot.json").write_text(canonical_json(build_snapshot(con, as_of)), encoding="utf-8")
        (folder / "bulletin_snapshot.json").write_text(canonical_json(build_bulletin(con, as_of)), encoding="utf-8")
        for metric in registry.metrics().values():
            for query in [metric.query] + ([metric.detail] if metric.detail else []):
                for place in PLACES:
                    frame = run_metric(con, metric.id, as_of=as_of, query=query, **place)
                    name = "__".join([metric.id, query.replace("/", "_"), *place.values()])
                    frame.to_csv(folder / "metrics" / f"{name}.csv", index=False)
        # Queries no registry entry names (pages' and the briefing's own), city-wide.
        named = {q for m in registry.metrics().values() for q in (m.query, m.detail)}
        for path in sorted(QUERIES_DIR.glob("*/*.sql")):
            name = f"{path.parent.name}/{path.stem}"
            if path.parent.name in ("details", "overview", "briefing") and name not in named:
                run(con, name, as_of=as_of).to_csv(folder / "metrics" / f"{name.replace('/', '_')}.csv", index=False)
        print(f"{folder}: {len(items)} red items")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
