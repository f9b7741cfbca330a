"""CON-MODE, CON-SEPARATE, CON-FLOW: close and secondary contacts, against small fixtures
worked out by hand.

Every story is read at AS_OF = 2022-07-28 12:00 unless a test says otherwise; "24 h ago" is
2022-07-27 12:00 and the window of CON-SEPARATE is (2022-07-27 12:00, 2022-07-28 12:00].
"""

import pandas as pd
import pytest

from tests.fixture_db import FixtureDB

AS_OF = "2022-07-28 12:00"
T = pd.Timestamp


def quarantined(db, start, end=None, mode="home", transferred_at=None, district="500105", **kw):
    """A contact in quarantine from `start` (to `end`); centralized ones arrive at `transferred_at`
    (by default when their quarantine starts)."""
    if mode == "centralized" and transferred_at is None:
        transferred_at = start
    identified_at = kw.pop("identified_at", min(start, transferred_at or start))
    return db.insert("contacts", identified_at=identified_at, quarantine_start_at=start, quarantine_end_at=end,
                     isolation_mode=mode, transferred_at=transferred_at, district_code=district, **kw)["contact_id"]


# --- CON-MODE -------------------------------------------------------------------------------

def test_centralized_share_now_against_24_h_ago_with_its_edges(db):
    """CON-MODE: in quarantine = started <= t < ended; centralized = also arrived in isolation by t.

    24 h ago (07-27 12:00): K1 centralized, K2 home, K7 centralized; K6 ended exactly then -> 2 / 3.
    Now (07-28 12:00): K1, K3 centralized; K2, K4, K5 home; K8 starting exactly now; K9 waiting
    at home for a transfer at 12:30 -> 2 / 7. Falling: red.
    """
    quarantined(db, "2022-07-27 08:00", mode="centralized")                              # K1
    quarantined(db, "2022-07-27 09:00")                                                  # K2
    quarantined(db, "2022-07-28 10:00", mode="centralized")                              # K3
    quarantined(db, "2022-07-28 09:00")                                                  # K4
    quarantined(db, "2022-07-28 11:00")                                                  # K5
    quarantined(db, "2022-07-20 12:00", "2022-07-27 12:00", mode="centralized")          # K6
    quarantined(db, "2022-07-21 10:00", "2022-07-28 10:00", mode="centralized")          # K7
    quarantined(db, "2022-07-28 12:00")                                                  # K8
    quarantined(db, "2022-07-28 08:00", mode="centralized", transferred_at="2022-07-28 12:30")  # K9
    row = db.row("metrics/con_mode", AS_OF, "500105")
    assert (row.numerator, row.denominator, row.home) == (2, 7, 5)
    assert row.value == pytest.approx(2 / 7)
    assert (row.centralized_24h_ago, row.in_quarantine_24h_ago) == (2, 3)
    assert row.value_24h_ago == pytest.approx(2 / 3)
    assert bool(row.is_red)


def test_falling_share_is_red_since_the_start_of_the_current_fall(db):
    """CON-MODE: red_since follows the share against the share 24 h before, moment by moment.

    A centralized and B home from 07-26 12:00 (1/2). C home from 07-27 18:00 (1/3 < 1/2: red).
    D home from 07-27 19:00 (1/4), moved to isolation at 20:00 (2/4 = 1/2, not below: not red).
    E home from 07-28 06:00 (2/5 < 1/2 of 07-27 06:00: red again).
    """
    quarantined(db, "2022-07-26 12:00", mode="centralized")                              # A
    quarantined(db, "2022-07-26 12:00")                                                  # B
    quarantined(db, "2022-07-27 18:00")                                                  # C
    quarantined(db, "2022-07-27 19:00", mode="centralized", transferred_at="2022-07-27 20:00")  # D
    quarantined(db, "2022-07-28 06:00")                                                  # E
    row = db.row("metrics/con_mode", AS_OF, "500105")
    assert (row.value, row.value_24h_ago) == (0.4, 0.5)
    assert bool(row.is_red) and row.red_since == T("2022-07-28 06:00")
    evening = db.row("metrics/con_mode", "2022-07-27 19:30", "500105")      # 1/4 against 1/2
    assert bool(evening.is_red) and evening.red_since == T("2022-07-27 18:00")
    level = db.row("metrics/con_mode", "2022-07-27 20:00", "500105")        # 2/4 against 1/2
    assert not level.is_red and pd.isna(level.red_since)
    assert db.row("metrics/con_mode", AS_OF).red_since == T("2022-07-28 06:00")          # city row


def test_share_is_unknown_with_nobody_in_quarantine_and_so_is_its_trend(db):
    """CON-MODE: unknown is not zero: no one in quarantine 24 h ago leaves value_24h_ago and is_red null."""
    quarantined(db, "2022-07-28 08:00", mode="centralized")
    quarantined(db, "2022-07-28 09:00")
    row = db.row("metrics/con_mode", AS_OF, "500105")
    assert row.value == 0.5 and pd.isna(row.value_24h_ago) and pd.isna(row.is_red)
    empty = FixtureDB().metric("metrics/con_mode", AS_OF)
    assert len(empty) == 1 and pd.isna(empty["value"].iloc[0]) and pd.isna(empty["is_red"].iloc[0])
    before = db.metric("metrics/con_mode", "2022-07-01 00:00")
    assert len(before) == 1 and before["in_quarantine"].iloc[0] == 0
    future = db.row("metrics/con_mode", "2030-01-01 00:00", "500105")       # both still open
    assert (future.value, future.value_24h_ago) == (0.5, 0.5) and not future.is_red


def test_share_rises_when_contacts_are_moved_and_the_city_pools_districts(db):
    """CON-MODE: a rising share is not red; the city row pools the districts; the filter keeps one."""
    quarantined(db, "2022-07-27 08:00", mode="centralized", transferred_at="2022-07-28 08:00")  # home, then moved
    quarantined(db, "2022-07-27 08:00")
    quarantined(db, "2022-07-27 08:00", mode="centralized", district="500106")
    row = db.row("metrics/con_mode", AS_OF, "500105")
    assert (row.value, row.value_24h_ago) == (0.5, 0.0) and not row.is_red
    city = db.row("metrics/con_mode", AS_OF)
    assert (city.numerator, city.denominator, city.centralized_24h_ago) == (2, 3, 1)
    only = db.metric("metrics/con_mode", AS_OF, district_code="500106")
    assert set(only["district_code"].dropna()) == {"500106"} and list(only["denominator"]) == [1, 1]


# --- CON-SEPARATE ---------------------------------------------------------------------------

@pytest.fixture()
def runs(db):
    """Seven runs around the window (07-27 12:00, 07-28 12:00].

    run 1  07-27 12:00  case + contact         edge: outside
    run 2  07-27 12:01  1 case + 2 contacts    mixed, 500105
    run 3  07-28 09:00  3 contacts             not mixed
    run 4  07-28 12:00  2 cases + 1 contact    mixed, 500106, departs exactly at as_of
    run 5  07-28 12:30  case + contact         after as_of
    run 6  07-28 10:00  2 cases                not mixed
    run 7  07-28 11:00  no passenger recorded  not mixed
    """
    plan = {1: ("2022-07-27 12:00", "500105", [("case", 1), ("contact", 1)]),
            2: ("2022-07-27 12:01", "500105", [("case", 1), ("contact", 2)]),
            3: ("2022-07-28 09:00", "500105", [("contact", 3)]),
            4: ("2022-07-28 12:00", "500106", [("case", 2), ("contact", 1)]),
            5: ("2022-07-28 12:30", "500105", [("case", 1), ("contact", 1)]),
            6: ("2022-07-28 10:00", "500105", [("case", 2)]),
            7: ("2022-07-28 11:00", "500105", [])}
    person = iter(range(100, 200))
    for run_id, (departed, district, riders) in plan.items():
        db.insert("transport_runs", transport_run_id=run_id, district_code=district, departed_at=departed)
        for kind, n in riders:
            for _ in range(n):
                key = "case_id" if kind == "case" else "contact_id"
                db.insert("transport_passengers", transport_run_id=run_id, passenger_kind=kind, **{key: next(person)})
    return plan


def test_runs_carrying_cases_and_contacts_together_in_the_window(db, runs):
    """CON-SEPARATE: mixed runs departed in (as_of - 24 h, as_of]; red when any."""
    city = db.row("metrics/con_separate", AS_OF)
    assert (city.value, city.numerator, city.denominator) == (2.0, 2, 5)       # runs 2, 4 of 2, 3, 4, 6, 7
    assert (city.case_passengers, city.contact_passengers) == (3, 3)
    assert bool(city.is_red) and city.red_since == T("2022-07-27 12:01")
    a = db.row("metrics/con_separate", AS_OF, "500105")
    assert (a.mixed_runs, a.runs, a.red_since) == (1, 4, T("2022-07-27 12:01"))
    b = db.row("metrics/con_separate", AS_OF, "500106")
    assert (b.mixed_runs, b.runs, b.red_since) == (1, 1, T("2022-07-28 12:00"))


def test_separate_runs_window_is_the_timeliness_setting(db, runs):
    """CON-SEPARATE: a 2 h window (10:00, 12:00] keeps runs 4 and 7; run 6 leaves at 10:00 exactly."""
    row = db.row("metrics/con_separate", AS_OF, timeliness_window_hours=2)
    assert (row.mixed_runs, row.runs) == (1, 2)
    # A minute earlier the window (07-27 11:59, 07-28 11:59] holds run 1 as well as run 2.
    earlier = db.row("metrics/con_separate", "2022-07-28 11:59", "500105")
    assert earlier.mixed_runs == 2 and earlier.red_since == T("2022-07-27 12:00")
    later = db.row("metrics/con_separate", "2022-07-29 12:31")             # runs 2, 4 and 5 have left it
    assert later.mixed_runs == 0 and not later.is_red and pd.isna(later.red_since)


def test_separate_runs_with_no_runs_before_them_and_in_the_future(db, runs):
    """CON-SEPARATE: nothing in the window: value 0 and not red; empty tables give a city row only."""
    empty = FixtureDB().metric("metrics/con_separate", AS_OF)
    assert len(empty) == 1 and empty["value"].iloc[0] == 0 and not empty["is_red"].iloc[0]
    before = db.metric("metrics/con_separate", "2022-07-01 00:00")
    assert len(before) == 1 and before["runs"].iloc[0] == 0
    assert db.row("metrics/con_separate", "2030-01-01 00:00").runs == 0


def test_the_mixed_runs_drill_through_lists_passengers_by_id_only(db, runs):
    """CON-SEPARATE details: each passenger of each mixed run in the window, ids and times only."""
    frame = db.metric("details/con_separate_runs", AS_OF)
    assert list(frame["transport_run_id"]) == [2, 2, 2, 4, 4, 4]
    assert list(frame["passenger_kind"]) == ["case", "contact", "contact", "case", "case", "contact"]
    assert frame["case_id"].notna().sum() == 3 and frame["contact_id"].notna().sum() == 3
    assert not {"person_id", "full_name", "id_card_number", "phone"} & set(frame.columns)
    assert set(db.metric("details/con_separate_runs", AS_OF, district_code="500106")["transport_run_id"]) == {4}


# --- CON-FLOW -------------------------------------------------------------------------------

@pytest.fixture()
def funnel(db):
    """Six contacts.

    F1 close      identified 07-25, reached, moved, tested 07-26, released 07-28 11:00
    F2 close      identified 07-27 10:00, reached 12:30 and moved 13:00 on 07-28 (after as_of)
    F3 close      moved 07-26, tested positive 07-27 08:00, turned positive 07-27 10:00, left 14:00
    F4 secondary  identified 07-26 10:00, reached exactly at as_of, test sampled 12:30 (after)
    F5 secondary  identified 07-28 12:01 (after as_of)
    F6 close      home from 07-20, tested 07-21, released 07-27, turned positive 07-29 08:00
    """
    ids = {}
    ids["F1"] = quarantined(db, "2022-07-25 12:00", "2022-07-28 11:00", mode="centralized",
                            identified_at="2022-07-25 08:00", reached_at="2022-07-25 09:00")
    ids["F2"] = db.insert("contacts", identified_at="2022-07-27 10:00", reached_at="2022-07-28 12:30",
                          isolation_mode="centralized", transferred_at="2022-07-28 13:00")["contact_id"]
    ids["F3"] = quarantined(db, "2022-07-26 09:00", "2022-07-27 14:00", mode="centralized",
                            reached_at="2022-07-26 09:00", turned_positive_at="2022-07-27 10:00")
    ids["F4"] = quarantined(db, "2022-07-28 12:00", contact_type="secondary", via_contact_id=ids["F1"],
                            identified_at="2022-07-26 10:00", reached_at="2022-07-28 12:00")
    ids["F5"] = db.insert("contacts", contact_type="secondary", via_contact_id=ids["F1"],
                          identified_at="2022-07-28 12:01")["contact_id"]
    ids["F6"] = quarantined(db, "2022-07-20 10:00", "2022-07-27 10:00", reached_at="2022-07-20 10:00",
                            turned_positive_at="2022-07-29 08:00")
    for contact, sampled, result in [("F1", "2022-07-26 08:00", "negative"), ("F3", "2022-07-27 08:00", "positive"),
                                     ("F4", "2022-07-28 12:30", "pending"), ("F6", "2022-07-21 08:00", "negative")]:
        db.insert("contact_tests", contact_id=ids[contact], sampled_at=sampled, result=result)
    return ids


def test_the_contact_funnel_cumulative_to_as_of(db, funnel):
    """CON-FLOW: identified -> reached -> transferred -> tested -> released, and turned positive."""
    row = db.row("metrics/con_flow", AS_OF, "500105")
    stages = ["identified", "reached", "transferred", "tested", "released", "turned_positive"]
    assert [row[s] for s in stages] == [5, 4, 2, 3, 2, 1]
    assert [row["close_" + s] for s in stages] == [4, 3, 2, 3, 2, 1]
    assert [row["secondary_" + s] for s in stages] == [1, 1, 0, 0, 0, 0]
    assert (row.value, row.denominator) == (5.0, 5) and pd.isna(row.numerator) and row.is_red == False  # noqa: E712


def test_a_contact_turning_positive_after_release_leaves_the_released(db, funnel):
    """CON-FLOW: on 07-29 12:00 F6 has turned positive: released 1 (F1), turned positive 2; F2, F5 count."""
    row = db.row("metrics/con_flow", "2022-07-29 12:00", "500105")
    stages = ["identified", "reached", "transferred", "tested", "released", "turned_positive"]
    assert [row[s] for s in stages] == [6, 5, 3, 4, 1, 2]


def test_contact_funnel_with_empty_tables_before_any_data_in_the_future_and_per_district(db, funnel):
    """CON-FLOW: no contacts: a city row of zeros; the city row pools districts; the filter keeps one."""
    empty = FixtureDB().metric("metrics/con_flow", AS_OF)
    assert len(empty) == 1 and empty["identified"].iloc[0] == 0
    assert db.metric("metrics/con_flow", "2022-07-01 00:00")["identified"].tolist() == [0]
    assert db.row("metrics/con_flow", "2030-01-01 00:00", "500105").identified == 6
    db.insert("contacts", district_code="500106", identified_at="2022-07-28 08:00")
    assert db.row("metrics/con_flow", AS_OF).identified == 6
    only = db.metric("metrics/con_flow", AS_OF, district_code="500106")
    assert list(only["identified"]) == [1, 1]
