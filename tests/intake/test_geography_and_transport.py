"""The last tables a rule or page reads, made importable by issue 11 (item 1): the geography below
the district (townships/streets, villages/communities, grids, buildings) and the transfer vehicles
(transport runs and their passengers).

For each: the template's sample row passes the check and imports; a GBK CSV and an XLSX land (a
second import of the same rows changes nothing); each rule refuses what breaks it, the database as
it was. And what reads the tables sees an import: a township in the township filter, a community's
residents in the sampling-site rule (TEST-SITES), a mixed run in CON-SEPARATE."""

import duckdb
import pandas as pd
import pytest

from sitrep.db import connect_read, install_staging_views
from sitrep.intake import specs, templates
from sitrep.intake.files import read
from sitrep.intake.validate import Places, check
from sitrep.intake.values import id_card_with_check_digit
from sitrep.queries import run, run_metric
from tests.intake.helpers import csv_bytes, file_digest, import_log, load, query, table_digest, xlsx_bytes

TOWNSHIP_HEADER = ["乡镇街道编码", "区县", "乡镇街道名称", "类型", "常住人口", "中心点经度", "中心点纬度"]
COMMUNITY_HEADER = ["社区编码", "区县", "乡镇街道编码", "社区名称", "类型", "常住人口"]
GRID_HEADER = ["网格编码", "区县", "社区编码", "网格名称"]
BUILDING_HEADER = ["楼栋编码", "区县", "社区编码", "网格编码", "楼栋名称或地址", "居住人数"]
RUN_HEADER = ["转运车次编号", "区县", "出发时间", "到达时间"]
PASSENGER_HEADER = ["转运车次编号", "人员类别", "病例编号", "密接编号"]

NEW_TABLES = ("townships", "communities", "grids", "buildings", "transport_runs", "transport_passengers")


def problems_of(outcome) -> list[tuple]:
    return [(int(p.row) if not pd.isna(p.row) else None, p.column, p.reason) for p in outcome.problems.itertuples()]


def _applied(db, data: bytes, table: str, name: str = "file.csv"):
    outcome = load(db, data, table, name)
    assert outcome.status == "applied", outcome.problems
    return outcome


def _lands_twice(db, first: bytes, first_name: str, second: bytes, second_name: str, table: str, rows: int):
    """The rows land from the first file; the same rows in the second change nothing."""
    landed = _applied(db, first, table, first_name)
    assert (landed.counts.inserted, landed.counts.updated, landed.counts.unchanged) == (rows, 0, 0)
    before = table_digest(db)
    again = _applied(db, second, table, second_name)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, rows)
    assert table_digest(db) == before
    return landed


def _refused(db, data: bytes, table: str):
    before, before_bytes = table_digest(db), file_digest(db)
    outcome = load(db, data, table, "bad.csv")
    assert outcome.status == "rejected"
    assert table_digest(db) == before and file_digest(db) == before_bytes
    log = import_log(db)
    assert log["status"].iloc[0] == "rejected" and log["table_name"].iloc[0] == table
    return outcome


# --- templates -----------------------------------------------------------------------------------------

def test_each_new_table_has_a_template_whose_sample_row_passes_the_check_and_imports(small_db):
    con = duckdb.connect(str(small_db), read_only=True)
    places = Places.load(con)
    con.close()
    for table in NEW_TABLES:                     # in this order each sample's references are held
        spec = specs.table(table)
        for name, data in ((f"{table}_template.csv", templates.template_csv(spec)),
                           (f"{table}_template.xlsx", templates.template_xlsx(spec))):
            raw = read(data, name)
            assert raw.headers == [c.zh for c in spec.columns]
            assert check(raw, spec, places).ok, (name, check(raw, spec, places).problems)
            _applied(small_db, data, table, name)
    assert query(small_db, "select count(*) as n from buildings")["n"].iloc[0] == 1
    passenger = query(small_db, "select * from transport_passengers")
    assert passenger[["transport_run_id", "passenger_kind", "case_id"]].values.tolist() == [[900001, "case", 1]]
    assert pd.isna(passenger["contact_id"].iloc[0])


def test_the_template_states_the_coordinate_range_and_that_population_may_be_empty():
    rules = templates.rules_frame(specs.table("townships"), "en").set_index("name")
    assert rules.loc["centroid_lon", "accepted"] == "105–111" and rules.loc["centroid_lon", "required"] == "yes"
    assert rules.loc["centroid_lat", "accepted"] == "28–33"
    assert rules.loc["population", "required"] == "" and "synthetic" in rules.loc["population", "note"]


# --- townships -----------------------------------------------------------------------------------------

def township_rows():
    return [["500105002", "江北区", "五里店街道", "街道", 62000, "106.5702", "29.5931"],
            ["500108002", "南岸", "迎龙镇", "镇", "", "106.7410", "29.5210"]]


def test_townships_land_from_gbk_csv_and_xlsx(small_db):
    landed = _lands_twice(small_db, csv_bytes(township_rows(), TOWNSHIP_HEADER, "gbk"), "乡镇（街道）.csv",
                          xlsx_bytes(township_rows(), TOWNSHIP_HEADER), "乡镇（街道）.xlsx", "townships", 2)
    assert landed.encoding in ("gbk", "gb18030")
    stored = query(small_db, "select * from townships where township_code in ('500105002', '500108002') "
                             "order by township_code")
    assert stored["kind"].tolist() == ["street", "town"]
    assert stored["population"].iloc[0] == 62000 and pd.isna(stored["population"].iloc[1])   # no figure: null
    assert stored["centroid_lon"].tolist() == [106.5702, 106.741]


def test_an_imported_township_shows_in_the_township_filter(small_db):
    _applied(small_db, csv_bytes(township_rows(), TOWNSHIP_HEADER), "townships")
    con = connect_read(small_db)
    try:
        towns = run(con, "reference/townships", district_code="500105")
    finally:
        con.close()
    assert towns["township_code"].tolist() == ["500105001", "500105002"]
    assert towns["name_zh"].iloc[1] == "五里店街道"


def test_a_township_whose_code_does_not_nest_or_whose_kind_is_unknown_is_refused(small_db):
    rows = township_rows()
    rows[0][0] = "500108003"                          # a 南岸 code given as 江北
    rows[1][0] = "5001080021"                         # one digit too many
    outcome = _refused(small_db, csv_bytes(rows, TOWNSHIP_HEADER), "townships")
    assert problems_of(outcome) == [(2, "乡镇街道编码", "code_not_nested"), (3, "乡镇街道编码", "code_not_nested")]
    rows = township_rows()
    rows[1][3] = "区"
    outcome = _refused(small_db, csv_bytes(rows, TOWNSHIP_HEADER), "townships")
    assert problems_of(outcome) == [(3, "类型", "not_allowed")]


def test_a_township_outside_chongqing_or_without_a_centroid_is_refused(small_db):
    rows = township_rows()
    rows[0][5], rows[0][6] = "116.3972", "39.9163"    # Beijing
    rows[1][5], rows[1][6] = "29.5210", "106.7410"    # latitude and longitude swapped
    outcome = _refused(small_db, csv_bytes(rows, TOWNSHIP_HEADER), "townships")
    assert problems_of(outcome) == [(2, "中心点纬度", "above_maximum"), (2, "中心点经度", "above_maximum"),
                                    (3, "中心点纬度", "above_maximum"), (3, "中心点经度", "below_minimum")]
    assert outcome.problems["detail"].tolist() == ["28–33", "105–111", "28–33", "105–111"]
    rows = township_rows()
    rows[0][5] = ""
    outcome = _refused(small_db, csv_bytes(rows, TOWNSHIP_HEADER), "townships")
    assert problems_of(outcome) == [(2, "中心点经度", "required_empty")]


# --- communities ---------------------------------------------------------------------------------------

def community_rows():
    return [["500105001002", "江北", "500105001", "建新东路社区", "社区", 3200],
            ["500108001002", "南岸区", "500108001", "迎龙村", "村", ""]]


def test_communities_land_from_gbk_csv_and_xlsx(small_db):
    _lands_twice(small_db, csv_bytes(community_rows(), COMMUNITY_HEADER, "gbk"), "村（社区）.csv",
                 xlsx_bytes(community_rows(), COMMUNITY_HEADER), "村（社区）.xlsx", "communities", 2)
    stored = query(small_db, "select * from communities where community_code like '%002' order by community_code")
    assert stored["kind"].tolist() == ["community", "village"]
    assert stored["township_code"].tolist() == ["500105001", "500108001"]
    assert stored["population"].iloc[0] == 3200 and pd.isna(stored["population"].iloc[1])


def test_a_community_of_a_township_not_held_or_elsewhere_is_refused(small_db):
    rows = community_rows()
    rows[0][2] = "500105009"                          # no such township
    rows[1][2] = "500105001"                          # a 江北 township for a 南岸 community
    outcome = _refused(small_db, csv_bytes(rows, COMMUNITY_HEADER), "communities")
    # (a code not held is outside every district too: the check says both, as for every table)
    assert problems_of(outcome) == [(2, "乡镇街道编码", "unknown_township"),
                                    (2, "乡镇街道编码", "place_outside_district"),
                                    (3, "乡镇街道编码", "place_outside_district")]


def test_a_community_whose_code_does_not_nest_or_whose_kind_is_unknown_is_refused(small_db):
    rows = community_rows()
    rows[0][0] = "500108001003"                       # not under 500105001
    rows[1][4] = "小区"
    outcome = _refused(small_db, csv_bytes(rows, COMMUNITY_HEADER), "communities")
    assert problems_of(outcome) == [(2, "社区编码", "code_not_nested"), (3, "类型", "not_allowed")]


def test_an_imported_community_of_3200_residents_without_a_site_counts_in_the_sampling_site_rule(small_db):
    def sites(township_code=None):
        con = connect_read(small_db)
        try:
            install_staging_views(con)
            frame = run_metric(con, "TEST-SITES", as_of=pd.Timestamp("2022-08-05 18:00"),
                               district_code="500105", township_code=township_code)
        finally:
            con.close()
        return frame[frame["district_code"] == "500105"].iloc[0]

    before = sites()
    assert before["denominator"] == 0 and pd.isna(before["value"])   # 江北's one community: population unknown
    _applied(small_db, csv_bytes([["500105001002", "江北", "500105001", "建新东路社区", "社区", 3200],
                                  ["500105001003", "江北", "500105001", "小社区", "社区", 2999]],
                                 COMMUNITY_HEADER, "gbk"), "communities")
    after = sites()
    assert (after["value"], after["numerator"], after["denominator"]) == (1.0, 1, 1)   # 2,999: below the line
    assert after["is_red"] and after["residents_without_site"] == 3200
    assert sites("500105001")["numerator"] == 1                      # the township filter finds it too
    # A site opened there takes it off the list; the community of unknown size, given one, is under the line.
    _applied(small_db, csv_bytes([["S9", "江北", "500105001002", "2022-08-05 08:00", ""]],
                                 ["采样点编号", "区县", "社区编码", "启用时间", "撤除时间"]), "sampling_sites")
    updated = _applied(small_db, csv_bytes([["500105001001", "江北", "500105001", "测试社区", "社区", 800]],
                                           COMMUNITY_HEADER), "communities")
    assert (updated.counts.inserted, updated.counts.updated) == (0, 1)
    last = sites()
    assert (last["numerator"], last["denominator"], last["is_red"]) == (0, 1, False)


# --- grids and buildings -------------------------------------------------------------------------------

def grid_rows():
    return [["50010500100101", "江北", "500105001001", "第1网格"], ["50010800100101", "南岸", "500108001001", "第1网格"]]


def building_rows():
    return [["B0001", "江北", "500105001001", "50010500100101", "建新东路某小区3栋", 120],
            ["B0002", "南岸", "500108001001", "50010800100101", "迎龙村5组12号", ""]]


def test_grids_and_buildings_land_from_gbk_csv_and_xlsx(small_db):
    _lands_twice(small_db, csv_bytes(grid_rows(), GRID_HEADER, "gbk"), "网格.csv",
                 xlsx_bytes(grid_rows(), GRID_HEADER), "网格.xlsx", "grids", 2)
    _lands_twice(small_db, csv_bytes(building_rows(), BUILDING_HEADER, "gbk"), "楼栋.csv",
                 xlsx_bytes(building_rows(), BUILDING_HEADER), "楼栋.xlsx", "buildings", 2)
    stored = query(small_db, "select * from buildings order by building_code")
    assert stored["grid_code"].tolist() == ["50010500100101", "50010800100101"]
    assert stored["residents"].iloc[0] == 120 and pd.isna(stored["residents"].iloc[1])


def test_a_grid_of_a_community_not_held_or_whose_code_does_not_nest_is_refused(small_db):
    rows = grid_rows()
    rows[0][2] = "500105001009"
    rows[1][0] = "50010500100102"                     # a 江北 community's grid code under 南岸's community
    outcome = _refused(small_db, csv_bytes(rows, GRID_HEADER), "grids")
    assert problems_of(outcome) == [(2, "社区编码", "unknown_community"), (2, "社区编码", "place_outside_district"),
                                    (3, "网格编码", "code_not_nested")]


def test_a_building_in_a_grid_not_held_or_of_another_community_is_refused(small_db):
    _applied(small_db, csv_bytes(grid_rows(), GRID_HEADER), "grids")
    rows = building_rows()
    rows[0][3] = "50010500100109"                     # no such grid
    rows[1][3] = "50010500100101"                     # 江北's grid for a building in 南岸's community
    outcome = _refused(small_db, csv_bytes(rows, BUILDING_HEADER), "buildings")
    assert problems_of(outcome) == [(2, "网格编码", "unknown_reference"), (3, "网格编码", "code_not_nested")]


def test_buildings_into_a_database_built_before_the_table_are_refused_with_a_reason(small_db):
    con = duckdb.connect(str(small_db))
    con.execute("drop table buildings")
    con.close()
    outcome = _refused(small_db, csv_bytes(building_rows(), BUILDING_HEADER), "buildings")
    assert problems_of(outcome) == [(None, "", "table_missing")]
    assert outcome.problems["detail"].tolist() == ["buildings"]


# --- transport runs and passengers ---------------------------------------------------------------------

def run_rows():
    return [[9001, "江北区", "2022-08-05 10:00", "2022-08-05 10:45"], [9002, "南岸", "2022-08-05 11:00", ""]]


def _with_contact(db):
    header = ["密接编号", "姓名", "身份证号", "类别", "关联病例编号", "区县", "判定时间"]
    row = [7, "张三", id_card_with_check_digit("50010519900307001"), "密接", 1, "江北", "2022-08-05 07:00"]
    _applied(db, csv_bytes([row], header), "contacts")


def test_transport_runs_and_passengers_land_from_gbk_csv_and_xlsx(small_db):
    _with_contact(small_db)
    landed = _lands_twice(small_db, csv_bytes(run_rows(), RUN_HEADER, "gbk"), "转运车次.csv",
                          xlsx_bytes(run_rows(), RUN_HEADER), "转运车次.xlsx", "transport_runs", 2)
    assert landed.data_as_of == pd.Timestamp("2022-08-05 18:00")        # earlier than the data: unchanged
    stored = query(small_db, "select * from transport_runs order by transport_run_id")
    assert stored["district_code"].tolist() == ["500105", "500108"] and pd.isna(stored["arrived_at"].iloc[1])
    rows = [[9001, "病例", 1, ""], [9001, "密切接触者", "", 7], [9002, "密接", "", 7]]
    _lands_twice(small_db, csv_bytes(rows, PASSENGER_HEADER, "gbk"), "转运乘员.csv",
                 xlsx_bytes(rows, PASSENGER_HEADER), "转运乘员.xlsx", "transport_passengers", 3)
    # A file of case passengers alone (no contact column) matches the stored rows by the whole key.
    again = _applied(small_db, csv_bytes([[9001, "病例", 1]], PASSENGER_HEADER[:3]), "transport_passengers")
    assert (again.counts.inserted, again.counts.unchanged) == (0, 1)
    stored = query(small_db, "select * from transport_passengers order by transport_run_id, passenger_kind")
    assert stored["passenger_kind"].tolist() == ["case", "contact", "contact"]
    # Run 9001 carried a case and a contact: CON-SEPARATE counts it in 江北.
    con = connect_read(small_db)
    try:
        install_staging_views(con)
        mixed = run_metric(con, "CON-SEPARATE", as_of=pd.Timestamp("2022-08-05 18:00"))
    finally:
        con.close()
    jiangbei = mixed[mixed["district_code"] == "500105"].iloc[0]
    assert jiangbei["is_red"]


def test_a_run_arriving_before_it_left_is_refused(small_db):
    rows = run_rows()
    rows[0][3] = "2022-08-05 09:00"
    outcome = _refused(small_db, csv_bytes(rows, RUN_HEADER), "transport_runs")
    assert problems_of(outcome) == [(2, "到达时间", "order")]


def test_passengers_of_a_run_case_or_contact_not_held_are_refused(small_db):
    _applied(small_db, csv_bytes(run_rows(), RUN_HEADER), "transport_runs")
    rows = [[9009, "病例", 1, ""], [9001, "病例", 404, ""], [9001, "密接", "", 404]]
    outcome = _refused(small_db, csv_bytes(rows, PASSENGER_HEADER), "transport_passengers")
    assert problems_of(outcome) == [(2, "转运车次编号", "unknown_reference"), (3, "病例编号", "unknown_reference"),
                                    (4, "密接编号", "unknown_reference")]


def test_a_passenger_whose_kind_is_unknown_or_whose_id_does_not_match_it_is_refused(small_db):
    _with_contact(small_db)
    _applied(small_db, csv_bytes(run_rows(), RUN_HEADER), "transport_runs")
    rows = [[9001, "司机", "", ""], [9001, "病例", "", 7], [9001, "密接", 1, 7], [9001, "病例", 1, ""],
            [9001, "病例", 1, ""]]
    outcome = _refused(small_db, csv_bytes(rows, PASSENGER_HEADER), "transport_passengers")
    assert problems_of(outcome) == [(2, "人员类别", "not_allowed"), (3, "病例编号", "passenger_id_for_kind"),
                                    (4, "密接编号", "passenger_id_for_kind"), (6, "转运车次编号", "duplicate_key")]


@pytest.mark.parametrize("table", NEW_TABLES)
def test_each_new_table_is_found_by_its_chinese_name(table):
    assert specs.by_label(specs.table(table).zh) == table
