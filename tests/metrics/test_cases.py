"""CASE-*: cases, against small fixtures worked out by hand.

Every story is read at AS_OF = 2022-07-28 12:00 unless a test says otherwise; "the 24 h" is
(2022-07-27 12:00, 2022-07-28 12:00]. A case's classification history goes in
case_classifications; cases.classification holds its latest class, as the feed sends it.
"""

import pandas as pd
import pytest

from tests.fixture_db import FixtureDB

AS_OF = "2022-07-28 12:00"
T = pd.Timestamp


def positive(db, confirmed_at, classification="confirmed", district="500105", later=(), **kw):
    """A positive: classified `classification` when confirmed, then each (class, at) of `later`."""
    latest = later[-1][0] if later else classification
    row = db.insert("cases", classification=latest, district_code=district, confirmed_at=confirmed_at, **kw)
    db.insert("case_classifications", case_id=row["case_id"], classification=classification,
              classified_at=confirmed_at)
    for cls, at in later:
        db.insert("case_classifications", case_id=row["case_id"], classification=cls, classified_at=at)
    return row["case_id"]


def suspect(db, suspected_at, later=(), district="500105", **kw):
    """A suspected case, then each (class, at) of `later` (confirmed, asymptomatic, excluded)."""
    latest = later[-1][0] if later else "suspected"
    confirmed_at = next((at for cls, at in later if cls in ("confirmed", "asymptomatic")), None)
    row = db.insert("cases", classification=latest, district_code=district, found_in="social",
                    confirmed_at=confirmed_at, **kw)
    db.insert("case_classifications", case_id=row["case_id"], classification="suspected",
              classified_at=suspected_at)
    for cls, at in later:
        db.insert("case_classifications", case_id=row["case_id"], classification=cls, classified_at=at)
    return row["case_id"]


# --- CASE-NEW -------------------------------------------------------------------------------

def test_a_case_confirmed_exactly_24_h_before_as_of_is_not_new_and_one_a_minute_later_is(db):
    """CASE-NEW: the 24 h are (as_of - 24 h, as_of]; a case confirmed after as_of does not exist yet."""
    positive(db, "2022-07-27 12:00")                          # edge: not new, but cumulative
    positive(db, "2022-07-27 12:01")                          # new confirmed
    positive(db, "2022-07-28 12:00", "asymptomatic")          # exactly at as_of: new asymptomatic
    positive(db, "2022-07-28 12:01")                          # after as_of: nowhere
    row = db.row("metrics/case_new", AS_OF, "500105")
    assert (row.new_confirmed, row.new_asymptomatic, row.new_total) == (1, 1, 2)
    assert row.value == 2.0 and row.numerator == 2
    assert row.cumulative == 3 and row.active == 3


def test_the_class_in_force_at_as_of_counts_and_a_reclassification_is_not_a_new_case(db):
    """CASE-NEW: an as-of before a reclassification shows the old class; excluded cases drop out."""
    # Asymptomatic at 08:00, reclassified confirmed at 14:00 (after as_of).
    positive(db, "2022-07-28 08:00", "asymptomatic", later=[("confirmed", "2022-07-28 14:00")])
    # Confirmed at 09:00, excluded at 11:00: a false positive.
    positive(db, "2022-07-28 09:00", later=[("excluded", "2022-07-28 11:00")])
    row = db.row("metrics/case_new", AS_OF, "500105")
    assert (row.new_confirmed, row.new_asymptomatic, row.new_total) == (0, 1, 1)
    assert row.cumulative == 1
    at_10 = db.row("metrics/case_new", "2022-07-28 10:00", "500105")    # before the exclusion
    assert (at_10.new_confirmed, at_10.new_asymptomatic) == (1, 1)
    at_15 = db.row("metrics/case_new", "2022-07-28 15:00", "500105")    # after the reclassification
    assert (at_15.new_confirmed, at_15.new_asymptomatic, at_15.new_total) == (1, 0, 1)


def test_rising_when_the_last_7_days_exceed_the_7_days_before_and_red_since_the_last_rise(db):
    """CASE-NEW: red when last_7d > previous_7d; red_since follows the weekly comparison through time.

    Cases at 07-13 12:00, 07-13 13:00, 07-20 12:00, 07-25 12:00, 07-26 12:00. With
    f = last_7d - previous_7d:  07-13 12:00 -> 1, 13:00 -> 2;  07-20 12:00 -> 1 (the first
    07-13 case moves back, the 07-20 one arrives);  07-20 13:00 -> -1;  07-25 12:00 -> 0;
    07-26 12:00 -> 1;  07-27 12:00 -> 0 (07-20 moves back, 07-13 12:00 leaves);
    07-27 13:00 -> 1.  At as_of: last 7 d (07-21 12:00, 07-28 12:00] = 2, previous 7 d = 1.
    """
    for at in ["2022-07-13 12:00", "2022-07-13 13:00", "2022-07-20 12:00", "2022-07-25 12:00",
               "2022-07-26 12:00"]:
        positive(db, at)
    row = db.row("metrics/case_new", AS_OF, "500105")
    assert (row.last_7d, row.previous_7d) == (2, 1)
    assert row.avg_7d == pytest.approx(2 / 7)
    assert bool(row.is_red) and row.red_since == T("2022-07-27 13:00")
    level = db.row("metrics/case_new", "2022-07-27 12:00", "500105")      # 2 against 2
    assert (level.last_7d, level.previous_7d) == (2, 2)
    assert not level.is_red and pd.isna(level.red_since)
    earlier = db.row("metrics/case_new", "2022-07-26 18:00", "500105")    # 3 against 2
    assert bool(earlier.is_red) and earlier.red_since == T("2022-07-26 12:00")
    assert db.row("metrics/case_new", AS_OF).red_since == T("2022-07-27 13:00")   # city row


def test_a_case_sent_without_classification_history_holds_its_class_from_confirmation(db):
    """CASE-NEW: with no case_classifications row, cases.classification counts from confirmed_at."""
    db.insert("cases", classification="asymptomatic", confirmed_at="2022-07-28 08:00")
    db.insert("cases", classification="confirmed", confirmed_at="2022-07-28 12:30")    # after as_of
    db.insert("cases", classification="suspected")                                     # never confirmed
    row = db.row("metrics/case_new", AS_OF, "500105")
    assert (row.new_confirmed, row.new_asymptomatic, row.cumulative) == (0, 1, 1)


def test_active_leaves_out_cases_discharged_or_dead_at_or_before_as_of(db):
    """CASE-NEW: active = positive, not discharged and not died at as_of."""
    positive(db, "2022-07-20 08:00", discharged_at="2022-07-28 10:00")   # recovered: not active
    positive(db, "2022-07-20 08:00", discharged_at="2022-07-28 12:00")   # discharged at as_of: not active
    positive(db, "2022-07-20 08:00", discharged_at="2022-07-28 13:00")   # still in hospital at as_of
    positive(db, "2022-07-20 08:00", died_at="2022-07-27 08:00")         # died: not active
    positive(db, "2022-07-20 08:00")                                      # in hospital
    row = db.row("metrics/case_new", AS_OF, "500105")
    assert (row.cumulative, row.active) == (5, 2)


def test_city_row_adds_up_the_districts_and_the_place_filter_keeps_one(db):
    """CASE-NEW: one row per district with positives, the city row (null code) sums them."""
    positive(db, "2022-07-28 08:00", district="500105", township_code="500105001")
    positive(db, "2022-07-28 09:00", district="500105", township_code="500105002")
    positive(db, "2022-07-28 10:00", "asymptomatic", district="500106")
    frame = db.metric("metrics/case_new", AS_OF)
    assert list(frame["district_code"].fillna("city")) == ["city", "500105", "500106"]
    city = db.row("metrics/case_new", AS_OF)
    assert (city.new_confirmed, city.new_asymptomatic, city.new_total) == (2, 1, 3)
    only = db.metric("metrics/case_new", AS_OF, district_code="500106")
    assert set(only["district_code"].dropna()) == {"500106"} and only["new_total"].max() == 1
    town = db.row("metrics/case_new", AS_OF, "500105", township_code="500105002")
    assert town.new_total == 1


def test_empty_tables_an_as_of_before_any_data_and_one_in_the_future(db):
    """CASE-NEW: no data gives only a city row of zeros, never red; the future sees every case, none new."""
    empty = FixtureDB().metric("metrics/case_new", AS_OF)
    assert len(empty) == 1 and pd.isna(empty["district_code"].iloc[0])
    assert empty["value"].iloc[0] == 0 and empty["cumulative"].iloc[0] == 0 and not empty["is_red"].iloc[0]
    positive(db, "2022-07-28 08:00")
    positive(db, "2022-07-25 08:00", discharged_at="2022-08-03 08:00")
    before = db.metric("metrics/case_new", "2022-06-01 00:00")
    assert len(before) == 1 and before["cumulative"].iloc[0] == 0
    future = db.row("metrics/case_new", "2030-01-01 00:00", "500105")
    assert (future.new_total, future.cumulative, future.active, future.last_7d, future.previous_7d) == (0, 2, 1, 0, 0)
    assert not future.is_red


# --- CASE-SOCIAL ----------------------------------------------------------------------------

def test_social_surface_cases_their_share_and_red_since_the_earliest_of_them(db):
    """CASE-SOCIAL: new positives found outside control, share of all new, red when any."""
    positive(db, "2022-07-27 12:00", found_in="social")                 # edge: not new
    positive(db, "2022-07-27 12:30", found_in="social")                 # new, social
    positive(db, "2022-07-28 09:00", "asymptomatic", found_in="social")  # new, social
    positive(db, "2022-07-28 10:00", found_in="under_control", control_setting="centralized_isolation")
    positive(db, "2022-07-28 11:00", found_in="under_control", control_setting="sealed_area")
    positive(db, "2022-07-28 08:00", found_in="social", later=[("excluded", "2022-07-28 10:00")])  # excluded
    positive(db, "2022-07-28 12:30", found_in="social")                 # after as_of
    row = db.row("metrics/case_social", AS_OF, "500105")
    assert (row.value, row.numerator, row.denominator) == (2.0, 2, 4)
    assert row.social_share == 0.5 and row.new_under_control == 2
    assert bool(row.is_red) and row.red_since == T("2022-07-27 12:30")


def test_no_social_case_is_not_red_and_no_new_case_leaves_the_share_unknown(db):
    """CASE-SOCIAL: all new found under control: share 0, not red; nothing new: share null."""
    positive(db, "2022-07-28 10:00", found_in="under_control", control_setting="home_isolation")
    positive(db, "2022-07-20 10:00", found_in="social")                 # social, but a week old
    row = db.row("metrics/case_social", AS_OF, "500105")
    assert (row.value, row.denominator, row.social_share) == (0.0, 1, 0.0)
    assert not row.is_red and pd.isna(row.red_since)
    quiet = db.row("metrics/case_social", "2022-07-25 12:00")           # city row, nothing new
    assert quiet.denominator == 0 and pd.isna(quiet.social_share) and not quiet.is_red
    future = db.row("metrics/case_social", "2030-01-01 00:00")
    assert future.value == 0 and not future.is_red


def test_social_rows_per_district_and_the_city(db):
    """CASE-SOCIAL: the city row adds districts; a district filter keeps one."""
    positive(db, "2022-07-28 08:00", district="500105", found_in="social")
    positive(db, "2022-07-28 09:00", district="500106", found_in="social")
    positive(db, "2022-07-28 10:00", district="500106", found_in="under_control")
    city = db.row("metrics/case_social", AS_OF)
    assert (city.numerator, city.denominator) == (2, 3) and city.red_since == T("2022-07-28 08:00")
    only = db.metric("metrics/case_social", AS_OF, district_code="500106")
    assert list(only["district_code"].fillna("city")) == ["city", "500106"]
    assert list(only["numerator"]) == [1, 1] and list(only["denominator"]) == [2, 2]
    assert list(only["red_since"]) == [T("2022-07-28 09:00")] * 2


def test_the_social_drill_through_lists_the_cases_counted_by_ids_only(db):
    """CASE-SOCIAL details: the social positives of the 24 h, no personal data."""
    first = positive(db, "2022-07-28 09:00", "asymptomatic", found_in="social",
                     later=[("confirmed", "2022-07-28 15:00")])
    positive(db, "2022-07-28 10:00", found_in="under_control")
    positive(db, "2022-07-27 12:00", found_in="social")                 # edge: not new
    frame = db.metric("details/case_social_new", AS_OF)
    assert list(frame["case_id"]) == [first]
    assert frame["classification"].iloc[0] == "asymptomatic"          # the class at as_of
    assert not {"person_id", "full_name", "id_card_number", "phone"} & set(frame.columns)


# --- CASE-SOURCE ----------------------------------------------------------------------------

def test_positives_by_source_cumulative_to_as_of(db):
    """CASE-SOURCE: abroad, other provinces and local; value = local; never red."""
    positive(db, "2022-07-15 08:00", source="abroad", found_in="under_control")
    positive(db, "2022-07-16 08:00", "asymptomatic", source="abroad", found_in="under_control")
    positive(db, "2022-07-17 08:00", source="other_province")
    positive(db, "2022-07-18 08:00", source="local")
    positive(db, "2022-07-19 08:00", source="local")
    positive(db, "2022-07-28 12:00", source="local")                    # at as_of: counts
    positive(db, "2022-07-28 12:01", source="local")                    # after as_of
    suspect(db, "2022-07-20 08:00")                                     # never positive
    row = db.row("metrics/case_source", AS_OF, "500105")
    assert (row.abroad, row.other_province, row.local, row.imported, row.positives) == (2, 1, 3, 3, 6)
    assert (row.value, row.numerator, row.denominator, row.local_share) == (3.0, 3, 6, 0.5)
    assert row.is_red == False  # noqa: E712 - shown, never flagged


def test_source_before_any_data_is_an_empty_city_row(db):
    """CASE-SOURCE: an as-of before any positive: city row of zeros, local share unknown."""
    positive(db, "2022-07-15 08:00", source="abroad")
    frame = db.metric("metrics/case_source", "2022-07-01 00:00")
    assert len(frame) == 1 and frame["positives"].iloc[0] == 0 and pd.isna(frame["local_share"].iloc[0])
    assert db.row("metrics/case_source", "2030-01-01 00:00").abroad == 1


# --- CASE-SUSPECT ---------------------------------------------------------------------------

def test_suspected_cases_in_the_24_h_and_the_share_converted_to_confirmed(db):
    """CASE-SUSPECT: new suspected in (as_of - 24 h, as_of], against the 24 h before; conversions to date."""
    suspect(db, "2022-07-27 12:00", later=[("confirmed", "2022-07-27 20:00")])  # previous 24 h; converted
    suspect(db, "2022-07-27 12:01", later=[("excluded", "2022-07-28 06:00")])   # new; excluded
    suspect(db, "2022-07-28 11:00")                                             # new; pending
    suspect(db, "2022-07-26 15:00", later=[("confirmed", "2022-07-28 13:00")])  # previous; converts after as_of
    suspect(db, "2022-07-28 12:30")                                             # after as_of
    suspect(db, "2022-07-20 08:00", later=[("confirmed", "2022-07-21 08:00")])  # old; converted
    suspect(db, "2022-07-20 09:00", later=[("asymptomatic", "2022-07-21 09:00")])  # not confirmed
    positive(db, "2022-07-28 08:00")                                            # never suspected
    row = db.row("metrics/case_suspect", AS_OF, "500105")
    assert (row.new_suspected, row.previous_24h) == (2, 2)
    assert not row.is_red and pd.isna(row.red_since)                            # 2 is not above 2
    assert (row.numerator, row.denominator) == (2, 6)                           # converted / suspected
    assert row.conversion_share == pytest.approx(1 / 3)
    assert (row.pending, row.excluded) == (2, 1)
    later = db.row("metrics/case_suspect", "2022-07-28 13:00", "500105")
    assert later.converted == 3


def test_suspected_cases_rising_and_red_since_the_last_rise(db):
    """CASE-SUSPECT: red when the 24 h hold more than the 24 h before.

    Suspected at 07-26 10:00, 07-27 14:00, 07-28 09:00. f = new - previous:
    07-26 10:00 -> 1;  07-27 10:00 -> -1 (moves back);  07-27 14:00 -> 0;  07-28 09:00 -> 1;
    07-28 10:00 -> 2 (the first leaves).  At as_of: 2 against 0, red since 07-28 09:00.
    """
    for at in ["2022-07-26 10:00", "2022-07-27 14:00", "2022-07-28 09:00"]:
        suspect(db, at)
    row = db.row("metrics/case_suspect", AS_OF, "500105")
    assert (row.value, row.previous_24h) == (2.0, 0)
    assert bool(row.is_red) and row.red_since == T("2022-07-28 09:00")
    assert not db.row("metrics/case_suspect", "2022-07-27 20:00", "500105").is_red   # 1 against 1


def test_suspected_cases_turn_rising_when_an_old_one_leaves_the_24_h_before(db):
    """CASE-SUSPECT: suspected at 07-26 13:00 and 07-27 14:00. f: 07-26 13:00 -> 1; 07-27 13:00 -> -1;
    07-27 14:00 -> 0 (1 against 1); 07-28 13:00 -> 1 (the first leaves the 24 h before): red since then."""
    suspect(db, "2022-07-26 13:00")
    suspect(db, "2022-07-27 14:00")
    assert not db.row("metrics/case_suspect", "2022-07-28 12:59", "500105").is_red
    row = db.row("metrics/case_suspect", "2022-07-28 13:30", "500105")
    assert (row.new_suspected, row.previous_24h) == (1, 0)
    assert bool(row.is_red) and row.red_since == T("2022-07-28 13:00")


def test_suspected_cases_with_no_data_before_it_and_in_the_future(db):
    """CASE-SUSPECT: no suspected case: the city row has zeros and an unknown share."""
    empty = FixtureDB().metric("metrics/case_suspect", AS_OF)
    assert len(empty) == 1 and empty["value"].iloc[0] == 0 and pd.isna(empty["conversion_share"].iloc[0])
    suspect(db, "2022-07-27 08:00", later=[("confirmed", "2022-07-27 18:00")])
    assert db.metric("metrics/case_suspect", "2022-07-01 00:00")["suspected_total"].sum() == 0
    future = db.row("metrics/case_suspect", "2030-01-01 00:00", "500105")
    assert (future.new_suspected, future.suspected_total, future.conversion_share) == (0, 1, 1.0)


# --- CASE-OUTCOME ---------------------------------------------------------------------------

def test_cure_fatality_and_admission_rates_read_from_timestamps_at_as_of(db):
    """CASE-OUTCOME: recovered, died, admitted by as_of, over positives confirmed by as_of."""
    positive(db, "2022-07-15 08:00", hospital_transfer_at="2022-07-15 12:00", discharged_at="2022-07-25 08:00",
             outcome="recovered")
    positive(db, "2022-07-15 09:00", hospital_transfer_at="2022-07-15 13:00", died_at="2022-07-26 08:00",
             outcome="died")
    positive(db, "2022-07-20 08:00", hospital_transfer_at="2022-07-22 08:00")               # in treatment
    positive(db, "2022-07-28 08:00", hospital_transfer_at="2022-07-28 13:00")               # admitted after as_of
    positive(db, "2022-07-18 08:00", hospital_transfer_at="2022-07-23 08:00", discharged_at="2022-07-29 08:00",
             outcome="recovered")                                                           # recovers after as_of
    positive(db, "2022-07-28 13:00")                                                        # after as_of
    row = db.row("metrics/case_outcome", AS_OF, "500105")
    assert (row.positives, row.recovered, row.died, row.admitted, row.in_treatment) == (5, 1, 1, 4, 2)
    assert (row.value, row.cure_rate, row.fatality_rate, row.admission_rate) == (0.2, 0.2, 0.2, 0.8)
    assert (row.numerator, row.denominator) == (1, 5) and row.is_red == False  # noqa: E712
    future = db.row("metrics/case_outcome", "2030-01-01 00:00", "500105")
    assert (future.positives, future.recovered, future.cure_rate) == (6, 2, pytest.approx(1 / 3))


def test_outcomes_with_no_positive_are_unknown_not_zero(db):
    """CASE-OUTCOME: no positive yet: rates are null, the city row still stands."""
    positive(db, "2022-07-15 08:00", district="500106")
    before = db.metric("metrics/case_outcome", "2022-07-01 00:00")
    assert len(before) == 1 and pd.isna(before["value"].iloc[0]) and pd.isna(before["fatality_rate"].iloc[0])
    assert FixtureDB().metric("metrics/case_outcome", AS_OF)["positives"].tolist() == [0]


# --- CASE-TRANSFER --------------------------------------------------------------------------

def test_median_hours_from_positive_to_arrival_for_arrivals_in_the_window_and_those_not_moved(db):
    """CASE-TRANSFER: arrivals in (as_of - 24 h, as_of], clock from the preliminary positive.

    Arrivals in the window: 3 h, 1 h 30 min and 7 h -> median 3 h; p90 = 3 + 0.8 x (7 - 3) = 6.2 h.
    Not moved at as_of: positive at 09:00 arriving at 13:00, and positive at 10:00 not moved.
    """
    db.insert("cases", prelim_positive_at="2022-07-27 10:00", hospital_transfer_at="2022-07-27 12:00")  # edge
    db.insert("cases", prelim_positive_at="2022-07-27 11:00", hospital_transfer_at="2022-07-27 14:00")  # 3 h
    db.insert("cases", prelim_positive_at="2022-07-28 06:00", hospital_transfer_at="2022-07-28 07:30")  # 1.5 h
    db.insert("cases", prelim_positive_at="2022-07-28 05:00", hospital_transfer_at="2022-07-28 12:00")  # 7 h
    db.insert("cases", prelim_positive_at="2022-07-28 09:00", hospital_transfer_at="2022-07-28 13:00")  # waits
    db.insert("cases", prelim_positive_at="2022-07-28 10:00")                                          # waits
    excluded = db.insert("cases", classification="excluded", prelim_positive_at="2022-07-28 08:00")
    db.insert("case_classifications", case_id=excluded["case_id"], classification="excluded",
              classified_at="2022-07-28 11:00")
    db.insert("cases", prelim_positive_at="2022-07-26 08:00", died_at="2022-07-27 08:00", outcome="died")
    row = db.row("metrics/case_transfer", AS_OF, "500105")
    assert row.arrivals == 3 and row.value == 3.0 and row.median_hours == 3.0
    assert row.p90_hours == pytest.approx(6.2) and row.max_hours == 7.0
    assert row.not_moved == 2 and row.oldest_not_moved_at == T("2022-07-28 09:00")
    assert row.longest_wait_hours == 3.0
    assert row.is_red == False and pd.isna(row.numerator)  # noqa: E712


def test_transfer_with_no_arrival_in_the_window_has_an_unknown_median(db):
    """CASE-TRANSFER: no arrival in the window: median null; no data at all: a city row of nothing."""
    db.insert("cases", prelim_positive_at="2022-07-20 06:00", hospital_transfer_at="2022-07-20 09:00")
    row = db.row("metrics/case_transfer", AS_OF)
    assert pd.isna(row.value) and row.arrivals == 0 and row.not_moved == 0
    assert db.row("metrics/case_transfer", "2022-07-20 12:00").value == 3.0
    before = db.row("metrics/case_transfer", "2022-06-01 00:00")
    assert before.arrivals == 0 and pd.isna(before.value)
    assert db.row("metrics/case_transfer", "2030-01-01 00:00").arrivals == 0


# --- CASE-RETEST ----------------------------------------------------------------------------

@pytest.fixture()
def retests(db):
    """Four discharged cases; re-tests on days 3 and 7, missing 24 h after they fall due.

    R1 discharged 07-20 10:00: day 3 done 07-23 11:00; day 7 due 07-27 10:00, deadline 07-28 10:00,
       not done -> missing.
    R2 discharged 07-24 12:00: day 3 due 07-27 12:00, deadline 07-28 12:00 = as_of -> awaiting.
    R3 discharged 07-21 09:00: day 3 done late 07-25 20:00 (done); day 7 due 07-28 09:00 -> awaiting.
    R4 discharged 07-22 08:00: day 3 due 07-25 08:00, deadline 07-26 08:00, recorded only at
       07-28 15:00 (after as_of) -> missing.
    At as_of: due 6, done 2, missing 2, awaiting 2.
    """
    ids = {}
    ids["R1"] = positive(db, "2022-07-08 08:00", discharged_at="2022-07-20 10:00", retest_day3_at="2022-07-23 11:00")
    ids["R2"] = positive(db, "2022-07-10 08:00", discharged_at="2022-07-24 12:00")
    ids["R3"] = positive(db, "2022-07-09 08:00", discharged_at="2022-07-21 09:00", retest_day3_at="2022-07-25 20:00")
    ids["R4"] = positive(db, "2022-07-09 09:00", discharged_at="2022-07-22 08:00", retest_day3_at="2022-07-28 15:00",
                         district="500106")
    return ids


def test_retests_missing_a_day_after_they_fell_due(db, retests):
    """CASE-RETEST: missing when as_of > due + grace and no re-test recorded by as_of."""
    row = db.row("metrics/case_retest", AS_OF)
    assert (row.due, row.done, row.missing, row.awaiting) == (6, 2, 2, 2)
    assert (row.value, row.numerator, row.denominator, row.threshold) == (2.0, 2, 6, 24.0)
    assert (row.missing_first_retest, row.missing_second_retest) == (1, 1)
    assert bool(row.is_red) and row.red_since == T("2022-07-26 08:00")   # R4's deadline
    r105 = db.row("metrics/case_retest", AS_OF, "500105")
    assert r105.missing == 1 and r105.red_since == T("2022-07-28 10:00")


def test_a_retest_is_missing_one_minute_after_its_deadline_not_at_it(db, retests):
    """CASE-RETEST: limits to the minute (R2's day-3 deadline is 07-28 12:00); a late re-test clears it."""
    assert db.row("metrics/case_retest", "2022-07-28 12:00").missing == 2
    assert db.row("metrics/case_retest", "2022-07-28 12:01").missing == 3
    after = db.row("metrics/case_retest", "2022-07-28 15:00")      # R4 re-tested at 15:00
    assert after.missing == 2 and after.red_since == T("2022-07-28 10:00")


def test_retest_days_and_grace_are_settings(db, retests):
    """CASE-RETEST: with a 48 h grace only R4 (deadline 07-27 08:00) is missing; days [2, 7] move R2."""
    wide = db.row("metrics/case_retest", AS_OF, case_retest_grace_hours=48)
    assert wide.missing == 1 and wide.threshold == 48.0 and wide.red_since == T("2022-07-27 08:00")
    # R2's first re-test now falls due 07-26 12:00, deadline 07-27 12:00: missing at as_of.
    early = db.row("metrics/case_retest", AS_OF, case_retest_days=[2, 7])
    assert early.missing == 3


def test_the_missing_retests_drill_through_lists_each_one(db, retests):
    """CASE-RETEST details: one row per missing re-test with its deadline and hours overdue."""
    frame = db.metric("details/case_retest_missing", AS_OF)
    assert list(zip(frame["case_id"], frame["retest_number"], frame["retest_day"])) == \
        [(retests["R4"], 1, 3), (retests["R1"], 2, 7)]
    assert list(frame["hours_overdue"]) == [52.0, 2.0]
    assert db.metric("details/case_retest_missing", AS_OF, district_code="500105")["case_id"].tolist() == [retests["R1"]]


def test_retests_with_no_discharge_yet_and_far_in_the_future(db):
    """CASE-RETEST: nothing due: value 0, not red; in the future every unrecorded re-test is missing."""
    empty = FixtureDB().metric("metrics/case_retest", AS_OF)
    assert len(empty) == 1 and empty["value"].iloc[0] == 0 and not empty["is_red"].iloc[0]
    positive(db, "2022-07-08 08:00", discharged_at="2022-07-20 10:00", retest_day3_at="2022-07-23 10:00")
    before = db.row("metrics/case_retest", "2022-07-01 00:00")
    assert before.due == 0 and not before.is_red
    future = db.row("metrics/case_retest", "2030-01-01 00:00", "500105")
    assert (future.due, future.done, future.missing) == (2, 1, 1)


# --- the epidemic curve ---------------------------------------------------------------------

def test_daily_positives_by_classification_and_source_up_to_as_of(db):
    """CASE-NEW, CASE-SOURCE details: the epidemic curve, by day of confirmation, class at as_of."""
    positive(db, "2022-07-26 08:00")
    positive(db, "2022-07-26 23:59", "asymptomatic", later=[("confirmed", "2022-07-28 09:00")])
    positive(db, "2022-07-27 00:00", "asymptomatic", source="other_province")
    positive(db, "2022-07-28 11:00", district="500106", source="abroad")
    positive(db, "2022-07-28 12:01")                                    # after as_of
    frame = db.metric("details/case_daily", AS_OF)
    got = [(str(d)[:10], c, s, n) for d, c, s, n in frame[["confirmed_on", "classification", "source",
                                                           "new_positives"]].itertuples(index=False)]
    assert got == [("2022-07-26", "confirmed", "local", 2),
                   ("2022-07-27", "asymptomatic", "other_province", 1),
                   ("2022-07-28", "confirmed", "abroad", 1)]
    earlier = db.metric("details/case_daily", "2022-07-28 08:00", district_code="500105")
    assert earlier["new_positives"].sum() == 3 and "asymptomatic" in set(earlier["classification"])
    assert db.metric("details/case_daily", "2022-07-01 00:00").empty


def test_the_new_positive_list_holds_exactly_the_cases_counted_by_case_new():
    """CASE-NEW drill-through: details/case_new_list lists the positives confirmed in the 24 h
    to as_of (exclusive of as_of - 24 h), as many as CASE-NEW's new_total, by class at as_of."""
    from sitrep.queries import run, run_metric
    from tests.fixture_db import FixtureDB

    db = FixtureDB()
    for case_id, confirmed, classification in [(1, "2022-07-27 12:00", "confirmed"),      # edge: outside
                                               (2, "2022-07-27 12:01", "asymptomatic"),
                                               (3, "2022-07-28 12:00", "confirmed"),
                                               (4, "2022-07-28 12:01", "confirmed")]:   # after as_of
        db.insert("cases", case_id=case_id, classification=classification, confirmed_at=confirmed,
                  sampled_at="2022-07-27 00:00")
        db.insert("case_classifications", case_id=case_id, classification=classification, classified_at=confirmed)
    as_of = pd.Timestamp("2022-07-28 12:00")
    listed = run(db.con, "details/case_new_list", as_of=as_of)
    assert listed["case_id"].tolist() == [2, 3]
    assert listed["classification"].tolist() == ["asymptomatic", "confirmed"]
    city = run_metric(db.con, "CASE-NEW", as_of=as_of)
    assert int(city[city["district_code"].isna()].iloc[0]["new_total"]) == len(listed)
