"""Risk areas, their staffing and supplies, and elderly vaccination.

A social-surface case seals its compound as a high-risk area (足不出户), the rest of its
community becomes a medium-risk area (人不出区) and its township a low-risk area. An area is
lifted 7 days after its last case (快封快解). High-risk areas report staff on duty and days
of grain and oil every morning; some fall short of 10% staff or 15 days of supplies.
"""

from __future__ import annotations

import pandas as pd

from sitrep.scenario.core import Scenario

LIFT_AFTER_DAYS = 7


def generate(sc: Scenario) -> dict[str, pd.DataFrame]:
    rng = sc.rng("areas")
    cases = sc.tables["cases"]
    communities = sc.tables["communities"].set_index("community_code")
    townships = sc.tables["townships"].set_index("township_code")

    social = cases[(cases["found_in"] == "social") & cases["confirmed_at"].notna()]
    social = social.sort_values("confirmed_at")
    areas = []
    for community, group in social.groupby("community_code", sort=True):
        times = group["confirmed_at"].tolist()
        episodes, first, last = [], times[0], times[0]
        for t in times[1:]:
            if t - last > pd.Timedelta(days=LIFT_AFTER_DAYS):
                episodes.append((first, last))
                first = t
            last = t
        episodes.append((first, last))
        comm = communities.loc[community]
        comm_pop = comm["population"]
        comm_pop = int(comm_pop) if pd.notna(comm_pop) else int(rng.integers(1500, 6000))
        for k, (first, last) in enumerate(episodes):
            designated = (first + pd.Timedelta(minutes=int(rng.integers(60, 300)))).floor("min")
            lifted = (last + pd.Timedelta(days=LIFT_AFTER_DAYS)).normalize() + pd.Timedelta(hours=18)
            lifted = lifted if lifted <= sc.data_end else pd.NaT
            high_res = int(min(comm_pop, rng.integers(300, 3000)))
            base = dict(district_code=comm["district_code"], township_code=comm["township_code"],
                        community_code=community, designated_at=designated, lifted_at=lifted)
            areas.append(dict(base, risk_area_id=f"H{community}{k + 1:02d}", level="high",
                              name_zh=f"{comm['name_zh']}{_compound(rng)}", residents=high_res))
            if comm_pop - high_res > 0:
                areas.append(dict(base, risk_area_id=f"M{community}{k + 1:02d}", level="medium",
                                  name_zh=f"{comm['name_zh']}（除高风险区外）",
                                  residents=comm_pop - high_res))
    areas = pd.DataFrame(areas)
    areas = pd.concat([areas, _low_risk_townships(areas, townships)], ignore_index=True)
    return {
        "risk_areas": areas,
        "risk_area_support_reports": _support_reports(sc, rng, areas),
        "vaccination_60plus": _vaccination(sc, rng),
    }


def _compound(rng) -> str:
    return str(rng.choice(["小区", "花园", "苑", "家园", "新村"])) + f"{int(rng.integers(1, 12))}栋"


def _low_risk_townships(areas: pd.DataFrame, townships: pd.DataFrame) -> pd.DataFrame:
    """The township around a high-risk area is low-risk while any high-risk area in it stands."""
    high = areas[areas["level"] == "high"]
    rows = []
    for township, group in high.groupby("township_code", sort=True):
        t = townships.loc[township]
        lifted = group["lifted_at"]
        pop = t["population"]
        rows.append(dict(risk_area_id=f"L{township}", district_code=t["district_code"],
                         township_code=township, community_code=None,
                         name_zh=f"{t['name_zh']}（除中高风险区外）", level="low",
                         residents=int(pop) if pd.notna(pop) else 0,
                         designated_at=group["designated_at"].min(),
                         lifted_at=pd.NaT if lifted.isna().any() else lifted.max()))
    return pd.DataFrame(rows)


def _support_reports(sc: Scenario, rng, areas: pd.DataFrame) -> pd.DataFrame:
    rows = []
    high = areas[areas["level"] == "high"].reset_index(drop=True)
    for i, area in high.iterrows():
        staff_ratio = rng.uniform(0.07, 0.16) if i % 6 else rng.uniform(0.05, 0.09)
        supply = rng.uniform(12, 30)
        day = area["designated_at"].normalize() + pd.Timedelta(days=1, hours=8)
        end = area["lifted_at"] if pd.notna(area["lifted_at"]) else sc.data_end
        while day <= end:
            staff = int(round(area["residents"] * staff_ratio * rng.uniform(0.9, 1.1)))
            rows.append(dict(risk_area_id=area["risk_area_id"],
                             reported_at=day + pd.Timedelta(minutes=int(rng.integers(0, 90))),
                             staff_on_duty=staff, supply_days=round(float(supply), 1)))
            supply = supply - 1 + (rng.uniform(3, 8) if rng.random() < 0.25 else 0)
            supply = max(supply, 2.0)
            day += pd.Timedelta(days=1)
    return pd.DataFrame(rows, columns=["risk_area_id", "reported_at", "staff_on_duty", "supply_days"])


def _vaccination(sc: Scenario, rng) -> pd.DataFrame:
    """Weekly reports of 60+ coverage; the count of residents 60+ is unknown where the census is."""
    districts = sc.tables["districts"]
    mondays = pd.date_range(sc.start.normalize(), sc.data_end.normalize(), freq="W-MON")
    rows = []
    for _, d in districts.iterrows():
        pop = d["population_2020"]
        share_60 = rng.uniform(0.19, 0.28)
        residents_60 = int(pop * share_60) if pd.notna(pop) else None
        full = rng.uniform(0.84, 0.95)
        booster = full * rng.uniform(0.65, 0.85)
        for k, monday in enumerate(mondays):
            base = residents_60 if residents_60 is not None else int(rng.integers(90_000, 110_000))
            rows.append(dict(district_code=d["district_code"], report_date=monday.date(),
                             residents_60plus=residents_60,
                             vaccinated_full=int(base * min(full + 0.004 * k, 0.97)),
                             vaccinated_booster=int(base * min(booster + 0.006 * k, 0.9))))
    out = pd.DataFrame(rows)
    out["residents_60plus"] = out["residents_60plus"].astype("Int64")
    return out
