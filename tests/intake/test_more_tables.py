"""The tables made importable by issue 11 (item 1): testing rounds and their targets, risk-area
support reports, sampling sites, assist letters and arrivals. For each: a good file lands and a
second import of it changes nothing; a bad value and a reference to a record not held are
refused whole, the database as it was. A round loaded this way shows in the testing bulletin."""

import shutil

import duckdb
import pandas as pd

from sitrep.briefing.bulletin import build_bulletin
from sitrep.db import install_staging_views
from sitrep.intake.values import id_card_with_check_digit
from tests.intake.helpers import csv_bytes, file_digest, import_log, load, query, table_digest

ROUND_HEADER = ["轮次编号", "轮次名称", "检测范围", "启动时间", "完成时限"]
TARGET_HEADER = ["轮次编号", "区县", "乡镇街道编码", "风险等级", "混采比例", "应检人数"]
PROGRESS_HEADER = ["轮次编号", "区县", "报告时间", "已采样人数", "已检测人数", "已检测管数", "阳性管数"]


def problems_of(outcome) -> list[tuple]:
    return [(int(p.row) if not pd.isna(p.row) else None, p.column, p.reason) for p in outcome.problems.itertuples()]


def _lands_once(db, data: bytes, table: str, rows: int):
    first = load(db, data, table)
    assert first.status == "applied", first.problems
    assert (first.counts.inserted, first.counts.updated, first.counts.unchanged) == (rows, 0, 0)
    before = table_digest(db)
    again = load(db, data, table)
    assert again.status == "applied", again.problems
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, rows)
    assert table_digest(db) == before
    return first


def _refused(db, data: bytes, table: str):
    before, before_bytes = table_digest(db), file_digest(db)
    outcome = load(db, data, table, "bad.csv")
    assert outcome.status == "rejected"
    assert table_digest(db) == before and file_digest(db) == before_bytes
    log = import_log(db)
    assert log["status"].iloc[0] == "rejected" and log["table_name"].iloc[0] == table
    return outcome


# --- testing rounds and their targets ------------------------------------------------------------------

def round_rows():
    return [["R2", "南岸区第7轮全员核酸检测", "区县全域", "2022-08-05 08:00", ""],
            ["R3", "江北区重点区域核酸检测", "重点区域", "2022-08-05 09:00", "2022-08-05 21:00"]]


def target_rows():
    return [["R2", "南岸", "500108001", "低风险", "10混1", 35000],
            ["R2", "南岸区", "500108001", "高风险", "单采", 800],
            ["R3", "江北区", "500105001", "中风险", "1:5", 1200]]


def test_testing_rounds_and_targets_land_once(small_db):
    _lands_once(small_db, csv_bytes(round_rows(), ROUND_HEADER), "testing_rounds", 2)
    # A deadline lies ahead: it never moves the data's "as of" (the latest start, 09:00, is before 18:00).
    assert query(small_db, "select value from dataset_info where key = 'data_as_of'")["value"].iloc[0] == \
        "2022-08-05 18:00:00"
    rounds = query(small_db, "select * from testing_rounds where round_id in ('R2', 'R3') order by round_id")
    assert rounds["scope"].tolist() == ["districts", "areas"]
    assert pd.isna(rounds["deadline_at"].iloc[0])                            # empty: the setting decides
    assert rounds["deadline_at"].iloc[1] == pd.Timestamp("2022-08-05 21:00")
    _lands_once(small_db, csv_bytes(target_rows(), TARGET_HEADER), "testing_round_targets", 3)
    targets = query(small_db, "select * from testing_round_targets order by round_id, risk_level")
    assert targets[["district_code", "risk_level", "pool_size", "target_population"]].values.tolist() == [
        ["500108", "high", 1, 800], ["500108", "low", 10, 35000], ["500105", "medium", 5, 1200]]


def test_a_later_targets_file_updates_by_round_township_and_level(small_db):
    load(small_db, csv_bytes(round_rows(), ROUND_HEADER), "testing_rounds")
    load(small_db, csv_bytes(target_rows(), TARGET_HEADER), "testing_round_targets")
    late = load(small_db, csv_bytes([["R4", "全市第1轮", "全市", "2022-08-05 20:00", "2022-08-06 20:00"]],
                                    ROUND_HEADER), "testing_rounds")
    assert late.data_as_of == pd.Timestamp("2022-08-05 20:00")              # its start, not its deadline
    later = load(small_db, csv_bytes([["R2", "南岸", "500108001", "低", "1:10", 36000]], TARGET_HEADER),
                 "testing_round_targets")
    assert (later.counts.inserted, later.counts.updated, later.counts.unchanged) == (0, 1, 0)
    assert query(small_db, "select count(*) as n from testing_round_targets")["n"].iloc[0] == 3


def test_a_round_whose_deadline_is_not_after_its_start_is_refused(small_db):
    rows = round_rows()
    rows[1][4] = "2022-08-05 09:00"
    outcome = _refused(small_db, csv_bytes(rows, ROUND_HEADER), "testing_rounds")
    assert problems_of(outcome) == [(3, "完成时限", "order_strict")]


def test_a_round_scope_not_on_the_list_is_refused(small_db):
    rows = round_rows()
    rows[0][2] = "全省"
    outcome = _refused(small_db, csv_bytes(rows, ROUND_HEADER), "testing_rounds")
    assert problems_of(outcome) == [(2, "检测范围", "not_allowed")]


def test_targets_of_a_round_not_held_or_a_township_elsewhere_are_refused(small_db):
    rows = target_rows()                                                    # R2 and R3 not loaded yet
    outcome = _refused(small_db, csv_bytes(rows, TARGET_HEADER), "testing_round_targets")
    assert problems_of(outcome) == [(2, "轮次编号", "unknown_reference"), (3, "轮次编号", "unknown_reference"),
                                    (4, "轮次编号", "unknown_reference")]
    rows = [["R1", "江北", "500108001", "低风险", "10混1", 100], ["R1", "江北", "500105001", "低风险", "1:3", 100]]
    outcome = _refused(small_db, csv_bytes(rows, TARGET_HEADER), "testing_round_targets")
    assert problems_of(outcome) == [(2, "乡镇街道编码", "place_outside_district"), (3, "混采比例", "not_allowed")]


def test_a_round_loaded_through_intake_shows_in_the_testing_bulletin(demo_db_path, tmp_path):
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    rounds = [["RIMPORT-0805", "九龙坡区重点区域核酸检测", "重点区域", "2022-08-05 10:00", ""]]
    targets = [["RIMPORT-0805", "九龙坡区", "500107001", "低风险", "10混1", 40000],
               ["RIMPORT-0805", "九龙坡区", "500107002", "中风险", "5混1", 2000]]
    progress = [["RIMPORT-0805", "九龙坡", "2022-08-05 12:00", 12000, 8000, 1000, 0],
                ["RIMPORT-0805", "九龙坡", "2022-08-05 14:00", 30000, 24000, 2800, 0]]
    for rows, header, table in ((rounds, ROUND_HEADER, "testing_rounds"),
                                (targets, TARGET_HEADER, "testing_round_targets"),
                                (progress, PROGRESS_HEADER, "testing_progress_reports")):
        outcome = load(db, csv_bytes(rows, header), table)
        assert outcome.status == "applied", (table, outcome.problems)
    con = duckdb.connect(str(db), read_only=True)
    try:
        install_staging_views(con)
        bulletin = build_bulletin(con, pd.Timestamp("2022-08-05 15:00"))
        before_start = build_bulletin(con, pd.Timestamp("2022-08-05 09:00"))
    finally:
        con.close()
    assert bulletin["round_names_zh"]["RIMPORT-0805"] == "九龙坡区重点区域核酸检测"
    ours = [r for r in bulletin["rounds"] if r["round_id"] == "RIMPORT-0805"]
    district = [r for r in ours if r["district_code"] == "500107"]
    assert len(district) == 1, ours
    row = district[0]
    assert (row["denominator"], row["numerator"], row["people_tested"]) == (42000, 30000, 24000)  # target, sampled
    assert row["last_report_at"] == "2022-08-05T14:00:00"
    assert row["deadline_at"].startswith("2022-08-06T10:00")                 # no deadline given: start + 24 h
    assert "RIMPORT-0805" not in before_start["round_names_zh"]


# --- risk-area support reports -------------------------------------------------------------------------

AREA_HEADER = ["风险区编号", "区县", "乡镇街道编码", "风险区名称", "风险等级", "涉及人数", "划定时间"]
SUPPORT_HEADER = ["风险区编号", "报告时间", "在岗工作人员数", "生活物资可保障天数"]


def _with_area(db):
    outcome = load(db, csv_bytes([["H1", "江北", "500105001", "某小区3栋", "高风险", 1200, "2022-08-03 10:00"]],
                                 AREA_HEADER), "risk_areas")
    assert outcome.status == "applied", outcome.problems


def test_risk_area_support_reports_land_once(small_db):
    _with_area(small_db)
    rows = [["H1", "2022-08-04 08:30", 120, "15.5"], ["H1", "2022-08-05 08:40", 118, 14]]
    _lands_once(small_db, csv_bytes(rows, SUPPORT_HEADER), "risk_area_support_reports", 2)
    stored = query(small_db, "select * from risk_area_support_reports order by reported_at")
    assert stored["staff_on_duty"].tolist() == [120, 118] and stored["supply_days"].tolist() == [15.5, 14.0]


def test_support_reports_with_a_bad_count_or_an_unknown_area_are_refused(small_db):
    _with_area(small_db)
    rows = [["H1", "2022-08-04 08:30", -3, "15.5"], ["H9", "2022-08-05 08:40", 118, "十天"]]
    outcome = _refused(small_db, csv_bytes(rows, SUPPORT_HEADER), "risk_area_support_reports")
    assert problems_of(outcome) == [(2, "在岗工作人员数", "negative"), (3, "生活物资可保障天数", "not_a_number")]
    rows = [["H9", "2022-08-05 08:40", 118, 10]]
    outcome = _refused(small_db, csv_bytes(rows, SUPPORT_HEADER), "risk_area_support_reports")
    assert problems_of(outcome) == [(2, "风险区编号", "unknown_reference")]


# --- sampling sites ------------------------------------------------------------------------------------

SITE_HEADER = ["采样点编号", "区县", "社区编码", "启用时间", "撤除时间"]


def test_sampling_sites_land_once(small_db):
    rows = [["S1", "江北", "500105001001", "2022-04-01 08:00", ""],
            ["S2", "南岸区", "500108001001", "2022-04-01 08:00", "2022-08-01 18:00"]]
    _lands_once(small_db, csv_bytes(rows, SITE_HEADER), "sampling_sites", 2)
    stored = query(small_db, "select * from sampling_sites order by site_id")
    assert stored["district_code"].tolist() == ["500105", "500108"] and pd.isna(stored["closed_at"].iloc[0])


def test_a_site_closed_before_it_opened_or_in_another_district_is_refused(small_db):
    rows = [["S1", "江北", "500108001001", "2022-04-01 08:00", ""],
            ["S2", "南岸区", "500108001001", "2022-04-01 08:00", "2022-03-01 18:00"]]
    outcome = _refused(small_db, csv_bytes(rows, SITE_HEADER), "sampling_sites")
    assert problems_of(outcome) == [(2, "社区编码", "place_outside_district"), (3, "撤除时间", "order")]


# --- assist letters ------------------------------------------------------------------------------------

LETTER_HEADER = ["协查函编号", "关联病例编号", "发函区县", "协查去向", "协查地", "涉及风险人员数", "风险人员判定时间",
                 "发函时间"]


def test_assist_letters_land_once(small_db):
    rows = [[9001, 1, "江北", "市外", "四川省", 6, "2022-08-05 10:00", "2022-08-05 11:30"],
            [9002, 1, "江北区", "市内其他区县", "渝中区", 2, "2022-08-05 10:00", ""]]
    _lands_once(small_db, csv_bytes(rows, LETTER_HEADER), "assist_letters", 2)
    stored = query(small_db, "select * from assist_letters order by letter_id")
    assert stored["destination_kind"].tolist() == ["other_province", "other_district"]
    assert stored["from_district_code"].tolist() == ["500105", "500105"]


def test_a_letter_for_no_people_or_an_unknown_case_is_refused(small_db):
    rows = [[9001, 1, "江北", "市外", "四川省", 0, "2022-08-05 10:00", ""]]
    outcome = _refused(small_db, csv_bytes(rows, LETTER_HEADER), "assist_letters")
    assert problems_of(outcome) == [(2, "涉及风险人员数", "below_minimum")]
    rows = [[9001, 404, "江北", "市外", "四川省", 3, "2022-08-05 10:00", "2022-08-05 09:00"]]
    outcome = _refused(small_db, csv_bytes(rows, LETTER_HEADER), "assist_letters")
    assert problems_of(outcome) == [(2, "关联病例编号", "unknown_reference"), (2, "发函时间", "order")]


# --- arrivals ------------------------------------------------------------------------------------------

ARRIVAL_HEADER = ["来渝登记编号", "姓名", "身份证号", "区县", "社区编码", "来源类别", "抵渝时间", "建档时间", "旅居史天数"]
ID_C = id_card_with_check_digit("51010719920202003")


def test_arrivals_land_once_with_their_people(small_db):
    rows = [[9001, "赵六", ID_C, "江北", "500105001001", "国内重点地区", "2022-08-05 14:00", "2022-08-05 18:00", 14],
            [9002, "", "", "南岸", "", "境外", "2022-08-05 09:00", "2022-08-05 09:00", "28天"]]
    first = _lands_once(small_db, csv_bytes(rows, ARRIVAL_HEADER), "arrivals", 2)
    assert first.counts.persons_added == 1
    stored = query(small_db, "select a.*, p.full_name from arrivals a left join persons p using (person_id) "
                             "order by arrival_id")
    assert stored["origin_kind"].tolist() == ["key_area_domestic", "abroad"]
    assert stored["travel_history_days"].tolist() == [14, 28]
    assert stored["full_name"].iloc[0] == "赵六" and pd.isna(stored["person_id"].iloc[1])


def test_an_arrival_registered_before_arriving_or_with_a_bad_history_is_refused(small_db):
    rows = [[9001, "赵六", ID_C, "江北", "500105001001", "国内重点地区", "2022-08-05 14:00", "2022-08-05 13:00", 21]]
    outcome = _refused(small_db, csv_bytes(rows, ARRIVAL_HEADER), "arrivals")
    assert problems_of(outcome) == [(2, "旅居史天数", "not_allowed")]
    rows[0][8] = 14
    outcome = _refused(small_db, csv_bytes(rows, ARRIVAL_HEADER), "arrivals")
    assert problems_of(outcome) == [(2, "建档时间", "order")]


def test_an_arrival_naming_a_person_not_held_is_refused(small_db):
    header = ["来渝登记编号", "人员编号", "区县", "来源类别", "抵渝时间"]
    outcome = _refused(small_db, csv_bytes([[9001, 404, "江北", "境外", "2022-08-05 14:00"]], header), "arrivals")
    assert problems_of(outcome) == [(2, "人员编号", "unknown_person")]


# --- occupational testing and vaccination of residents aged 60+ (tables keyed by a day) -----------------

OCCUP_HEADER = ["区县", "行业", "风险类别", "检测日期", "应检人数", "实检人数"]


def test_occupational_testing_lands_once_by_district_occupation_and_day(small_db):
    rows = [["江北", "冷链", "高风险", "2022-08-05", 850, 850],
            ["江北", "公共交通从业人员", "较高风险", "2022/8/4", 1200, 1100],
            ["南岸", "冷链从业人员", "高风险", "2022年8月5日", 300, 290],
            ["南岸", "快递", "高风险", "2022-08-04 17:30", 500, 500]]                 # a time of day: the day kept
    _lands_once(small_db, csv_bytes(rows, OCCUP_HEADER), "occupational_testing", 4)
    stored = query(small_db, "select occupation, cast(test_date as varchar) as day from occupational_testing "
                             "order by district_code, test_date, occupation")
    assert stored["day"].tolist() == ["2022-08-04", "2022-08-05", "2022-08-04", "2022-08-05"]
    assert stored["occupation"].tolist() == ["public_transport", "cold_chain", "courier", "cold_chain"]
    later = load(small_db, csv_bytes([["江北", "冷链", "高风险", "2022-08-05 00:00", 850, 849]], OCCUP_HEADER),
                 "occupational_testing")
    assert (later.counts.inserted, later.counts.updated) == (0, 1)


def test_occupational_testing_with_an_unknown_occupation_or_a_bad_day_is_refused(small_db):
    rows = [["江北", "厨师", "高风险", "2022-08-05", 10, 10], ["江北", "冷链", "高风险", "2022-02-30", 10, 10],
            ["江北", "冷链", "高风险", "08/05/2022", 10, 10]]
    outcome = _refused(small_db, csv_bytes(rows, OCCUP_HEADER), "occupational_testing")
    assert problems_of(outcome) == [(2, "行业", "not_allowed"), (3, "检测日期", "no_such_date"),
                                    (4, "检测日期", "ambiguous_date")]


VAC_HEADER = ["区县", "统计日期", "60岁以上常住人口", "全程接种人数", "加强免疫人数"]


def test_vaccination_60plus_lands_once(small_db):
    rows = [["江北", "2022-08-01", 210000, 190000, 150000], ["南岸", "2022-08-01", "", 95000, 70000]]
    _lands_once(small_db, csv_bytes(rows, VAC_HEADER), "vaccination_60plus", 2)
    stored = query(small_db, "select * from vaccination_60plus order by district_code")
    assert stored["vaccinated_full"].tolist() == [190000, 95000] and pd.isna(stored["residents_60plus"].iloc[1])


def test_more_boosted_than_fully_vaccinated_or_an_unknown_district_is_refused(small_db):
    rows = [["江北", "2022-08-01", 210000, 190000, 200000], ["渝北", "2022-08-01", 1000, 900, 800]]
    outcome = _refused(small_db, csv_bytes(rows, VAC_HEADER), "vaccination_60plus")
    assert problems_of(outcome) == [(2, "全程接种人数", "order_count"), (3, "区县", "unknown_district")]


def test_a_whole_excel_serial_is_a_day(small_db):
    rows = [["江北", "冷链", "高风险", "44778", 850, 850]]
    outcome = load(small_db, csv_bytes(rows, OCCUP_HEADER), "occupational_testing")
    assert outcome.status == "applied", outcome.problems
    assert query(small_db, "select cast(test_date as varchar) as d from occupational_testing")["d"].tolist() == [
        "2022-08-05"]


# --- contact tests and case classification history ----------------------------------------------------

CONTACT_HEADER = ["密接编号", "姓名", "身份证号", "类别", "关联病例编号", "区县", "判定时间"]
TEST_HEADER = ["密接编号", "采样时间", "检测结果"]


def _with_contact(db):
    row = [9001, "张三", id_card_with_check_digit("50010519900307001"), "密接", 1, "江北", "2022-08-04 07:00"]
    outcome = load(db, csv_bytes([row], CONTACT_HEADER), "contacts")
    assert outcome.status == "applied", outcome.problems


def test_contact_tests_land_once(small_db):
    _with_contact(small_db)
    rows = [[9001, "2022-08-04 09:00", "阴性"], [9001, "2022-08-05 09:00", "待检"]]
    _lands_once(small_db, csv_bytes(rows, TEST_HEADER), "contact_tests", 2)
    later = load(small_db, csv_bytes([[9001, "2022-08-05 09:00", "阴性"]], TEST_HEADER), "contact_tests")
    assert (later.counts.inserted, later.counts.updated) == (0, 1)
    assert query(small_db, "select result from contact_tests order by sampled_at")["result"].tolist() == [
        "negative", "negative"]


def test_contact_tests_with_a_bad_result_or_an_unknown_contact_are_refused(small_db):
    _with_contact(small_db)
    outcome = _refused(small_db, csv_bytes([[9001, "2022-08-04 09:00", "弱阳"]], TEST_HEADER), "contact_tests")
    assert problems_of(outcome) == [(2, "检测结果", "not_allowed")]
    outcome = _refused(small_db, csv_bytes([[404, "2022-08-04 09:00", "阴性"]], TEST_HEADER), "contact_tests")
    assert problems_of(outcome) == [(2, "密接编号", "unknown_reference")]


CLASS_HEADER = ["病例编号", "分类", "分类时间"]


def test_case_classification_history_lands_once(small_db):
    rows = [[1, "无症状", "2022-08-01 12:00"], [1, "确诊", "2022-08-03 10:00"]]
    before = query(small_db, "select count(*) as n from case_classifications")["n"].iloc[0]
    first = load(small_db, csv_bytes(rows, CLASS_HEADER), "case_classifications")
    assert first.status == "applied", first.problems
    again = load(small_db, csv_bytes(rows, CLASS_HEADER), "case_classifications")
    assert (again.counts.inserted, again.counts.updated) == (0, 0)
    history = query(small_db, "select classification from case_classifications order by classified_at")
    assert history["classification"].tolist()[-1] == "confirmed" and len(history) == before + first.counts.inserted


def test_a_classification_of_an_unknown_case_or_class_is_refused(small_db):
    outcome = _refused(small_db, csv_bytes([[1, "阳性", "2022-08-03 10:00"]], CLASS_HEADER), "case_classifications")
    assert problems_of(outcome) == [(2, "分类", "not_allowed")]
    outcome = _refused(small_db, csv_bytes([[404, "确诊", "2022-08-03 10:00"]], CLASS_HEADER), "case_classifications")
    assert problems_of(outcome) == [(2, "病例编号", "unknown_reference")]


def test_an_empty_deadline_in_a_database_built_before_it_could_be_empty_is_a_required_cell(small_db):
    con = duckdb.connect(str(small_db))
    con.execute("alter table testing_rounds alter column deadline_at set not null")   # the schema before
    con.close()
    outcome = _refused(small_db, csv_bytes(round_rows(), ROUND_HEADER), "testing_rounds")
    assert problems_of(outcome) == [(2, "完成时限", "required_empty")]
