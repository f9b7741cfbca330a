"""Mass testing: rounds and their targets, 2-hourly progress, tubes, sampling sites, occupations.

Each epicenter district runs rounds (003 #52): the first 12 h after its cluster was
detected, district-wide; then 2 days apart, later 3 and 4 days, targeted ('areas' scope) at
the townships with a risk area in force and their nearest neighbours. The last round is a
joint district-wide round of the four epicenter districts, still running at the end of the
data (at city scale a citywide round of all 38 units instead).

Each township is split by the risk areas in force at the round's start: the residents of
its high-risk areas (sealed compounds) are swabbed door to door in single tubes, those of
its medium-risk areas (the rest of those communities) pooled 1:5, everyone else 1:10; the
targets hold one row per round, township and level. Progress reports are counted from the
tubes, so the two always agree.

Deliberate breaches, so that every red of rulebook section 4 shows, now and in the past:
a medium-risk part pooled 1:10 (TEST-POOL), a slow district whose round runs past 24 h
(TEST-ROUND), late and missing 2-hourly reports (TEST-CADENCE), communities of 3,000+
residents without a sampling point (TEST-SITES) and days when not every worker of an
occupation was tested (TEST-OCCUP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sitrep.reference import CITY_POPULATION_2020
from sitrep.scenario.core import Scenario

# District -> when its cluster was detected: 7·13 江北, 7·18 南岸, 7·18 万盛 (万盛经开区 lies
# within 綦江区), 7·21 江津; the same moments the outbreak is seeded at.
EPICENTERS = {
    "500105": pd.Timestamp("2022-07-13 06:00"),
    "500108": pd.Timestamp("2022-07-18 08:00"),
    "500110": pd.Timestamp("2022-07-18 10:00"),
    "500116": pd.Timestamp("2022-07-21 09:00"),
}
FIRST_ROUND_AFTER_H = 12
ROUND_GAP_DAYS = [2, 2, 3, 3, 4]           # then 4 days apart
AREA_ROUND_NEIGHBOURS = 3                  # a targeted round: risk-area townships + 3 nearest
ROUND_DEADLINE_H = 24                      # 003 #52: a round is done within 24 hours
REPORT_EVERY_H = 2                         # 003 #52: progress reported every 2 hours
CITYWIDE_START = pd.Timestamp("2022-08-04 20:00")
JOINT_ROUND_BEFORE_END_H = 10              # the joint round began 10 h before the data end

POOL_FOR_LEVEL = {"high": 1, "medium": 5, "low": 10}
LEVEL_RANK = {"low": 1, "medium": 2, "high": 3}

# Hours a district takes to swab everyone on its list; results follow 2.5-9 h later, so
# most districts finish a round in 14-22 h. A slow district misses the 24 h deadline.
SAMPLING_HOURS = (9.0, 15.0)
SLOW_SAMPLING_HOURS = (30.0, 38.0)         # an earlier round: finished, but late
SLOW_NOW_SAMPLING_HOURS = (42.0, 48.0)     # the round running at the data end
SAMPLING_BETA = (1.6, 2.4)                 # the sampling curve: busy early, a long tail
FIRST_SWAB_MIN = 15                        # points open 15 min after the round is called
TO_LAB_H = (1.1, 0.45, 0.5, 3.0)           # median, sigma, clipped to [low, high]
TO_RESULT_H = (3.3, 0.30, 2.0, 6.0)
LATE_REPORT_SHARE = 0.03                   # reports filed 25-80 min late
SECONDS_PER_SWAB = (15, 45)                # the people of a tube, one after another

# Workers per 10,000 residents. Tiers per 003 #39: contact with inbound people or goods,
# isolation-site staff, designated-hospital and fever-clinic staff and key couriers daily
# ('high'); port service staff, other hospital staff and crowded public-facing jobs twice a
# week ('higher', due on Mondays and Thursdays).
OCCUPATIONS = [
    ("cold_chain", "high", 2.5),
    ("quarantine_hotel", "high", 3.0),
    ("designated_hospital", "high", 4.0),
    ("courier", "high", 6.0),
    ("port_logistics", "higher", 4.0),
    ("general_hospital", "higher", 30.0),
    ("public_transport", "higher", 18.0),
]
TWICE_A_WEEK_DAYS = (0, 3)
# Units with a port of entry: 寸滩港, 江北机场, 团结村铁路口岸, 南彭公路口岸, 万州港, 涪陵港, 珞璜港.
PORT_DISTRICTS = {"500105", "500112", "500106", "500113", "500101", "500102", "500116"}
OCCUP_SHORT_SHARE = 0.012

SITE_MIN_RESIDENTS = 3000                  # 003 #44: 3,000+ residents -> at least one point
SITE_PER_RESIDENTS = 10_000
SITE_MISSING_SHARE = 0.006
SITES_OPEN_FROM = pd.Timestamp("2022-04-01 08:00")

ROUND_COLUMNS = ["round_id", "name_zh", "scope", "started_at", "deadline_at"]
TARGET_COLUMNS = ["round_id", "district_code", "township_code", "risk_level", "pool_size",
                  "target_population"]
REPORT_COLUMNS = ["round_id", "district_code", "reported_at", "people_sampled", "people_tested",
                  "tubes_tested", "positive_tubes"]
OCCUP_COLUMNS = ["district_code", "occupation", "risk_tier", "test_date", "people_due",
                 "people_tested"]


def generate(sc: Scenario) -> dict[str, pd.DataFrame]:
    rng = sc.rng("testing")
    districts = sc.tables["districts"]
    townships = sc.tables["townships"]
    communities = sc.tables["communities"]
    cases = _frame(sc, "cases", ["district_code", "community_code", "found_in", "sampled_at",
                                 "prelim_positive_at"])
    risk_areas = _frame(sc, "risk_areas", ["township_code", "community_code", "level",
                                           "residents", "designated_at", "lifted_at"])

    list_size = _list_sizes(townships)
    rounds = _coverage(_rounds(sc, districts), townships, risk_areas)
    parts = _community_parts(rounds, communities, risk_areas, list_size)
    targets = _targets(rng, rounds, townships, parts, list_size)
    rd = _round_districts(sc, rng, rounds, targets)
    rc = _round_communities(rd, targets, parts)
    tubes = _tubes(sc, sc.rng("testing.tubes"), rd, rc, cases)
    reports = _reports(sc, sc.rng("testing.reports"), rd, rc, tubes)
    samples = _samples(sc, sc.rng("testing.samples"), rd, tubes)

    rounds_out = rounds[ROUND_COLUMNS].copy()
    for col in ("started_at", "deadline_at"):
        rounds_out[col] = rounds_out[col].astype("datetime64[ns]")
    return {
        "testing_rounds": rounds_out,
        "testing_round_targets": targets[TARGET_COLUMNS].reset_index(drop=True),
        "testing_progress_reports": reports,
        "testing_tubes": _tube_frame(sc, rc, tubes),
        "testing_samples": samples,
        "sampling_sites": _sites(sc, sc.rng("testing.sites"), communities),
        "occupational_testing": _occupational(sc, sc.rng("testing.occupational"), districts),
    }


# --- helpers ----------------------------------------------------------------------------

def _frame(sc: Scenario, name: str, columns: list[str]) -> pd.DataFrame:
    """An input table, or an empty one with the columns used here when it is not there."""
    df = sc.tables.get(name)
    if df is None or len(df) == 0 or not set(columns) <= set(df.columns):
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c.endswith("_at") else object)
                             for c in columns})
    return df[columns]


def _minutes(sc: Scenario, ts) -> np.ndarray:
    """Timestamps (none missing) -> whole minutes since the scenario start, int64."""
    ts = pd.to_datetime(pd.Series(ts)).astype("datetime64[ns]")
    return ((ts - sc.start.as_unit("ns")) // pd.Timedelta(minutes=1)).to_numpy("int64")


def _stamp(sc: Scenario, minutes: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Minutes since the scenario start -> datetime64[ns]; NaT where missing. In place on
    one int64 array, as there are millions of tubes."""
    out = minutes.astype("int64")
    out *= 60_000_000_000
    out += sc.start.as_unit("ns").value
    if missing is not None:
        out[missing] = np.iinfo("int64").min       # NaT
    return out.view("datetime64[ns]")


def _delay_minutes(rng: np.random.Generator, spec: tuple, n: int) -> np.ndarray:
    """Lognormal delays in whole minutes, clipped to [low, high] hours (int32, in place)."""
    median, sigma, low, high = spec
    x = rng.standard_normal(n)
    x *= sigma
    np.exp(x, out=x)
    x *= median
    np.clip(x, low, high, out=x)
    x *= 60
    np.round(x, out=x)
    return x.astype("int32")


def _list_sizes(townships: pd.DataFrame) -> pd.Series:
    """Residents a round must reach, per township.

    Where the census figure is known this is the township's population. 忠县 (500233) and
    云阳县 (500235) have none; each of their townships gets the same synthetic list size,
    chosen so that a citywide list totals the census 32,054,159 (about 37,500 a township).
    It sizes a sampling list only and is never written anywhere as a population.
    """
    pop = townships["population"]
    unknown = pop.isna().to_numpy()
    sizes = pop.astype("float64").fillna(0).to_numpy().copy()
    n_unknown = int(unknown.sum())
    if n_unknown:
        remaining = max(CITY_POPULATION_2020 - int(pop.sum()), 0)
        each, extra = divmod(remaining, n_unknown)
        synthetic = np.full(n_unknown, each, dtype="float64")
        synthetic[:extra] += 1
        sizes[unknown] = synthetic
    return pd.Series(sizes.astype("int64"), index=townships["township_code"].to_numpy())


# --- rounds, targets, who is slow -------------------------------------------------------

def _rounds(sc: Scenario, districts: pd.DataFrame) -> pd.DataFrame:
    names = dict(zip(districts["district_code"], districts["name_zh"]))
    citywide = sc.scale.citywide_round
    final_start = CITYWIDE_START if citywide else \
        (sc.data_end - pd.Timedelta(hours=JOINT_ROUND_BEFORE_END_H)).floor("h")
    rows = []
    for code, detected in EPICENTERS.items():
        start = (detected + pd.Timedelta(hours=FIRST_ROUND_AFTER_H)).ceil("h")
        n = 0
        # District rounds stop where the final (joint or citywide) round takes over.
        while start + pd.Timedelta(hours=ROUND_DEADLINE_H) <= final_start:
            n += 1
            # The first round is district-wide, later ones target the risk areas (_coverage).
            kind, scope = ("区域", "districts") if n == 1 else ("风险区域及周边", "areas")
            rows.append(dict(round_id=f"R{code}-{n:02d}",
                             name_zh=f"{names[code]}第{n}轮{kind}核酸检测", scope=scope,
                             started_at=start, districts=[code], final=False))
            start += pd.Timedelta(days=ROUND_GAP_DAYS[min(n - 1, len(ROUND_GAP_DAYS) - 1)])
    if citywide:
        rows.append(dict(round_id=f"RCITY-{final_start:%m%d}", name_zh="全市全员核酸检测",
                         scope="citywide", started_at=final_start,
                         districts=list(districts["district_code"]), final=True))
    else:
        codes = list(EPICENTERS)
        rows.append(dict(round_id=f"RJOINT-{final_start:%m%d}",
                         name_zh="、".join(names[c] for c in codes) + "联合区域核酸检测",
                         scope="districts", started_at=final_start, districts=codes, final=True))
    rounds = pd.DataFrame(rows).sort_values(["started_at", "round_id"]).reset_index(drop=True)
    rounds["deadline_at"] = rounds["started_at"] + pd.Timedelta(hours=ROUND_DEADLINE_H)
    return rounds


def _coverage(rounds: pd.DataFrame, townships: pd.DataFrame,
              risk_areas: pd.DataFrame) -> pd.DataFrame:
    """The townships each round covers. A district's first round and the final (joint or
    citywide) round cover all their districts' townships; later district rounds are targeted
    ('areas'): the townships with a risk area in force at the round's start and, around each,
    its AREA_ROUND_NEIGHBOURS nearest townships of the same district. A later round with no
    risk area left in its district is not held."""
    rounds = rounds.copy()
    towns = townships[["township_code", "district_code", "centroid_lon", "centroid_lat"]]
    covered = []
    for r in rounds.itertuples():
        t = towns[towns["district_code"].isin(r.districts)]
        if r.scope != "areas":
            covered.append(t["township_code"].to_numpy())
            continue
        hit = t["township_code"].isin(_in_force(risk_areas, r.started_at)["township_code"])
        hit = hit.to_numpy()
        take = hit.copy()
        # Distances in km (equirectangular; townships of one district are close together).
        x = t["centroid_lon"].to_numpy() * np.cos(np.radians(t["centroid_lat"].mean())) * 111.0
        y = t["centroid_lat"].to_numpy() * 111.0
        for i in np.flatnonzero(hit):
            d = np.hypot(x - x[i], y - y[i])
            take[np.argsort(d, kind="stable")[:AREA_ROUND_NEIGHBOURS + 1]] = True
        covered.append(t["township_code"].to_numpy()[take])
    rounds["townships"] = covered
    held = np.array([len(c) > 0 for c in covered])
    return rounds[held].reset_index(drop=True)


def _in_force(risk_areas: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """The risk areas in force at a moment: designated_at <= at < lifted_at (or not lifted)."""
    return risk_areas[(risk_areas["designated_at"] <= at)
                      & (risk_areas["lifted_at"].isna() | (risk_areas["lifted_at"] > at))]


def _community_parts(rounds: pd.DataFrame, communities: pd.DataFrame, risk_areas: pd.DataFrame, list_size: pd.Series) -> pd.DataFrame:
    """One row per round, community and risk level with people on its list (people > 0).

    A community holding a high-risk area in force at the round's start splits in three: the
    residents of its high-risk areas (door to door, single tubes), those of its medium-risk
    area (1:5) and anyone left on its list (low, 1:10); every other community is low. Area
    residents are capped by the community's list so the parts always add up to it.
    """
    comm = communities[["community_code", "township_code"]].copy()
    comm["people"] = _community_list_sizes(communities, list_size)
    areas = risk_areas[risk_areas["level"].isin(["high", "medium"])
                       & risk_areas["community_code"].notna()]
    out = []
    for r in rounds.itertuples():
        c = comm[comm["township_code"].isin(r.townships)]
        active = _in_force(areas, r.started_at)
        left = c["people"].to_numpy("int64")
        for level in ("high", "medium", "low"):
            if level == "low":
                n = left
            else:
                at_level = active[active["level"] == level]
                residents = at_level.groupby("community_code")["residents"].sum()
                n = np.minimum(c["community_code"].map(residents).fillna(0).to_numpy("int64"), left)
                left = left - n
            keep = n > 0
            out.append(pd.DataFrame({"round_id": r.round_id,
                                     "township_code": c["township_code"].to_numpy()[keep],
                                     "community_code": c["community_code"].to_numpy()[keep],
                                     "risk_level": level, "people": n[keep]}))
    return pd.concat(out, ignore_index=True)


def _targets(rng: np.random.Generator, rounds: pd.DataFrame, townships: pd.DataFrame,
             parts: pd.DataFrame, list_size: pd.Series) -> pd.DataFrame:
    """One row per round, township and risk level (people > 0): the high and medium parts are
    the residents of the areas in force at the round's start, the low part the rest of the
    township's list. A township without any community is a single low part, as listed."""
    sums = parts.groupby(["round_id", "township_code", "risk_level"])["people"].sum()
    out = []
    for r in rounds.itertuples():
        t = townships.loc[townships["township_code"].isin(r.townships),
                          ["district_code", "township_code"]]
        size = t["township_code"].map(list_size).to_numpy("int64")
        left = size.copy()
        for level in ("high", "medium", "low"):
            if level == "low":
                n = np.maximum(left, 0)
            else:
                key = pd.MultiIndex.from_arrays([np.full(len(t), r.round_id, dtype=object),
                                                 t["township_code"].to_numpy(),
                                                 np.full(len(t), level, dtype=object)])
                n = sums.reindex(key).fillna(0).to_numpy("int64")
                left = left - n
            keep = n > 0
            if level == "low":
                keep |= size == 0        # an empty list still has its (low) row, as before
            out.append(pd.DataFrame({
                "round_id": r.round_id, "district_code": t["district_code"].to_numpy()[keep],
                "township_code": t["township_code"].to_numpy()[keep], "risk_level": level,
                "pool_size": POOL_FOR_LEVEL[level], "target_population": n[keep],
                "final": r.final, "started_at": r.started_at}))
    targets = pd.concat(out, ignore_index=True)
    targets["pool_size"] = targets["pool_size"].astype("int64")
    targets["target_population"] = targets["target_population"].astype("int64")
    targets["rank"] = targets["risk_level"].map(LEVEL_RANK)
    targets = targets.sort_values(["started_at", "round_id", "township_code", "rank"],
                                  ascending=[True, True, True, False])
    targets = targets.drop(columns=["started_at", "rank"]).reset_index(drop=True)
    _pool_breaches(rng, targets)
    return targets


def _pool_breaches(rng: np.random.Generator, targets: pd.DataFrame) -> None:
    """TEST-POOL: one part pooled other than its level asks, in the final round and in one
    earlier round: a medium-risk part 1:10 (the clearest breach); only where a round has no
    medium part at all, a high-risk part 1:5 (not door to door), else a low-risk one 1:20."""
    for final in (True, False):
        rows = targets[targets["final"] == final]
        for level, pool in (("medium", 10), ("high", 5), ("low", 20)):
            candidates = rows.index[rows["risk_level"] == level]
            if len(candidates):
                targets.loc[rng.choice(candidates), "pool_size"] = pool
                break


def _round_districts(sc: Scenario, rng: np.random.Generator, rounds: pd.DataFrame,
                     targets: pd.DataFrame) -> pd.DataFrame:
    """One row per round and district: how long its sampling takes and how it reports."""
    rd = targets[["round_id", "district_code"]].drop_duplicates().reset_index(drop=True)
    rd = rd.merge(rounds[["round_id", "started_at", "final"]], on="round_id")
    rd["start_min"] = _minutes(sc, rd["started_at"])
    rd["sampling_h"] = rng.uniform(*SAMPLING_HOURS, len(rd))
    final = np.flatnonzero(rd["final"].to_numpy())
    # TEST-ROUND: one slow district in the final round (projected past its deadline at the
    # data end) and one in an earlier round that ended well before the data end.
    slow_now = int(rng.choice(final))
    rd.loc[slow_now, "sampling_h"] = rng.uniform(*SLOW_NOW_SAMPLING_HOURS)
    earlier = np.flatnonzero(~rd["final"].to_numpy()
                             & (rd["started_at"] + pd.Timedelta(days=3) <= sc.data_end).to_numpy())
    if len(earlier):
        rd.loc[int(rng.choice(earlier)), "sampling_h"] = rng.uniform(*SLOW_SAMPLING_HOURS)
    # TEST-CADENCE: another district of the final round has not reported for the last 4 h,
    # and one earlier round-district skipped a report mid-round.
    rd["silent_last_h"] = 0.0
    quiet = [i for i in final if i != slow_now] or [slow_now]
    rd.loc[int(rng.choice(quiet)), "silent_last_h"] = 3.5
    rd["skip_report"] = -1
    if len(earlier):
        rd.loc[int(rng.choice(earlier)), "skip_report"] = int(rng.integers(2, 5))
    return rd


def _round_communities(rd: pd.DataFrame, targets: pd.DataFrame,
                       parts: pd.DataFrame) -> pd.DataFrame:
    """One row per round, community and risk level: its people and the pool its township's
    part of that level is given (the target's pool_size, breaches included)."""
    rc = parts.merge(targets[["round_id", "district_code", "township_code", "risk_level",
                              "pool_size"]], on=["round_id", "township_code", "risk_level"])
    key = rd[["round_id", "district_code"]].assign(rd=np.arange(len(rd), dtype="int32"))
    rc = rc.merge(key, on=["round_id", "district_code"])
    rc["rank"] = rc["risk_level"].map(LEVEL_RANK).astype("int8")
    rc = rc.sort_values(["rd", "community_code", "rank"], ascending=[True, True, False])
    rc = rc.reset_index(drop=True)
    rc["tubes"] = -(-rc["people"] // rc["pool_size"])
    rc["first_tube"] = rc["tubes"].cumsum() - rc["tubes"]
    return rc


def _community_list_sizes(communities: pd.DataFrame, list_size: pd.Series) -> np.ndarray:
    """Community populations; where unknown, the township's list size split evenly."""
    pop = communities["population"]
    out = pop.astype("float64").fillna(0).to_numpy().copy()
    unknown = pop.isna().to_numpy()
    if unknown.any():
        sub = communities.loc[unknown, ["township_code"]].copy()
        n = sub.groupby("township_code")["township_code"].transform("size").to_numpy("int64")
        k = sub.groupby("township_code").cumcount().to_numpy()
        each, extra = np.divmod(sub["township_code"].map(list_size).to_numpy("int64"), n)
        out[unknown] = each + (k < extra)
    return out.astype("int64")


# --- tubes and reports ------------------------------------------------------------------

def _tubes(sc: Scenario, rng: np.random.Generator, rd: pd.DataFrame, rc: pd.DataFrame,
           cases: pd.DataFrame) -> dict:
    """Every person of each part of a community (high, medium, low) in tubes of that part's
    pool size, the last tube of a part holding the rest. Times are minutes since the
    scenario start."""
    people = rc["people"].to_numpy("int64")
    pool = rc["pool_size"].to_numpy("int64")
    n_tubes = rc["tubes"].to_numpy("int64")
    first = rc["first_tube"].to_numpy("int64")
    total = int(n_tubes.sum())
    rc_of = np.repeat(np.arange(len(rc), dtype="int32"), n_tubes)
    in_tube = pool.astype("int8")[rc_of]
    last = (first + n_tubes - 1)[n_tubes > 0]
    in_tube[last] = (people - pool * (n_tubes - 1))[n_tubes > 0]

    rd_of = rc["rd"].to_numpy("int32")[rc_of]
    start_min = rd["start_min"].to_numpy("int64")
    span = rd["sampling_h"].to_numpy() * 60.0 - FIRST_SWAB_MIN
    offset = rng.beta(*SAMPLING_BETA, total)
    offset *= span[rd_of]
    offset += (start_min + FIRST_SWAB_MIN)[rd_of]
    np.round(offset, out=offset)
    sampled = offset.astype("int32")
    del offset
    received = _delay_minutes(rng, TO_LAB_H, total)
    received += sampled
    resulted = _delay_minutes(rng, TO_RESULT_H, total)
    resulted += received
    positive = np.zeros(total, dtype=bool)
    _positive_pools(sc, rd, rc, cases, sampled, received, resulted, positive)

    # Nothing swabbed after the data end exists yet; lab steps after it are still to come.
    end_min = int(_minutes(sc, [sc.data_end])[0])
    tubes = dict(rc_of=rc_of, rd_of=rd_of, in_tube=in_tube, sampled=sampled, received=received,
                 resulted=resulted, positive=positive)
    keep = sampled <= end_min
    if not keep.all():
        tubes = {k: v[keep] for k, v in tubes.items()}
    tubes["end_min"] = end_min
    tubes["tube_id"] = np.arange(1, len(tubes["sampled"]) + 1, dtype="int64")
    return tubes


def _positive_pools(sc: Scenario, rd: pd.DataFrame, rc: pd.DataFrame, cases: pd.DataFrame,
                    sampled: np.ndarray, received: np.ndarray, resulted: np.ndarray,
                    positive: np.ndarray) -> None:
    """A social-surface case swabbed during a round in its community makes one pool of that
    community positive (of its highest risk part): the pool swabbed nearest its sampling time
    takes the case's times, its result coming no later than the case's preliminary positive."""
    social = cases[(cases["found_in"] == "social") & cases["community_code"].notna()
                   & cases["sampled_at"].notna() & cases["prelim_positive_at"].notna()]
    if not len(social):
        return
    windows = rd[["district_code", "start_min"]].assign(
        rd=np.arange(len(rd)), end_min=rd["start_min"] + np.round(rd["sampling_h"] * 60))
    hits = social.assign(s=_minutes(sc, social["sampled_at"]),
                         p=_minutes(sc, social["prelim_positive_at"]))
    hits = hits.merge(windows, on="district_code")
    hits = hits[(hits["start_min"] <= hits["s"]) & (hits["s"] <= hits["end_min"])]
    # Where the community is split by risk level, the case's pool is in its highest part (the
    # sealed compound, its own door-to-door tube); rc lists a community's parts highest first.
    parts = rc.loc[rc["tubes"] > 0, ["rd", "community_code", "tubes", "first_tube"]]
    parts = parts.drop_duplicates(["rd", "community_code"])
    hits = hits.merge(parts, on=["rd", "community_code"])
    for lo, n, s, p in zip(hits["first_tube"], hits["tubes"], hits["s"], hits["p"]):
        i = lo + int(np.argmin(np.abs(sampled[lo:lo + n].astype("int64") - s)))
        to_lab, to_result = received[i] - sampled[i], resulted[i] - sampled[i]
        squeeze = min(1.0, max(p - s, 0) / to_result)
        sampled[i] = s
        received[i] = s + int(to_lab * squeeze)
        resulted[i] = s + int(to_result * squeeze)
        positive[i] = True


def _reports(sc: Scenario, rng: np.random.Generator, rd: pd.DataFrame, rc: pd.DataFrame,
             tubes: dict) -> pd.DataFrame:
    """Cumulative counts every 2 hours per round and district, from 2 h after the start to
    the deadline or, if later, until every result is out (or the data ends); a few are
    filed late, a few not at all."""
    end_min = tubes["end_min"]
    n_rd = len(rd)
    start_min = rd["start_min"].to_numpy("int64")
    width = int(max(end_min - start_min.min(), 0)) + 1
    width = min(width, 96 * 60)           # no round lasts 4 days
    rd_of = tubes["rd_of"].astype("int64")

    def by_minute(times: np.ndarray, weights: np.ndarray | None, mask: np.ndarray) -> np.ndarray:
        """Per round-district, cumulative totals by minute since its start."""
        off = np.clip(times[mask].astype("int64") - start_min[rd_of[mask]], 0, width - 1)
        w = None if weights is None else weights[mask]
        counts = np.bincount(rd_of[mask] * width + off, weights=w, minlength=n_rd * width)
        return np.cumsum(counts.reshape(n_rd, width), axis=1).round().astype("int64")

    everyone = np.ones(len(rd_of), dtype=bool)
    done = tubes["resulted"] <= end_min
    people = tubes["in_tube"].astype("int64")
    sampled_people = by_minute(tubes["sampled"], people, everyone)
    tested_people = by_minute(tubes["resulted"], people, done)
    tested_tubes = by_minute(tubes["resulted"], None, done)
    positive_tubes = by_minute(tubes["resulted"], None, done & tubes["positive"])

    listed = np.bincount(rc["rd"].to_numpy(), weights=rc["people"].to_numpy(), minlength=n_rd)
    finished = tested_people[:, -1] == listed
    last_result = np.full(n_rd, -1, dtype="int64")
    np.maximum.at(last_result, rd_of[done], tubes["resulted"][done].astype("int64"))

    step = REPORT_EVERY_H * 60
    deadline = start_min + ROUND_DEADLINE_H * 60
    parts = []
    for g in range(n_rd):
        # Reports until the deadline, and past it until the one that shows every result out;
        # a round not finished reports until now.
        until = max(last_result[g], deadline[g]) if finished[g] else end_min
        marks = start_min[g] + step * np.arange(1, (until - start_min[g]) // step + 2)
        marks = marks[marks <= end_min]
        if finished[g]:
            marks = marks[: int(np.searchsorted(marks, until)) + 1]
        late = rng.random(len(marks)) < LATE_REPORT_SHARE
        at = marks + np.where(late, rng.integers(25, 81, len(marks)), 0)
        keep = (at <= end_min) & (marks <= end_min - rd["silent_last_h"].iat[g] * 60)
        skip = rd["skip_report"].iat[g]
        if skip >= 0 and len(keep) > 2:
            keep[min(skip, len(keep) - 2)] = False
        at = at[keep]
        col = np.minimum(at - start_min[g], width - 1)
        parts.append(pd.DataFrame({
            "round_id": rd["round_id"].iat[g],
            "district_code": rd["district_code"].iat[g],
            "reported_at": at,
            "people_sampled": sampled_people[g, col],
            "people_tested": tested_people[g, col],
            "tubes_tested": tested_tubes[g, col],
            "positive_tubes": positive_tubes[g, col],
        }))
    reports = pd.concat(parts, ignore_index=True)
    reports["reported_at"] = _stamp(sc, reports["reported_at"].to_numpy())
    return reports[REPORT_COLUMNS]


def _tube_frame(sc: Scenario, rc: pd.DataFrame, tubes: dict) -> pd.DataFrame:
    """The tubes as a frame; the repeated codes are categoricals to keep millions of rows
    light, and the columns are not copied into blocks (copy=False)."""
    end_min = tubes["end_min"]
    rc_of = tubes["rc_of"]
    result = np.where(tubes["resulted"] > end_min, 0,
                      np.where(tubes["positive"], 2, 1)).astype("int8")   # codes of the categories

    def category(col: str) -> pd.Categorical:
        codes, uniques = pd.factorize(rc[col])
        return pd.Categorical.from_codes(codes[rc_of], categories=pd.Index(uniques, dtype=object))

    return pd.DataFrame({
        "tube_id": tubes["tube_id"],
        "round_id": category("round_id"),
        "district_code": category("district_code"),
        "township_code": category("township_code"),
        "community_code": category("community_code"),
        "pool_size": rc["pool_size"].to_numpy("int64")[rc_of],
        "people_in_tube": tubes["in_tube"].astype("int64"),
        "sampled_at": _stamp(sc, tubes["sampled"]),
        "received_at": _stamp(sc, tubes["received"], tubes["received"] > end_min),
        "resulted_at": _stamp(sc, tubes["resulted"], tubes["resulted"] > end_min),
        "result": pd.Categorical.from_codes(result, categories=pd.Index(
            ["pending", "negative", "positive"], dtype=object)),
    }, copy=False)


def _samples(sc: Scenario, rng: np.random.Generator, rd: pd.DataFrame, tubes: dict) -> pd.DataFrame:
    """One row per person swabbed in the citywide round (~32 M rows at city scale).

    Only the citywide round keeps person-level rows (it is the one reconciled against the
    full resident list); district rounds are counted by tube. The people of a tube were
    swabbed one after another, 15-45 s apart, the last at the tube's sampling time.
    Built in place with int64 arrays: about 0.8 GB kept, under 1 GB at the peak.
    """
    city = np.flatnonzero(rd["final"].to_numpy()) if sc.scale.citywide_round else []
    if not sc.scale.person_samples or not len(city):
        return pd.DataFrame({"sample_id": pd.Series(dtype="int64"),
                             "tube_id": pd.Series(dtype="int64"),
                             "sampled_at": pd.Series(dtype="datetime64[ns]")})
    sel = np.isin(tubes["rd_of"], city)
    tube_id = tubes["tube_id"][sel]
    people = tubes["in_tube"][sel].astype("int64")
    start_ns = sc.start.as_unit("ns").value
    step_ns = rng.integers(*SECONDS_PER_SWAB, len(tube_id)).astype("int64") * 1_000_000_000
    base_ns = start_ns + tubes["sampled"][sel].astype("int64") * 60_000_000_000
    base_ns -= (people - 1) * step_ns
    del sel
    n = int(people.sum())
    at = np.arange(n, dtype="int64")                  # position in the tube, times its step
    at -= np.repeat(np.cumsum(people) - people, people)
    at *= np.repeat(step_ns, people)
    at += np.repeat(base_ns, people)
    del step_ns, base_ns
    return pd.DataFrame({
        "sample_id": np.arange(1, n + 1, dtype="int64"),
        "tube_id": np.repeat(tube_id, people),
        "sampled_at": at.view("datetime64[ns]"),
    }, copy=False)


# --- sampling sites and occupational testing --------------------------------------------

def _sites(sc: Scenario, rng: np.random.Generator, communities: pd.DataFrame) -> pd.DataFrame:
    """Sampling points: one per 10,000 residents and at least one from 3,000 (003 #44);
    smaller communities often share a neighbour's. ~2.5% of the communities of 3,000+ have
    none (TEST-SITES). All opened before the scenario; a few small ones closed since."""
    pop = communities["population"]
    known = pop.notna().to_numpy()
    p = pop.astype("float64").fillna(0).to_numpy("int64")
    n = len(communities)
    big = known & (p >= SITE_MIN_RESIDENTS)
    count = np.where(big, np.minimum(1 + p // SITE_PER_RESIDENTS + (rng.random(n) < 0.3), 8), 0)
    small = known & ~big
    count[small] = rng.random(int(small.sum())) < 0.45
    count[~known] = rng.random(int((~known).sum())) < 0.85   # census figure unknown
    missing = big & (rng.random(n) < SITE_MISSING_SHARE)
    if not missing.any() and big.any():
        missing[rng.choice(np.flatnonzero(big))] = True
    count[missing] = 0
    count = count.astype("int64")

    owner = np.repeat(np.arange(n), count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    codes = communities["community_code"].to_numpy()[owner]
    open_hours = int((sc.start - pd.Timedelta(days=2) - SITES_OPEN_FROM) / pd.Timedelta(hours=1))
    opened = SITES_OPEN_FROM + pd.to_timedelta(rng.integers(0, open_hours, len(owner)), unit="h")
    closes = ~big[owner] & (rng.random(len(owner)) < 0.05)
    span_h = int((sc.data_end - sc.start) / pd.Timedelta(hours=1))
    closed = sc.start + pd.to_timedelta(rng.integers(24, span_h, len(owner)), unit="h")
    return pd.DataFrame({
        "site_id": [f"S{c}{j + 1:02d}" for c, j in zip(codes, k)],
        "community_code": codes,
        "district_code": communities["district_code"].to_numpy()[owner],
        "opened_at": pd.Series(opened).astype("datetime64[ns]").to_numpy(),
        "closed_at": pd.Series(closed).where(closes).astype("datetime64[ns]").to_numpy(),
    })


def _occupational(sc: Scenario, rng: np.random.Generator, districts: pd.DataFrame) -> pd.DataFrame:
    """Workers due a test on each due day, per district and occupation. Most days all are
    tested; some fall short (TEST-OCCUP), one in the last two days and one missed entirely."""
    dates = pd.date_range(sc.start.normalize(), sc.data_end.normalize(), freq="D")
    # Units without a census figure get the median unit's workforce (a weight, not a population).
    pop = districts["population_2020"].astype("float64")
    weight = pop.fillna(pop.median()).to_numpy()
    rows = []
    for occupation, tier, per_10k in OCCUPATIONS:
        for code, w in zip(districts["district_code"], weight):
            if occupation == "port_logistics" and code not in PORT_DISTRICTS:
                continue
            rows.append((code, occupation, tier, max(int(round(w / 10_000 * per_10k)), 5)))
    base = pd.DataFrame(rows, columns=["district_code", "occupation", "risk_tier", "workers"])
    grid = base.merge(pd.DataFrame({"test_date": dates}), how="cross")
    due_day = (grid["risk_tier"] == "high") | grid["test_date"].dt.day_of_week.isin(TWICE_A_WEEK_DAYS)
    grid = grid[due_day].reset_index(drop=True)
    n = len(grid)
    due = np.round(grid["workers"].to_numpy() * rng.normal(1.0, 0.03, n))
    due = np.maximum(due, 1).astype("int64")
    tested = due.copy()
    short = rng.random(n) < OCCUP_SHORT_SHARE
    recent = np.flatnonzero(grid["test_date"].to_numpy() >= dates[-2].to_datetime64())
    short[rng.choice(recent)] = True
    tested[short] = np.floor(due[short] * rng.uniform(0.55, 0.95, int(short.sum()))).astype("int64")
    tested[rng.choice(np.flatnonzero(short))] = 0
    grid["people_due"] = due
    grid["people_tested"] = tested
    grid["test_date"] = grid["test_date"].astype("datetime64[ns]")
    return grid[OCCUP_COLUMNS]
