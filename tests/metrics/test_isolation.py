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


# --- ISO-USE: room usage against the trigger ------------------------------------------------

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


# --- helpers shared by the ISO-* stories below ----------------------------------------------

def flag(value):
    """is_red as True, False or None (unknown)."""
    return None if pd.isna(value) else bool(value)


def many_rooms(db, facility_id, district, n, assessed_at="2022-07-01 00:00"):
    """A facility of n rooms inserted in one statement (thousands of rooms stay fast)."""
    db.insert("facilities", facility_id=facility_id, district_code=district, rooms_planned=n, assessed_at=assessed_at)
    db.con.execute("insert into rooms select ? || '-' || i, ?, cast(i as varchar) from range(1, ? + 1) t(i)",
                   [facility_id, facility_id, n])


def occupy(db, rooms, check_in_at="2022-07-27 08:00", **kw):
    for room in rooms:
        db.insert("room_stays", room_id=room, check_in_at=check_in_at, **kw)


PERSONAL_COLUMNS = {"person_id", "full_name", "id_card_number", "phone"}


# --- ISO-RESERVE ----------------------------------------------------------------------------

def test_reserve_of_exactly_60_rooms_per_10000_residents_is_not_red(db):
    """ISO-RESERVE: 60 rooms for 10,000 residents is 60.0 per 10,000, the standard itself."""
    db.facility("F1", district="500105", rooms=60)
    row = db.row("metrics/iso_reserve", AS_OF, "500105")
    assert row.value == 60.0 and row.threshold == 60.0
    assert (row.numerator, row.denominator) == (600_000, 10_000)
    assert flag(row.is_red) is False and pd.isna(row.red_since)
    assert row.shortfall_rooms == 0


def test_reserve_of_59_99_per_10000_residents_is_red_and_one_room_short(db):
    """ISO-RESERVE: 5,999 rooms x 10,000 / 1,000,000 residents = 59.99; ceil(60 x 100) - 5,999 = 1 short."""
    db.district("500107", population=1_000_000)
    many_rooms(db, "F7", "500107", 5_999)
    row = db.row("metrics/iso_reserve", AS_OF, "500107")
    assert row.value == pytest.approx(59.99)
    assert flag(row.is_red) is True
    assert row.shortfall_rooms == 1


def test_a_district_with_residents_and_no_rooms_shows_zero_and_is_red(db):
    """ISO-RESERVE: 500106 has 20,000 residents and no facility: 0 per 10,000, 120 rooms short.
    It has never met the standard in the records, so when the breach began is unknown.
    500107's 10,001 residents need ceil(60.006) = 61 rooms: a part of a room is a room."""
    db.facility("F1", district="500105", rooms=60)
    db.district("500107", population=10_001)
    row = db.row("metrics/iso_reserve", AS_OF, "500106")
    assert row.value == 0 and row.rooms == 0
    assert flag(row.is_red) is True and row.shortfall_rooms == 120
    assert pd.isna(row.red_since)
    assert db.row("metrics/iso_reserve", AS_OF, "500107").shortfall_rooms == 61


def test_closing_a_facility_drops_the_reserve_below_standard_from_that_moment(db):
    """ISO-RESERVE: red_since is when rooms fell below the standard; the city row adds districts up."""
    db.facility("F1", district="500105", rooms=60)  # 10,000 residents: 60.0, at the standard
    db.facility("F2", district="500106", rooms=90)  # 20,000 residents
    db.facility("F3", district="500106", rooms=40, assessed_at="2022-07-05 00:00", closed_at="2022-07-25 00:00")
    # 500106: 130 rooms from 07-05 (65.0, met), 90 from 07-25 (45.0): red since 07-25, short 120 - 90 = 30.
    # City: 30,000 residents need 180 rooms; 190 from 07-05, 150 from 07-25 (50.0): short 30.
    district = db.row("metrics/iso_reserve", AS_OF, "500106")
    assert district.value == 45.0 and district.rooms == 90 and flag(district.is_red) is True
    assert district.red_since == pd.Timestamp("2022-07-25 00:00") and district.shortfall_rooms == 30
    city = db.row("metrics/iso_reserve", AS_OF, None)
    assert (city.rooms, city.population, city.value) == (150, 30_000, 50.0)
    assert flag(city.is_red) is True and city.shortfall_rooms == 30
    assert city.red_since == pd.Timestamp("2022-07-25 00:00")
    assert flag(db.row("metrics/iso_reserve", AS_OF, "500105").is_red) is False


def test_a_district_without_a_census_figure_has_an_unknown_reserve_and_so_has_the_city(db):
    """ISO-RESERVE: unknown is not zero; the city population is unknown once any district's is."""
    db.district("500233", population=None)
    db.facility("F1", district="500233", rooms=10)
    db.facility("F2", district="500105", rooms=60)
    row = db.row("metrics/iso_reserve", AS_OF, "500233")
    assert row.rooms == 10 and pd.isna(row.population)
    assert pd.isna(row.value) and flag(row.is_red) is None and pd.isna(row.shortfall_rooms)
    city = db.row("metrics/iso_reserve", AS_OF, None)
    assert city.rooms == 70 and pd.isna(city.population)
    assert pd.isna(city.value) and flag(city.is_red) is None and pd.isna(city.shortfall_rooms)


def test_a_township_filter_counts_its_rooms_against_its_own_population(db):
    """ISO-RESERVE: township 500105001 has 5,000 residents and 29 rooms: 58.0 per 10,000, 1 short."""
    db.insert("townships", township_code="500105001", district_code="500105", population=5_000)
    db.facility("F1", district="500105", rooms=29, township_code="500105001")
    db.facility("F2", district="500105", rooms=40, township_code="500105002")
    row = db.row("metrics/iso_reserve", AS_OF, "500105", township_code="500105001")
    assert (row.rooms, row.population, row.value) == (29, 5_000, 58.0)
    assert flag(row.is_red) is True and row.shortfall_rooms == 1


def test_reserve_counts_rooms_from_assessment_to_closing_before_any_data_in_the_future_and_on_empty_tables(db):
    """ISO-RESERVE: 500105 (10,000 residents) has 60 rooms from 07-10 to 08-10; F2 never passed."""
    db.facility("F1", district="500105", rooms=60, assessed_at="2022-07-10 00:00", closed_at="2022-08-10 00:00")
    db.facility("F2", district="500105", rooms=5, assessed_at=None)
    before = db.row("metrics/iso_reserve", "2022-06-01 00:00", "500105")
    assert before.rooms == 0 and before.value == 0 and flag(before.is_red) is True
    now = db.row("metrics/iso_reserve", AS_OF, "500105")
    assert now.rooms == 60 and flag(now.is_red) is False
    future = db.row("metrics/iso_reserve", "2030-01-01 00:00", "500105")
    assert future.rooms == 0 and flag(future.is_red) is True
    assert future.red_since == pd.Timestamp("2022-08-10 00:00")
    empty = FixtureDB().metric("metrics/iso_reserve", AS_OF)
    assert len(empty) == 1 and empty["district_code"].isna().all()
    assert empty["rooms"].iloc[0] == 0 and pd.isna(empty["value"].iloc[0])


# --- ISO-COMMISSION -------------------------------------------------------------------------

def test_rooms_used_before_their_facility_passed_assessment_count_once_each(db):
    """ISO-COMMISSION: rooms 1 (two people) and 2 of unassessed F1 are in use; assessed F2 is fine."""
    unassessed = db.facility("F1", district="500105", rooms=3, assessed_at=None)
    db.insert("room_stays", room_id=unassessed[0], check_in_at="2022-07-27 08:00")
    db.insert("room_stays", room_id=unassessed[0], check_in_at="2022-07-27 09:00", person_kind="other")
    db.insert("room_stays", room_id=unassessed[1], check_in_at="2022-07-28 10:00")
    occupy(db, db.facility("F2", district="500105", rooms=1), "2022-07-27 07:00")
    db.facility("F3", district="500106", rooms=1, assessed_at=None)  # not assessed, but empty
    row = db.row("metrics/iso_commission", AS_OF, "500105")
    assert (row.value, row.numerator, row.people, row.facilities) == (2, 2, 3, 1)
    assert flag(row.is_red) is True and row.red_since == pd.Timestamp("2022-07-27 08:00")
    clean = db.row("metrics/iso_commission", AS_OF, "500106")
    assert clean.value == 0 and flag(clean.is_red) is False and pd.isna(clean.red_since)
    city = db.row("metrics/iso_commission", AS_OF, None)
    assert city.value == 2 and city.red_since == pd.Timestamp("2022-07-27 08:00")


def test_a_facility_assessed_at_the_as_of_minute_is_commissioned_one_assessed_a_minute_later_is_not(db):
    """ISO-COMMISSION: at 12:00 F1 (assessed 12:00) counts as commissioned, F2 (12:01) not yet."""
    occupy(db, db.facility("F1", rooms=1, assessed_at="2022-07-28 12:00"), "2022-07-28 08:00")
    occupy(db, db.facility("F2", rooms=1, assessed_at="2022-07-28 12:01"), "2022-07-28 08:00")
    at_noon = db.row("metrics/iso_commission", AS_OF, "500105")
    assert at_noon.value == 1 and at_noon.red_since == pd.Timestamp("2022-07-28 08:00")
    a_minute_later = db.row("metrics/iso_commission", "2022-07-28 12:01", "500105")
    assert a_minute_later.value == 0 and flag(a_minute_later.is_red) is False


def test_red_since_of_unassessed_use_reaches_back_over_an_unbroken_breach_only(db):
    """ISO-COMMISSION: room 3 alone is in breach at 12:00 (since 07-27 09:00), but room 2 held the
    breach without a break from 07-27 08:00. Room 1's stay of 07-20 ended long before; F2's breach
    ended when F2 passed assessment at 07-27 00:00, eight hours before room 2 was taken."""
    rooms = db.facility("F1", rooms=3, assessed_at=None)
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-20 08:00", check_out_at="2022-07-21 08:00")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-27 08:00", check_out_at="2022-07-28 10:00")
    db.insert("room_stays", room_id=rooms[2], check_in_at="2022-07-27 09:00")
    occupy(db, db.facility("F2", rooms=1, assessed_at="2022-07-27 00:00"), "2022-07-26 00:00")
    row = db.row("metrics/iso_commission", AS_OF, "500105")
    assert row.value == 1
    assert row.red_since == pd.Timestamp("2022-07-27 08:00")


def test_commission_before_any_data_in_the_future_and_on_empty_tables(db):
    """ISO-COMMISSION: one stay, 07-28 08:00 to 08-04, in F1 assessed on 07-29."""
    rooms = db.facility("F1", rooms=1, assessed_at="2022-07-29 00:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 08:00", check_out_at="2022-08-04 08:00")
    before = db.row("metrics/iso_commission", "2022-06-01 00:00", "500105")
    assert before.value == 0 and flag(before.is_red) is False
    assert db.row("metrics/iso_commission", "2022-07-28 07:59", "500105").value == 0
    assert db.row("metrics/iso_commission", "2022-07-28 08:00", "500105").value == 1  # the check-in minute
    assert db.row("metrics/iso_commission", AS_OF, "500105").value == 1
    future = db.row("metrics/iso_commission", "2030-01-01 00:00", "500105")
    assert future.value == 0 and flag(future.is_red) is False
    empty = FixtureDB().metric("metrics/iso_commission", AS_OF)
    assert len(empty) == 1 and empty["value"].iloc[0] == 0 and flag(empty["is_red"].iloc[0]) is False


# --- ISO-SINGLE -----------------------------------------------------------------------------

def test_a_room_with_two_people_is_red_from_the_moment_the_second_checked_in(db):
    """ISO-SINGLE: room 1 holds two people since 07-27 09:00. In room 2 one person left at 10:00 and
    the next arrived at 10:00: never two at once."""
    rooms = db.facility("F1", rooms=2)
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-27 08:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-27 09:00", person_kind="other")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-27 08:00", check_out_at="2022-07-28 10:00")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-28 10:00")
    row = db.row("metrics/iso_single", AS_OF, "500105")
    assert (row.value, row.numerator, row.people) == (1, 1, 2)
    assert flag(row.is_red) is True and row.red_since == pd.Timestamp("2022-07-27 09:00")
    assert db.row("metrics/iso_single", AS_OF, None).value == 1


def test_sharing_ends_when_one_of_the_two_checks_out_at_the_as_of_minute(db):
    """ISO-SINGLE: A stays 08:00-12:00, B from 09:00: two people from 09:00 to 11:59, one at 12:00."""
    rooms = db.facility("F1", rooms=1)
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 08:00", check_out_at="2022-07-28 12:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 09:00")
    assert db.row("metrics/iso_single", "2022-07-28 08:59", "500105").value == 0
    assert db.row("metrics/iso_single", "2022-07-28 09:00", "500105").value == 1  # B's check-in minute
    before_noon = db.row("metrics/iso_single", "2022-07-28 11:59", "500105")
    assert before_noon.value == 1 and before_noon.red_since == pd.Timestamp("2022-07-28 09:00")
    at_noon = db.row("metrics/iso_single", AS_OF, "500105")
    assert at_noon.value == 0 and flag(at_noon.is_red) is False and pd.isna(at_noon.red_since)


def test_red_since_is_the_start_of_the_rooms_current_overlap_not_of_its_current_pair(db):
    """ISO-SINGLE: in room 1, A from 08:00, B 09:00-10:00, C from 09:30. At 12:00 A and C share, C
    since 09:30, but the room has held two or more without a break since B came at 09:00.
    Room 2's overlap on 07-20 ended long before."""
    rooms = db.facility("F1", rooms=2)
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 08:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 09:00", check_out_at="2022-07-28 10:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 09:30")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-20 08:00", check_out_at="2022-07-20 12:00")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-20 08:30", check_out_at="2022-07-20 09:00")
    row = db.row("metrics/iso_single", AS_OF, "500105")
    assert (row.value, row.people) == (1, 2)
    assert row.red_since == pd.Timestamp("2022-07-28 09:00")


def test_a_district_stays_red_since_an_earlier_shared_room_when_the_sharing_never_stopped(db):
    """ISO-SINGLE: room 2 was shared 06:30-09:00, room 1 from 09:00: the district has had a shared
    room without a break since 06:30."""
    rooms = db.facility("F1", rooms=2)
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 08:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 09:00")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-28 06:00", check_out_at="2022-07-28 09:00")
    db.insert("room_stays", room_id=rooms[1], check_in_at="2022-07-28 06:30", check_out_at="2022-07-28 09:00")
    row = db.row("metrics/iso_single", AS_OF, "500105")
    assert row.value == 1 and row.red_since == pd.Timestamp("2022-07-28 06:30")


def test_single_occupancy_applies_in_unassessed_facilities_before_any_data_in_the_future_and_on_empty_tables(db):
    """ISO-SINGLE: two people share a room of unassessed F1 from 07-28 09:00 to 08-04."""
    rooms = db.facility("F1", rooms=1, assessed_at=None)
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 08:00", check_out_at="2022-08-04 08:00")
    db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-28 09:00", check_out_at="2022-08-04 08:00")
    assert db.row("metrics/iso_single", AS_OF, "500105").value == 1
    before = db.row("metrics/iso_single", "2022-06-01 00:00", "500105")
    assert before.value == 0 and flag(before.is_red) is False
    future = db.row("metrics/iso_single", "2030-01-01 00:00", "500105")
    assert future.value == 0 and flag(future.is_red) is False
    empty = FixtureDB().metric("metrics/iso_single", AS_OF)
    assert len(empty) == 1 and empty["value"].iloc[0] == 0 and flag(empty["is_red"].iloc[0]) is False


# --- ISO-DISPATCH ---------------------------------------------------------------------------

@pytest.fixture()
def city(db):
    """Four districts and the distances from 500105 to the others."""
    db.district("500107", population=10_000)
    db.district("500108", population=10_000)
    for other, km in (("500106", 5.0), ("500107", 10.0), ("500108", 20.0)):
        db.insert("commuting_ties", from_district_code="500105", to_district_code=other, distance_km=km)
    return db


def test_exactly_75_percent_triggers_dispatch_of_one_room_from_the_nearest_lender(city):
    """ISO-DISPATCH: 500105 has 3 of 4 rooms taken (75%): need 3 - ceil(0.75 x 4) + 1 = 1 room.
    500106 (5 km) has 2 of 4 taken, one below its trigger of 3: it lends 0 and is not listed.
    500107 (10 km) has 0 of 8 taken: spare ceil(6) - 1 - 0 = 5, which covers the need; 500108 is not needed."""
    occupy(city, city.facility("F5", district="500105", rooms=4)[:3])
    occupy(city, city.facility("F6", district="500106", rooms=4)[:2])
    city.facility("F7", district="500107", rooms=8)
    city.facility("F8", district="500108", rooms=8)
    plan = city.metric("metrics/iso_dispatch", AS_OF)
    assert len(plan) == 1
    row = plan.iloc[0]
    assert (row.needy_district_code, row.need_rooms) == ("500105", 1)
    assert (row.lender_district_code, row.lender_rank, row.distance_km) == ("500107", 1, 10.0)
    assert (row.spare_rooms, row.cumulative_spare_rooms) == (5, 5)
    assert bool(row.covers_need) and bool(row.need_covered)


def test_lenders_are_listed_nearest_first_until_their_spare_rooms_cover_the_need(city):
    """ISO-DISPATCH: 500105 has 20 of 20 taken: need 20 - 15 + 1 = 6. 500106 (5 km): 2 of 8 taken,
    spare ceil(6) - 1 - 2 = 3; 500107 (10 km): 2 of 8, spare 3, cumulative 6: exactly the need, so
    500108 (20 km, 0 of 8, spare 5) is not needed."""
    occupy(city, city.facility("F5", district="500105", rooms=20))
    occupy(city, city.facility("F6", district="500106", rooms=8)[:2])
    occupy(city, city.facility("F7", district="500107", rooms=8)[:2])
    city.facility("F8", district="500108", rooms=8)
    plan = city.metric("metrics/iso_dispatch", AS_OF)
    assert list(plan["lender_district_code"]) == ["500106", "500107"]
    assert list(plan["lender_rank"]) == [1, 2]
    assert list(plan["spare_rooms"]) == [3, 3]
    assert list(plan["cumulative_spare_rooms"]) == [3, 6]
    assert list(plan["covers_need"]) == [False, True]
    assert (plan["need_rooms"] == 6).all() and plan["need_covered"].all()


def test_a_need_the_spare_rooms_cannot_cover_lists_every_lender_and_says_so(city):
    """ISO-DISPATCH: 500105 has 4 of 4 taken: need 4 - 3 + 1 = 2. 500106 lends 0 (2 of 4, one below
    its trigger); 500107 has 1 of 4: spare 3 - 1 - 1 = 1; 500108 has no tie to 500105 and 0 of 4:
    spare 2, listed last. 1 + 2 = 3 covers 2 at the second lender."""
    occupy(city, city.facility("F5", district="500105", rooms=4))
    occupy(city, city.facility("F6", district="500106", rooms=4)[:2])
    occupy(city, city.facility("F7", district="500107", rooms=4)[:1])
    city.con.execute("delete from commuting_ties where to_district_code = '500108'")
    city.facility("F8", district="500108", rooms=4)
    plan = city.metric("metrics/iso_dispatch", AS_OF)
    assert list(plan["lender_district_code"]) == ["500107", "500108"]
    assert pd.isna(plan["distance_km"].iloc[1])
    assert list(plan["cumulative_spare_rooms"]) == [1, 3] and plan["need_covered"].all()
    # Without 500108 the need of 2 is not covered by 500107's single room.
    city.con.execute("delete from rooms where facility_id = 'F8'")
    short = city.metric("metrics/iso_dispatch", AS_OF)
    assert list(short["lender_district_code"]) == ["500107"]
    assert not short["covers_need"].iloc[0] and not short["need_covered"].iloc[0]


def test_just_under_the_trigger_gives_no_plan_and_a_needy_district_without_lenders_still_shows(city):
    """ISO-DISPATCH: 74 of 100 rooms is under 75%: no plan. At 75 of 100 the need is 75 - 75 + 1 = 1,
    and with no other district holding rooms the plan is one row with no lender."""
    rooms = city.facility("F5", district="500105", rooms=100)
    occupy(city, rooms[:74])
    assert city.metric("metrics/iso_dispatch", AS_OF).empty
    occupy(city, rooms[74:75])
    plan = city.metric("metrics/iso_dispatch", AS_OF)
    assert len(plan) == 1 and plan["need_rooms"].iloc[0] == 1
    assert pd.isna(plan["lender_district_code"].iloc[0]) and not plan["need_covered"].iloc[0]


def test_dispatch_place_filter_before_any_data_in_the_future_and_on_empty_tables(city):
    """ISO-DISPATCH: 500105 (4 of 4 taken until 08-04) and 500106 (2 of 2) both need rooms;
    500107 has 8 free."""
    occupy(city, city.facility("F5", district="500105", rooms=4), check_out_at="2022-08-04 00:00")
    occupy(city, city.facility("F6", district="500106", rooms=2))
    city.facility("F7", district="500107", rooms=8)
    assert set(city.metric("metrics/iso_dispatch", AS_OF)["needy_district_code"]) == {"500105", "500106"}
    only = city.metric("metrics/iso_dispatch", AS_OF, district_code="500106")
    assert set(only["needy_district_code"]) == {"500106"} and set(only["lender_district_code"]) == {"500107"}
    assert city.metric("metrics/iso_dispatch", "2022-06-01 00:00").empty
    assert set(city.metric("metrics/iso_dispatch", "2030-01-01 00:00")["needy_district_code"]) == {"500106"}
    assert FixtureDB().metric("metrics/iso_dispatch", AS_OF).empty


# --- ISO-RUNWAY -----------------------------------------------------------------------------

def test_runway_of_exactly_3_days_to_the_trigger_is_red(db):
    """ISO-RUNWAY: 500105 has 20 rooms, 3 taken at 07-25 12:00, exactly 72 h before 07-28 12:00 (so
    taken at the window's start), and 6 more at 07-27 08:00. Over the window: 9 - 3 = 6 rooms, 2 a
    day. Trigger ceil(0.75 x 20) = 15: 6 rooms left, 3.0 days (red); 11 rooms to full, 5.5 days.
    Before 07-27 08:00, 3 rooms a window were 12 days from the trigger; from 07-27 08:00 on, 6 or 9
    rooms a window bring it within 3 days: red since 07-27 08:00."""
    rooms = db.facility("F1", district="500105", rooms=20)
    occupy(db, rooms[:3], "2022-07-25 12:00")
    occupy(db, rooms[3:9], "2022-07-27 08:00")
    row = db.row("metrics/iso_runway", AS_OF, "500105")
    assert (row.rooms_occupied, row.rooms_occupied_before, row.rooms) == (9, 3, 20)
    assert row.net_rooms_per_day == 2.0 and (row.numerator, row.denominator) == (6, 2.0)
    assert row.value == 3.0 and row.days_to_full == 5.5 and row.threshold == 3.0
    assert flag(row.is_red) is True and row.red_since == pd.Timestamp("2022-07-27 08:00")


def test_a_runway_turns_red_when_a_wave_of_departures_leaves_the_window(db):
    """ISO-RUNWAY: 20 rooms, trigger 15 (and 4 empty rooms of F2 until it closes at 07-26 12:00).
    10 taken since 07-01; 8 of them leave at 07-25 06:00; 7 arrive at 07-26 00:00: 9 taken.
    Until 07-28 06:00 the window still holds the 10 of before the departures: net -1, never red.
    From 07-28 06:00 it starts at 2: net 7 in 3 days, and 15 - 9 = 6 rooms last 6 / (7/3) = 2.57
    days: red since 07-28 06:00 (counted with the 20 rooms left then, not the 24 of 07-25)."""
    rooms = db.facility("F1", district="500105", rooms=20)
    db.facility("F2", district="500105", rooms=4, closed_at="2022-07-26 12:00")
    occupy(db, rooms[:2], "2022-07-01 00:00")
    occupy(db, rooms[2:10], "2022-07-01 00:00", check_out_at="2022-07-25 06:00")
    occupy(db, rooms[10:17], "2022-07-26 00:00")
    before = db.row("metrics/iso_runway", "2022-07-28 05:59", "500105")
    assert before.net_rooms_per_day == pytest.approx(-1 / 3) and flag(before.is_red) is False
    row = db.row("metrics/iso_runway", AS_OF, "500105")
    assert (row.rooms_occupied, row.rooms_occupied_before) == (9, 2)
    assert row.value == pytest.approx(18 / 7)
    assert flag(row.is_red) is True and row.red_since == pd.Timestamp("2022-07-28 06:00")


def test_a_change_exactly_one_window_before_a_moment_counts_as_before_its_window(db):
    """ISO-RUNWAY: 20 rooms, trigger 15. 1 arrives at 07-25 00:00 and 9 at 07-28 00:00, exactly 72 h
    later. The window ending 07-28 00:00, (07-25 00:00, 07-28 00:00], took 10 - 1 = 9 rooms: 5 left
    at 3 a day, red from that moment. At 12:00: 9 in the window, 5 / 3 = 1.67 days."""
    rooms = db.facility("F1", district="500105", rooms=20)
    occupy(db, rooms[:1], "2022-07-25 00:00")
    occupy(db, rooms[1:10], "2022-07-28 00:00")
    at_the_moment = db.row("metrics/iso_runway", "2022-07-28 00:00", "500105")
    assert (at_the_moment.rooms_occupied, at_the_moment.rooms_occupied_before) == (10, 1)
    row = db.row("metrics/iso_runway", AS_OF, "500105")
    assert row.value == pytest.approx(5 / 3)
    assert flag(row.is_red) is True and row.red_since == pd.Timestamp("2022-07-28 00:00")


def test_runway_just_over_3_days_is_not_red(db):
    """ISO-RUNWAY: as before, but 2 taken since 07-20 and 6 more on 07-27: 8 - 2 = 6 in 3 days,
    2 a day; 15 - 8 = 7 rooms left: 3.5 days."""
    rooms = db.facility("F1", district="500105", rooms=20)
    occupy(db, rooms[:2], "2022-07-20 00:00")
    occupy(db, rooms[2:8], "2022-07-27 08:00")
    row = db.row("metrics/iso_runway", AS_OF, "500105")
    assert row.value == 3.5
    assert flag(row.is_red) is False and pd.isna(row.red_since)


def test_a_district_already_at_the_trigger_has_zero_days_left_and_is_not_red_here(db):
    """ISO-RUNWAY: 500105 took 3 of 4 rooms within the window (1 a day): 0 days to the trigger
    (ISO-USE flags it), 1 room to full: 1.0 day. 500106 took 3 of 4 and 500107 4 of 4 before the
    window, no intake since: still 0 days to the trigger, and 500107 is 0 days from full."""
    occupy(db, db.facility("F1", district="500105", rooms=4)[:3], "2022-07-27 08:00")
    occupy(db, db.facility("F2", district="500106", rooms=4)[:3], "2022-07-20 08:00")
    db.district("500107", population=10_000)
    occupy(db, db.facility("F3", district="500107", rooms=4), "2022-07-20 08:00")
    row = db.row("metrics/iso_runway", AS_OF, "500105")
    assert row.value == 0 and row.numerator == 0 and row.days_to_full == 1.0
    assert flag(row.is_red) is False
    idle = db.row("metrics/iso_runway", AS_OF, "500106")
    assert idle.value == 0 and pd.isna(idle.days_to_full) and flag(idle.is_red) is False
    full = db.row("metrics/iso_runway", AS_OF, "500107")
    assert full.value == 0 and full.days_to_full == 0


def test_a_district_that_empties_never_reaches_the_trigger(db):
    """ISO-RUNWAY: 4 rooms taken before the window, 2 freed within it: -2 rooms in 3 days. At this
    rate the trigger is never reached: days unknown (null), not red."""
    rooms = db.facility("F1", district="500105", rooms=10)
    occupy(db, rooms[:2], "2022-07-20 00:00")
    occupy(db, rooms[2:4], "2022-07-20 00:00", check_out_at="2022-07-27 00:00")
    row = db.row("metrics/iso_runway", AS_OF, "500105")
    assert row.net_rooms_per_day == pytest.approx(-2 / 3)
    assert pd.isna(row.value) and pd.isna(row.days_to_full)
    assert flag(row.is_red) is False


def test_the_alert_days_and_window_are_settings_and_the_city_row_adds_districts_up(db):
    """ISO-RUNWAY: 500105 takes 6 of 20 rooms in the window, 500106 none of 20. City: 40 rooms,
    trigger 30, 6 taken, 2 a day: 12 days. With runway_alert_days = 12 the city is red; with a 24 h
    window the 6 rooms of 07-27 08:00 fall outside it and the intake is 0."""
    occupy(db, db.facility("F1", district="500105", rooms=20)[:6], "2022-07-27 08:00")
    db.facility("F2", district="500106", rooms=20)
    city = db.row("metrics/iso_runway", AS_OF, None)
    assert (city.rooms, city.rooms_occupied, city.value) == (40, 6, 12.0)
    assert flag(city.is_red) is False
    assert flag(db.row("metrics/iso_runway", AS_OF, None, runway_alert_days=12).is_red) is True
    short_window = db.row("metrics/iso_runway", AS_OF, "500105", runway_window_hours=24)
    assert short_window.net_rooms_per_day == 0 and pd.isna(short_window.value)


def test_runway_before_any_data_in_the_future_and_on_empty_tables(db):
    """ISO-RUNWAY: 2 of 4 rooms taken 07-27 08:00 until 08-04. 500106's only facility closed on
    07-20: it has no rooms, hence no row."""
    occupy(db, db.facility("F1", district="500105", rooms=4)[:2], "2022-07-27 08:00", check_out_at="2022-08-04 00:00")
    db.facility("F2", district="500106", rooms=4, closed_at="2022-07-20 00:00")
    assert set(db.metric("metrics/iso_runway", AS_OF)["district_code"].dropna()) == {"500105"}
    assert db.row("metrics/iso_runway", AS_OF, "500105").value == pytest.approx(1.5)  # 3 - 2 = 1 room at 2/3 a day
    before = db.metric("metrics/iso_runway", "2022-06-01 00:00")
    assert list(before["district_code"].isna()) == [True]  # no district has rooms yet: the city row only
    assert before["rooms"].iloc[0] == 0 and flag(before["is_red"].iloc[0]) is None
    future = db.row("metrics/iso_runway", "2030-01-01 00:00", "500105")
    assert future.rooms_occupied == 0 and future.net_rooms_per_day == 0 and flag(future.is_red) is False
    empty = FixtureDB().metric("metrics/iso_runway", AS_OF)
    assert len(empty) == 1 and flag(empty["is_red"].iloc[0]) is None


def test_runway_counts_rooms_and_occupied_rooms_exactly_as_room_usage_does(db):
    """ISO-RUNWAY and ISO-DISPATCH add up stg_iso_room_changes; at every moment its counts equal
    ISO-USE's: three people in one room, a check-out and check-in at the same minute, a stay of
    no length, a stay begun before assessment and a facility closing under its guests."""
    f1 = db.facility("F1", rooms=3, assessed_at="2022-07-10 00:00")
    f2 = db.facility("F2", rooms=1, assessed_at="2022-07-01 00:00", closed_at="2022-07-27 00:00")
    db.insert("room_stays", room_id=f1[0], check_in_at="2022-07-09 00:00")
    db.insert("room_stays", room_id=f1[0], check_in_at="2022-07-20 08:00", check_out_at="2022-07-25 00:00")
    db.insert("room_stays", room_id=f1[0], check_in_at="2022-07-20 08:00")
    db.insert("room_stays", room_id=f1[1], check_in_at="2022-07-20 08:00", check_out_at="2022-07-21 08:00")
    db.insert("room_stays", room_id=f1[1], check_in_at="2022-07-21 08:00", check_out_at="2022-07-26 00:00")
    db.insert("room_stays", room_id=f1[2], check_in_at="2022-07-22 08:00", check_out_at="2022-07-22 08:00")
    db.insert("room_stays", room_id=f1[2], check_in_at="2022-07-23 08:00", check_out_at="2022-07-24 00:00")
    db.insert("room_stays", room_id=f1[2], check_in_at="2022-07-23 08:00")
    db.insert("room_stays", room_id=f2[0], check_in_at="2022-07-20 00:00")
    # Occupied, rooms: F2 alone is assessed on 07-09 and empty; F1's first guest counts from its
    # assessment; the zero-length stay never counts; two arrive together in room 3 on 07-23 and
    # one stays on after 07-24; room 2 is freed on 07-26; F2 closes on 07-27 with its guest inside.
    moments = ["2022-07-09 12:00", "2022-07-10 00:00", "2022-07-20 08:00", "2022-07-21 08:00",
               "2022-07-22 08:00", "2022-07-23 12:00", "2022-07-25 00:00", "2022-07-26 00:00",
               "2022-07-27 00:00", AS_OF]
    expected = [(0, 1), (1, 4), (3, 4), (3, 4), (3, 4), (4, 4), (4, 4), (3, 4), (2, 3), (2, 3)]
    seen = []
    for moment in moments:
        use = db.row("metrics/iso_use", moment, "500105")
        runway = db.row("metrics/iso_runway", moment, "500105")
        assert (runway.rooms_occupied, runway.rooms) == (use.numerator, use.denominator), moment
        seen.append((use.numerator, use.denominator))
    assert seen == expected


# --- ISO-SINGLE, ISO-COMMISSION, ISO-USE: drill-through lists -------------------------------

def test_shared_rooms_list_the_stays_behind_iso_single_without_personal_data(db):
    """ISO-SINGLE drill-through: room 1 holds stays 1 and 2 at 12:00; room 2's single guest is not listed."""
    rooms = db.facility("F1", rooms=2)
    first = db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-27 08:00")
    second = db.insert("room_stays", room_id=rooms[0], check_in_at="2022-07-27 09:00", person_kind="other")
    occupy(db, rooms[1:], "2022-07-20 08:00", check_out_at="2022-07-27 08:00")  # left before the next came
    occupy(db, rooms[1:])
    listed = db.metric("details/iso_single_rooms", AS_OF, district_code="500105")
    assert list(listed["stay_id"]) == [first["stay_id"], second["stay_id"]]
    assert list(listed["check_in_at"]) == [pd.Timestamp("2022-07-27 08:00"), pd.Timestamp("2022-07-27 09:00")]
    assert set(listed["room_id"]) == {rooms[0]} and (listed["people_in_room"] == 2).all()
    assert listed["room_id"].nunique() == db.row("metrics/iso_single", AS_OF, "500105").value
    assert not PERSONAL_COLUMNS & set(listed.columns)


def test_uncommissioned_rooms_list_the_rooms_behind_iso_commission_without_personal_data(db):
    """ISO-COMMISSION drill-through: rooms 1 (two people) and 2 of unassessed F1; F2 was assessed."""
    rooms = db.facility("F1", rooms=3, assessed_at=None)
    occupy(db, [rooms[0], rooms[0], rooms[1]])
    occupy(db, db.facility("F2", rooms=1))
    listed = db.metric("details/iso_commission_rooms", AS_OF)
    assert list(listed["room_id"]) == rooms[:2] and list(listed["people_in_room"]) == [2, 1]
    assert len(listed) == db.row("metrics/iso_commission", AS_OF, "500105").value
    assert not PERSONAL_COLUMNS & set(listed.columns)


def test_rooms_in_use_per_facility_add_up_to_iso_use_without_personal_data(db):
    """ISO-USE drill-through for 500105: F1 2 of 4 rooms (one shared), F2 0 of 2; F3 is not
    assessed and 500106's F4 is another district."""
    f1 = db.facility("F1", district="500105", rooms=4)
    occupy(db, [f1[0], f1[0], f1[1]])
    db.facility("F2", district="500105", rooms=2)
    occupy(db, db.facility("F3", district="500105", rooms=1, assessed_at=None))
    occupy(db, db.facility("F4", district="500106", rooms=1))
    listed = db.metric("details/iso_rooms_in_use", AS_OF, district_code="500105")
    assert list(listed["facility_id"]) == ["F1", "F2"]
    assert list(listed["rooms_occupied"]) == [2, 0] and list(listed["people"]) == [3, 0]
    use = db.row("metrics/iso_use", AS_OF, "500105")
    assert (listed["rooms_occupied"].sum(), listed["rooms"].sum()) == (use.numerator, use.denominator)
    assert not PERSONAL_COLUMNS & set(listed.columns)


# --- ISO-USE: an operator's trigger ---------------------------------------------------------

def test_an_operator_trigger_of_70_percent_is_compared_exactly(db):
    """ISO-USE with room_usage_trigger overridden to 0.7: 63 of 90 rooms is exactly 70% and red
    (in binary floating point 0.7 x 90 is 63.000000000000007, which would miss it)."""
    from sitrep.settings import values

    rooms = db.facility("F1", rooms=90)
    for room in rooms[:63]:
        db.insert("room_stays", room_id=room, check_in_at="2022-07-28 08:00")
    settings = {**values(), "room_usage_trigger": 0.7}
    row = db.metric("metrics/iso_use", AS_OF, settings=settings).query("district_code == '500105'").iloc[0]
    assert row.numerator == 63 and bool(row.is_red)
