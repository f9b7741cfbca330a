"""Geography below the 38 units: townships/streets, villages/communities and grids.

Real (data/reference): the 38 units, their census population and outlines; the townships and
communities below them, with their codes, names and kinds (街道/镇/乡, 居委会/村委会) and so
their counts (1,031 and 11,270), from the National Bureau of Statistics' 2023 division codes
(chongqing_divisions_source.md).
Synthetic: each township's centroid (a random point inside its unit's real outline, not where
the township lies), the populations of townships and communities (the unit's census figure
split among them at random, urban streets and communities weighted above rural townships and
villages, the census total kept exact; where a unit has no census figure, none below it has
one either) and the grids (3-6 per community, coded community code + 2 digits, named 第n网格).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from shapely.geometry import Point, shape
from shapely.prepared import prep

from sitrep.reference import load_communities, load_districts, load_outlines, load_townships
from sitrep.scenario.core import Scenario

CENTRAL_DISTRICTS = {"500103", "500104", "500105", "500106", "500107", "500108", "500109",
                     "500112", "500113"}  # 主城九区 of notice 002

# Relative weights of the synthetic population split: urban units hold more people.
TOWNSHIP_WEIGHT = {"street": 3.0, "town": 1.5, "township": 0.6}
COMMUNITY_WEIGHT = {"community": 2.0, "village": 1.0}
GRIDS_PER_COMMUNITY = (3, 7)   # 3-6


def _split(rng: np.random.Generator, total: int | None, alpha: np.ndarray) -> list[int | None]:
    """A random split of `total` into len(alpha) whole parts that add up to it exactly."""
    if total is None:
        return [None] * len(alpha)
    parts = np.floor(rng.dirichlet(alpha) * total).astype(int)
    parts[0] += total - int(np.sum(parts))
    return [int(p) for p in parts]


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
    towns_of: dict[str, list] = {}
    for t in load_townships():
        towns_of.setdefault(t.district_code, []).append(t)
    comms_of: dict[str, list] = {}
    for c in load_communities():
        comms_of.setdefault(c.township_code, []).append(c)

    district_rows, township_rows, community_rows, grid_rows = [], [], [], []
    for d in districts:
        district_rows.append({
            "district_code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "kind": d.kind,
            "population_2020": d.population_2020, "population_source": d.population_source,
            "centroid_lon": d.lon, "centroid_lat": d.lat,
            "outline_geojson": json.dumps(outlines[d.code], separators=(",", ":")),
        })
        towns = towns_of.get(d.code)
        if not towns:
            raise ValueError(f"{d.code} {d.name_zh} has no township in the reference list")
        centroids = _points_inside(rng, outlines[d.code], len(towns))
        town_pops = _split(rng, d.population_2020,
                           4 * np.array([TOWNSHIP_WEIGHT[t.kind] for t in towns]))
        for t, (lon, lat), town_pop in zip(towns, centroids, town_pops):
            township_rows.append({
                "township_code": t.code, "district_code": d.code, "name_zh": t.name_zh,
                "kind": t.kind, "population": town_pop,
                "centroid_lon": round(float(lon), 5), "centroid_lat": round(float(lat), 5),
            })
            comms = comms_of.get(t.code, [])
            comm_pops = _split(rng, town_pop,
                               3 * np.array([COMMUNITY_WEIGHT[c.kind] for c in comms])) if comms else []
            for c, comm_pop in zip(comms, comm_pops):
                community_rows.append({
                    "community_code": c.code, "township_code": t.code, "district_code": d.code,
                    "name_zh": c.name_zh, "kind": c.kind, "population": comm_pop,
                })
                for k in range(int(rng.integers(*GRIDS_PER_COMMUNITY))):
                    grid_rows.append({"grid_code": f"{c.code}{k + 1:02d}", "community_code": c.code,
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
