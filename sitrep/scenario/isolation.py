"""Isolation facilities, rooms and stays; arrivals; transfer runs.

Each district holds rooms around the 60-per-10,000 standard (003 #54), some short of it.
Inbound travellers in hotel quarantine keep a base load; the outbreak's close contacts come
on top. People are placed one to a room in their own district while a room is free, then
in the nearest district with one (003 #57); with none anywhere they wait, and the 8-hour
transfer limit lapses. A few rooms are shared by a contact and an accompanying relative
(ISO-SINGLE), and one new facility takes people before it passed assessment (ISO-COMMISSION).
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd

from sitrep.scenario.core import Scenario, make_persons, other_province_regions

ROOMS_PER_10K = 60
# Districts whose reserve falls short of the standard, as a factor of it.
SHORT_DISTRICTS = {"500105": 0.70, "500108": 0.72, "500116": 0.85, "500110": 0.92, "500237": 0.80}
# Synthetic planning figures for units without a census population (rooms, not people).
ROOMS_WHERE_POPULATION_UNKNOWN = {"500233": 4_600, "500235": 5_900}
# Base load of inbound-travel quarantine: the airport district carries the most.
BASE_USAGE = {"500112": 0.50, "500105": 0.42, "500103": 0.35, "500106": 0.30}
STAY_DAYS_ARRIVAL = 7
NS_PER_H = 3_600_000_000_000
NEVER = np.iinfo("int64").max


def generate(sc: Scenario) -> dict[str, pd.DataFrame]:
    rng = sc.rng("isolation")
    districts = sc.tables["districts"]
    townships = sc.tables["townships"]
    contacts = sc.tables["contacts"].copy()

    facilities, rooms = _facilities(sc, rng, districts, townships)
    arrivals, arrival_persons = _arrivals(sc, rng, districts, rooms, facilities)

    # Everyone who needs a room, in check-in order.
    central = contacts[contacts["transferred_at"].notna()]
    demand = pd.concat([
        pd.DataFrame({"district_code": central["district_code"].to_numpy(),
                      "check_in": central["transferred_at"].to_numpy(),
                      "check_out": central["quarantine_end_at"].to_numpy(),
                      "person_id": central["person_id"].to_numpy(),
                      "person_kind": np.where(central["contact_type"] == "close", "close_contact",
                                              "secondary_contact"),
                      "contact_id": central["contact_id"].to_numpy()}),
        arrivals.loc[arrivals["origin_kind"] == "abroad"].assign(
            check_in=lambda a: a["arrived_at"] + pd.Timedelta(hours=2),
            check_out=lambda a: (a["arrived_at"] + pd.Timedelta(days=STAY_DAYS_ARRIVAL, hours=2))
            .where(lambda t: t <= sc.data_end),
            person_kind="arrival", contact_id=pd.NA)[
            ["district_code", "check_in", "check_out", "person_id", "person_kind", "contact_id"]],
    ], ignore_index=True)
    demand = demand[demand["check_in"] <= sc.data_end]
    demand = demand.sort_values(["check_in", "person_id"], kind="stable").reset_index(drop=True)

    stays = _allocate(sc, rng, demand, facilities, rooms, sc.tables["commuting_ties"])
    stays = _shared_rooms(sc, rng, stays, sc.tables["_person_ids"])

    # Contacts who found no room anywhere are still waiting: not transferred.
    placed = stays.dropna(subset=["contact_id"]).drop_duplicates("contact_id").set_index("contact_id")
    contacts = contacts.set_index("contact_id")
    waiting = contacts["transferred_at"].notna() & ~contacts.index.isin(placed.index)
    contacts.loc[waiting, ["transferred_at", "quarantine_start_at", "quarantine_end_at"]] = pd.NaT
    room_facility = rooms.set_index("room_id")["facility_id"]
    contacts.loc[placed.index, "room_id"] = placed["room_id"]
    contacts.loc[placed.index, "facility_id"] = placed["room_id"].map(room_facility)
    contacts = contacts.reset_index()

    runs, passengers, contacts = _transport(sc, rng, contacts, sc.tables["cases"])
    extra_persons = sc.tables.pop("_accompanying_persons")
    persons = pd.concat([sc.tables["persons"], arrival_persons, extra_persons], ignore_index=True)
    return {
        "facilities": facilities.drop(columns="opens_at"),
        "rooms": rooms,
        "room_stays": stays[["stay_id", "room_id", "person_id", "person_kind", "contact_id",
                             "check_in_at", "check_out_at"]],
        "arrivals": arrivals,
        "contacts": contacts,
        "transport_runs": runs,
        "transport_passengers": passengers,
        "persons": persons,
    }


def _facilities(sc: Scenario, rng, districts: pd.DataFrame, townships: pd.DataFrame):
    towns_by_district = {d: g["township_code"].to_numpy() for d, g in townships.groupby("district_code")}
    fac_rows, room_rows = [], []
    pre_scenario = sc.start - pd.Timedelta(days=30)
    for _, d in districts.iterrows():
        code = d["district_code"]
        pop = d["population_2020"]
        if pd.notna(pop):
            factor = SHORT_DISTRICTS.get(code, float(rng.uniform(1.0, 1.3)))
            target = math.ceil(ROOMS_PER_10K * int(pop) / 10_000 * factor)
        else:
            target = ROOMS_WHERE_POPULATION_UNKNOWN[code]
        k = 0
        while target > 0:
            size = int(min(target, rng.integers(60, 420)))
            k += 1
            fid = f"F{code}{k:03d}"
            kind = str(rng.choice(["hotel", "purpose_built", "dormitory"], p=[0.7, 0.15, 0.15]))
            assessed = pre_scenario + pd.Timedelta(hours=int(rng.integers(0, 24 * 25)))
            fac_rows.append(dict(facility_id=fid, district_code=code,
                                 township_code=str(rng.choice(towns_by_district[code])),
                                 name_zh=f"{d['name_zh']}{_facility_name(rng, kind)}{k}号隔离点",
                                 kind=kind, rooms_planned=size, assessed_at=assessed,
                                 closed_at=pd.NaT, opens_at=assessed))
            target -= size
    # Emergency expansion at the epicentres during the outbreak.
    for code, when, size in [("500105", "2022-07-21 10:00", 300), ("500105", "2022-07-24 16:00", 260),
                             ("500108", "2022-07-23 12:00", 200), ("500116", "2022-07-26 09:00", 150)]:
        k = sum(1 for f in fac_rows if f["district_code"] == code) + 1
        name = districts.set_index("district_code").at[code, "name_zh"]
        fac_rows.append(dict(facility_id=f"F{code}{k:03d}", district_code=code,
                             township_code=str(rng.choice(towns_by_district[code])),
                             name_zh=f"{name}方舱{k}号隔离点", kind="shelter", rooms_planned=size,
                             assessed_at=pd.Timestamp(when), closed_at=pd.NaT, opens_at=pd.Timestamp(when)))
    facilities = pd.DataFrame(fac_rows)
    # One shelter takes people three days before it passed assessment (ISO-COMMISSION).
    early = facilities.index[facilities["kind"] == "shelter"][1]
    facilities.at[early, "opens_at"] = facilities.at[early, "assessed_at"] - pd.Timedelta(days=3)
    for f in facilities.itertuples():
        floors = max(1, f.rooms_planned // 40)
        for r in range(f.rooms_planned):
            room_rows.append((f"{f.facility_id}-{r % floors + 1:02d}{r // floors + 1:02d}",
                              f.facility_id, f"{r % floors + 1}{r // floors + 1:02d}"))
    rooms = pd.DataFrame(room_rows, columns=["room_id", "facility_id", "room_number"])
    return facilities, rooms


def _facility_name(rng, kind: str) -> str:
    return {"hotel": str(rng.choice(["酒店", "宾馆", "商务酒店"])), "purpose_built": "健康驿站",
            "dormitory": "公寓", "shelter": "方舱"}[kind]


def _arrivals(sc: Scenario, rng, districts, rooms, facilities):
    """Inbound travellers: from abroad into hotel quarantine; from domestic key areas, registered."""
    rooms_per_district = rooms.merge(facilities[["facility_id", "district_code"]]).groupby("district_code").size()
    window_start = sc.start - pd.Timedelta(days=STAY_DAYS_ARRIVAL)
    hours = (sc.data_end - window_start) / pd.Timedelta(hours=1)
    parts = []
    for code in districts["district_code"]:
        usage = BASE_USAGE.get(code, float(rng.uniform(0.12, 0.4)))
        rate_per_h = usage * rooms_per_district.get(code, 0) / (STAY_DAYS_ARRIVAL * 24)
        n = rng.poisson(rate_per_h * hours)
        parts.append(pd.DataFrame({"district_code": code, "origin_kind": "abroad",
                                   "arrived_at": window_start + pd.to_timedelta(np.sort(rng.uniform(0, hours, n)) * 60, unit="m").round("min")}))
    n_dom = sc.scale.domestic_arrivals
    weights = districts["population_2020"].astype("float64").fillna(400_000.0).to_numpy()
    parts.append(pd.DataFrame({
        "district_code": districts["district_code"].to_numpy()[rng.choice(len(districts), n_dom, p=weights / weights.sum())],
        "origin_kind": "key_area_domestic",
        "arrived_at": sc.start + pd.to_timedelta(rng.uniform(0, (sc.data_end - sc.start) / pd.Timedelta(hours=1), n_dom) * 60, unit="m").round("min"),
    }))
    arrivals = pd.concat(parts, ignore_index=True)
    n = len(arrivals)
    arrivals["person_id"] = sc.tables["_person_ids"].take(n)
    arrivals["arrival_id"] = np.arange(1, n + 1, dtype="int64")
    comms = sc.tables["communities"].groupby("district_code")["community_code"].agg(list)
    arrivals["community_code"] = [comms[d][i % len(comms[d])] for d, i in
                                  zip(arrivals["district_code"], rng.integers(0, 10_000, n))]
    # Most register within hours; a few only after days, and a very few never (SCR-ARRIVAL).
    delay_h = rng.gamma(1.5, 3.0, n) + np.where(rng.random(n) < 0.03, rng.uniform(24, 120, n), 0.0)
    registered = arrivals["arrived_at"] + pd.to_timedelta(delay_h * 60, unit="m").round("min")
    # Travellers from abroad come in a closed loop and are registered at the port.
    registered = registered.where(arrivals["origin_kind"] == "key_area_domestic", arrivals["arrived_at"])
    unregistered = ((rng.random(n) < 0.002) & (arrivals["origin_kind"] == "key_area_domestic")) \
        | (registered > sc.data_end)
    arrivals["registered_at"] = registered.where(~unregistered)
    arrivals["travel_history_days"] = np.where(arrivals["origin_kind"] == "abroad", 28, 14)
    regions = np.where(rng.random(n) < 0.5, other_province_regions(rng, n), arrivals["district_code"])
    persons = make_persons(rng, arrivals["person_id"].to_numpy(), regions)
    cols = ["arrival_id", "person_id", "district_code", "community_code", "origin_kind",
            "arrived_at", "registered_at", "travel_history_days"]
    return arrivals[cols], persons


def _allocate(sc, rng, demand, facilities, rooms, ties) -> pd.DataFrame:
    """One person per room: own district first, then the nearest district with a free room."""
    room_district = rooms.merge(facilities[["facility_id", "district_code", "opens_at"]], on="facility_id")
    room_ids = room_district["room_id"].to_numpy()
    opens = room_district["opens_at"].to_numpy().astype("datetime64[ns]").astype("int64")
    free: dict[str, list] = {}
    pending: dict[str, list] = {}
    for code, g in room_district.groupby("district_code"):
        free[code] = []
        pending[code] = sorted(zip(opens[g.index], g.index))
    nearest = {d: g.sort_values("distance_km")["to_district_code"].tolist()
               for d, g in ties[ties["from_district_code"] != ties["to_district_code"]].groupby("from_district_code")}

    def activate(code, t):
        queue = pending[code]
        while queue and queue[0][0] <= t:
            _, idx = queue.pop(0)
            heapq.heappush(free[code], (opens[idx], idx))

    check_in = demand["check_in"].to_numpy().astype("datetime64[ns]").astype("int64")
    check_out = demand["check_out"].to_numpy().astype("datetime64[ns]")
    check_out_ns = np.where(np.isnat(check_out), NEVER, check_out.astype("int64"))
    district = demand["district_code"].to_numpy()
    assigned = np.full(len(demand), -1, dtype="int64")
    for i in range(len(demand)):
        t = check_in[i]
        for code in [district[i]] + nearest[district[i]][:8]:
            activate(code, t)
            heap = free[code]
            if heap and heap[0][0] <= t:
                _, idx = heapq.heappop(heap)
                assigned[i] = idx
                heapq.heappush(heap, (check_out_ns[i], idx))
                break
    ok = assigned >= 0
    stays = demand[ok].reset_index(drop=True)
    stays["room_id"] = room_ids[assigned[ok]]
    stays["check_in_at"] = stays["check_in"]
    stays["check_out_at"] = stays["check_out"]
    stays["stay_id"] = np.arange(1, len(stays) + 1, dtype="int64")
    return stays


def _shared_rooms(sc, rng, stays: pd.DataFrame, person_ids) -> pd.DataFrame:
    """A few close contacts are joined in their room by a relative who needs care (ISO-SINGLE)."""
    candidates = np.flatnonzero((stays["person_kind"] == "close_contact").to_numpy()
                                & stays["check_out_at"].notna().to_numpy())
    picks = rng.choice(candidates, size=min(4, len(candidates)), replace=False)
    host = stays.iloc[picks]
    ids = person_ids.take(len(host))
    extra = pd.DataFrame({
        "room_id": host["room_id"].to_numpy(), "person_id": ids, "person_kind": "other",
        "contact_id": pd.NA,
        "check_in_at": (host["check_in_at"] + pd.Timedelta(hours=1)).to_numpy(),
        "check_out_at": host["check_out_at"].to_numpy(),
    })
    sc.tables["_accompanying_persons"] = make_persons(rng, ids, host["district_code"].to_numpy())
    out = pd.concat([stays, extra], ignore_index=True)
    out["stay_id"] = np.arange(1, len(out) + 1, dtype="int64")
    out["contact_id"] = out["contact_id"].astype("Int64")
    return out


def _transport(sc, rng, contacts: pd.DataFrame, cases: pd.DataFrame):
    """Contacts ride in groups of up to 8 per facility and hour; each case rides alone,
    except twice, when a case was put on a contacts' run (CON-SEPARATE)."""
    moved = contacts[contacts["transferred_at"].notna()].copy()
    moved["slot"] = moved["transferred_at"].dt.floor("h")
    moved = moved.sort_values(["facility_id", "slot", "transferred_at", "contact_id"])
    moved["seat"] = moved.groupby(["facility_id", "slot"]).cumcount() // 8
    groups = moved.groupby(["facility_id", "slot", "seat"], sort=True)
    moved["transport_run_id"] = groups.ngroup().astype("int64") + 1
    runs = groups.agg(district_code=("district_code", "first"), arrived_at=("transferred_at", "max"),
                      transport_run_id=("transport_run_id", "first")).reset_index(drop=True)
    runs["departed_at"] = runs["arrived_at"] - pd.to_timedelta(rng.integers(20, 70, len(runs)), unit="m")
    passengers = pd.DataFrame({"transport_run_id": moved["transport_run_id"].to_numpy(),
                               "passenger_kind": "contact", "case_id": pd.NA,
                               "contact_id": moved["contact_id"].to_numpy()})
    contacts = contacts.set_index("contact_id")
    contacts["transport_run_id"] = pd.array([pd.NA] * len(contacts), dtype="Int64")
    contacts.loc[moved["contact_id"], "transport_run_id"] = moved["transport_run_id"].to_numpy()
    contacts = contacts.reset_index()

    transferred = cases[cases["hospital_transfer_at"].notna()].reset_index(drop=True)
    first_case_run = int(runs["transport_run_id"].max() or 0) + 1
    case_runs = pd.DataFrame({
        "transport_run_id": np.arange(first_case_run, first_case_run + len(transferred), dtype="int64"),
        "district_code": transferred["district_code"],
        "arrived_at": transferred["hospital_transfer_at"],
    })
    case_runs["departed_at"] = case_runs["arrived_at"] - pd.to_timedelta(rng.integers(20, 60, len(case_runs)), unit="m")
    case_pass = pd.DataFrame({"transport_run_id": case_runs["transport_run_id"], "passenger_kind": "case",
                              "case_id": transferred["case_id"], "contact_id": pd.NA})
    # Two cases put on a contacts' run in their district, within 3 hours of their transfer.
    shared = 0
    for i in rng.permutation(len(transferred)):
        if shared == 2:
            break
        c = transferred.iloc[i]
        near = runs[(runs["district_code"] == c["district_code"])
                    & ((runs["departed_at"] - c["hospital_transfer_at"]).abs() <= pd.Timedelta(hours=3))]
        if len(near):
            run_id = int(near["transport_run_id"].iloc[0])
            own = case_pass.index[case_pass["case_id"] == c["case_id"]][0]
            case_runs = case_runs[case_runs["transport_run_id"] != case_pass.at[own, "transport_run_id"]]
            case_pass.at[own, "transport_run_id"] = run_id
            shared += 1
    cols = ["transport_run_id", "district_code", "departed_at", "arrived_at"]
    all_runs = pd.concat([runs[cols], case_runs[cols]], ignore_index=True)
    all_pass = pd.concat([passengers, case_pass], ignore_index=True)
    all_pass["case_id"] = all_pass["case_id"].astype("Int64")
    all_pass["contact_id"] = all_pass["contact_id"].astype("Int64")
    return all_runs, all_pass, contacts
