"""CON-TRANSFER, EPI-ARRIVE, EPI-CORE, EPI-FULL, EPI-ASSIST, EPI-REPORT, EPI-PUBLISH, SCR-8H and
SCR-24H: the nine clock rules of metrics/timeliness, through run_metric, against small fixtures
worked out by hand. Limits: contacts 8 h, on site 2 h, core 4 h, full trace 24 h, assist letter
2 h, report 2 h, publish 5 h, pushed lists 8 h, roaming 24 h; window 24 h."""

import pandas as pd
import pytest

from sitrep import registry
from sitrep import settings as settings_module
from sitrep.queries import run_metric
from tests.fixture_db import FixtureDB

AS_OF = "2022-07-28 12:00"
CLOCK_RULES = tuple(registry.timeliness_rules())  # the entries of metrics/timeliness (9, tests/test_registry.py)
T = pd.Timestamp


@pytest.fixture()
def db():
    return FixtureDB()


def frame(db, rule, as_of=AS_OF, **params) -> pd.DataFrame:
    return run_metric(db.con, rule, as_of=T(as_of), **params)


def row(db, rule, as_of=AS_OF, district_code=None, **params) -> pd.Series:
    """The row of one district, or the city row when district_code is None."""
    out = frame(db, rule, as_of, **params)
    hit = out[out["district_code"].isna()] if district_code is None else out[out["district_code"] == district_code]
    assert len(hit) == 1, f"expected one row for {district_code}, got\n{out}"
    return hit.iloc[0]


def counts(r) -> tuple:
    return (int(r.on_time), int(r.late), int(r.pending), int(r.open_overdue))


def items(db, rule, as_of=AS_OF, **params) -> pd.DataFrame:
    return run_metric(db.con, rule, query="details/timeliness_items", as_of=T(as_of), **params)


def contact(db, identified_at, transferred_at=None, **kw):
    values = dict(contact_type="close", isolation_mode="centralized", identified_at=identified_at,
                  transferred_at=transferred_at)
    return db.insert("contacts", **{**values, **kw})


# --- CON-TRANSFER: the 8 h boundary, to the minute ------------------------------------------

def test_a_contact_moved_at_exactly_8_hours_is_on_time_and_one_minute_later_is_late(db):
    """CON-TRANSFER: transferred at identified + 8 h 00 min is on time, + 8 h 01 min is late."""
    contact(db, "2022-07-28 00:00", "2022-07-28 08:00")
    contact(db, "2022-07-28 00:00", "2022-07-28 08:01")
    r = row(db, "CON-TRANSFER")
    assert counts(r) == (1, 1, 0, 0)
    assert (r.numerator, r.denominator, r.value) == (1, 2, 0.5)
    assert r.threshold == 8.0
    assert bool(r.is_red) and r.red_since == T("2022-07-28 08:00")
    assert r.median_minutes == 480.5


def test_an_unmoved_contact_is_pending_at_exactly_8_hours_and_overdue_and_red_a_minute_later(db):
    """CON-TRANSFER: at as_of = identified + 8 h an unmoved contact is pending; at + 8 h 01 min it
    is open overdue, late, red since its deadline, and on the overdue list."""
    contact(db, "2022-07-28 04:00")
    at_limit = row(db, "CON-TRANSFER", "2022-07-28 12:00")
    assert counts(at_limit) == (0, 0, 1, 0)
    assert pd.isna(at_limit.value) and not at_limit.is_red and pd.isna(at_limit.red_since)
    assert items(db, "CON-TRANSFER", "2022-07-28 12:00").empty

    past = row(db, "CON-TRANSFER", "2022-07-28 12:01")
    assert counts(past) == (0, 1, 0, 1)
    assert past.value == 0.0 and bool(past.is_red) and past.red_since == T("2022-07-28 12:00")
    overdue = items(db, "CON-TRANSFER", "2022-07-28 12:01")
    assert overdue[["status", "minutes_late"]].values.tolist() == [["open_overdue", 1]]
    assert overdue.iloc[0].deadline == T("2022-07-28 12:00") and pd.isna(overdue.iloc[0].done_at)


def test_only_close_contacts_for_centralized_isolation_are_on_the_clock(db):
    """CON-TRANSFER: secondary contacts, home isolation and contacts without a mode are not judged."""
    contact(db, "2022-07-28 00:00", contact_type="secondary", via_contact_id=99)
    contact(db, "2022-07-28 00:00", isolation_mode="home")
    contact(db, "2022-07-28 00:00", isolation_mode=None)
    kept = contact(db, "2022-07-28 00:00")
    r = row(db, "CON-TRANSFER")
    assert counts(r) == (0, 1, 0, 1)
    assert items(db, "CON-TRANSFER")["item_id"].tolist() == [str(kept["contact_id"])]


def test_the_window_judges_items_due_in_the_last_24_hours_or_not_yet_due(db):
    """CON-TRANSFER: judged items are due in (as_of - 24 h, as_of] or later; a late item due
    exactly 24 h before as_of has dropped out of the share, open overdue items stay red whatever
    their age."""
    contact(db, "2022-07-27 04:00", "2022-07-27 12:01")   # due exactly as_of - 24 h, late: outside
    contact(db, "2022-07-27 04:01", "2022-07-27 05:00")   # due a minute inside the window: on time
    contact(db, "2022-07-28 12:00")                      # started at as_of: pending
    contact(db, "2022-07-26 00:00", "2022-07-27 00:00")   # old and late: outside, not red
    r = row(db, "CON-TRANSFER")
    assert counts(r) == (1, 0, 1, 0) and r.value == 1.0 and not r.is_red
    assert r.median_minutes == 59                        # only the judged contact's clock
    assert items(db, "CON-TRANSFER").empty

    late = contact(db, "2022-07-27 05:00", "2022-07-27 13:30")  # due 13:00 inside, moved late
    r = row(db, "CON-TRANSFER")
    assert counts(r) == (1, 1, 1, 0) and r.value == 0.5
    assert bool(r.is_red) and r.red_since == T("2022-07-27 13:00")
    db.con.execute("delete from contacts where contact_id = ?", [late["contact_id"]])

    old = contact(db, "2022-07-20 06:00")                 # old and never moved: red
    r = row(db, "CON-TRANSFER")
    assert counts(r) == (1, 0, 1, 1) and r.value == 1.0
    assert bool(r.is_red) and r.red_since == T("2022-07-20 14:00")
    listed = items(db, "CON-TRANSFER")
    assert listed["item_id"].tolist() == [str(old["contact_id"])]
    assert listed.iloc[0].minutes_late == (T(AS_OF) - T("2022-07-20 14:00")).total_seconds() / 60


def test_a_transfer_recorded_after_as_of_is_not_known_yet(db):
    """CON-TRANSFER: at 06:00 a contact moved at 07:00 is still pending; one moved at 10:00 is
    overdue at 09:00, and the overdue list does not show the later transfer time."""
    contact(db, "2022-07-28 00:00", "2022-07-28 07:00")
    early = row(db, "CON-TRANSFER", "2022-07-28 06:00")
    assert counts(early) == (0, 0, 1, 0) and pd.isna(early.median_minutes)

    contact(db, "2022-07-28 00:30", "2022-07-28 10:00")
    mid = row(db, "CON-TRANSFER", "2022-07-28 09:00")
    assert counts(mid) == (1, 1, 0, 1) and mid.red_since == T("2022-07-28 08:30")
    listed = items(db, "CON-TRANSFER", "2022-07-28 09:00")
    assert listed.status.tolist() == ["open_overdue"] and pd.isna(listed.iloc[0].done_at)
    assert listed.iloc[0].minutes_late == 30

    later = items(db, "CON-TRANSFER", "2022-07-28 11:00")
    assert later[["status", "minutes_late"]].values.tolist() == [["done_late", 90]]
    assert later.iloc[0].done_at == T("2022-07-28 10:00")


def test_each_district_gets_a_row_the_city_adds_them_up_and_place_filters_keep_one(db):
    """CON-TRANSFER: one row per district with contacts on the clock plus the city row; the
    district and township filters keep only their items."""
    contact(db, "2022-07-28 00:00", "2022-07-28 05:00", district_code="500105", township_code="500105001")
    contact(db, "2022-07-28 00:00", "2022-07-28 09:00", district_code="500105", township_code="500105002")
    contact(db, "2022-07-28 00:00", "2022-07-28 06:00", district_code="500106", township_code="500106001")
    out = frame(db, "CON-TRANSFER")
    assert pd.isna(out.iloc[0].district_code)  # the city row comes first
    assert set(out["district_code"].dropna()) == {"500105", "500106"}
    assert counts(row(db, "CON-TRANSFER")) == (2, 1, 0, 0)
    assert counts(row(db, "CON-TRANSFER", district_code="500105")) == (1, 1, 0, 0)
    assert not row(db, "CON-TRANSFER", district_code="500106").is_red

    only = frame(db, "CON-TRANSFER", district_code="500106")
    assert set(only["district_code"].dropna()) == {"500106"} and len(only) == 2
    township = row(db, "CON-TRANSFER", township_code="500105001")
    assert counts(township) == (1, 0, 0, 0) and not township.is_red
    assert items(db, "CON-TRANSFER", township_code="500105001").empty
    assert len(items(db, "CON-TRANSFER", district_code="500105")) == 1


def test_the_overdue_list_holds_ids_and_codes_never_names_id_numbers_or_phones(db):
    """CON-TRANSFER: the drill-through names the contact by its id, with district, township and
    times; nothing from persons."""
    db.insert("persons", person_id=501, full_name="张三", id_card_number="500105199001011234",
              phone="13800000000")
    contact(db, "2022-07-28 00:00", person_id=501, township_code="500105001", contact_id=7)
    listed = items(db, "CON-TRANSFER")
    assert list(listed.columns) == ["item_id", "district_code", "township_code", "started_at", "deadline",
                                    "done_at", "status", "minutes_late"]
    assert listed.iloc[0][["item_id", "district_code", "township_code"]].tolist() == ["7", "500105", "500105001"]
    text = listed.astype(str).to_string()
    for secret in ("张三", "500105199001011234", "13800000000"):
        assert secret not in text


def test_the_limit_is_the_setting_named_in_the_registry_and_an_override_moves_it(db):
    """CON-TRANSFER: run_metric binds $limit_hours from contact_transfer_limit_hours; with the
    setting at 10 a transfer after 9 h is on time."""
    contact(db, "2022-07-28 00:00", "2022-07-28 09:00")
    assert counts(row(db, "CON-TRANSFER")) == (0, 1, 0, 0)
    overridden = {**settings_module.values(), "contact_transfer_limit_hours": 10}
    r = row(db, "CON-TRANSFER", settings=overridden)
    assert counts(r) == (1, 0, 0, 0) and r.threshold == 10.0 and not r.is_red


def test_as_of_before_any_data_shows_nothing_and_far_in_the_future_only_what_is_still_open(db):
    """CON-TRANSFER: before the first contact nothing is judged; in 2030 the late transfer has
    left the window and only the contact never moved is red."""
    contact(db, "2022-07-28 00:00", "2022-07-28 10:00")
    contact(db, "2022-07-28 01:00")
    before = row(db, "CON-TRANSFER", "2022-06-01 00:00")
    assert counts(before) == (0, 0, 0, 0) and pd.isna(before.value) and not before.is_red
    assert len(frame(db, "CON-TRANSFER", "2022-06-01 00:00")) == 1
    future = row(db, "CON-TRANSFER", "2030-01-01 00:00")
    assert counts(future) == (0, 0, 0, 1) and pd.isna(future.value)
    assert bool(future.is_red) and future.red_since == T("2022-07-28 09:00")


# --- CON-TRANSFER, EPI-ARRIVE, EPI-CORE, EPI-FULL, EPI-ASSIST, EPI-REPORT, EPI-PUBLISH, SCR-8H, SCR-24H:
#     every clock rule on empty tables -------------------------------------------------------

@pytest.mark.parametrize("rule", CLOCK_RULES)
def test_empty_tables_give_only_a_city_row_that_is_not_red(db, rule):
    """CON-TRANSFER, EPI-*, SCR-8H, SCR-24H: no items, no district rows; the city row has zero
    counts, an unknown share, is not red, and carries the rule's own threshold setting."""
    out = frame(db, rule)
    assert len(out) == 1 and pd.isna(out.iloc[0].district_code)
    r = out.iloc[0]
    assert counts(r) == (0, 0, 0, 0) and pd.isna(r.value) and r.is_red == False  # noqa: E712
    setting = registry.metric(rule).threshold
    assert r.threshold == float(settings_module.values()[setting])
    assert registry.metric(rule).query == "metrics/timeliness"
    assert items(db, rule).empty


# --- EPI-ARRIVE, EPI-CORE, EPI-FULL: one investigation, three clocks ------------------------

@pytest.fixture()
def investigations(db):
    """Case 1 confirmed 07-28 00:00: on site 02:00, core 04:01, full trace open.
    Case 2 confirmed 07-27 18:00: on site 20:01, core 22:00, full trace 07-28 11:00."""
    db.insert("cases", case_id=1, person_id=11, township_code="500105001")
    db.insert("cases", case_id=2, person_id=12, township_code="500105002")
    db.insert("investigations", case_id=1, positive_confirmed_at="2022-07-28 00:00",
              team_on_site_at="2022-07-28 02:00", core_info_done_at="2022-07-28 04:01")
    db.insert("investigations", case_id=2, positive_confirmed_at="2022-07-27 18:00",
              team_on_site_at="2022-07-27 20:01", core_info_done_at="2022-07-27 22:00",
              full_trace_done_at="2022-07-28 11:00")
    return db


def test_investigators_on_site_at_2_hours_are_on_time_and_at_2_hours_1_minute_late(investigations):
    """EPI-ARRIVE: case 1 on site after 2 h 00 min, case 2 after 2 h 01 min."""
    r = row(investigations, "EPI-ARRIVE")
    assert counts(r) == (1, 1, 0, 0) and r.value == 0.5 and r.threshold == 2.0
    assert bool(r.is_red) and r.red_since == T("2022-07-27 20:00")
    assert r.median_minutes == 120.5
    assert items(investigations, "EPI-ARRIVE")[["item_id", "minutes_late"]].values.tolist() == [["2", 1]]


def test_core_information_at_4_hours_is_on_time_and_at_4_hours_1_minute_late(investigations):
    """EPI-CORE: case 2 done after 4 h 00 min, case 1 after 4 h 01 min; the township comes from the case."""
    r = row(investigations, "EPI-CORE")
    assert counts(r) == (1, 1, 0, 0) and r.threshold == 4.0
    assert bool(r.is_red) and r.red_since == T("2022-07-28 04:00")
    late_township = row(investigations, "EPI-CORE", township_code="500105001")
    assert counts(late_township) == (0, 1, 0, 0)
    on_time_township = row(investigations, "EPI-CORE", township_code="500105002")
    assert counts(on_time_township) == (1, 0, 0, 0) and not on_time_township.is_red


def test_a_full_trace_within_24_hours_is_on_time_and_an_open_one_is_pending_until_its_day_is_out(investigations):
    """EPI-FULL: case 2 traced in 17 h, case 1 open and pending until 07-29 00:00, late and red a
    minute later. The limit equals the 24 h window, and the late trace is still judged."""
    r = row(investigations, "EPI-FULL")
    assert counts(r) == (1, 0, 1, 0) and r.value == 1.0 and not r.is_red
    assert r.median_minutes == 17 * 60 and r.threshold == 24.0
    at_limit = row(investigations, "EPI-FULL", "2022-07-29 00:00")
    assert counts(at_limit) == (1, 0, 1, 0) and not at_limit.is_red
    past = row(investigations, "EPI-FULL", "2022-07-29 00:01")
    assert counts(past) == (1, 1, 0, 1) and past.value == 0.5
    assert bool(past.is_red) and past.red_since == T("2022-07-29 00:00")
    assert items(investigations, "EPI-FULL", "2022-07-29 00:01")["item_id"].tolist() == ["1"]


# --- EPI-ASSIST, EPI-REPORT, EPI-PUBLISH ----------------------------------------------------

def test_assist_letters_sent_within_2_hours_count_by_the_sending_district(db):
    """EPI-ASSIST: sent at 2 h 00 min on time, at 2 h 01 min late, an unsent letter at exactly
    2 h pending; letters count in the district that sends them."""
    db.insert("cases", case_id=1, person_id=11, district_code="500105", township_code="500105001")
    db.insert("assist_letters", case_id=1, from_district_code="500105",
              identified_at="2022-07-28 09:00", sent_at="2022-07-28 11:00")
    db.insert("assist_letters", case_id=1, from_district_code="500105",
              identified_at="2022-07-28 09:00", sent_at="2022-07-28 11:01")
    db.insert("assist_letters", case_id=1, from_district_code="500106", destination_kind="other_province",
              identified_at="2022-07-28 10:30")
    r = row(db, "EPI-ASSIST", "2022-07-28 12:30")
    assert counts(r) == (1, 1, 1, 0) and r.value == 0.5 and r.threshold == 2.0
    assert bool(r.is_red) and r.red_since == T("2022-07-28 11:00")
    assert counts(row(db, "EPI-ASSIST", "2022-07-28 12:30", "500106")) == (0, 0, 1, 0)
    assert counts(row(db, "EPI-ASSIST", "2022-07-28 12:31", "500106")) == (0, 1, 0, 1)
    # the letter sent by 500106 has no township: its case lives in 500105
    assert counts(row(db, "EPI-ASSIST", "2022-07-28 12:31", township_code="500105001")) == (1, 1, 0, 0)


def test_every_preliminary_positive_must_be_reported_within_2_hours(db):
    """EPI-REPORT: reported at 2 h 00 min on time, at 2 h 01 min late; a preliminary positive
    later excluded still had to be reported; a suspected case never positive is not judged."""
    db.insert("cases", case_id=1, person_id=11, prelim_positive_at="2022-07-28 08:00",
              reported_at="2022-07-28 10:00")
    db.insert("cases", case_id=2, person_id=12, prelim_positive_at="2022-07-28 08:00",
              reported_at="2022-07-28 10:01")
    db.insert("cases", case_id=3, person_id=13, classification="excluded", prelim_positive_at="2022-07-28 09:00")
    db.insert("cases", case_id=4, person_id=14, classification="suspected")
    r = row(db, "EPI-REPORT")
    assert counts(r) == (1, 2, 0, 1) and r.value == pytest.approx(1 / 3) and r.threshold == 2.0
    assert bool(r.is_red) and r.red_since == T("2022-07-28 10:00")
    assert sorted(items(db, "EPI-REPORT")["item_id"]) == ["2", "3"]


def test_positives_published_within_5_hours_and_only_positives_are_judged(db):
    """EPI-PUBLISH: a confirmed case published at 5 h 00 min is on time; an asymptomatic one
    unpublished is pending at 5 h and overdue at 5 h 01 min; excluded and suspected are not judged."""
    db.insert("cases", case_id=1, person_id=11, confirmed_at="2022-07-28 06:00", published_at="2022-07-28 11:00")
    db.insert("cases", case_id=2, person_id=12, classification="asymptomatic", confirmed_at="2022-07-28 06:00")
    db.insert("cases", case_id=3, person_id=13, classification="excluded", confirmed_at="2022-07-28 06:00")
    db.insert("cases", case_id=4, person_id=14, classification="suspected")
    at_limit = row(db, "EPI-PUBLISH", "2022-07-28 11:00")
    assert counts(at_limit) == (1, 0, 1, 0) and at_limit.value == 1.0 and not at_limit.is_red
    assert at_limit.threshold == 5.0 and at_limit.median_minutes == 300
    past = row(db, "EPI-PUBLISH", "2022-07-28 11:01")
    assert counts(past) == (1, 1, 0, 1) and past.value == 0.5 and past.red_since == T("2022-07-28 11:00")
    assert items(db, "EPI-PUBLISH", "2022-07-28 11:01")["item_id"].tolist() == ["2"]


# --- SCR-8H, SCR-24H ------------------------------------------------------------------------

def test_pushed_lists_are_checked_within_8_hours_and_roaming_lists_are_not_part_of_them(db):
    """SCR-8H: space-time companion checked at 8 h 00 min on time, same vehicle at 8 h 01 min
    late, key-area stay never checked overdue; the roaming entry belongs to SCR-24H."""
    for list_type, checked_at in (("spacetime_companion", "2022-07-28 08:00"), ("same_vehicle", "2022-07-28 08:01"),
                                  ("key_area_stay", None), ("roaming", None)):
        db.insert("screening_tasks", list_type=list_type, pushed_at="2022-07-28 00:00", checked_at=checked_at,
                  outcome="verified" if checked_at else None)
    r = row(db, "SCR-8H")
    assert counts(r) == (1, 2, 0, 1) and r.value == pytest.approx(1 / 3) and r.threshold == 8.0
    assert bool(r.is_red) and r.red_since == T("2022-07-28 08:00")
    assert sorted(items(db, "SCR-8H").status) == ["done_late", "open_overdue"]
    roaming = row(db, "SCR-24H")
    assert counts(roaming) == (0, 0, 1, 0) and not roaming.is_red


def test_roaming_lists_get_24_hours_and_an_entry_open_at_its_limit_turns_red_a_minute_later(db):
    """SCR-24H: checked at 11 h on time; an entry pushed exactly 24 h before as_of is due at
    as_of and pending; one minute later it is late, open overdue and red."""
    db.insert("screening_tasks", list_type="roaming", pushed_at="2022-07-28 00:00",
              checked_at="2022-07-28 11:00", outcome="verified")
    db.insert("screening_tasks", list_type="roaming", pushed_at="2022-07-27 12:00")
    r = row(db, "SCR-24H")
    assert counts(r) == (1, 0, 1, 0) and r.value == 1.0 and not r.is_red
    assert r.median_minutes == 11 * 60 and r.threshold == 24.0
    past = row(db, "SCR-24H", "2022-07-28 12:01")
    assert counts(past) == (1, 1, 0, 1) and bool(past.is_red) and past.red_since == T("2022-07-28 12:00")


# --- CON-TRANSFER, EPI-ARRIVE, EPI-CORE, EPI-FULL, EPI-ASSIST, EPI-REPORT, EPI-PUBLISH, SCR-8H, SCR-24H:
#     every clock rule's item list on the demo data ------------------------------------------

@pytest.mark.parametrize("rule", CLOCK_RULES)
def test_the_item_list_holds_exactly_the_items_behind_the_red_flag_on_the_demo_data(demo, rule):
    """CON-TRANSFER, EPI-*, SCR-8H, SCR-24H: the drill-through (details/timeliness_items) and the
    metric judge the same items, at moments across the outbreak, per district and for the city."""
    for as_of in ("2022-07-16 06:00", "2022-07-24 12:00", "2022-08-01 20:00", "2022-08-05 18:00"):
        counts = run_metric(demo, rule, as_of=T(as_of))
        listed = run_metric(demo, rule, query="details/timeliness_items", as_of=T(as_of))
        per_district = listed.groupby("district_code").size()
        for r in counts.itertuples():
            expected = int(r.done_late) + int(r.open_overdue)
            got = len(listed) if pd.isna(r.district_code) else int(per_district.get(r.district_code, 0))
            assert got == expected, (rule, as_of, r.district_code)
            assert bool(r.is_red) == (expected > 0), (rule, as_of, r.district_code)
