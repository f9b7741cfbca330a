"""Personal data never leaves unmasked: names, ID-card numbers and phones planted in every place a
problem report can echo (values, headers, unknown columns, file-level reasons, the file name)
are found in none of the report frame, its CSV and the CLI output."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from sitrep.export import csv_bytes as export_csv
from sitrep.intake import specs
from sitrep.intake.report import report_frame, report_text
from sitrep.intake.values import id_card_with_check_digit
from sitrep.personal import mask_text, mask_value, normal_header, personal_column_of
from tests.intake.helpers import cli, csv_bytes, load

NAME = "欧阳娜娜"
ID_GOOD = id_card_with_check_digit("50010519900307001")
ID_BAD_CHECK = ID_GOOD[:-1] + ("1" if ID_GOOD[-1] != "1" else "2")
ID_ELSEWHERE = id_card_with_check_digit("50010819851111002")
ID_IN_HEADER = id_card_with_check_digit("50010520000101003")
MOBILE = "13987654321"
MOBILE_SHORT = "1398765432"                 # one digit short: a bad phone, still a person's number
MOBILE_ELSEWHERE = "15011112222"
MOBILE_IN_HEADER = "18633334444"
LANDLINE = "023-68881234"
PLANTED = [NAME, ID_GOOD, ID_BAD_CHECK, ID_ELSEWHERE, ID_IN_HEADER, MOBILE, MOBILE_SHORT, MOBILE_ELSEWHERE,
           MOBILE_IN_HEADER, LANDLINE, "68881234", ID_GOOD[6:14] + ID_GOOD[14:]]


def _leaks(text: str) -> list[str]:
    return [p for p in PLANTED if p in text]


def _everywhere(outcome, name: str, table: str = "contacts") -> list[str]:
    """What leaks into the report frame, its CSV and the terminal text."""
    frame = report_frame(outcome.problems, name, specs.table(table))
    shown = frame.astype(str).to_csv() + export_csv(frame).decode("utf-8-sig") + report_text(frame)
    return _leaks(shown)


HEADER = ["密接编号", "姓  名", "身 份 证 号", "手 机 号", "类别", "关联病例编号", "区县", "判定时间", "人员编号"]
EXTRA = [ID_IN_HEADER, MOBILE_IN_HEADER, f"备注{MOBILE_IN_HEADER}"]      # unknown columns named by personal data


def planted_file(extra: bool = False) -> bytes:
    rows = [
        # a name too long for the column (a name column's value), an ID with a wrong check digit,
        # a phone one digit short, an ID-card number inside 人员编号, a landline in 区县
        [9001, NAME * 60, ID_BAD_CHECK, MOBILE_SHORT, "密接", 1, LANDLINE, "2022-08-05 07:00", f"{ID_ELSEWHERE}号"],
        # a mobile where a district goes, a name where a type goes, a phone where a time goes
        [9002, NAME, ID_GOOD, MOBILE, NAME, 1, MOBILE_ELSEWHERE, f"{MOBILE} 07:00", ""],
    ]
    if extra:
        return csv_bytes([r + [NAME, MOBILE, ID_GOOD] for r in rows], HEADER + EXTRA)
    return csv_bytes(rows, HEADER)


def test_unknown_columns_named_by_personal_data_are_masked(small_db):
    outcome = load(small_db, planted_file(extra=True), "contacts")
    assert [(int(p.row), p.reason) for p in outcome.problems.itertuples()] == [(1, "unknown_column")] * 3
    assert _everywhere(outcome, "c.csv") == []
    skipped = load(small_db, planted_file(extra=True), "contacts", ignore_extra=True)
    assert len(skipped.ignored_headers) == 3 and _leaks(" ".join(skipped.ignored_headers)) == []


def test_values_are_masked_in_frame_csv_and_text(small_db):
    outcome = load(small_db, planted_file(), "contacts", f"{MOBILE}.csv")
    assert outcome.status == "rejected"
    reasons = {(int(p.row), p.reason) for p in outcome.problems.itertuples()}
    # The planted cells were all reported (so there was something to leak) ...
    assert {(2, "too_long"), (2, "id_card_check_digit"), (2, "phone_format"), (2, "not_a_number"),
            (2, "unknown_district"), (3, "unknown_district"), (3, "bad_datetime"), (3, "not_allowed")} <= reasons
    # ... and not one of them is shown whole, except the name where it stands outside a name
    # column (类别 = 欧阳娜娜): a name is recognised by its column, not by its look.
    leaks = _everywhere(outcome, f"{MOBILE}.csv")
    assert leaks == [NAME]
    frame = report_frame(outcome.problems, f"{MOBILE}.csv", specs.table("contacts"))
    name_rows = frame[frame["值 value"].fillna("").str.contains(NAME)]
    assert name_rows["列 column"].tolist() == ["类别"]
    # Masks keep enough to find the row: the first digits of a number, the family name's first character.
    assert "500105" in " ".join(frame["值 value"].dropna()) and "欧*" in " ".join(frame["值 value"].dropna())
    assert frame["文件 file"].iloc[0] == "139****4321.csv"


def test_a_file_without_a_header_row_echoes_nothing_personal(small_db):
    rows = [[9001, NAME, ID_GOOD, MOBILE, "密接", 1, "江北", "2022-08-05 07:00"]]
    outcome = load(small_db, pd.DataFrame(rows).to_csv(index=False, header=False).encode(), "contacts")
    assert [p.reason for p in outcome.problems.itertuples()] == ["no_header"]
    assert _everywhere(outcome, "c.csv") == []


def test_file_level_reasons_echo_nothing_personal(small_db):
    page = f"<html><body><table><tr><td>{NAME}</td><td>{ID_GOOD}</td><td>{MOBILE}</td></tr></table></body></html>"
    assert _everywhere(load(small_db, page.encode(), "contacts", "x.xls"), "x.xls") == []
    # A damaged sheet is named in its reason: a sheet named after a phone number is masked there too.
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = MOBILE
    book.active.append(["密接编号"])
    for number in range(200):
        book.active.append([number])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            dst.writestr(item, body[:len(body) // 2] if item.filename == "xl/worksheets/sheet1.xml" else body)
    outcome = load(small_db, out.getvalue(), "contacts", "c.xlsx")
    assert [p.reason for p in outcome.problems.itertuples()] == ["bad_sheet"]
    assert _everywhere(outcome, "c.xlsx") == []


def test_the_cli_prints_and_writes_no_planted_value(small_db, tmp_path):
    path = tmp_path / "planted.csv"
    path.write_bytes(planted_file(extra=True))
    report = tmp_path / "problems.csv"
    done = cli("import", str(path), "--table", "contacts", "--db", str(small_db), "--check-only",
               "--ignore-extra-columns", "--report", str(report))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "ignored columns" in done.stderr and "wrong ID-card check digit" in done.stderr
    assert _leaks(done.stdout + done.stderr) == [NAME]                    # 类别 = 欧阳娜娜, as above
    assert _leaks(report.read_bytes().decode("utf-8-sig")) == [NAME]


def test_the_cli_says_clearly_when_the_report_folder_does_not_exist(small_db, tmp_path):
    path = tmp_path / "planted.csv"
    path.write_bytes(planted_file())
    done = cli("import", str(path), "--table", "contacts", "--db", str(small_db),
               "--report", str(tmp_path / "no-such-folder" / "problems.csv"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "does not exist" in done.stderr and "不存在" in done.stderr


def test_headers_are_recognised_whatever_their_spacing_width_and_case():
    for header in ("身 份 证 号", "身份证号码", "ＩＤ＿ＣＡＲＤ", " Id_Card_Number "):
        assert personal_column_of(header) == "id_card_number", header
    for header in ("姓  名", "姓\u3000名", "Full_Name", "NAME"):
        assert personal_column_of(header) == "full_name", header
    for header in ("手 机 号", "联系电话", "ＰＨＯＮＥ"):
        assert personal_column_of(header) == "phone", header
    for header in ("区县", "密接编号", "判定时间", ""):
        assert personal_column_of(header) is None, header
    assert normal_header("转运到隔离点时间（小时）") == normal_header("转运到隔离点时间 (小时)")


def test_values_are_masked_by_what_they_are():
    assert mask_value(ID_GOOD) == ID_GOOD[:6] + "********" + ID_GOOD[-4:]
    assert mask_value(MOBILE) == "139****4321"
    assert mask_value("+86 139-8765-4321") == "+86 139-****-4321"
    assert mask_value(LANDLINE) == "023****1234"
    assert mask_value("12345678901234567890") == "12345678901234567890"      # a barcode is not an ID
    assert mask_value("2022-08-05 07:00") == "2022-08-05 07:00"
    assert mask_value("44778.5069444444") == "44778.5069444444"
    assert mask_value(NAME, "full_name") == "欧***"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in MOBILE)
    assert mask_text(f"电话{full_width}") == "电话" + full_width[:3] + "****" + full_width[-4:]


def test_a_database_error_the_checks_did_not_foresee_is_a_report_row_in_the_cli(small_db, tmp_path, monkeypatch, capsys):
    import duckdb

    from sitrep import cli as sitrep_cli
    from sitrep.intake import run

    def failing(*args, **kwargs):
        raise duckdb.ConversionException(f"value {ID_GOOD} out of range")

    monkeypatch.setattr(run, "import_file", failing)
    path = tmp_path / "c.csv"
    path.write_bytes(planted_file())
    report = tmp_path / "problems.csv"
    assert sitrep_cli.main(["import", str(path), "--table", "contacts", "--db", str(small_db),
                            "--report", str(report)]) == 1
    printed = capsys.readouterr()
    assert "ConversionException" in printed.err and "nothing was written" in printed.err
    written = report.read_bytes().decode("utf-8-sig")
    assert "database_error" in written and _leaks(printed.out + printed.err + written) == []
