"""Bounded reading: a file past a limit of settings.toml (import_max_*) is refused early, as one
file-level problem naming the limit and its setting, never a traceback, the database as it was.
An XLSX sheet's declared dimension is not trusted; a zip bomb is refused from the zip's directory,
before anything is unpacked; an over-long cell is a cell problem whose value the report shows cut."""

from __future__ import annotations

import io
import re
import resource
import time
import tracemalloc
import zipfile

import pandas as pd
import pytest

from sitrep.intake import files, specs
from sitrep.intake.files import FileProblem, Limits
from sitrep.intake.report import VALUE_LIMIT, report_frame
from sitrep.settings import load_settings
from tests.intake.helpers import cli, csv_bytes, load, table_digest, xlsx_bytes

SAMPLE_HEADER = ["采样编号", "样本管编号", "采样时间"]
DEFAULTS = Limits.from_settings(load_settings(overrides=None))


def limits(**changed) -> Limits:
    return Limits(**{**DEFAULTS.__dict__, **changed})


def sample_rows(n: int, first: int = 70001) -> list[list]:
    return [[first + i, 1, "2022-08-05 07:00"] for i in range(n)]


def rewrite_member(data: bytes, member: str, change) -> bytes:
    """The workbook with one part's text changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def refused_whole(db, data: bytes, name: str, code: str, setting: str) -> pd.DataFrame:
    """Imported: refused as one file-level row naming the setting, the database as it was."""
    before = table_digest(db)
    outcome = load(db, data, "testing_samples", name)
    assert outcome.status == "rejected"
    after = table_digest(db)
    assert {k: v for k, v in after.items() if k != "import_log"} == {k: v for k, v in before.items() if k != "import_log"}
    report = report_frame(outcome.problems, name, specs.table("testing_samples"))
    assert list(report["代码 code"]) == [code]
    assert setting in report["原因"].iloc[0] and setting in report["reason"].iloc[0]
    return report


def test_the_limits_are_settings_with_their_defaults():
    assert DEFAULTS.rows >= 6_000_000 and DEFAULTS.file_mb >= 300     # a 6 M-row, 200 MB CSV fits
    assert DEFAULTS.cell_chars == 32767 and DEFAULTS.columns >= 100


def test_a_sheet_whose_dimension_claims_the_whole_sheet_reads_in_bounded_time_and_memory():
    # 1,000 rows: were each padded to the claimed 16,384 columns, 16 million cells.
    data = xlsx_bytes(sample_rows(1000), SAMPLE_HEADER)
    claimed = rewrite_member(data, "xl/worksheets/sheet1.xml",
                             lambda body: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', body))
    assert b"A1:XFD1048576" in zipfile.ZipFile(io.BytesIO(claimed)).read("xl/worksheets/sheet1.xml")
    assert len(claimed) < 40_000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    try:
        raw = files.read(claimed, "claims.xlsx", DEFAULTS)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert raw.headers == SAMPLE_HEADER and len(raw.cells) == 1000 and list(raw.cells.columns) == ["c0", "c1", "c2"]
    assert seconds < 2, seconds
    assert peak < 20 * 2**20, peak                  # bytes Python allocated at most (3,000 cells)
    assert rss_growth_kb < 100 * 1024, rss_growth_kb


def test_an_xlsx_row_past_the_limit_is_refused_by_counting_filled_rows_not_the_dimension():
    data = xlsx_bytes(sample_rows(5), SAMPLE_HEADER)
    assert len(files.read(data, "five.xlsx", limits(rows=5)).cells) == 5
    with pytest.raises(FileProblem) as problem:
        files.read(data, "five.xlsx", limits(rows=4))
    assert problem.value.code == "too_many_rows" and problem.value.values == {"limit": "4"}
    with pytest.raises(FileProblem) as problem:
        files.read(data, "five.xlsx", limits(columns=2))
    assert problem.value.code == "too_many_columns"


def test_a_zip_bomb_is_refused_from_the_directory_before_anything_is_unpacked(monkeypatch):
    data = xlsx_bytes(sample_rows(2), SAMPLE_HEADER)
    padding = b"<!--" + b" " * (3 * 2**20) + b"-->"             # 3 MB of spaces, a few kB packed
    bomb = rewrite_member(data, "xl/worksheets/sheet1.xml", lambda body: body.replace(b"<sheetData>", padding + b"<sheetData>", 1)
                          if b"<sheetData>" in body else body + padding)
    assert len(bomb) < 50_000
    unpacked = []
    real_open = zipfile.ZipFile.open

    def watched_open(self, name, *args, **kwargs):
        unpacked.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", watched_open)
    with pytest.raises(FileProblem) as problem:
        files.read(bomb, "bomb.xlsx", limits(xlsx_unpacked_mb=2))
    assert problem.value.code == "xlsx_unpacks_too_big" and problem.value.values == {"limit": "2"}
    assert unpacked == []                                         # not one part was opened
    monkeypatch.setattr(zipfile.ZipFile, "open", real_open)
    assert len(files.read(bomb, "bomb.xlsx", limits(xlsx_unpacked_mb=4)).cells) == 2


def test_a_csv_past_the_row_column_or_size_limit_is_refused():
    data = csv_bytes(sample_rows(5), SAMPLE_HEADER)
    assert len(files.read(data, "five.csv", limits(rows=5)).cells) == 5
    for changed, code in [({"rows": 4}, "too_many_rows"), ({"columns": 2}, "too_many_columns"),
                          ({"file_mb": len(data) / 2**20 / 2}, "file_too_big")]:
        with pytest.raises(FileProblem) as problem:
            files.read(data, "five.csv", limits(**changed))
        assert problem.value.code == code, changed


def test_over_the_row_limit_the_cli_refuses_naming_the_setting_and_writes_nothing(small_db, tmp_path):
    overrides = tmp_path / "limits.toml"
    overrides.write_text("import_max_rows = 3\n", encoding="utf-8")
    path = tmp_path / "samples.csv"
    path.write_bytes(csv_bytes(sample_rows(4), SAMPLE_HEADER))
    before = table_digest(small_db)
    result = cli("import", str(path), "--table", "testing_samples", "--db", str(small_db),
                 env={"SITREP_SETTINGS": str(overrides)})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    out = result.stdout + result.stderr
    assert "import_max_rows" in out and "more than 3 rows" in out, out
    after = table_digest(small_db)
    assert {k: v for k, v in after.items() if k != "import_log"} == {k: v for k, v in before.items() if k != "import_log"}


def test_each_limit_refused_by_the_import_names_its_setting(small_db, monkeypatch):
    three = csv_bytes(sample_rows(3), SAMPLE_HEADER)
    monkeypatch.setattr(Limits, "from_settings", classmethod(lambda cls, settings=None: limits(columns=2)))
    refused_whole(small_db, three, "wide.csv", "too_many_columns", "import_max_columns")
    monkeypatch.setattr(Limits, "from_settings", classmethod(lambda cls, settings=None: limits(rows=2)))
    refused_whole(small_db, three, "rows.csv", "too_many_rows", "import_max_rows")
    monkeypatch.setattr(Limits, "from_settings", classmethod(lambda cls, settings=None: limits(file_mb=0.00001)))
    refused_whole(small_db, three, "big.csv", "file_too_big", "import_max_file_mb")
    monkeypatch.setattr(Limits, "from_settings", classmethod(lambda cls, settings=None: limits(xlsx_unpacked_mb=0.001)))
    refused_whole(small_db, xlsx_bytes(sample_rows(3), SAMPLE_HEADER), "unpacks.xlsx", "xlsx_unpacks_too_big",
                  "import_max_xlsx_unpacked_mb")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_1_mb_cell_is_a_cell_problem_with_a_short_echo(small_db, kind):
    huge = "9" * 2**20
    if kind == "csv":
        data = csv_bytes([[70001, 1, "2022-08-05 07:00"], [huge, 1, "2022-08-05 07:00"]], SAMPLE_HEADER)
    else:   # openpyxl writes no more than Excel holds (32,767 characters): the megabyte is put in after
        data = xlsx_bytes([[70001, 1, "2022-08-05 07:00"], ["HUGE", 1, "2022-08-05 07:00"]], SAMPLE_HEADER)
        data = rewrite_member(data, "xl/worksheets/sheet1.xml", lambda body: body.replace(b">HUGE<", f">{huge}<".encode()))
    before = table_digest(small_db)
    outcome = load(small_db, data, "testing_samples", f"huge.{kind}")
    assert outcome.status == "rejected"
    after = table_digest(small_db)
    assert {k: v for k, v in after.items() if k != "import_log"} == {k: v for k, v in before.items() if k != "import_log"}
    problems = outcome.problems
    assert list(problems["reason"]) == ["cell_too_long"] and list(problems["row"]) == [3]
    assert len(problems["value"].iloc[0]) <= 60          # never the megabyte, even before the report
    report = report_frame(problems, f"huge.{kind}", specs.table("testing_samples"))
    shown = report["值 value"].iloc[0]
    assert shown.startswith("999") and len(shown) <= VALUE_LIMIT
    assert "import_max_cell_chars" in report["reason"].iloc[0] and "32,767" in report["reason"].iloc[0]
    assert "required" not in " ".join(problems["reason"])   # the emptied cell is not also "required, empty"
