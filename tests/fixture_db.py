"""Small hand-built databases for metric tests.

`FixtureDB.insert(table, **values)` fills the columns a row must have with plain defaults,
so a test names only what its story is about:

    db = FixtureDB()
    db.district("500105", population=10_000)
    db.insert("facilities", facility_id="F1", district_code="500105", assessed_at="2022-07-01 00:00")
"""

from __future__ import annotations

import itertools
from typing import Any

import duckdb
import pandas as pd

from sitrep.db import create_schema, install_staging_views
from sitrep.queries import run

T0 = "2022-07-01 00:00"

DEFAULTS: dict[str, dict[str, Any]] = {
    "districts": dict(name_zh="测试区", name_en="Test District", kind="district", population_2020=1_000_000,
                      population_source="test", centroid_lon=106.5, centroid_lat=29.5, outline_geojson="{}"),
    "townships": dict(name_zh="测试街道", kind="street", population=None, centroid_lon=106.5, centroid_lat=29.5),
    "communities": dict(name_zh="测试社区", kind="community", population=None),
    "grids": dict(name_zh="第1网格"),
    "buildings": dict(district_code="500105", community_code="500105001001", grid_code="50010500100101",
                      name_zh="测试楼栋", residents=None),
    "persons": dict(full_name="测试", id_card_number=None, phone=None),
    "cases": dict(classification="confirmed", district_code="500105", source="local", found_in="social",
                  sampled_at=T0, outcome="in_hospital"),
    "case_classifications": dict(classification="confirmed", classified_at=T0),
    "contacts": dict(contact_type="close", index_case_id=1, district_code="500105", identified_at=T0),
    "contact_tests": dict(sampled_at=T0, result="negative"),
    "transport_runs": dict(district_code="500105", departed_at=T0),
    "transport_passengers": dict(passenger_kind="contact"),
    "facilities": dict(district_code="500105", name_zh="测试隔离点", kind="hotel", rooms_planned=1, assessed_at=T0),
    "rooms": dict(room_number="101"),
    "room_stays": dict(person_kind="close_contact", check_in_at=T0),
    "testing_rounds": dict(name_zh="第1轮", scope="districts", started_at=T0, deadline_at="2022-07-02 00:00"),
    "testing_round_targets": dict(district_code="500105", township_code="500105001", risk_level="low",
                                  pool_size=10, target_population=1000),
    "testing_progress_reports": dict(district_code="500105", reported_at=T0, people_sampled=0, people_tested=0,
                                     tubes_tested=0, positive_tubes=0),
    "testing_tubes": dict(district_code="500105", township_code="500105001", community_code="500105001001",
                          pool_size=10, people_in_tube=10, sampled_at=T0, result="pending"),
    "testing_samples": dict(sampled_at=T0),
    "sampling_sites": dict(district_code="500105", opened_at=T0),
    "occupational_testing": dict(district_code="500105", occupation="cold_chain", risk_tier="high",
                                 test_date="2022-07-01", people_due=0, people_tested=0),
    "risk_areas": dict(district_code="500105", township_code="500105001", name_zh="测试小区", level="high",
                       residents=1000, designated_at=T0),
    "risk_area_support_reports": dict(reported_at=T0, staff_on_duty=0, supply_days=30.0),
    "vaccination_60plus": dict(district_code="500105", report_date="2022-07-01", residents_60plus=None,
                               vaccinated_full=0, vaccinated_booster=0),
    "investigations": dict(district_code="500105", positive_confirmed_at=T0),
    "assist_letters": dict(case_id=1, from_district_code="500105", destination_kind="other_district",
                           destination="渝中区", risk_people=1, identified_at=T0),
    "screening_tasks": dict(list_type="spacetime_companion", district_code="500105", pushed_at=T0),
    "arrivals": dict(district_code="500105", origin_kind="key_area_domestic", arrived_at=T0),
    "dataset_info": {},
    "commuting_ties": dict(trip_share=0.0, distance_km=0.0),
}

# Integer keys numbered automatically when a test does not care.
AUTO_IDS = {"cases": "case_id", "contacts": "contact_id", "room_stays": "stay_id", "persons": "person_id",
            "transport_runs": "transport_run_id", "assist_letters": "letter_id", "screening_tasks": "task_id",
            "arrivals": "arrival_id", "testing_tubes": "tube_id"}
PERSON_TABLES = {"cases", "contacts", "room_stays"}


class FixtureDB:
    def __init__(self, path=None) -> None:
        self.con = duckdb.connect(str(path) if path else ":memory:")
        create_schema(self.con)
        install_staging_views(self.con)
        self._ids = itertools.count(1)

    def insert(self, table: str, **values: Any) -> dict[str, Any]:
        row = {**DEFAULTS[table], **values}
        if table in AUTO_IDS and AUTO_IDS[table] not in row:
            row[AUTO_IDS[table]] = next(self._ids)
        if table in PERSON_TABLES and "person_id" not in row:
            row["person_id"] = next(self._ids)
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        self.con.execute(f'insert into "{table}" ({columns}) values ({marks})', list(row.values()))
        return row

    # Shortcuts for the places every story needs.
    def district(self, code: str = "500105", population: int | None = 1_000_000, **kw) -> None:
        self.insert("districts", district_code=code, population_2020=population, **kw)

    def facility(self, facility_id: str, district: str = "500105", rooms: int = 1,
                 assessed_at: str | None = T0, **kw) -> list[str]:
        """A facility and its rooms; returns the room ids F1-1, F1-2, ..."""
        self.insert("facilities", facility_id=facility_id, district_code=district, rooms_planned=rooms,
                    assessed_at=assessed_at, **kw)
        room_ids = [f"{facility_id}-{i}" for i in range(1, rooms + 1)]
        for room_id in room_ids:
            self.insert("rooms", room_id=room_id, facility_id=facility_id)
        return room_ids

    def metric(self, query: str, as_of: str, **params: Any) -> pd.DataFrame:
        return run(self.con, query, as_of=pd.Timestamp(as_of), **params)

    def row(self, query: str, as_of: str, district_code: str | None = None, **params: Any) -> pd.Series:
        """The single row of a metric for one district (or the city row when district_code is None)."""
        frame = self.metric(query, as_of, **params)
        hit = frame[frame["district_code"].isna()] if district_code is None else \
            frame[frame["district_code"] == district_code]
        assert len(hit) == 1, f"expected one row for {district_code}, got\n{frame}"
        return hit.iloc[0]
