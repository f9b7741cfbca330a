"""Cases, close and secondary contacts, investigations and assist letters.

A branching process seeded where the summer-2022 clusters began. Each infection lands in
its infector's district or, along commuting ties, in another; control measures bring the
reproduction number down a few days after each cluster is detected. An infection that
the infector's contact tracing had already put under control is found in quarantine
(管控人员中); the others are found in society (社会面). Delays follow lognormal
distributions whose tails break the 2 h / 4 h / 8 h / 24 h limits now and then, as they
did in practice.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from sitrep.scenario.core import (IdSequence, Scenario, lognormal_hours, make_persons,
                                  not_after, to_timestamps)

CLUSTERS = [
    # code, district, detected at, seed infections, source of the seeds
    ("7·13 江北", "500105", "2022-07-13 06:00", 4, "other_province"),
    ("7·18 南岸", "500108", "2022-07-18 08:00", 3, "local"),
    ("7·18 万盛", "500110", "2022-07-18 10:00", 2, "local"),   # 万盛经开区 lies within 綦江区
    ("7·21 江津", "500116", "2022-07-21 09:00", 3, "local"),
]

# Reproduction number before control and how fast control brings it down.
R_BEFORE_CONTROL = {"demo": 2.6, "city": 3.6}
CONTROL_HALF_LIFE_DAYS = {"demo": 2.5, "city": 4.5}
R_UNDER_CONTROL = 0.35
CONTROL_STARTS_AFTER_DETECTION_H = 36.0
QUARANTINE_DAYS = 7


def generate(sc: Scenario) -> dict[str, pd.DataFrame]:
    rng = sc.rng("outbreak")
    townships = sc.tables["townships"]
    communities = sc.tables["communities"]
    grids = sc.tables["grids"]
    ties = sc.tables["commuting_ties"]
    places = _PlacePicker(rng, townships, communities, grids, ties)
    persons_seq = sc.tables.setdefault("_person_ids", IdSequence(1))  # shared across modules

    infections = _branching_process(sc, rng, places)
    cases = _case_timeline(sc, rng, infections)
    cases = cases[cases["prelim_positive_at"] <= sc.data_end].reset_index(drop=True)
    cases, suspects = _add_suspected(sc, rng, cases, places)
    cases = pd.concat([cases, suspects], ignore_index=True)
    cases["case_id"] = np.arange(1, len(cases) + 1, dtype="int64")
    # Re-point infector links from infection index to case id.
    index_to_case = dict(zip(cases["infection_index"].dropna().astype(int), cases["case_id"]))
    cases["infector_case_id"] = cases["infector_index"].map(index_to_case).astype("Int64")
    cases["person_id"] = persons_seq.take(len(cases))

    classifications = _classification_history(cases)
    contacts = _contacts(sc, rng, cases, places, persons_seq)
    tests = _contact_tests(sc, rng, contacts)
    investigations, letters = _investigations(sc, rng, cases)

    persons = make_persons(rng, np.concatenate([cases["person_id"], contacts["person_id"]]),
                           np.concatenate([cases["district_code"], contacts["district_code"]]))
    persons = persons.drop_duplicates("person_id")

    case_columns = ["case_id", "person_id", "classification", "cluster_code", "infector_case_id",
                    "district_code", "township_code", "community_code", "grid_code", "source",
                    "found_in", "control_setting", "onset_at", "sampled_at", "prelim_positive_at",
                    "reported_at", "confirmed_at", "hospital_transfer_at", "published_at",
                    "outcome", "discharged_at", "died_at", "retest_day3_at", "retest_day7_at"]
    sc.tables["_case_index"] = cases  # with helper columns, for later modules
    return {
        "cases": cases[case_columns],
        "case_classifications": classifications,
        "contacts": contacts,
        "contact_tests": tests,
        "investigations": investigations,
        "assist_letters": letters,
        "persons": persons,
    }


class _PlacePicker:
    """Draws where an infection or a contact lives, near its source."""

    def __init__(self, rng, townships, communities, grids, ties):
        self.rng = rng
        self.towns_by_district = {d: g for d, g in townships.groupby("district_code")}
        self.comms_by_town = {t: g["community_code"].to_numpy() for t, g in communities.groupby("township_code")}
        comm_pop = communities.set_index("community_code")["population"].astype("float64").fillna(1000.0)
        self.comm_weight = {t: (lambda w: w / w.sum())(comm_pop.loc[c].to_numpy() + 50.0)
                            for t, c in self.comms_by_town.items()}
        self.grids_by_comm = {c: g["grid_code"].to_numpy() for c, g in grids.groupby("community_code")}
        self.ties = {d: (g["to_district_code"].to_numpy(), g["trip_share"].to_numpy() / g["trip_share"].sum())
                     for d, g in ties.groupby("from_district_code")}

    def township_weight(self, district):
        towns = self.towns_by_district[district]
        w = towns["population"].astype("float64").fillna(20_000.0).to_numpy() + 1000.0
        return towns["township_code"].to_numpy(), w / w.sum()

    def near(self, district, township, community, p_same_district, p_same_township, p_same_community):
        rng = self.rng
        if rng.random() >= p_same_district:
            to, share = self.ties[district]
            district = str(rng.choice(to, p=share))
            township = community = None
        if township is None or rng.random() >= p_same_township:
            codes, w = self.township_weight(district)
            township = str(rng.choice(codes, p=w))
            community = None
        if community is None or rng.random() >= p_same_community:
            community = str(rng.choice(self.comms_by_town[township], p=self.comm_weight[township]))
        grid = str(rng.choice(self.grids_by_comm[community]))
        return district, township, community, grid


def _reproduction_number(sc: Scenario, t_h: float, detected_h: float) -> float:
    control_h = detected_h + CONTROL_STARTS_AFTER_DETECTION_H
    r0 = R_BEFORE_CONTROL[sc.scale.name]
    if t_h < control_h:
        return r0
    half_life_h = CONTROL_HALF_LIFE_DAYS[sc.scale.name] * 24
    return R_UNDER_CONTROL + (r0 - R_UNDER_CONTROL) * 0.5 ** ((t_h - control_h) / half_life_h)


def _branching_process(sc: Scenario, rng, places: _PlacePicker) -> pd.DataFrame:
    rows = []
    queue: list[tuple[float, int]] = []
    end_h = sc.hours(sc.data_end)
    for cluster, district, detected, n_seed, source in CLUSTERS:
        detected_h = sc.hours(pd.Timestamp(detected))
        for _ in range(n_seed):
            d, t, c, g = places.near(district, None, None, 1.0, 0.0, 0.0)
            infected_h = detected_h - rng.uniform(40, 110)
            rows.append(dict(infection_index=len(rows), infector_index=None, cluster_code=cluster,
                             detected_h=detected_h, infected_h=infected_h, district_code=d,
                             township_code=t, community_code=c, grid_code=g, source=source,
                             traced=False, generation=0))
            heapq.heappush(queue, (infected_h, len(rows) - 1))
    while queue and len(rows) < sc.scale.target_cases:
        infected_h, i = heapq.heappop(queue)
        parent = rows[i]
        r = _reproduction_number(sc, infected_h, parent["detected_h"])
        n_children = rng.negative_binomial(0.6, 0.6 / (0.6 + r))  # overdispersed, mean r
        for _ in range(n_children):
            child_h = infected_h + rng.gamma(3.0, 1.0) * 24
            if child_h > end_h:
                continue
            d, t, c, g = places.near(parent["district_code"], parent["township_code"],
                                     parent["community_code"], 0.88, 0.6, 0.45)
            # Tracing improves once the command center is running.
            since_detect_d = (child_h - parent["detected_h"]) / 24
            p_traced = float(np.clip(0.25 + 0.09 * since_detect_d, 0.25, 0.85))
            rows.append(dict(infection_index=len(rows), infector_index=i,
                             cluster_code=parent["cluster_code"], detected_h=parent["detected_h"],
                             infected_h=child_h, district_code=d, township_code=t, community_code=c,
                             grid_code=g, source="local", traced=rng.random() < p_traced,
                             generation=parent["generation"] + 1))
            heapq.heappush(queue, (child_h, len(rows) - 1))
    inf = pd.DataFrame(rows)
    # A few imported infections found in hotel quarantine, outside the clusters.
    n_imported = max(3, len(inf) // 100)
    imported = []
    for k in range(n_imported):
        district = str(rng.choice(["500105", "500112", "500106", "500103", "500108"]))
        d, t, c, g = places.near(district, None, None, 1.0, 0.0, 0.0)
        imported.append(dict(infection_index=len(inf) + k, infector_index=None, cluster_code=None,
                             detected_h=np.nan, infected_h=rng.uniform(0, end_h - 72),
                             district_code=d, township_code=t, community_code=c, grid_code=g,
                             source="abroad", traced=True, generation=0))
    return pd.concat([inf, pd.DataFrame(imported)], ignore_index=True)


def _case_timeline(sc: Scenario, rng, inf: pd.DataFrame) -> pd.DataFrame:
    n = len(inf)
    symptomatic = rng.random(n) < 0.35
    incubation_h = rng.gamma(3.0, 1.0, n) * 24
    onset_h = np.where(symptomatic, inf["infected_h"] + incubation_h, np.nan)
    # Parent's contacts are identified about 10 h after the parent's sampling; a traced child
    # is then in quarantine and tested daily at about 08:00.
    parent_idx = inf["infector_index"]
    natural_detect_h = inf["infected_h"] + np.where(symptomatic, incubation_h + rng.gamma(2.0, 10.0, n),
                                                     rng.gamma(3.0, 1.1, n) * 24)
    sampled_h = natural_detect_h.to_numpy().copy()
    found_in = np.full(n, "social", dtype=object)
    control = np.full(n, None, dtype=object)
    # Process in infection order so parents' sampling times are known.
    order = np.argsort(inf["infected_h"].to_numpy(), kind="stable")
    for i in order:
        p = parent_idx.iat[i]
        if inf["generation"].iat[i] == 0 and inf["source"].iat[i] != "abroad":
            # The seeds are what the cluster's detection found.
            sampled_h[i] = inf["detected_h"].iat[i] - rng.uniform(6, 10) + rng.gamma(1.5, 8.0)
            continue
        if inf["source"].iat[i] == "abroad":
            found_in[i], control[i] = "under_control", "centralized_isolation"
            sampled_h[i] = inf["infected_h"].iat[i] + rng.uniform(30, 100)
            continue
        if p is None or (isinstance(p, float) and np.isnan(p)) or not inf["traced"].iat[i]:
            continue
        quarantined_h = sampled_h[int(p)] + 10 + rng.gamma(2.0, 4.0)
        if quarantined_h < natural_detect_h.iat[i]:
            found_in[i] = "under_control"
            control[i] = str(rng.choice(["centralized_isolation", "home_isolation", "sealed_area"],
                                        p=[0.7, 0.15, 0.15]))
            first_test_h = max(quarantined_h, inf["infected_h"].iat[i] + 36)
            day_start = np.floor((first_test_h - 8) / 24) * 24 + 8 + 24
            sampled_h[i] = day_start + rng.uniform(0, 3)
    prelim_h = sampled_h + lognormal_hours(rng, 7.0, 0.4, n)
    reported_h = prelim_h + lognormal_hours(rng, 0.8, 0.6, n)
    confirmed_h = prelim_h + lognormal_hours(rng, 2.5, 0.4, n)
    transfer_h = confirmed_h + lognormal_hours(rng, 2.0, 0.6, n)
    published_h = confirmed_h + lognormal_hours(rng, 2.5, 0.45, n)

    # Omicron: a third symptomatic; some asymptomatic infections develop symptoms later.
    converts = (~symptomatic) & (rng.random(n) < 0.08)
    classification = np.where(symptomatic | converts, "confirmed", "asymptomatic")
    convert_h = np.where(converts, confirmed_h + rng.uniform(24, 72, n), np.nan)
    onset_h = np.where(converts, convert_h - rng.uniform(2, 12, n), onset_h)

    stay_h = rng.uniform(8, 14, n) * 24
    discharge_h = transfer_h + stay_h
    start = sc.start
    out = inf.copy()
    out["found_in"] = found_in
    out["control_setting"] = control
    out["classification"] = classification
    out["initial_classification"] = np.where(symptomatic, "confirmed", "asymptomatic")
    out["reclassified_at"] = not_after(to_timestamps(start, convert_h), sc.data_end)
    out["onset_at"] = not_after(to_timestamps(start, onset_h), sc.data_end)
    for col, hours in [("sampled_at", sampled_h), ("prelim_positive_at", prelim_h),
                       ("reported_at", reported_h), ("confirmed_at", confirmed_h),
                       ("hospital_transfer_at", transfer_h), ("published_at", published_h),
                       ("discharged_at", discharge_h)]:
        out[col] = not_after(to_timestamps(start, hours), sc.data_end).to_numpy()
    # A case reclassified after the data end is still asymptomatic in the data.
    out.loc[converts & out["reclassified_at"].isna().to_numpy(), "classification"] = "asymptomatic"
    # Outcomes: recovered once discharged; a very few deaths among the old.
    out["outcome"] = np.where(out["discharged_at"].notna(), "recovered", "in_hospital")
    out["died_at"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    in_hosp = np.flatnonzero((out["outcome"] == "in_hospital").to_numpy() & out["hospital_transfer_at"].notna().to_numpy())
    n_died = max(1, len(out) // 700)
    if len(in_hosp):
        for i in rng.choice(in_hosp, size=min(n_died, len(in_hosp)), replace=False):
            died = out.at[i, "hospital_transfer_at"] + pd.Timedelta(hours=float(rng.uniform(48, 96)))
            if died <= sc.data_end:
                out.at[i, "outcome"], out.at[i, "died_at"] = "died", died
    # Re-tests on day 3 and day 7 after discharge (003 #39); some are missed.
    for col, days in [("retest_day3_at", 3), ("retest_day7_at", 7)]:
        due = out["discharged_at"] + pd.Timedelta(days=days)
        done = rng.random(len(out)) > 0.08
        out[col] = due.where(done).where(due <= sc.data_end)
    return out


def _add_suspected(sc: Scenario, rng, cases: pd.DataFrame, places: _PlacePicker):
    """Suspected cases: some symptomatic social cases were first suspected; others are excluded."""
    cases = cases.copy()
    cases["suspected_at"] = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns]")
    social_symptomatic = np.flatnonzero(((cases["found_in"] == "social") &
                                         (cases["initial_classification"] == "confirmed")).to_numpy())
    n_conv = len(social_symptomatic) // 3
    conv = rng.choice(social_symptomatic, size=n_conv, replace=False) if n_conv else []
    for i in conv:
        cases.at[i, "suspected_at"] = cases.at[i, "sampled_at"] + pd.Timedelta(minutes=int(rng.integers(20, 120)))
    # Suspected people who test negative and are excluded, plus a few still pending.
    n_sus = max(10, n_conv * 2)
    rows = []
    first_h, end_h = sc.hours(pd.Timestamp(CLUSTERS[0][2])), sc.hours(sc.data_end)
    for k in range(n_sus):
        base = cases.iloc[int(rng.integers(len(cases)))]
        d, t, c, g = places.near(base["district_code"], base["township_code"], None, 0.9, 0.6, 0.0)
        sus_h = rng.uniform(first_h, end_h)
        sus_at = to_timestamps(sc.start, np.array([sus_h]))[0]
        pending = sus_h > end_h - 30
        excluded_at = sus_at + pd.Timedelta(hours=float(rng.uniform(12, 30)))
        rows.append(dict(infection_index=np.nan, infector_index=None, cluster_code=base["cluster_code"],
                         district_code=d, township_code=t, community_code=c, grid_code=g,
                         source="local", found_in="social", control_setting=None,
                         classification="suspected" if pending or excluded_at > sc.data_end else "excluded",
                         initial_classification="suspected", suspected_at=sus_at, excluded_at=excluded_at,
                         onset_at=sus_at - pd.Timedelta(hours=float(rng.uniform(6, 48))),
                         sampled_at=sus_at, outcome="in_hospital"))
    suspects = pd.DataFrame(rows)
    return cases, suspects


def _classification_history(cases: pd.DataFrame) -> pd.DataFrame:
    parts = []
    sus = cases[cases["suspected_at"].notna()]
    parts.append(pd.DataFrame({"case_id": sus["case_id"], "classification": "suspected",
                               "classified_at": sus["suspected_at"]}))
    positive = cases[cases["confirmed_at"].notna()]
    parts.append(pd.DataFrame({"case_id": positive["case_id"],
                               "classification": positive["initial_classification"],
                               "classified_at": positive["confirmed_at"]}))
    rec = cases[cases["reclassified_at"].notna()]
    parts.append(pd.DataFrame({"case_id": rec["case_id"], "classification": "confirmed",
                               "classified_at": rec["reclassified_at"]}))
    exc = cases[(cases["classification"] == "excluded")]
    parts.append(pd.DataFrame({"case_id": exc["case_id"], "classification": "excluded",
                               "classified_at": exc["excluded_at"]}))
    out = pd.concat(parts, ignore_index=True).sort_values(["case_id", "classified_at"])
    return out.drop_duplicates(["case_id", "classified_at"]).reset_index(drop=True)


def _contacts(sc: Scenario, rng, cases: pd.DataFrame, places: _PlacePicker, persons_seq) -> pd.DataFrame:
    positives = cases[cases["prelim_positive_at"].notna()].reset_index(drop=True)
    # Close contacts: identified a few hours after the preliminary positive.
    mean = sc.scale.close_contacts_mean
    counts = rng.negative_binomial(1.5, 1.5 / (1.5 + mean - 2), len(positives)) + 2
    # People already under control name few new contacts.
    counts = np.where(positives["found_in"] == "under_control", np.maximum(1, counts // 4), counts)
    idx = np.repeat(np.arange(len(positives)), counts)
    n = len(idx)
    base = positives.iloc[idx].reset_index(drop=True)
    identified = base["prelim_positive_at"] + pd.to_timedelta(lognormal_hours(rng, 4.0, 0.6, n) * 60, unit="m").round("min")
    close = pd.DataFrame({"contact_type": "close", "index_case_id": base["case_id"].to_numpy(),
                          "via_contact_id": pd.array([None] * n, dtype="Int64"),
                          "identified_at": identified})
    homes = [places.near(d, t, c, 0.82, 0.5, 0.5) for d, t, c in
             zip(base["district_code"], base["township_code"], base["community_code"])]
    close["district_code"] = [h[0] for h in homes]
    close["township_code"] = [h[1] for h in homes]
    close["community_code"] = [h[2] for h in homes]
    close["person_id"] = persons_seq.take(n)
    close["contact_id"] = np.arange(1, n + 1, dtype="int64")

    # Children found in quarantine were their infector's close contacts: link them.
    under = cases[(cases["found_in"] == "under_control") & cases["infector_case_id"].notna()
                  & cases["prelim_positive_at"].notna()]
    close["turned_positive_at"] = pd.Series(pd.NaT, index=close.index, dtype="datetime64[ns]")
    close["positive_case_id"] = pd.array([None] * n, dtype="Int64")
    by_index = close.groupby("index_case_id").indices
    used = set()
    for _, child in under.iterrows():
        slots = [j for j in by_index.get(int(child["infector_case_id"]), []) if j not in used
                 and close.at[j, "identified_at"] < child["sampled_at"]]
        if not slots:
            continue
        j = slots[0]
        used.add(j)
        close.loc[j, ["district_code", "township_code", "community_code"]] = \
            [child["district_code"], child["township_code"], child["community_code"]]
        close.at[j, "person_id"] = child["person_id"]
        close.at[j, "turned_positive_at"] = child["prelim_positive_at"]
        close.at[j, "positive_case_id"] = child["case_id"]

    # Secondary contacts: the people close contacts met.
    sec_counts = rng.poisson(sc.scale.secondary_per_close, n)
    sidx = np.repeat(np.arange(n), sec_counts)
    m = len(sidx)
    sbase = close.iloc[sidx].reset_index(drop=True)
    shomes = [places.near(d, t, c, 0.9, 0.6, 0.6) for d, t, c in
              zip(sbase["district_code"], sbase["township_code"], sbase["community_code"])]
    secondary = pd.DataFrame({
        "contact_type": "secondary", "index_case_id": sbase["index_case_id"].to_numpy(),
        "via_contact_id": pd.array(sbase["contact_id"].to_numpy(), dtype="Int64"),
        "identified_at": sbase["identified_at"] + pd.to_timedelta(lognormal_hours(rng, 6.0, 0.5, m) * 60, unit="m").round("min"),
        "district_code": [h[0] for h in shomes], "township_code": [h[1] for h in shomes],
        "community_code": [h[2] for h in shomes], "person_id": persons_seq.take(m),
        "contact_id": np.arange(n + 1, n + m + 1, dtype="int64"),
        "turned_positive_at": pd.Series(pd.NaT, index=range(m), dtype="datetime64[ns]"),
        "positive_case_id": pd.array([None] * m, dtype="Int64"),
    })
    contacts = pd.concat([close, secondary], ignore_index=True)
    contacts = contacts[contacts["identified_at"] <= sc.data_end].reset_index(drop=True)
    k = len(contacts)
    contacts["reached_at"] = not_after(
        contacts["identified_at"] + pd.to_timedelta(lognormal_hours(rng, 1.2, 0.7, k) * 60, unit="m").round("min"),
        sc.data_end)
    # Close contacts go to centralized isolation unless unfit; the share dips while rooms are
    # scarce at the peak (CON-MODE). Secondary contacts mostly stay home.
    day = (contacts["identified_at"] - sc.start).dt.days.to_numpy()
    p_central_close = np.where((day >= 14) & (day <= 17), 0.72, 0.88)
    p_central = np.where(contacts["contact_type"] == "close", p_central_close, 0.3)
    central = rng.random(k) < p_central
    contacts["isolation_mode"] = np.where(central, "centralized", "home")
    transfer = contacts["identified_at"] + pd.to_timedelta(lognormal_hours(rng, 4.5, 0.45, k) * 60, unit="m").round("min")
    transfer = transfer.where(transfer >= contacts["reached_at"].fillna(transfer), contacts["reached_at"])
    contacts["transferred_at"] = not_after(transfer.where(central), sc.data_end)
    start = contacts["transferred_at"].where(central, contacts["reached_at"])
    contacts["quarantine_start_at"] = start
    end = start + pd.Timedelta(days=QUARANTINE_DAYS)
    # A contact who turned positive leaves quarantine for hospital.
    end = end.where(contacts["turned_positive_at"].isna(),
                    contacts["turned_positive_at"] + pd.Timedelta(hours=4))
    contacts["quarantine_end_at"] = not_after(end.where(end >= start), sc.data_end)
    contacts["facility_id"] = None
    contacts["room_id"] = None
    contacts["transport_run_id"] = pd.array([None] * k, dtype="Int64")
    return contacts[["contact_id", "person_id", "contact_type", "index_case_id", "via_contact_id",
                     "district_code", "township_code", "community_code", "identified_at",
                     "reached_at", "transferred_at", "isolation_mode", "facility_id", "room_id",
                     "transport_run_id", "quarantine_start_at", "quarantine_end_at",
                     "turned_positive_at", "positive_case_id"]]


def _contact_tests(sc: Scenario, rng, contacts: pd.DataFrame) -> pd.DataFrame:
    """Nucleic-acid tests on days 1, 2, 3, 5 and 7 of quarantine at about 08:00."""
    started = contacts[contacts["quarantine_start_at"].notna()]
    days = np.array([1, 2, 3, 5, 7])
    idx = np.repeat(np.arange(len(started)), len(days))
    d = np.tile(days, len(started))
    s = started.iloc[idx]
    sampled = (s["quarantine_start_at"].dt.normalize() + pd.to_timedelta(d, unit="D")
               + pd.to_timedelta(8 * 60 + rng.integers(0, 180, len(idx)), unit="m"))
    out = pd.DataFrame({"contact_id": s["contact_id"].to_numpy(), "sampled_at": sampled.to_numpy(),
                        "turned": s["turned_positive_at"].to_numpy(),
                        "end": s["quarantine_end_at"].to_numpy()})
    out = out[(out["sampled_at"] <= sc.data_end)
              & (out["end"].isna() | (out["sampled_at"] <= out["end"]))]
    positive = out["turned"].notna() & (out["sampled_at"] >= out["turned"] - pd.Timedelta(hours=12))
    out["result"] = np.where(positive, "positive", "negative")
    # Testing stops after the first positive: the person goes to hospital.
    first_positive = out["sampled_at"].where(positive).groupby(out["contact_id"]).transform("min")
    out = out[first_positive.isna() | (out["sampled_at"] <= first_positive)].copy()
    out.loc[out["sampled_at"] > sc.data_end - pd.Timedelta(hours=6), "result"] = "pending"
    return out[["contact_id", "sampled_at", "result"]].drop_duplicates(["contact_id", "sampled_at"]).reset_index(drop=True)


def _investigations(sc: Scenario, rng, cases: pd.DataFrame):
    pos = cases[cases["confirmed_at"].notna()].reset_index(drop=True)
    n = len(pos)
    conf = pos["confirmed_at"]

    def after(median_h, sigma):
        return not_after(conf + pd.to_timedelta(lognormal_hours(rng, median_h, sigma, n) * 60, unit="m").round("min"), sc.data_end)

    inv = pd.DataFrame({
        "case_id": pos["case_id"], "district_code": pos["district_code"],
        "positive_confirmed_at": conf,
        "team_on_site_at": after(1.0, 0.5),       # limit 2 h
        "core_info_done_at": after(2.6, 0.35),    # limit 4 h
        "full_trace_done_at": after(15.0, 0.35),  # limit 24 h
    })
    # Assist letters for risk people who left the district or the city.
    has_letter = rng.random(n) < 0.35
    n_letters = np.where(has_letter, rng.integers(1, 3, n), 0)
    idx = np.repeat(np.arange(n), n_letters)
    m = len(idx)
    src = pos.iloc[idx].reset_index(drop=True)
    other_province = rng.random(m) < 0.3
    districts = sc.tables["districts"]["name_zh"].to_numpy()
    provinces = np.array(["四川省", "贵州省", "湖北省", "湖南省", "陕西省", "广东省"])
    identified = src["confirmed_at"] + pd.to_timedelta(rng.uniform(1, 20, m) * 60, unit="m").round("min")
    letters = pd.DataFrame({
        "letter_id": np.arange(1, m + 1, dtype="int64"),
        "case_id": src["case_id"].to_numpy(),
        "from_district_code": src["district_code"].to_numpy(),
        "destination_kind": np.where(other_province, "other_province", "other_district"),
        "destination": np.where(other_province, provinces[rng.integers(0, len(provinces), m)],
                                districts[rng.integers(0, len(districts), m)]),
        "risk_people": rng.integers(1, 15, m),
        "identified_at": identified,
        "sent_at": not_after(identified + pd.to_timedelta(lognormal_hours(rng, 0.9, 0.6, m) * 60, unit="m").round("min"), sc.data_end),
    })
    letters = letters[letters["identified_at"] <= sc.data_end].reset_index(drop=True)
    return inv, letters
