"""ISO-*: isolation rooms, against small fixtures worked out by hand."""

import pandas as pd
import pytest

from tests.fixture_db import FixtureDB

AS_OF = "2022-07-28 12:00"


@pytest.fixture()
def db():
    db = FixtureDB()
    db.district("500105", population=10_000)
    db.district("500106", population=20_000)
    return db


def test_room_usage_turns_red_at_exactly_75_percent(db):
    rooms = db.facility("F1", district="500105", rooms=4, assessed_at="2022-07-01 00:00")
    for room in rooms[:3]:
        db.insert("room_stays", room_id=room, check_in_at="2022-07-28 08:00")   # 3 / 4 = 75.0%
    row = db.row("metrics/iso_use", AS_OF, "500105")
    assert row.value == 0.75
    assert row.numerator == 3 and row.denominator == 4
    assert bool(row.is_red)
    assert row.red_since == pd.Timestamp("2022-07-28 08:00")


def test_room_usage_just_under_75_percent_is_not_red(db):
    rooms = db.facility("F1", district="500105", rooms=100)
    for room in rooms[:74]:
        db.insert("room_stays", room_id=room, check_in_at="2022-07-28 08:00")
    row = db.row("metrics/iso_use", AS_OF, "500105")
    assert row.value == 0.74
    assert not row.is_red and pd.isna(row.red_since)


def test_a_room_shared_by_two_people_counts_once_and_checked_out_rooms_are_free(db):
    rooms = db.facility("F1", rooms=4)
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 08:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 09:00", person_kind="other")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-27 08:00", check_out_at="2022-07-28 12:00")
    row = db.row("metrics/iso_use", AS_OF, "500105")
    assert row.numerator == 1  # the check-out at exactly 12:00 has freed room 2


def test_rooms_count_only_after_their_facility_passed_assessment(db):
    db.facility("F1", rooms=2, assessed_at="2022-07-01 00:00")
    late = db.facility("F2", rooms=2, assessed_at="2022-07-29 00:00")
    db.insert("room_stays", room_id=late[0], check_in_at="2022-07-28 08:00")
    row = db.row("metrics/iso_use", AS_OF, "500105")
    assert (row.numerator, row.denominator) == (0, 2)


def test_city_row_pools_every_district_and_red_since_follows_the_last_crossing(db):
    a = db.facility("FA", district="500105", rooms=4)
    b = db.facility("FB", district="500106", rooms=4)
    # 500105: 3 rooms by 10:00 (75%), one leaves at 11:00 (50%), back to 3 at 11:30.
    db.insert("room_stays", room_id=a[0], check_in_at="2022-07-28 08:00")
    db.insert("room_stays", room_id=a[1], check_in_at="2022-07-28 09:00")
    db.insert("room_stays", room_id=a[2], check_in_at="2022-07-28 10:00", check_out_at="2022-07-28 11:00")
    db.insert("room_stays", room_id=a[3], check_in_at="2022-07-28 11:30")
    db.insert("room_stays", room_id=b[0], check_in_at="2022-07-28 08:00")
    district = db.row("metrics/iso_use", AS_OF, "500105")
    assert district.value == 0.75 and district.red_since == pd.Timestamp("2022-07-28 11:30")
    city = db.row("metrics/iso_use", AS_OF, None)
    assert (city.numerator, city.denominator) == (4, 8) and not city.is_red


def test_place_filter_keeps_one_district_and_empty_data_gives_no_rows(db):
    db.facility("FA", district="500105", rooms=2)
    db.facility("FB", district="500106", rooms=2)
    only = db.metric("metrics/iso_use", AS_OF, district_code="500106")
    assert set(only["district_code"].dropna()) == {"500106"}
    empty = FixtureDB()
    frame = empty.metric("metrics/iso_use", AS_OF)
    assert frame["rooms"].fillna(0).sum() == 0


def test_as_of_before_any_data_and_in_the_future(db):
    rooms = db.facility("F1", rooms=2, assessed_at="2022-07-01 00:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 08:00", check_out_at="2022-08-04 08:00")
    before = db.metric("metrics/iso_use", "2022-06-01 00:00")
    assert before["rooms"].fillna(0).sum() == 0
    future = db.row("metrics/iso_use", "2030-01-01 00:00", "500105")
    assert future.numerator == 0 and future.denominator == 2
