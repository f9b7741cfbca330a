"""Personal data with a reason (issue 12, sitrep.reveal): the lists that name people are masked,
revealed only row by row for the ids a reveal named, and never reach beyond the user's districts."""

from __future__ import annotations

import pandas as pd
import pytest

from sitrep import registry
from sitrep.db import ReadPool
from sitrep.queries import parameters, run_metric
from sitrep.reveal import PEOPLE_LISTS, REVEAL_REASONS, check_reason, people_of, with_people

JIANGBEI, MOMENT = "500105", pd.Timestamp("2022-07-24 18:00")


@pytest.fixture(scope="module")
def pool(demo_db_path):
    pool = ReadPool(demo_db_path)
    yield pool
    pool.close()


def test_every_people_list_is_a_registry_drill_through_and_its_query_takes_the_ids():
    for rule_id, plist in PEOPLE_LISTS.items():
        assert registry.metric(rule_id).detail == plist.query
        assert parameters(plist.people) == (plist.ids_parameter,)


@pytest.mark.parametrize("rule_id", list(PEOPLE_LISTS))
def test_a_list_shows_masked_people_and_reveals_only_the_ids_named(pool, rule_id):
    plist = PEOPLE_LISTS[rule_id]
    cur = pool.cursor(None)
    # The demo's peak for transfers and arrivals; its end for re-tests (cases discharged by then).
    moment = MOMENT if rule_id != "CASE-RETEST" else pd.Timestamp("2022-08-05 18:00")
    items = run_metric(cur, rule_id, query=plist.query, as_of=moment)
    assert len(items) >= 2, f"the demo has {len(items)} rows in {rule_id}'s list at {moment}"
    people = people_of(cur, plist, items[plist.id_column])
    full = items[[plist.id_column]].astype(str).merge(people.astype({plist.id_column: str}), how="left",
                                                      on=plist.id_column)
    assert full["full_name"].notna().any()

    masked = with_people(items, people, plist)
    at = list(items.columns).index(plist.id_column)
    assert list(masked.columns[at:at + 4]) == [plist.id_column, "full_name", "id_card_number", "phone"]
    for column in ("full_name", "id_card_number", "phone"):
        known = full[column].notna()
        assert (masked.loc[known, column] != full.loc[known, column]).all(), column
        assert masked.loc[known, column].str.contains(r"\*").all(), column
    # An ID-card number keeps its region and its last four; a name its family name.
    first = full[full["id_card_number"].notna()].index[0]
    assert masked.at[first, "id_card_number"][:6] == full.at[first, "id_card_number"][:6]
    assert masked.at[first, "id_card_number"][-4:] == full.at[first, "id_card_number"][-4:]
    assert masked.at[first, "full_name"][0] == full.at[first, "full_name"][0]

    one = int(full.at[first, plist.id_column])
    shown = with_people(items, people, plist, revealed_ids=frozenset({one}))
    row = shown[plist.id_column].astype(str) == str(one)
    assert (shown.loc[row, "full_name"] == full.loc[row, "full_name"]).all()
    assert shown.loc[~row & full["full_name"].notna(), "full_name"].str.contains(r"\*").all()


def test_a_district_officer_cannot_reach_the_people_of_another_district(pool):
    plist = PEOPLE_LISTS["CON-TRANSFER"]
    city = run_metric(pool.cursor(None), "CON-TRANSFER", query=plist.query, as_of=MOMENT)
    others = city[city["district_code"] != JIANGBEI]
    assert len(others) > 0
    # Even asked for another district's contacts by id, a 江北 cursor finds nobody.
    assert people_of(pool.cursor((JIANGBEI,)), plist, others["item_id"]).empty
    assert len(people_of(pool.cursor(None), plist, others["item_id"])) == others["item_id"].nunique()


def test_a_reveal_needs_a_listed_reason_and_a_few_words():
    assert check_reason("other", "") == "reveal_detail_missing"
    assert check_reason("other", " ab ") == "reveal_detail_missing"
    assert check_reason("because", "a long enough detail") == "reveal_reason_missing"
    assert check_reason(next(iter(REVEAL_REASONS)), "工单 2022-0724-17") is None
