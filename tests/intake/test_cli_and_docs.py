"""The command line (`python -m sitrep import` / `template`) and the generated column docs."""

from sitrep import PROJECT_ROOT
from sitrep.intake import docs, specs
from tests.intake.helpers import cli, csv_bytes, file_digest, import_log, query

HEADER = ["风险区编号", "区县", "乡镇街道编码", "风险区名称", "风险等级", "涉及人数", "划定时间"]


def test_a_good_file_exits_0_and_says_what_it_did(small_db, tmp_path):
    path = tmp_path / "风险区.csv"
    path.write_bytes(csv_bytes([["H1", "江北", "500105001", "某小区3栋", "高风险", 1200, "2022-08-05 10:00"]], HEADER,
                               "gb18030"))
    result = cli("import", str(path), "--table", "风险区", "--db", str(small_db), "--by", "值班员甲")
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout and "import #1" in result.stdout and "gb18030" in result.stdout
    assert import_log(small_db)["imported_by"].tolist() == ["值班员甲"]


def test_a_bad_file_exits_1_prints_the_report_and_writes_it_whole(small_db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["H1", "江北", "500105001", "某小区", "极高", -3, "2022-08-05 10:00"]], HEADER))
    report = tmp_path / "problems.csv"
    result = cli("import", str(path), "--table", "risk_areas", "--db", str(small_db), "--report", str(report))
    assert result.returncode == 1
    assert "bad.csv:2 [风险等级] = '极高'" in result.stderr and "bad.csv:2 [涉及人数] = '-3'" in result.stderr
    assert "nothing was written" in result.stderr
    text = report.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("文件 file,行 row,列 column,值 value,原因,reason")
    assert len(text.strip().splitlines()) == 3
    assert query(small_db, "select count(*) as n from risk_areas")["n"].iloc[0] == 0


def test_without_db_the_import_goes_where_the_app_reads(small_db, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes([["H1", "江北", "500105001", "某小区", "中", 30, "2022-08-05 10:00"]], HEADER))
    result = cli("import", str(path), "--table", "risk_areas", env={"SITREP_DB": str(small_db)})
    assert result.returncode == 0, result.stderr
    assert query(small_db, "select count(*) as n from risk_areas")["n"].iloc[0] == 1


def test_check_only_writes_nothing(small_db, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes([["H1", "江北", "500105001", "某小区", "中", 30, "2022-08-05 10:00"]], HEADER))
    before = file_digest(small_db)
    result = cli("import", str(path), "--table", "risk_areas", "--db", str(small_db), "--check-only")
    assert result.returncode == 0 and "nothing written" in result.stdout and "1 new" in result.stdout
    assert file_digest(small_db) == before


def test_an_unknown_table_is_named_with_the_choices(small_db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    result = cli("import", str(path), "--table", "patients", "--db", str(small_db))
    assert result.returncode != 0 and "cases (病例)" in result.stderr


def test_templates_come_from_the_command_line(tmp_path):
    out = tmp_path / "t.xlsx"
    result = cli("template", "--table", "room_stays", "--out", str(out))
    assert result.returncode == 0 and out.read_bytes()[:2] == b"PK"


def test_the_column_docs_match_the_specs():
    written = (PROJECT_ROOT / "docs" / "intake-columns.md").read_text(encoding="utf-8")
    assert written == docs.markdown(), "regenerate: python -m sitrep.intake.docs > docs/intake-columns.md"
    for spec in specs.TABLES.values():
        assert f"## `{spec.name}`" in written
