"""Files as real exports and Excel mishaps produce them: every one is refused with a report (or
one file-level reason) and leaves the database as it was; none raises. Each broken file is built
here. Then the cases where a value used to be changed silently, and the check and the import
agreeing on them."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pandas as pd
import pytest

from sitrep.intake import specs
from sitrep.intake.report import report_frame
from sitrep.intake.run import check_file
from sitrep.intake.values import id_card_with_check_digit
from tests.intake.helpers import csv_bytes, load, query, table_digest, xlsx_bytes

ID_A = id_card_with_check_digit("50010519900307001")
ID_B = id_card_with_check_digit("50010819851111002")
CONTACT_HEADER = ["密接编号", "姓名", "身份证号", "手机号", "类别", "关联病例编号", "区县", "判定时间", "转运到隔离点时间"]
SAMPLE_HEADER = ["采样编号", "样本管编号", "采样时间"]
PROGRESS_HEADER = ["轮次编号", "区县", "报告时间", "已采样人数", "已检测人数", "已检测管数", "阳性管数"]


def contact_rows():
    return [
        [9001, "张三", ID_A, "13812345678", "密接", 1, "江北区", "2022-08-05 07:00", "2022-08-05 12:10"],
        [9002, "李四", ID_B, "", "密接", 1, "南岸", "2022/8/5 8:00", ""],
    ]


def problems_of(outcome) -> list[tuple]:
    return [(int(p.row) if not pd.isna(p.row) else None, p.column, p.reason, "" if pd.isna(p.detail) else str(p.detail))
            for p in outcome.problems.itertuples()]


def _check(db, data: bytes, table: str, name: str):
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return check_file(con, data, name, table)[0]
    finally:
        con.close()


def refused(db, data: bytes, table: str = "contacts", name: str = "bad.csv"):
    """Checked and imported: both refuse, the database keeps every row, only a log row is added."""
    checked = _check(db, data, table, name)
    assert checked.status == "rejected"
    before = table_digest(db)
    outcome = load(db, data, table, name)
    assert outcome.status == "rejected"
    after = table_digest(db)
    assert {k: v for k, v in after.items() if k != "import_log"} == {k: v for k, v in before.items() if k != "import_log"}
    assert problems_of(outcome) == problems_of(checked)
    report = report_frame(outcome.problems, name, specs.table(table))
    assert len(report) == len(outcome.problems) and report["原因"].str.len().gt(0).all()
    assert report["reason"].str.len().gt(0).all()
    assert not report["原因"].str.contains("intake_reason_").any()
    return outcome


def _utf16(rows, header) -> bytes:
    return pd.DataFrame(rows, columns=header).to_csv(index=False, sep="\t").encode("utf-16")


def _zip_replace(data: bytes, member: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == member else source.read(item.filename))
    return out.getvalue()


# --- the corpus: every kind of broken file ------------------------------------------------------------

def test_a_utf16_file_cut_short_is_refused_at_the_byte_it_breaks(small_db):
    whole = _utf16(contact_rows(), CONTACT_HEADER)
    cut = whole[:len(whole) - 3]                         # an odd number of bytes: half a character
    outcome = refused(small_db, cut)
    assert problems_of(outcome) == [(None, "", "bad_encoding", str(len(cut) - 1))]


def test_a_utf8_bom_followed_by_gbk_bytes_is_refused_not_guessed(small_db):
    data = b"\xef\xbb\xbf" + csv_bytes(contact_rows(), CONTACT_HEADER, "gbk")
    outcome = refused(small_db, data)
    assert problems_of(outcome) == [(None, "", "bad_encoding", "3")]      # the first GBK byte, after the BOM


def test_an_xlsx_whose_sheet_xml_is_damaged_names_the_sheet(small_db):
    good = xlsx_bytes(contact_rows(), CONTACT_HEADER)
    with zipfile.ZipFile(io.BytesIO(good)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    data = _zip_replace(good, "xl/worksheets/sheet1.xml", sheet[:len(sheet) // 2])       # cut mid-element
    outcome = refused(small_db, data, name="c.xlsx")
    assert problems_of(outcome) == [(None, "", "bad_sheet", "Sheet")]
    report = report_frame(outcome.problems, "c.xlsx", specs.table("contacts"))
    assert "“Sheet”" in report["原因"].iloc[0] and "/" not in report["reason"].iloc[0]


def test_an_empty_zip_is_not_a_workbook(small_db):
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    assert problems_of(refused(small_db, empty.getvalue(), name="c.xlsx")) == [(None, "", "bad_xlsx", "")]
    assert problems_of(refused(small_db, empty.getvalue(), name="c.csv")) == [(None, "", "bad_xlsx", "")]


def test_a_binary_file_and_an_old_xls_are_refused_as_what_they_are(small_db):
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    assert problems_of(refused(small_db, png, name="photo.csv")) == [(None, "", "not_text", "")]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert problems_of(refused(small_db, ole, name="old.xls")) == [(None, "", "old_xls", "")]


def test_an_html_page_saved_as_xls_is_refused_without_echoing_it(small_db):
    page = ("<html><head><meta charset='utf-8'></head><body><table><tr><td>姓名</td><td>身份证号</td></tr>"
            f"<tr><td>张三</td><td>{ID_A}</td></tr></table></body></html>").encode()
    outcome = refused(small_db, page, name="导出.xls")
    assert problems_of(outcome) == [(None, "", "html_file", "")]


def test_a_file_without_its_header_row_echoes_no_cell(small_db):
    data = pd.DataFrame(contact_rows()).to_csv(index=False, header=False).encode()
    outcome = refused(small_db, data)
    assert problems_of(outcome) == [(1, "", "no_header", "9")]
    report = report_frame(outcome.problems, "bad.csv", specs.table("contacts"))
    assert report["值 value"].isna().all()
    text = report.to_csv()
    assert "张三" not in text and ID_A not in text and "13812345678" not in text


def test_a_csv_with_a_row_too_wide_or_a_quote_never_closed_names_the_line(small_db):
    good = csv_bytes(contact_rows(), CONTACT_HEADER).decode()
    lines = good.splitlines()
    wide = "\n".join(lines[:2] + [lines[2] + ",多出来"]) + "\n"
    assert problems_of(refused(small_db, wide.encode())) == [(None, "", "bad_csv_fields", "3")]
    unclosed = "\n".join(lines[:2] + ['9003,"王五,' + lines[2].split(",", 2)[2]]) + "\n"
    assert problems_of(refused(small_db, unclosed.encode())) == [(None, "", "bad_csv_quote", "3")]


def test_a_20_digit_barcode_is_too_large_not_a_traceback(small_db):
    rows = [["12345678901234567890", 1, "2022-08-05 07:00"], [7, 1, "2022-08-05 07:00"]]
    outcome = refused(small_db, csv_bytes(rows, SAMPLE_HEADER), "testing_samples")
    assert problems_of(outcome) == [(2, "采样编号", "too_large", "")]
    assert outcome.problems["value"].iloc[0] == "12345678901234567890"


def test_a_count_past_2_to_the_63_is_too_large(small_db):
    rows = [["R1", "江北", "2022-08-05 10:00", str(2**63), 0, 0, 0],
            ["R1", "南岸", "2022-08-05 10:00", str(2**64 + 1), 0, 0, 0]]
    outcome = refused(small_db, csv_bytes(rows, PROGRESS_HEADER), "testing_progress_reports")
    assert problems_of(outcome) == [(2, "已采样人数", "too_large", ""), (3, "已采样人数", "too_large", "")]


def test_a_formula_cell_without_a_cached_value_is_refused_with_its_address(small_db):
    rows = contact_rows()
    rows[1][0] = "=A2+1"                    # openpyxl, like many tools, saves no cached result
    rows[0][8] = "=H2+0.2"                  # an optional column: would have been stored as NULL
    outcome = refused(small_db, xlsx_bytes(rows, CONTACT_HEADER), name="c.xlsx")
    assert problems_of(outcome) == [(2, "转运到隔离点时间", "formula_no_value", "I2"),
                                    (3, "密接编号", "formula_no_value", "A3")]
    report = report_frame(outcome.problems, "c.xlsx", specs.table("contacts"))
    assert "A3" in report["原因"].iloc[1] and "A3" in report["reason"].iloc[1]


def test_a_hidden_first_sheet_is_skipped_and_the_sheet_read_is_named(small_db):
    from openpyxl import Workbook

    book = Workbook()
    hidden = book.active
    hidden.title = "旧数据"
    hidden.append(CONTACT_HEADER)
    hidden.append([8001, "王五", id_card_with_check_digit("50010520000101003"), "", "密接", 1, "江北", "2022-08-01 07:00", ""])
    hidden.sheet_state = "hidden"
    visible = book.create_sheet("数据")
    visible.append(CONTACT_HEADER)
    for row in contact_rows():
        visible.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = load(small_db, buffer.getvalue(), "contacts", "c.xlsx")
    assert outcome.status == "applied", outcome.problems
    assert outcome.encoding == "xlsx, sheet “数据”"
    assert query(small_db, "select contact_id from contacts order by 1")["contact_id"].tolist() == [9001, 9002]


# --- nothing coerced silently ---------------------------------------------------------------------

def test_full_width_digits_are_folded_and_the_check_and_the_import_agree(small_db):
    rows = contact_rows()
    rows[0][0] = "９００１"                                   # key
    rows[0][5] = "１"                                         # reference
    rows[0][7] = "２０２２－０８－０５　０７：００"                # date-time with full-width punctuation
    rows[0][3] = "１３８１２３４５６７８"                       # phone
    rows[1][2] = ID_B[:-1] + {"X": "Ｘ"}.get(ID_B[-1], chr(ord(ID_B[-1]) + 0xFEE0))
    data = csv_bytes(rows, CONTACT_HEADER)
    assert _check(small_db, data, "contacts", "c.csv").status == "valid"
    outcome = load(small_db, data, "contacts", "c.csv")
    assert outcome.status == "applied", outcome.problems
    stored = query(small_db, "select contact_id, index_case_id, identified_at from contacts order by 1")
    assert stored.values.tolist() == [[9001, 1, pd.Timestamp("2022-08-05 07:00")],
                                      [9002, 1, pd.Timestamp("2022-08-05 08:00")]]
    people = query(small_db, "select id_card_number, phone from persons where id_card_number in ($a, $b) order by 1",
                   a=ID_A, b=ID_B)
    assert sorted(people["id_card_number"]) == sorted([ID_A, ID_B])
    assert "13812345678" in people["phone"].tolist()


def test_a_full_width_count_is_folded_and_other_digits_are_refused_never_emptied(small_db):
    rows = [["R1", "江北", "2022-08-05 10:00", "１，０００", "８００", "８０", "０"],
            ["R1", "南岸", "2022-08-05 10:00", "٥٠٠", 400, 40, 0]]             # Arabic-Indic digits: no NFKC fold
    outcome = refused(small_db, csv_bytes(rows, PROGRESS_HEADER), "testing_progress_reports")
    assert problems_of(outcome) == [(3, "已采样人数", "not_a_number", "")]
    rows = rows[:1]
    outcome = load(small_db, csv_bytes(rows, PROGRESS_HEADER), "testing_progress_reports")
    assert outcome.status == "applied", outcome.problems
    stored = query(small_db, "select people_sampled, people_tested, tubes_tested, positive_tubes "
                             "from testing_progress_reports")
    assert stored.values.tolist() == [[1000, 800, 80, 0]]


def test_a_time_cut_short_is_refused_not_read_as_another_time(small_db):
    rows = contact_rows()
    rows[0][7] = "2022-08-05 08:4"
    rows[1][7] = "2022/8/5 8:00:5"
    outcome = refused(small_db, csv_bytes(rows, CONTACT_HEADER))
    assert problems_of(outcome) == [(2, "判定时间", "bad_datetime", ""), (3, "判定时间", "bad_datetime", "")]


def test_date_only_excel_cells_and_whole_serials_are_refused_where_a_time_is_needed(small_db):
    from openpyxl import Workbook

    rows = contact_rows()
    book = Workbook()
    sheet = book.active
    sheet.append(CONTACT_HEADER)
    for row in rows:
        sheet.append(row)
    sheet["H2"] = datetime(2022, 8, 5)
    sheet["H2"].number_format = "yyyy-mm-dd"                 # a date cell: shows no time
    sheet["H3"] = 44778                                      # a whole serial: 2022-08-05, no time
    sheet["I2"] = datetime(2022, 8, 5, 12, 10)
    sheet["I2"].number_format = "yyyy-mm-dd hh:mm"           # a date-time cell: fine
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = refused(small_db, buffer.getvalue(), name="c.xlsx")
    assert problems_of(outcome) == [(2, "判定时间", "time_missing", ""), (3, "判定时间", "time_missing", "")]
    assert outcome.problems["value"].tolist() == ["2022-08-05", "44778"]


def test_spaced_and_full_width_headers_are_the_columns_they_spell(small_db):
    header = ["密接编号", "姓  名", "身 份 证 号", "手机号", "类别", "关联病例编号", "区县", "判定时间", "转运到隔离点时间"]
    header[3] = "ＰＨＯＮＥ"
    outcome = load(small_db, csv_bytes(contact_rows(), header), "contacts")
    assert outcome.status == "applied", outcome.problems
    assert query(small_db, "select count(*) as n from contacts")["n"].iloc[0] == 2


@pytest.mark.parametrize("table, header, row", [
    ("testing_samples", SAMPLE_HEADER, ["ｓ１", 1, "2022-08-05 07:00"]),
    ("testing_samples", SAMPLE_HEADER, [7, 1, "2022-08-05 07:00:5"]),
])
def test_a_value_that_parses_only_in_part_is_refused(small_db, table, header, row):
    outcome = refused(small_db, csv_bytes([row], header), table)
    assert len(outcome.problems) == 1 and outcome.problems["reason"].iloc[0] in ("not_a_number", "bad_datetime")


def test_a_count_the_database_column_cannot_hold_is_too_large_before_the_write(small_db):
    # positive_tubes is an INTEGER (32-bit) column, people_sampled a BIGINT one.
    rows = [["R1", "江北", "2022-08-05 10:00", 5_000_000_000, 5_000_000_000, 5_000_000_000, 3_000_000_000]]
    outcome = refused(small_db, csv_bytes(rows, PROGRESS_HEADER), "testing_progress_reports")
    assert problems_of(outcome) == [(2, "阳性管数", "too_large", "")]
