"""Geography below the 38 units: townships/streets, villages/communities and grids.

The 38 units, their census population and outlines are real (data/reference). The levels
below are synthetic: plausible names and counts (Chongqing has about 1,000 townships and
11,000 villages and communities), placed inside the real outlines, with the census figure
split among them. Where a unit has no census figure, its sub-units have none either.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from shapely.geometry import Point, shape
from shapely.prepared import prep

from sitrep.reference import load_districts, load_outlines
from sitrep.scenario.core import Scenario

CENTRAL_DISTRICTS = {"500103", "500104", "500105", "500106", "500107", "500108", "500109",
                     "500112", "500113"}  # 主城九区 of notice 002

_NAME_CHARS = list("龙泉石桥新华安平兴和顺福寿长乐青山白沙红岩金竹桂花黄桷观音鸳鸯天星盘溪大坪"
                   "双凤回兴翠云礼嘉人和悦来玉峰杨家坪渝州铜罐驿走马西彭南泉鱼洞李家沱界石"
                   "东温中梁歌乐井口土主蔡家歇马静观天府复兴柳荫三圣童家溪水土古路")
_SUFFIX = {"street": "街道", "town": "镇", "township": "乡"}


def _unique_names(rng: np.random.Generator, n: int, suffix_of: list[str]) -> list[str]:
    names, seen = [], set()
    while len(names) < n:
        s = _NAME_CHARS[rng.integers(len(_NAME_CHARS))] + _NAME_CHARS[rng.integers(len(_NAME_CHARS))]
        if s[0] == s[1] or s in seen:
            continue
        seen.add(s)
        names.append(s + suffix_of[len(names)])
    return names


def _points_inside(rng: np.random.Generator, geometry: dict, n: int) -> np.ndarray:
    poly = shape(geometry)
    prepared = prep(poly)
    minx, miny, maxx, maxy = poly.bounds
    out = []
    while len(out) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        out.extend((x, y) for x, y in zip(xs, ys) if prepared.contains(Point(x, y)))
    return np.array(out[:n])


def haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def generate(sc: Scenario) -> dict[str, pd.DataFrame]:
    rng = sc.rng("geography")
    districts = load_districts()
    outlines = load_outlines()

    district_rows, township_rows, community_rows, grid_rows = [], [], [], []
    for d in districts:
        district_rows.append({
            "district_code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "kind": d.kind,
            "population_2020": d.population_2020, "population_source": d.population_source,
            "centroid_lon": d.lon, "centroid_lat": d.lat,
            "outline_geojson": json.dumps(outlines[d.code], separators=(",", ":")),
        })
        pop = d.population_2020
        n_town = int(np.clip(round((pop or 700_000) / 32_000), 12, 45))
        if d.code in CENTRAL_DISTRICTS:
            kinds = ["street"] * n_town if d.code == "500103" else \
                list(rng.choice(["street", "town"], n_town, p=[0.7, 0.3]))
        else:
            kinds = list(rng.choice(["street", "town", "township"], n_town, p=[0.2, 0.6, 0.2]))
        names = _unique_names(rng, n_town, [_SUFFIX[k] for k in kinds])
        centroids = _points_inside(rng, outlines[d.code], n_town)
        # Urban streets hold more people than rural townships.
        weight = np.array([{"street": 3.0, "town": 1.5, "township": 0.6}[k] for k in kinds])
        shares = rng.dirichlet(weight * 4)
        town_pops = (np.floor(shares * pop).astype(int) if pop else [None] * n_town)
        if pop:
            town_pops[0] += pop - int(np.sum(town_pops))  # keep the census total exact
        for i in range(n_town):
            tcode = f"{d.code}{i + 1:03d}"
            township_rows.append({
                "township_code": tcode, "district_code": d.code, "name_zh": names[i],
                "kind": kinds[i], "population": None if town_pops[i] is None else int(town_pops[i]),
                "centroid_lon": round(float(centroids[i, 0]), 5),
                "centroid_lat": round(float(centroids[i, 1]), 5),
            })
            n_comm = int(rng.integers(7, 15))
            c_kinds = ["community"] * n_comm if kinds[i] == "street" else \
                list(rng.choice(["community", "village"], n_comm, p=[0.25, 0.75]))
            c_names = _unique_names(rng, n_comm, ["社区" if k == "community" else "村" for k in c_kinds])
            if town_pops[i] is None:
                c_pops = [None] * n_comm
            else:
                c_pops = np.floor(rng.dirichlet(np.full(n_comm, 3.0)) * town_pops[i]).astype(int)
                c_pops[0] += town_pops[i] - int(np.sum(c_pops))
            for j in range(n_comm):
                ccode = f"{tcode}{j + 1:03d}"
                community_rows.append({
                    "community_code": ccode, "township_code": tcode, "district_code": d.code,
                    "name_zh": c_names[j], "kind": c_kinds[j],
                    "population": None if c_pops[j] is None else int(c_pops[j]),
                })
                n_grid = int(rng.integers(3, 7))
                for k in range(n_grid):
                    grid_rows.append({"grid_code": f"{ccode}{k + 1:02d}", "community_code": ccode,
                                      "district_code": d.code, "name_zh": f"第{k + 1}网格"})

    districts_df = pd.DataFrame(district_rows)
    districts_df["population_2020"] = districts_df["population_2020"].astype("Int64")
    townships = pd.DataFrame(township_rows)
    townships["population"] = townships["population"].astype("Int64")
    communities = pd.DataFrame(community_rows)
    communities["population"] = communities["population"].astype("Int64")

    return {
        "districts": districts_df,
        "townships": townships,
        "communities": communities,
        "grids": pd.DataFrame(grid_rows),
        "commuting_ties": commuting_ties(districts_df),
    }


def simulation_weight(districts: pd.DataFrame) -> np.ndarray:
    """Population used to weight movement; a unit without a census figure gets the median.

    This weight only steers the simulation and is never stored or shown as a population.
    """
    pop = districts["population_2020"].astype("float64")
    return pop.fillna(pop.median()).to_numpy()


def commuting_ties(districts: pd.DataFrame) -> pd.DataFrame:
    """Gravity model of daily trips: most trips stay home; the rest go to big, near units."""
    lon = districts["centroid_lon"].to_numpy()
    lat = districts["centroid_lat"].to_numpy()
    codes = districts["district_code"].to_numpy()
    weight = simulation_weight(districts)
    dist = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    gravity = weight[None, :] / (dist + 15.0) ** 2.2
    np.fill_diagonal(gravity, 0.0)
    away = np.array([0.30 if c in CENTRAL_DISTRICTS else 0.10 for c in codes])
    share = gravity / gravity.sum(axis=1, keepdims=True) * away[:, None]
    np.fill_diagonal(share, 1.0 - away)
    rows = [(codes[i], codes[j], float(share[i, j]), float(round(dist[i, j], 2)))
            for i in range(len(codes)) for j in range(len(codes))]
    return pd.DataFrame(rows, columns=["from_district_code", "to_district_code", "trip_share",
                                       "distance_km"])
