"""SCR-OUTCOME (police review backlog) and SCR-ARRIVAL (arrivals registered within 24 h), against
small fixtures worked out by hand. SCR-8H and SCR-24H are clock rules: see test_timeliness.py."""

import pandas as pd
import pytest

from sitrep import settings as settings_module
from sitrep.queries import run_metric
from tests.fixture_db import FixtureDB

AS_OF = "2022-07-28 12:00"
T = pd.Timestamp


@pytest.fixture()
def db():
    return FixtureDB()


def frame(db, metric_id, as_of=AS_OF, **params) -> pd.DataFrame:
    return run_metric(db.con, metric_id, as_of=T(as_of), **params)


def row(db, metric_id, as_of=AS_OF, district_code=None, **params) -> pd.Series:
    out = frame(db, metric_id, as_of, **params)
    hit = out[out["district_code"].isna()] if district_code is None else out[out["district_code"] == district_code]
    assert len(hit) == 1, f"expected one row for {district_code}, got\n{out}"
    return hit.iloc[0]


def checked(db, outcome, checked_at, police_review_at=None, **kw):
    return db.insert("screening_tasks", pushed_at="2022-07-27 00:00", outcome=outcome, checked_at=checked_at,
                     police_review_at=police_review_at, **kw)


# --- SCR-OUTCOME ----------------------------------------------------------------------------

def test_unverifiable_and_not_in_chongqing_entries_wait_for_police_review_until_reviewed(db):
    """SCR-OUTCOME: outcomes by kind; the backlog is the unverifiable and not-in-Chongqing entries
    not reviewed by as_of (a review recorded after as_of is not known yet); red since the oldest."""
    checked(db, "verified", "2022-07-27 10:00")
    checked(db, "unverifiable", "2022-07-27 09:00", "2022-07-28 08:00")     # reviewed
    checked(db, "unverifiable", "2022-07-28 09:00")                         # waiting
    checked(db, "not_in_chongqing", "2022-07-28 10:00", "2022-07-28 13:00")  # reviewed after as_of: waiting
    db.insert("screening_tasks", pushed_at="2022-07-28 10:00")             # not checked yet
    checked(db, "not_in_chongqing", "2022-07-28 12:01")                     # checked after as_of
    r = row(db, "SCR-OUTCOME")
    assert (r.checked, r.verified, r.unverifiable, r.not_in_chongqing) == (4, 1, 2, 1)
    assert (r.value, r.numerator, r.denominator, r.reviewed, r.backlog) == (2.0, 2, 3, 1, 2)
    assert bool(r.is_red) and r.red_since == T("2022-07-28 09:00")
    assert pd.isna(r.threshold)


def test_a_review_or_check_at_exactly_as_of_counts_and_a_cleared_backlog_is_not_red(db):
    """SCR-OUTCOME: an entry reviewed at exactly as_of has left the backlog; one checked at
    exactly as_of has joined it; with every entry reviewed the backlog is 0 and not red."""
    checked(db, "unverifiable", "2022-07-28 09:00", "2022-07-28 12:00")
    cleared = row(db, "SCR-OUTCOME")
    assert (cleared.backlog, cleared.reviewed) == (0, 1)
    assert cleared.value == 0.0 and not cleared.is_red and pd.isna(cleared.red_since)
    checked(db, "not_in_chongqing", "2022-07-28 12:00")
    joined = row(db, "SCR-OUTCOME")
    assert joined.backlog == 1 and bool(joined.is_red) and joined.red_since == T("2022-07-28 12:00")
    assert row(db, "SCR-OUTCOME", "2022-07-28 11:59").backlog == 1   # before the review


def test_backlog_is_counted_per_district_and_the_place_filters_keep_one(db):
    """SCR-OUTCOME: one row per district with checked entries plus the city row; district and
    township filters keep only their entries."""
    checked(db, "unverifiable", "2022-07-28 09:00", district_code="500105", township_code="500105001")
    checked(db, "verified", "2022-07-28 09:00", district_code="500105", township_code="500105002")
    checked(db, "not_in_chongqing", "2022-07-28 08:00", "2022-07-28 10:00", district_code="500106",
            township_code="500106001")
    out = frame(db, "SCR-OUTCOME")
    assert pd.isna(out.iloc[0].district_code) and set(out["district_code"].dropna()) == {"500105", "500106"}
    assert row(db, "SCR-OUTCOME").backlog == 1 and row(db, "SCR-OUTCOME").checked == 3
    assert bool(row(db, "SCR-OUTCOME", district_code="500105").is_red)
    assert not row(db, "SCR-OUTCOME", district_code="500106").is_red
    only = frame(db, "SCR-OUTCOME", district_code="500106")
    assert set(only["district_code"].dropna()) == {"500106"}
    township = row(db, "SCR-OUTCOME", township_code="500105002")
    assert (township.checked, township.backlog, bool(township.is_red)) == (1, 0, False)


def test_the_backlog_list_holds_ids_and_codes_oldest_first(db):
    """SCR-OUTCOME: the drill-through lists the waiting entries by task id, oldest first, with the
    minutes waited; never a name, ID number or phone."""
    db.insert("persons", person_id=501, full_name="李四", id_card_number="500105199001011234", phone="13900000000")
    checked(db, "not_in_chongqing", "2022-07-28 10:00", task_id=21, person_id=501)
    checked(db, "unverifiable", "2022-07-28 09:00", task_id=22, township_code="500105001")
    checked(db, "unverifiable", "2022-07-28 08:00", "2022-07-28 09:00", task_id=23)   # reviewed
    checked(db, "unverifiable", "2022-07-28 07:00", "2022-07-28 13:00", task_id=24)   # reviewed after as_of
    listed = run_metric(db.con, "SCR-OUTCOME", query="details/scr_outcome_backlog", as_of=T(AS_OF))
    assert listed[["task_id", "minutes_waiting"]].values.tolist() == [[24, 300], [22, 180], [21, 120]]
    assert "person_id" not in listed.columns
    text = listed.astype(str).to_string()
    assert not any(secret in text for secret in ("李四", "500105199001011234", "13900000000"))


def test_screening_outcomes_with_no_data_before_any_data_and_in_the_future(db):
    """SCR-OUTCOME: empty tables and an as_of before the first check give a city row of zeros,
    not red; in 2030 only entries never reviewed remain in the backlog."""
    empty = frame(db, "SCR-OUTCOME")
    assert len(empty) == 1 and empty.iloc[0].checked == 0 and not empty.iloc[0].is_red
    checked(db, "unverifiable", "2022-07-28 09:00", "2022-07-29 09:00")
    checked(db, "not_in_chongqing", "2022-07-28 10:00")
    before = row(db, "SCR-OUTCOME", "2022-07-01 00:00")
    assert (before.checked, before.backlog, bool(before.is_red)) == (0, 0, False)
    future = row(db, "SCR-OUTCOME", "2030-01-01 00:00")
    assert (future.checked, future.reviewed, future.backlog) == (2, 1, 1)
    assert future.red_since == T("2022-07-28 10:00")


# --- SCR-ARRIVAL ----------------------------------------------------------------------------

def arrival(db, arrived_at, registered_at=None, **kw):
    return db.insert("arrivals", arrived_at=arrived_at, registered_at=registered_at, **kw)


def test_an_unregistered_arrival_is_within_grace_at_exactly_24_hours_and_overdue_a_minute_later(db):
    """SCR-ARRIVAL: an arrival at 07-27 12:00 without a record is within grace at 07-28 12:00;
    at 12:01 it is overdue, the value is 1 and red since 12:00."""
    arrival(db, "2022-07-27 12:00")
    at_limit = row(db, "SCR-ARRIVAL", "2022-07-28 12:00")
    assert (at_limit.value, at_limit.within_grace, at_limit.denominator) == (0.0, 1, 1)
    assert not at_limit.is_red and pd.isna(at_limit.red_since) and at_limit.threshold == 24.0
    past = row(db, "SCR-ARRIVAL", "2022-07-28 12:01")
    assert (past.value, past.numerator, past.within_grace) == (1.0, 1, 0)
    assert bool(past.is_red) and past.red_since == T("2022-07-28 12:00")


def test_registered_at_24_hours_is_on_time_later_is_late_and_a_late_record_clears_the_flag(db):
    """SCR-ARRIVAL: a record at arrival + 24 h 00 min is on time, at + 24 h 01 min late; once
    recorded an arrival is no longer unregistered, and a record after as_of is not known yet."""
    arrival(db, "2022-07-26 10:00", "2022-07-27 10:00")
    arrival(db, "2022-07-26 10:00", "2022-07-27 10:01")
    arrival(db, "2022-07-26 10:00", "2022-07-28 13:00")   # recorded after as_of
    r = row(db, "SCR-ARRIVAL")
    assert (r.arrivals, r.registered_on_time, r.registered_late, r.within_grace) == (3, 1, 1, 0)
    assert (r.value, bool(r.is_red), r.red_since) == (1.0, True, T("2022-07-27 10:00"))
    later = row(db, "SCR-ARRIVAL", "2022-07-28 13:00")
    assert (later.value, later.registered_late, bool(later.is_red)) == (0.0, 2, False)


def test_arrivals_from_key_areas_and_from_abroad_are_counted_by_district_and_place(db):
    """SCR-ARRIVAL: overdue arrivals split by origin; one row per district plus the city row; the
    township filter goes through the arrival's community."""
    db.insert("communities", community_code="500105001001", township_code="500105001", district_code="500105")
    db.insert("communities", community_code="500105002001", township_code="500105002", district_code="500105")
    arrival(db, "2022-07-26 00:00", origin_kind="abroad", travel_history_days=28, community_code="500105001001")
    arrival(db, "2022-07-26 06:00", origin_kind="key_area_domestic", travel_history_days=14,
            community_code="500105002001")
    arrival(db, "2022-07-26 06:00", district_code="500106")
    city = row(db, "SCR-ARRIVAL")
    assert (city.value, city.overdue_abroad, city.overdue_key_area) == (3.0, 1, 2)
    assert city.red_since == T("2022-07-27 00:00")
    out = frame(db, "SCR-ARRIVAL")
    assert set(out["district_code"].dropna()) == {"500105", "500106"}
    assert row(db, "SCR-ARRIVAL", district_code="500105").value == 2.0
    assert set(frame(db, "SCR-ARRIVAL", district_code="500106")["district_code"].dropna()) == {"500106"}
    township = row(db, "SCR-ARRIVAL", township_code="500105002")
    assert (township.value, township.overdue_key_area, township.red_since) == (1.0, 1, T("2022-07-27 06:00"))


def test_the_grace_period_is_the_setting_and_an_override_moves_it(db):
    """SCR-ARRIVAL: the grace is arrival_registration_grace_hours; at 48 h an arrival 30 h ago is
    still within grace."""
    arrival(db, "2022-07-27 06:00")
    assert row(db, "SCR-ARRIVAL").value == 1.0
    longer = {**settings_module.values(), "arrival_registration_grace_hours": 48}
    r = row(db, "SCR-ARRIVAL", settings=longer)
    assert (r.value, r.within_grace, r.threshold, bool(r.is_red)) == (0.0, 1, 48.0, False)


def test_the_unregistered_list_holds_ids_and_codes_oldest_first(db):
    """SCR-ARRIVAL: the drill-through lists overdue arrivals by arrival id with their deadline and
    minutes overdue; arrivals within grace or registered are not on it."""
    db.insert("persons", person_id=501, full_name="王五", id_card_number="500105199001011234", phone="13700000000")
    arrival(db, "2022-07-27 06:00", arrival_id=31, person_id=501)
    arrival(db, "2022-07-26 06:00", arrival_id=32, community_code="500105001001")
    arrival(db, "2022-07-27 12:00", arrival_id=33)                          # within grace
    arrival(db, "2022-07-26 06:00", "2022-07-27 09:00", arrival_id=34)      # registered late
    arrival(db, "2022-07-26 12:00", "2022-07-28 13:00", arrival_id=35)      # registered after as_of
    listed = run_metric(db.con, "SCR-ARRIVAL", query="details/scr_arrival_unregistered", as_of=T(AS_OF))
    assert listed[["arrival_id", "minutes_overdue"]].values.tolist() == [[32, 30 * 60], [35, 24 * 60],
                                                                         [31, 6 * 60]]
    assert listed.iloc[0].due_at == T("2022-07-27 06:00")
    assert "person_id" not in listed.columns
    text = listed.astype(str).to_string()
    assert not any(secret in text for secret in ("王五", "500105199001011234", "13700000000"))


def test_arrivals_with_no_data_before_any_data_and_in_the_future(db):
    """SCR-ARRIVAL: empty tables and an as_of before the first arrival give a city row of zeros,
    not red; in 2030 every arrival never registered is overdue."""
    empty = frame(db, "SCR-ARRIVAL")
    assert len(empty) == 1 and empty.iloc[0].arrivals == 0 and not empty.iloc[0].is_red
    arrival(db, "2022-07-28 06:00")
    arrival(db, "2022-07-28 07:00", "2022-07-28 08:00")
    before = row(db, "SCR-ARRIVAL", "2022-07-01 00:00")
    assert (before.arrivals, before.value, bool(before.is_red)) == (0, 0.0, False)
    future = row(db, "SCR-ARRIVAL", "2030-01-01 00:00")
    assert (future.arrivals, future.value, future.registered_on_time) == (2, 1.0, 1)
    assert future.red_since == T("2022-07-29 06:00")
