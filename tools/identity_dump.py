"""Dump everything a refactoring must leave unchanged, for a before/after comparison.

For each moment: the red list (JSON, as `python -m sitrep redlist --format json` prints it), the
briefing's and the bulletin's snapshots (canonical JSON), and every registry metric's query and
drill-through query, city-wide (CSV). Two dumps compare with `diff -r`.

    python tools/identity_dump.py --db data/sitrep.duckdb --out /tmp/before
    python tools/identity_dump.py --db data/sitrep.duckdb --out /tmp/after && diff -r /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="data/sitrep.duckdb")
    parser.add_argument("--out", required=True)
    parser.add_argument("--moment", action="append", help="as-of moments (default: %(default)s)")
    args = parser.parse_args()
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
