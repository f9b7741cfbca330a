"""The red list (every rule breaching its threshold, per district) and its command line."""

import io
import json
import os
import subprocess
import sys
import threading

import pandas as pd

from sitrep import PROJECT_ROOT
from sitrep.db import ReadPool
from sitrep.queries import run_metric
from sitrep.redlist import RESPONSIBILITY_COLUMNS, red_list
from tests.fixture_db import FixtureDB

AS_OF = pd.Timestamp("2022-07-28 12:00")


def _story() -> FixtureDB:
    """500105 江北: 3 of 4 rooms used (75.0%) since 08:00; a close contact identified at 03:59 is
    not moved by 12:00 (8 h 01 min). 500106: 1 of 4 rooms, nothing overdue."""
    db = FixtureDB()
    db.district("500105", population=10_000, name_zh="江北区")
    db.district("500106", population=20_000, name_zh="沙坪坝区")
    rooms = db.facility("F1", district="500105", rooms=4)
    for room in rooms[:3]:
        db.insert("room_stays", room_id=room, check_in_at="2022-07-28 08:00")
    quiet = db.facility("F2", district="500106", rooms=4)
    db.insert("room_stays", room_id=quiet[0], check_in_at="2022-07-28 08:00")
    db.insert("contacts", contact_type="close", isolation_mode="centralized", district_code="500105",
              identified_at="2022-07-28 03:59")
    return db


def test_red_list_names_each_breach_with_value_threshold_since_and_source():
    items = red_list(_story().con, AS_OF).set_index("rule_id")
    iso = items.loc["ISO-USE"]
    assert (iso.district_code, iso.district_name_zh, iso.value, iso.threshold) == ("500105", "江北区", 0.75, 0.75)
    assert iso.red_since == pd.Timestamp("2022-07-28 08:00") and iso.source == "003 #57"
    transfer = items.loc["CON-TRANSFER"]
    assert transfer.district_code == "500105" and transfer.red_since == pd.Timestamp("2022-07-28 11:59")
    assert transfer.threshold == 8 and transfer.threshold_unit == "hours"
    # ISO-RESERVE: 4 rooms for 10,000 residents is 4 per 10,000, far below 60; 500106 too.
    assert set(items.loc[["ISO-RESERVE"]].district_code) == {"500105", "500106"}
    assert "500106" not in set(items.drop(index="ISO-RESERVE").district_code)


def test_beside_each_item_who_must_act_its_task_and_severity():
    items = red_list(_story().con, AS_OF).set_index(["rule_id", "district_code"])
    iso = items.loc[("ISO-USE", "500105")]
    # 003 #57: the city's general office dispatches rooms across districts; the district is responsible too.
    assert (iso.acting_unit_zh, iso.tasks, iso.severity) == ("市指挥部综合办", "003 #57", 1)
    assert iso.responsible_unit_zh == "市指挥部综合办、各区县疫情防控领导小组"
    transfer = items.loc[("CON-TRANSFER", "500105")]
    assert (transfer.acting_unit_zh, transfer.tasks, transfer.severity) == ("江北区疫情防控领导小组", "003 #53", 1)
    assert transfer.acting_unit_en.endswith("epidemic-prevention leading group")
    reserve = items.loc[("ISO-RESERVE", "500106")]
    assert (reserve.acting_unit_zh, reserve.severity) == ("沙坪坝区疫情防控领导小组", 5)
    assert items["severity"].notna().all() and items["acting_unit_zh"].str.len().gt(0).all()


def test_an_empty_red_list_has_the_responsibility_columns_too():
    empty = red_list(FixtureDB().con, AS_OF)
    assert empty.empty and set(RESPONSIBILITY_COLUMNS) <= set(empty.columns)


def test_before_any_data_only_the_missing_reserve_is_red_and_a_district_filter_keeps_one_district():
    db = _story()
    before = red_list(db.con, pd.Timestamp("2022-06-01 00:00"))
    # Facilities pass assessment on 07-01 (the fixture's default): in June no district has rooms.
    assert set(before.rule_id) == {"ISO-RESERVE"} and (before.value == 0).all()
    only = red_list(db.con, AS_OF, district_code="500106")
    assert set(only.rule_id) == {"ISO-RESERVE"} and set(only.district_code) == {"500106"}


def test_read_pool_gives_each_thread_its_own_cursor_and_consistent_numbers(demo_db_path):
    pool = ReadPool(demo_db_path)
    expected = run_metric(pool.cursor(None), "ISO-USE", as_of=pd.Timestamp("2022-07-24 12:00"))
    results, errors, cursors = [], [], set()

    def reader():
        try:
            cur = pool.cursor(None)
            cursors.add(id(cur))
            for _ in range(5):
                results.append(run_metric(cur, "ISO-USE", as_of=pd.Timestamp("2022-07-24 12:00")))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pool.close()
    assert errors == [] and len(results) == 30 and len(cursors) == 6
    for frame in results:
        pd.testing.assert_frame_equal(frame, expected)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sitrep", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


def test_redlist_command_prints_a_table_csv_and_json_that_agree(demo_db_path, demo):
    as_of = "2022-07-24 12:00"
    expected = red_list(demo, pd.Timestamp(as_of))
    assert len(expected) > 0
    table = _cli("redlist", "--db", str(demo_db_path), "--as-of", as_of)
    assert table.returncode == 0, table.stderr
    assert f"{len(expected)} items" in table.stdout and "ISO-USE" in table.stdout
    csv = _cli("redlist", "--db", str(demo_db_path), "--as-of", as_of, "--format", "csv")
    frame = pd.read_csv(io.StringIO(csv.stdout), dtype={"district_code": str})
    assert frame["rule_id"].tolist() == expected["rule_id"].tolist()
    assert frame["district_code"].fillna("").tolist() == expected["district_code"].fillna("").tolist()
    records = json.loads(_cli("redlist", "--db", str(demo_db_path), "--as-of", as_of, "--format", "json").stdout)
    assert [r["rule_id"] for r in records] == expected["rule_id"].tolist()
    assert [r["acting_unit_zh"] for r in records] == expected["acting_unit_zh"].tolist()
    assert "市指挥部综合办" in table.stdout    # ISO-USE's acting unit beside 江北's item


def test_redlist_command_refuses_a_missing_database_and_a_bad_time(tmp_path, demo_db_path):
    missing = _cli("redlist", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode != 0 and "no database at" in missing.stderr
    bad = _cli("redlist", "--db", str(demo_db_path), "--as-of", "yesterday-ish")
    assert bad.returncode != 0 and "--as-of" in bad.stderr
