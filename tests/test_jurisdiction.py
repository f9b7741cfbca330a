"""Jurisdiction in the query layer (issue 12): a cursor bound to a district officer's districts
reads only those districts, in every query, and its "city" rows are the total of those districts.

The scope is bound to the cursor (sitrep.db.install_scope), not written into each query, so these
tests run every query there is: registry metrics and their drill-throughs, the red list, and every
other file under queries/ that a page or the briefing reads.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from sitrep import QUERIES_DIR, registry
from sitrep.db import (UNSCOPED_TABLES, ReadPool, create_schema, install_scope, new_cursor, scope_files, scope_of,
                       table_names)
from sitrep.queries import parameters, run, run_metric
from sitrep.redlist import red_list
from tests.fixture_db import FixtureDB

JIANGBEI, NANAN = "500105", "500108"
MOMENTS = (pd.Timestamp("2022-07-24 18:00"), pd.Timestamp("2022-08-05 18:00"))
OTHER_QUERY_DIRS = ("overview", "briefing", "reference", "details")


def outside(frame: pd.DataFrame, allowed: tuple[str, ...]) -> pd.DataFrame:
    """Rows naming a place outside `allowed`: any *district_code column, or a township, community
    or grid code (they start with their district's code)."""
    bad = pd.Series(False, index=frame.index)
    for column in frame.columns:
        if column.endswith("district_code"):
            values = frame[column].dropna().astype(str)
            bad.loc[values.index] |= ~values.isin(allowed)
        elif column.endswith(("township_code", "community_code", "grid_code")):
            values = frame[column].dropna().astype(str)
            bad.loc[values.index] |= ~values.str[:6].isin(allowed)
    return frame[bad]


@pytest.fixture(scope="module")
def pool(demo_db_path):
    pool = ReadPool(demo_db_path)
    yield pool
    pool.close()


# --- every table is scoped or read whole for a stated reason -------------------------------------

def test_every_table_has_a_scope_rule_or_a_reason_to_be_read_whole():
    con = duckdb.connect()
    create_schema(con)
    tables = set(table_names(con))
    ruled = {path.stem for path in scope_files()}
    assert tables - ruled - set(UNSCOPED_TABLES) == set()
    assert ruled - tables == set(), "a scope rule for a table the schema does not have"
    assert set(UNSCOPED_TABLES) <= tables and all(reason for reason in UNSCOPED_TABLES.values())
    assert not ruled & set(UNSCOPED_TABLES)


def test_a_table_without_a_scope_rule_is_refused_not_read_whole(tmp_path):
    path = tmp_path / "x.duckdb"
    con = duckdb.connect(str(path))
    create_schema(con)
    con.execute("create table new_records (district_code varchar, secret varchar)")
    con.close()
    pool = ReadPool(path)
    with pytest.raises(RuntimeError, match="new_records"):
        pool.cursor((JIANGBEI,))
    assert pool.cursor(None).execute("select count(*) from new_records").fetchone()[0] == 0
    pool.close()


# --- small hand-made data: what a scoped cursor sees ----------------------------------------------

@pytest.fixture()
def two_districts(tmp_path):
    """江北 and 南岸, each with one case, one contact and one facility of 2 rooms; 江北's contact
    stays in 南岸's facility (a cross-district transfer)."""
    path = tmp_path / "two.duckdb"
    db = FixtureDB(path)
    db.district(JIANGBEI, name_zh="江北区", name_en="Jiangbei")
    db.district(NANAN, name_zh="南岸区", name_en="Nan'an")
    db.insert("persons", person_id=1, full_name="江北病例", id_card_number="50010519800101001X")
    db.insert("persons", person_id=2, full_name="南岸病例", id_card_number="50010819800101001X")
    db.insert("persons", person_id=3, full_name="江北密接", id_card_number="50010519900101001X")
    db.insert("cases", case_id=1, person_id=1, district_code=JIANGBEI, classification="asymptomatic",
              sampled_at="2022-08-01 08:00", confirmed_at="2022-08-01 12:00")
    db.insert("cases", case_id=2, person_id=2, district_code=NANAN, classification="asymptomatic",
              sampled_at="2022-08-01 08:00", confirmed_at="2022-08-01 12:00")
    db.facility("F-JB", district=JIANGBEI, rooms=2)
    db.facility("F-NA", district=NANAN, rooms=2)
    db.insert("contacts", contact_id=10, person_id=3, index_case_id=1, district_code=JIANGBEI,
              identified_at="2022-08-01 13:00", transferred_at="2022-08-01 18:00", facility_id="F-NA",
              room_id="F-NA-1")
    db.insert("room_stays", stay_id=100, room_id="F-NA-1", person_id=3, person_kind="close_contact", contact_id=10,
              check_in_at="2022-08-01 18:00")
    db.insert("dataset_info", key="data_as_of", value="2022-08-05 18:00:00")
    db.con.close()
    pool = ReadPool(path)
    yield pool
    pool.close()


def test_a_scoped_cursor_reads_its_districts_rows_and_the_people_they_name(two_districts):
    cur = two_districts.cursor((JIANGBEI,))
    assert scope_of(cur) == (JIANGBEI,)
    assert cur.execute("select case_id from cases").fetchall() == [(1,)]
    assert cur.execute("select district_code from districts").fetchall() == [(JIANGBEI,)]
    assert cur.execute("select facility_id from facilities").fetchall() == [("F-JB",)]
    assert sorted(cur.execute("select room_id from rooms").fetchall()) == [("F-JB-1",), ("F-JB-2",)]
    # 江北's contact is 江北's (by the contact's district), but the stay is in 南岸's room: not 江北's.
    assert cur.execute("select contact_id from contacts").fetchall() == [(10,)]
    assert cur.execute("select count(*) from room_stays").fetchone()[0] == 0
    # Names: only people a record in scope names; 南岸's case is out of reach.
    assert sorted(cur.execute("select full_name from persons").fetchall()) == [("江北密接",), ("江北病例",)]
    whole = two_districts.cursor(None)
    assert scope_of(whole) is None
    assert whole.execute("select count(*) from persons").fetchone()[0] == 3


def test_city_rows_of_a_scoped_cursor_are_the_total_of_its_districts(two_districts):
    as_of = pd.Timestamp("2022-08-05 18:00")
    both = run_metric(two_districts.cursor(None), "ISO-USE", as_of=as_of)
    mine = run_metric(two_districts.cursor((JIANGBEI,)), "ISO-USE", as_of=as_of)
    assert set(both["district_code"].dropna()) == {JIANGBEI, NANAN}
    assert set(mine["district_code"].dropna()) == {JIANGBEI}
    city_both = both[both["district_code"].isna()].iloc[0]
    city_mine = mine[mine["district_code"].isna()].iloc[0]
    # Four rooms, one occupied (南岸's) in the city; 江北's total: two rooms, none occupied.
    assert (city_both["rooms"], city_both["rooms_occupied"]) == (4, 1)
    assert (city_mine["rooms"], city_mine["rooms_occupied"]) == (2, 0)


def test_cursors_of_one_thread_keep_their_own_scopes(two_districts):
    mine, theirs = two_districts.cursor((JIANGBEI,)), two_districts.cursor((NANAN,))
    assert mine.execute("select case_id from cases").fetchall() == [(1,)]
    assert theirs.execute("select case_id from cases").fetchall() == [(2,)]
    assert two_districts.cursor((JIANGBEI,)) is mine
    # The red list's per-metric cursors inherit the scope of the cursor it was given.
    assert scope_of(new_cursor(mine, scope=scope_of(mine))) == (JIANGBEI,)


def test_an_empty_scope_is_refused(two_districts):
    with pytest.raises(ValueError, match="at least one district"):
        install_scope(two_districts.cursor(None).cursor(), (), "two")


# --- the demo: every query, as a district officer ----------------------------------------------

def _registry_reads():
    for metric in registry.metrics().values():
        yield pytest.param(metric.id, None, id=metric.id)
        if metric.detail:
            yield pytest.param(metric.id, metric.detail, id=f"{metric.id}:{metric.detail}")


def _other_queries():
    for folder in OTHER_QUERY_DIRS:
        for path in sorted((QUERIES_DIR / folder).glob("*.sql")):
            name = f"{folder}/{path.stem}"
            if not {"rule_id", "limit_hours"} & set(parameters(name)):   # clock details run per rule above
                yield name


@pytest.mark.parametrize("metric_id, query", list(_registry_reads()))
def test_every_registry_query_as_a_district_officer_holds_only_their_districts(pool, metric_id, query):
    scope = (JIANGBEI,)
    # Metrics at both moments; a drill-through at the peak, when its lists are longest.
    for moment in (MOMENTS if query is None else MOMENTS[:1]):
        frame = run_metric(pool.cursor(scope), metric_id, query=query, as_of=moment)
        assert outside(frame, scope).empty, outside(frame, scope).head()


@pytest.mark.parametrize("name", list(_other_queries()))
def test_every_other_query_as_a_district_officer_holds_only_their_districts(pool, name):
    scope = (JIANGBEI, NANAN)
    extra = {"district_code": JIANGBEI} if name == "reference/townships" else {}
    for moment in MOMENTS:
        params = {"as_of": moment, **extra} if "as_of" in parameters(name) else extra
        frame = run(pool.cursor(scope), name, **params)
        assert outside(frame, scope).empty, outside(frame, scope).head()


def test_the_red_list_of_a_district_officer_is_the_city_red_list_of_their_district(pool):
    scope = (JIANGBEI,)
    for moment in MOMENTS:
        mine = red_list(pool.cursor(scope), moment)
        assert not mine.empty
        assert set(mine["district_code"].dropna()) <= set(scope)
        # Each of 江北's red items in the city's list is in 江北's own list, with the same value.
        city = red_list(pool.cursor(None), moment)
        city_jb = city[city["district_code"] == JIANGBEI][["rule_id", "round_id", "value"]]
        merged = city_jb.merge(mine[["rule_id", "round_id", "value"]], how="left", on=["rule_id", "round_id"],
                               suffixes=("_city", "_mine"))
        assert merged["value_mine"].notna().all(), merged[merged["value_mine"].isna()]
        assert (merged["value_city"] - merged["value_mine"]).abs().max() < 1e-9


def test_the_scoped_cursor_finds_no_name_of_another_district(pool):
    scope = (JIANGBEI,)
    cur = pool.cursor(scope)
    named = cur.execute("select count(*) from persons").fetchone()[0]
    everyone = pool.cursor(None).execute("select count(*) from persons").fetchone()[0]
    assert 0 < named < everyone
    strangers = cur.execute("""
        select count(*) from persons
        where person_id in (select person_id from base_cases where district_code <> $d)
          and person_id not in (select person_id from cases)
          and person_id not in (select person_id from contacts)
          and person_id not in (select person_id from room_stays)
          and person_id not in (select person_id from arrivals)
          and person_id not in (select person_id from screening_tasks)
    """, {"d": JIANGBEI}).fetchone()[0]
    assert strangers == 0
