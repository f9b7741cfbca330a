"""Issue 11, item 6: a refused import is logged in the operational store and leaves the database
file byte-identical; an applied import is logged so that no crash leaves it without a trace."""

import hashlib
import shutil

import duckdb
import pytest

from sitrep import PROJECT_ROOT, opstore
from sitrep.i18n import t
from sitrep.intake import run
from tests.intake.helpers import cli, csv_bytes, import_log, query, table_digest
from tests.login import app_test

RISK_HEADER = ["风险区编号", "区县", "乡镇街道编码", "风险区名称", "风险等级", "涉及人数", "划定时间"]
GOOD = [["H1", "江北", "500105001", "某小区3栋", "高风险", 1200, "2022-08-05 10:00"]]
BAD = [["H1", "江北", "500105001", "某小区", "极高", -3, "2022-08-05 10:00"]]

# The DuckDB table as it was before issue 11: older database files still have it.
OLD_IMPORT_LOG = """
create table import_log (import_id bigint primary key, imported_at timestamp not null, imported_by varchar not null,
    via varchar not null, file_name varchar not null, file_sha256 varchar not null, file_encoding varchar,
    table_name varchar not null, status varchar not null, rows_in_file bigint not null, rows_inserted bigint not null,
    rows_updated bigint not null, rows_unchanged bigint not null, rows_rejected bigint not null,
    problems integer not null, persons_added integer not null default 0, persons_updated integer not null default 0,
    seconds double not null)
"""


def _fingerprint(path):
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_ino


def test_a_refused_cli_import_logs_its_row_and_leaves_the_database_file_untouched(small_db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(BAD, RISK_HEADER))
    before = _fingerprint(small_db)
    result = cli("import", str(path), "--table", "risk_areas", "--db", str(small_db), "--by", "值班员甲")
    assert result.returncode == 1 and "nothing was written" in result.stderr
    assert _fingerprint(small_db) == before                   # same bytes, same mtime, same file
    assert not list(small_db.parent.glob(f".{small_db.name}.import-*"))
    log = import_log(small_db)
    assert len(log) == 1
    row = log.iloc[0]
    assert (row.status, row.via, row.imported_by, row.file_name, row.table_name) == (
        "rejected", "cli", "值班员甲", "bad.csv", "risk_areas")
    assert row.problems >= 2 and row.rows_rejected == 1 and row.rows_inserted == 0
    assert row.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_check_only_run_logs_nothing(small_db, tmp_path):
    for rows, name in ((GOOD, "good.csv"), (BAD, "bad.csv")):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, RISK_HEADER))
        cli("import", str(path), "--table", "risk_areas", "--db", str(small_db), "--check-only")
    assert len(import_log(small_db)) == 0


def test_applied_and_refused_imports_share_one_numbering(small_db):
    good = run.import_file(small_db, csv_bytes(GOOD, RISK_HEADER), "good.csv", "risk_areas", by="甲")
    bad = run.import_file(small_db, csv_bytes(BAD, RISK_HEADER), "bad.csv", "risk_areas", by="乙")
    assert (good.status, good.import_id, bad.status, bad.import_id) == ("applied", 1, "rejected", 2)
    log = import_log(small_db)
    assert log[["import_id", "status", "rows_inserted"]].values.tolist() == [[2, "rejected", 0], [1, "applied", 1]]
    assert log["note"].isna().all()


class Crash(BaseException):
    """A process dying: nothing after it runs, no handler catches it."""


def test_a_crash_after_the_rename_leaves_a_row_the_next_reader_settles_as_applied(small_db, monkeypatch):
    real = opstore.update_import

    def dies_before_completing(db, import_id, **fields):
        if fields.get("status") == "applied":
            raise Crash()
        real(db, import_id, **fields)

    monkeypatch.setattr(run.opstore, "update_import", dies_before_completing)
    with pytest.raises(Crash):
        run.import_file(small_db, csv_bytes(GOOD, RISK_HEADER), "good.csv", "risk_areas", by="甲")
    monkeypatch.setattr(run.opstore, "update_import", real)
    assert query(small_db, "select count(*) as n from risk_areas")["n"].iloc[0] == 1    # it was applied
    assert opstore.import_log(small_db)["status"].tolist() == ["started"]             # read raw: not settled
    row = run.import_log(small_db).iloc[0]      # read as the Data page reads: settled under the lock
    assert (row.status, row.rows_inserted) == ("applied", 1) and "after replacing" in row.note


def test_a_crash_before_the_rename_leaves_the_database_and_a_row_settled_as_interrupted(small_db, monkeypatch):
    before = _fingerprint(small_db)

    def dies(*args, **kwargs):
        raise Crash()

    monkeypatch.setattr(run.os, "replace", dies)
    with pytest.raises(Crash):
        run.import_file(small_db, csv_bytes(GOOD, RISK_HEADER), "good.csv", "risk_areas", by="甲")
    monkeypatch.undo()
    assert _fingerprint(small_db) == before
    assert opstore.import_log(small_db)["status"].tolist() == ["started"]
    # The next import settles it, then lands.
    again = run.import_file(small_db, csv_bytes(GOOD, RISK_HEADER), "good.csv", "risk_areas", by="甲")
    log = import_log(small_db)
    assert log["status"].tolist() == ["applied", "interrupted"] and again.import_id == 2
    assert "nothing was written" in log["note"].iloc[1]


def test_an_error_before_the_rename_marks_the_row_interrupted_at_once(small_db, monkeypatch):
    before = _fingerprint(small_db)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run.os, "replace", full_disk)
    with pytest.raises(OSError):
        run.import_file(small_db, csv_bytes(GOOD, RISK_HEADER), "good.csv", "risk_areas", by="甲")
    assert _fingerprint(small_db) == before
    row = opstore.import_log(small_db).iloc[0]
    assert row.status == "interrupted" and "No space left" in row.note


def test_an_older_database_with_its_own_import_log_table_still_imports(small_db):
    con = duckdb.connect(str(small_db))
    con.execute(OLD_IMPORT_LOG)
    con.close()
    outcome = run.import_file(small_db, csv_bytes(GOOD, RISK_HEADER), "good.csv", "risk_areas", by="甲")
    assert outcome.status == "applied"
    assert "import_log" in table_digest(small_db)                        # left alone, and unused
    assert query(small_db, "select count(*) as n from import_log")["n"].iloc[0] == 0
    assert import_log(small_db)["status"].tolist() == ["applied"]


def test_the_data_page_shows_applied_and_refused_imports_newest_first(demo_db_path, tmp_path, monkeypatch):
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    district = query(db, "select township_code from townships where district_code = '500105' limit 1")
    township = district["township_code"].iloc[0]
    good = [["H900", "江北", township, "某小区9栋", "高风险", 100, "2022-07-20 10:00"]]
    assert run.import_file(db, csv_bytes(good, RISK_HEADER), "good.csv", "risk_areas", by="甲").status == "applied"
    assert run.import_file(db, csv_bytes(BAD, RISK_HEADER), "bad.csv", "risk_areas", by="乙").status == "rejected"
    monkeypatch.setenv("SITREP_DB", str(db))
    at = app_test(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    number, status = t("field_import_id", "zh"), t("field_status", "zh")
    log = next(f.value for f in at.dataframe if number in f.value.columns)
    assert log[number].tolist() == [2, 1]
    assert log[status].tolist() == [t("import_status_rejected", "zh"), t("import_status_applied", "zh")]



def test_a_database_error_while_writing_refuses_the_file_as_a_report_row_without_its_message(small_db, monkeypatch):
    """An error the checks did not foresee, raised by DuckDB while the file is written: the import is
    refused with one report row naming the error's kind, never its message (which could quote a
    value such as a name), and the database file is as it was."""
    before = _fingerprint(small_db)

    def write_fails(self):
        raise duckdb.ConstraintException("Duplicate key \"person 张三 110101199003074214\"")

    monkeypatch.setattr(run.Staged, "write", write_fails)
    outcome = run.import_file(small_db, csv_bytes(GOOD, RISK_HEADER), "good.csv", "risk_areas", by="甲")
    assert outcome.status == "rejected"
    assert outcome.problems["reason"].tolist() == ["database_error"]
    assert "ConstraintException" in outcome.problems["detail"].iloc[0]
    assert "张三" not in outcome.problems.to_csv() and "110101199003074214" not in outcome.problems.to_csv()
    assert _fingerprint(small_db) == before
    row = opstore.import_log(small_db).iloc[0]
    assert row.status == "rejected" and "张三" not in str(row.note)
