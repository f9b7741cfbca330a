"""Importing files: good ones land by natural key, bad ones are refused whole with a report
that names file, row, column, value and reason. The corpus of bad files is built here."""


import pandas as pd
import pytest

from sitrep.export import csv_bytes as export_csv
from sitrep.intake import specs, templates
from sitrep.intake.report import report_frame
from sitrep.intake.validate import Places, check
from sitrep.intake.files import read
from sitrep.intake.values import id_card_with_check_digit
from tests.intake.helpers import csv_bytes, file_digest, import_log, load, query, table_digest, xlsx_bytes

ID_A = id_card_with_check_digit("50010519900307001")     # a man born 1990-03-07
ID_B = id_card_with_check_digit("50010819851111002")     # a woman born 1985-11-11
CONTACT_HEADER = ["密接编号", "姓名", "身份证号", "手机号", "类别", "关联病例编号", "区县", "判定时间", "转运到隔离点时间"]


def contact_rows():
    return [
        [9001, "张三", ID_A, "13812345678", "密接", 1, "江北区", "2022-08-05 07:00", "2022-08-05 12:10"],
        [9002, "李四", ID_B, "", "密接", 1, "南岸", "2022/8/5 8:00", ""],
    ]


def problems_of(outcome) -> list[tuple]:
    return [(int(p.row) if not pd.isna(p.row) else None, p.column, p.reason) for p in outcome.problems.itertuples()]


# --- good files ----------------------------------------------------------------------------------------

def test_a_good_file_lands_with_its_people_and_its_log_row(small_db):
    outcome = load(small_db, csv_bytes(contact_rows(), CONTACT_HEADER), "contacts", "密接0805.csv")
    assert outcome.status == "applied", outcome.problems
    assert (outcome.counts.inserted, outcome.counts.updated, outcome.counts.unchanged) == (2, 0, 0)
    assert outcome.counts.persons_added == 2
    contacts = query(small_db, "select * from contacts order by contact_id")
    assert contacts["contact_id"].tolist() == [9001, 9002]
    assert contacts["district_code"].tolist() == ["500105", "500108"]       # a name, or a name without 区
    assert contacts["transferred_at"].iloc[0] == pd.Timestamp("2022-08-05 12:10")
    assert pd.isna(contacts["transferred_at"].iloc[1])
    people = query(small_db, "select * from persons where id_card_number in ($a, $b) order by person_id", a=ID_A, b=ID_B)
    assert people["sex"].tolist() == ["M", "F"] and people["birth_year"].tolist() == [1990, 1985]
    assert set(people["person_id"]) == set(contacts["person_id"])
    log = import_log(small_db)
    assert len(log) == 1
    row = log.iloc[0]
    assert (row.imported_by, row.via, row.file_name, row.table_name, row.status) == (
        "测试员", "cli", "密接0805.csv", "contacts", "applied")
    assert row.file_sha256 == outcome.sha256 and len(row.file_sha256) == 64
    assert (row.rows_in_file, row.rows_inserted, row.rows_updated, row.rows_rejected) == (2, 2, 0, 0)


def test_the_same_file_twice_changes_nothing_the_second_time(small_db):
    data = csv_bytes(contact_rows(), CONTACT_HEADER)
    load(small_db, data, "contacts")
    before = table_digest(small_db)
    again = load(small_db, data, "contacts")
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 2)
    after = table_digest(small_db)
    assert after == before
    assert len(import_log(small_db)) == 2


def test_an_overlapping_later_file_updates_by_key_and_never_duplicates(small_db):
    load(small_db, csv_bytes(contact_rows(), CONTACT_HEADER), "contacts")
    later = [
        [9002, "李四", ID_B, "13900001111", "密接", 1, "南岸", "2022/8/5 8:00", "2022-08-05 15:40"],  # now moved
        [9003, "王五", id_card_with_check_digit("50010520000101003"), "", "次密接", 1, "江北", "2022-08-05 09:00", ""],
    ]
    header = CONTACT_HEADER + ["关联密接编号"]
    outcome = load(small_db, csv_bytes([r + [9002] for r in later], header), "contacts")
    assert outcome.status == "applied", outcome.problems
    assert (outcome.counts.inserted, outcome.counts.updated, outcome.counts.unchanged) == (1, 1, 0)
    assert outcome.counts.persons_updated == 1                              # 李四's phone
    contacts = query(small_db, "select contact_id, transferred_at from contacts order by contact_id")
    assert contacts["contact_id"].tolist() == [9001, 9002, 9003]
    assert contacts["transferred_at"].iloc[1] == pd.Timestamp("2022-08-05 15:40")
    assert query(small_db, "select phone from persons where id_card_number = $b", b=ID_B)["phone"].iloc[0] == \
        "13900001111"


def test_a_column_the_file_does_not_carry_keeps_its_stored_value(small_db):
    load(small_db, csv_bytes(contact_rows(), CONTACT_HEADER), "contacts")
    narrow = ["密接编号", "身份证号", "类别", "关联病例编号", "区县", "判定时间", "首次联系时间"]
    outcome = load(small_db, csv_bytes([[9001, ID_A, "密接", 1, "江北", "2022-08-05 07:00", "2022-08-05 07:20"]],
                                       narrow), "contacts")
    assert outcome.counts.updated == 1
    row = query(small_db, "select * from contacts where contact_id = 9001").iloc[0]
    assert row.reached_at == pd.Timestamp("2022-08-05 07:20")
    assert row.transferred_at == pd.Timestamp("2022-08-05 12:10")          # not in the file: kept


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "xlsx"])
def test_every_encoding_excel_writes_gives_the_same_rows(small_db, encoding):
    rows, header = contact_rows(), CONTACT_HEADER
    if encoding == "xlsx":
        data = xlsx_bytes(rows, header)
    elif encoding == "utf-16":
        data = pd.DataFrame(rows, columns=header).to_csv(index=False, sep="\t").encode("utf-16")
    else:
        data = csv_bytes(rows, header, encoding)
    outcome = load(small_db, data, "contacts", f"contacts.{'xlsx' if encoding == 'xlsx' else 'csv'}")
    assert outcome.status == "applied", outcome.problems
    assert outcome.encoding == {"gbk": "gb18030"}.get(encoding, encoding)
    people = query(small_db, "select full_name from persons where id_card_number in ($a, $b) order by 1", a=ID_A, b=ID_B)
    assert people["full_name"].tolist() == sorted(["张三", "李四"])


def test_xlsx_date_cells_and_excel_serials_are_read_as_times(small_db):
    from datetime import datetime
    rows = [[9001, "张三", ID_A, "", "密接", 1, 500105, datetime(2022, 8, 5, 7, 0), 44778.50694444444]]
    outcome = load(small_db, xlsx_bytes(rows, CONTACT_HEADER), "contacts", "c.xlsx")
    assert outcome.status == "applied", outcome.problems
    row = query(small_db, "select identified_at, transferred_at from contacts").iloc[0]
    assert row.identified_at == pd.Timestamp("2022-08-05 07:00")
    assert row.transferred_at == pd.Timestamp("2022-08-05 12:10")


def test_shuffled_columns_and_english_headers_give_the_same_result(small_db, tmp_path):
    frame = pd.DataFrame(contact_rows(), columns=CONTACT_HEADER)
    english = {c.zh: c.name for c in specs.table("contacts").columns}
    shuffled = frame[list(reversed(CONTACT_HEADER))].rename(columns=english)
    outcome = load(small_db, shuffled.to_csv(index=False).encode(), "contacts")
    assert outcome.status == "applied", outcome.problems
    assert query(small_db, "select count(*) as n from contacts")["n"].iloc[0] == 2


def test_a_later_time_moves_the_data_as_of_forward(small_db):
    rows = [[9001, "张三", ID_A, "", "密接", 1, "江北", "2022-08-06 07:00", "2022-08-06 09:30"]]
    outcome = load(small_db, csv_bytes(rows, CONTACT_HEADER), "contacts")
    assert outcome.data_as_of == pd.Timestamp("2022-08-06 09:30")
    info = query(small_db, "select value from dataset_info where key = 'data_as_of'")
    assert info["value"].iloc[0] == "2022-08-06 09:30:00"


def test_a_reclassification_keeps_the_old_class_in_force_until_it_happened(small_db):
    header = ["病例编号", "人员编号", "分类", "分类时间", "区县", "来源", "发现途径", "采样时间", "复核确认时间", "转归"]
    row = [1, 1, "确诊", "", "江北", "本土", "社会面", "2022-08-01 08:00", "2022-08-01 12:00", "在院"]
    refused = load(small_db, csv_bytes([row], header), "cases")
    assert problems_of(refused) == [(2, "分类时间", "classified_at_needed")]
    row[3] = "2022-08-03 10:00"
    outcome = load(small_db, csv_bytes([row], header), "cases")
    assert outcome.status == "applied", outcome.problems
    history = query(small_db, "select classification, classified_at from case_classifications order by classified_at")
    assert history.values.tolist() == [["asymptomatic", pd.Timestamp("2022-08-01 12:00")],
                                       ["confirmed", pd.Timestamp("2022-08-03 10:00")]]


def test_a_100k_row_file_lands_and_lands_once(small_db, tmp_path):
    rows = 100_000
    frame = pd.DataFrame({"采样编号": range(1, rows + 1), "样本管编号": 1, "采样时间": "2022-08-05 07:00"})
    data = frame.to_csv(index=False).encode("utf-8-sig")
    outcome = load(small_db, data, "testing_samples")
    assert outcome.status == "applied" and outcome.counts.inserted == rows
    again = load(small_db, data, "testing_samples")
    assert again.counts.unchanged == rows and again.counts.inserted == 0
    assert query(small_db, "select count(*) as n, count(distinct sample_id) as d from testing_samples").values.tolist() \
        == [[rows, rows]]


def test_formula_cells_are_stored_as_text_and_neutralised_on_the_way_out(small_db):
    header = ["隔离点编号", "区县", "隔离点名称", "类型", "规划房间数", "评估合格时间"]
    rows = [["F9", "江北", "=HYPERLINK(\"http://x\",\"点我\")", "酒店", 10, "2022-08-05 10:00"]]
    outcome = load(small_db, csv_bytes(rows, header), "facilities")
    assert outcome.status == "applied", outcome.problems
    stored = query(small_db, "select name_zh from facilities where facility_id = 'F9'")
    assert stored["name_zh"].iloc[0] == rows[0][2]                         # the data, as delivered
    assert b"'=HYPERLINK" in export_csv(stored)                             # the CSV does not run it


def test_templates_sample_rows_pass_the_file_checks(small_db):
    import duckdb

    con = duckdb.connect(str(small_db), read_only=True)
    places = Places.load(con)
    con.close()
    for spec in specs.TABLES.values():
        for name, data in ((f"{spec.name}.csv", templates.template_csv(spec)),
                           (f"{spec.name}.xlsx", templates.template_xlsx(spec))):
            raw = read(data, name)
            checked = check(raw, spec, places)
            # Samples name 江北 places; only the 5001051xx codes of the demo map may be unknown here.
            reasons = set(checked.problems["reason"]) - {"unknown_township", "unknown_community"}
            assert not reasons, (name, checked.problems)
            assert raw.headers == [c.zh for c in spec.columns]


# --- the corpus of bad files ---------------------------------------------------------------------------

def _refused(small_db, data: bytes, table="contacts", name="bad.csv", **kw):
    before, before_bytes = table_digest(small_db), file_digest(small_db)
    outcome = load(small_db, data, table, name, **kw)
    assert outcome.status == "rejected"
    # Nothing written but the log row of the refusal, in the operational store.
    assert table_digest(small_db) == before and file_digest(small_db) == before_bytes
    log = import_log(small_db)
    assert log["status"].iloc[0] == "rejected" and log["problems"].iloc[0] == len(outcome.problems)
    return outcome


def test_wrong_encoding_is_refused_with_the_byte_it_fails_at(small_db):
    data = csv_bytes(contact_rows(), CONTACT_HEADER)[:40] + b"\xff\xfe\xff" + b"\n"
    outcome = _refused(small_db, b"abc," + data[3:], name="broken.csv")
    assert problems_of(outcome)[0][2] == "bad_encoding"


def test_big5_reads_as_nonsense_headers_and_is_refused_as_a_file_without_a_header(small_db):
    data = pd.DataFrame(contact_rows(), columns=CONTACT_HEADER).to_csv(index=False).encode("big5", errors="replace")
    outcome = _refused(small_db, data)
    # Not one header is recognisable: one reason for the file, no cell echoed.
    assert problems_of(outcome) == [(1, "", "no_header")]


def test_missing_required_column(small_db):
    header = [h for h in CONTACT_HEADER if h != "判定时间"]
    rows = [[c for h, c in zip(CONTACT_HEADER, r) if h != "判定时间"] for r in contact_rows()]
    outcome = _refused(small_db, csv_bytes(rows, header))
    assert problems_of(outcome) == [(1, "判定时间", "missing_column")]


def test_extra_column_is_refused_with_a_suggestion_unless_told_to_skip_it(small_db):
    header = CONTACT_HEADER + ["转运道隔离点时间"]                      # a typo of 转运到隔离点时间
    rows = [r + ["x"] for r in contact_rows()]
    header[-2] = "备注"
    outcome = _refused(small_db, csv_bytes(rows, header))
    reasons = {(p.column, p.reason, p.detail) for p in outcome.problems.itertuples()}
    assert ("转运道隔离点时间", "unknown_column", "转运到隔离点时间") in reasons
    report = report_frame(outcome.problems, "bad.csv", specs.table("contacts"))
    assert "是否应为“转运到隔离点时间”" in " ".join(report["原因"])
    skipped = load(small_db, csv_bytes(rows, header), "contacts", ignore_extra=True)
    assert skipped.status == "applied" and set(skipped.ignored_headers) == {"备注", "转运道隔离点时间"}


def test_bad_and_ambiguous_dates_name_row_column_and_value(small_db):
    rows = contact_rows()
    rows[0][7] = "08/05/2022 07:00"
    rows[1][7] = "2022-08-05"
    outcome = _refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert problems_of(outcome) == [(2, "判定时间", "ambiguous_date"), (3, "判定时间", "time_missing")]
    report = report_frame(outcome.problems, "bad.csv", specs.table("contacts"))
    first = report.iloc[0]
    assert (first["文件 file"], first["行 row"], first["列 column"], first["值 value"]) == (
        "bad.csv", 2, "判定时间", "08/05/2022 07:00")
    assert "年-月-日" in first["原因"] and "year first" in first["reason"]


def test_time_order_is_checked_on_the_row_as_it_will_stand(small_db):
    rows = contact_rows()
    rows[0][8] = "2022-08-05 06:59"                                         # moved before identified
    outcome = _refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert problems_of(outcome) == [(2, "转运到隔离点时间", "order")]
    # A file without the earlier time is checked against the stored one.
    tube = ["样本管编号", "轮次编号", "区县", "乡镇街道编码", "社区编码", "混采比例", "管内人数", "采样时间", "接收时间", "结果"]
    load(small_db, csv_bytes([[7, "R1", "江北", "500105001", "500105001001", "10", 10, "2022-08-05 07:00",
                               "2022-08-05 09:00", "待检"]], tube), "testing_tubes")
    later = tube[:-2] + ["出结果时间", "结果"]
    outcome = _refused(small_db, csv_bytes([[7, "R1", "江北", "500105001", "500105001001", "1:10", 10,
                                             "2022-08-05 07:00", "2022-08-05 08:30", "阴性"]], later),
                       "testing_tubes")
    assert problems_of(outcome) == [(2, "出结果时间", "order")]


def test_unknown_places_and_places_outside_their_district(small_db):
    rows = contact_rows()
    rows[0][6] = "渝北"                                                     # not in this database
    header = CONTACT_HEADER + ["乡镇街道编码"]
    rows = [rows[0] + [""], rows[1] + ["500105001"]]                        # 南岸 with a 江北 township
    outcome = _refused(small_db, csv_bytes(rows, header))
    assert problems_of(outcome) == [(2, "区县", "unknown_district"), (3, "乡镇街道编码", "place_outside_district")]


def test_negative_counts_and_counts_that_contradict_each_other(small_db):
    header = ["轮次编号", "区县", "报告时间", "已采样人数", "已检测人数", "已检测管数", "阳性管数"]
    rows = [["R1", "江北", "2022-08-05 10:00", 1000, 800, 80, -1],
            ["R1", "南岸", "2022-08-05 10:00", 500, 600, 60, 0]]
    outcome = _refused(small_db, csv_bytes(rows, header), "testing_progress_reports")
    assert problems_of(outcome) == [(2, "阳性管数", "negative"), (3, "已采样人数", "order_count")]


def test_duplicate_keys_inside_the_file_point_at_the_first_row(small_db):
    rows = contact_rows() + [contact_rows()[0]]
    outcome = _refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert problems_of(outcome) == [(4, "密接编号", "duplicate_key")]
    assert outcome.problems["detail"].iloc[0] == "2"


def test_an_empty_file_and_a_file_of_only_headers(small_db):
    assert problems_of(_refused(small_db, b"")) == [(None, "", "empty_file")]
    assert problems_of(_refused(small_db, "\ufeff".encode() + ",".join(CONTACT_HEADER).encode() + b"\r\n")) == [
        (1, "", "no_rows")]


def test_id_card_phone_and_missing_person_are_reported_with_masked_values(small_db):
    rows = contact_rows()
    rows[0][2] = ID_A[:-1] + "1"
    rows[0][3] = "1381234567"
    rows[1][2] = ""
    outcome = _refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert problems_of(outcome) == [(2, "手机号", "phone_format"), (2, "身份证号", "id_card_check_digit"),
                                    (3, "身份证号", "person_missing")]
    report = report_frame(outcome.problems, "bad.csv", specs.table("contacts"))
    shown = " ".join(report["值 value"].dropna())
    assert ID_A[:-1] not in shown and "1381234567" not in shown            # personal values never echoed whole
    assert "500105********0011"[:6] in shown


def test_one_id_card_with_two_names_in_a_file_is_refused(small_db):
    rows = contact_rows()
    rows[1][1], rows[1][2] = "张叁", ID_A                                  # 张三's number, another name
    outcome = _refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert problems_of(outcome) == [(3, "姓名", "person_name_conflict")]
    assert outcome.problems["detail"].iloc[0] == "2"


def test_an_id_card_typed_as_a_number_in_excel_is_refused_with_the_reason(small_db):
    rows = contact_rows()
    rows[0][2] = 500105199003070016                                         # a number cell: digits lost
    outcome = _refused(small_db, xlsx_bytes(rows, CONTACT_HEADER), name="c.xlsx")
    assert problems_of(outcome) == [(2, "身份证号", "id_card_excel_number")]


def test_references_to_records_not_held_are_refused(small_db):
    header = ["入住记录编号", "房间编号", "人员编号", "人员类别", "入住时间"]
    outcome = _refused(small_db, csv_bytes([[1, "F9-1", 1, "密接", "2022-08-05 12:00"]], header), "room_stays")
    assert problems_of(outcome) == [(2, "房间编号", "unknown_reference")]


def test_file_and_database_problems_come_in_one_report(small_db):
    rows = contact_rows()
    rows[0][7] = "bad"
    rows[1][5] = 404                                                        # no such case
    outcome = _refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert problems_of(outcome) == [(2, "判定时间", "bad_datetime"), (3, "关联病例编号", "unknown_reference")]


def test_a_rejected_file_counts_its_bad_rows(small_db):
    rows = contact_rows() * 1
    rows[1][7] = "bad"
    outcome = _refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert (outcome.rows_in_file, outcome.rows_rejected) == (2, 1)
