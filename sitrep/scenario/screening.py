"""Community screening of pushed lists (003 #21-24).

Space-time companions, same-vehicle and key-area-stay lists must be checked within 8 h,
inter-provincial roaming lists within 24 h. Most are verified; the unverifiable and those
not in Chongqing go to police review, which builds a backlog at the peak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sitrep.scenario.core import Scenario, lognormal_hours, make_persons, not_after

LIST_TYPES = np.array(["spacetime_companion", "same_vehicle", "key_area_stay", "roaming"])
MEDIAN_CHECK_H = {"spacetime_companion": 3.0, "same_vehicle": 2.5, "key_area_stay": 3.5, "roaming": 9.0}


def generate(sc: Scenario) -> dict[str, pd.DataFrame]:
    rng = sc.rng("screening")
    cases = sc.tables["cases"]
    communities = sc.tables["communities"]
    n = sc.scale.screening_tasks
    # Lists follow the outbreak: pushed near positive cases' places and times.
    pos = cases[cases["confirmed_at"].notna()].reset_index(drop=True)
    src = pos.iloc[rng.integers(0, len(pos), n)].reset_index(drop=True)
    list_type = LIST_TYPES[rng.choice(4, n, p=[0.45, 0.15, 0.25, 0.15])]
    pushed = src["confirmed_at"] + pd.to_timedelta(rng.uniform(2, 48, n) * 60, unit="m").round("min")
    # A fifth of the people on a list live elsewhere in the city.
    elsewhere = rng.random(n) < 0.2
    other = communities.iloc[rng.integers(0, len(communities), n)].reset_index(drop=True)
    district = np.where(elsewhere, other["district_code"], src["district_code"])
    township = np.where(elsewhere, other["township_code"], src["township_code"])
    community = np.where(elsewhere, other["community_code"], src["community_code"])
    medians = np.array([MEDIAN_CHECK_H[t] for t in list_type])
    delay_h = medians * np.exp(0.6 * rng.standard_normal(n))
    checked = not_after(pushed + pd.to_timedelta(delay_h * 60, unit="m").round("min"), sc.data_end)
    outcome = np.array(["verified", "unverifiable", "not_in_chongqing"])[rng.choice(3, n, p=[0.9, 0.06, 0.04])]
    outcome = np.where(checked.isna(), None, outcome)
    needs_review = np.isin(outcome, ["unverifiable", "not_in_chongqing"])
    review = checked + pd.to_timedelta(lognormal_hours(rng, 20.0, 0.8, n) * 60, unit="m").round("min")
    review = not_after(review.where(needs_review), sc.data_end)
    person_ids = sc.tables["_person_ids"].take(n)
    tasks = pd.DataFrame({
        "task_id": np.arange(1, n + 1, dtype="int64"), "person_id": person_ids,
        "list_type": list_type, "district_code": district, "township_code": township,
        "community_code": community, "pushed_at": pushed, "checked_at": checked,
        "outcome": outcome, "police_review_at": review,
    })
    keep = (tasks["pushed_at"] <= sc.data_end).to_numpy()
    tasks = tasks[keep].reset_index(drop=True)
    persons = make_persons(rng, tasks["person_id"].to_numpy(), tasks["district_code"].to_numpy())
    return {"screening_tasks": tasks,
            "persons": pd.concat([sc.tables["persons"], persons], ignore_index=True)}
