"""The operational store (sitrep.opstore): where it is, WAL mode, migrations by user_version, bound
values, and many processes writing at once."""

import os
import sqlite3
import subprocess
import sys

import pytest

from sitrep import PROJECT_ROOT, opstore

ROW = {"imported_by": "值班员甲", "via": "cli", "file_name": "a.csv", "file_sha256": "ab" * 32,
       "table_name": "contacts", "status": "applied"}


def test_the_store_sits_beside_the_database_unless_sitrep_ops_names_one(tmp_path, monkeypatch):
    monkeypatch.delenv(opstore.OPS_ENV, raising=False)
    assert opstore.path_for(tmp_path / "sitrep.duckdb") == tmp_path / "sitrep.ops.sqlite"
    assert opstore.path_for(tmp_path / "other.duckdb") == tmp_path / "other.ops.sqlite"
    monkeypatch.setenv(opstore.OPS_ENV, str(tmp_path / "elsewhere" / "ops.sqlite"))
    assert opstore.path_for(tmp_path / "sitrep.duckdb") == tmp_path / "elsewhere" / "ops.sqlite"
    opstore.add_import(tmp_path / "sitrep.duckdb", **ROW)
    assert (tmp_path / "elsewhere" / "ops.sqlite").exists()


def test_a_new_store_is_in_wal_mode_at_the_latest_version(tmp_path):
    db = tmp_path / "sitrep.duckdb"
    assert opstore.version(db) == len(opstore.MIGRATIONS) >= 1
    raw = sqlite3.connect(opstore.path_for(db))
    try:
        assert raw.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert raw.execute("pragma user_version").fetchone()[0] == len(opstore.MIGRATIONS)
        columns = {r[1] for r in raw.execute("pragma table_info(import_log)")}
        assert {"import_id", *opstore.IMPORT_LOG_COLUMNS} == columns
    finally:
        raw.close()


def test_migrations_run_once_and_a_new_one_is_applied_to_an_old_store(tmp_path, monkeypatch):
    db = tmp_path / "sitrep.duckdb"
    first = opstore.add_import(db, **ROW)
    latest = len(opstore.MIGRATIONS)
    assert opstore.version(db) == latest                # opening again changes nothing
    later = [*opstore.MIGRATIONS, ["create table later_table (item_id integer primary key, name text not null)"]]
    monkeypatch.setattr(opstore, "MIGRATIONS", later)
    with opstore.connect(db) as con:
        assert con.execute("pragma user_version").fetchone()[0] == latest + 1
        con.execute("insert into later_table (name) values (:name)", {"name": "值班员甲"})
    assert opstore.version(db) == latest + 1
    assert opstore.import_log(db)["import_id"].tolist() == [first]   # the old rows are kept


def test_a_failing_migration_leaves_the_store_at_its_old_version(tmp_path, monkeypatch):
    db = tmp_path / "sitrep.duckdb"
    latest = opstore.version(db)
    broken = [*opstore.MIGRATIONS, ["create table half (x integer)", "this is not sql"]]
    monkeypatch.setattr(opstore, "MIGRATIONS", broken)
    with pytest.raises(sqlite3.OperationalError):
        opstore.version(db)
    raw = sqlite3.connect(opstore.path_for(db))
    try:
        assert raw.execute("pragma user_version").fetchone()[0] == latest
        assert raw.execute("select count(*) from sqlite_master where name = 'half'").fetchone()[0] == 0
    finally:
        raw.close()


def test_the_log_takes_the_three_ways_in_finds_applied_bytes_and_never_reuses_an_id(tmp_path):
    """via is cli, upload or watch (the drop folder), nothing else; the watcher finds applied bytes by
    their SHA-256; an id whose row was deleted is never given again (AUTOINCREMENT)."""
    db = tmp_path / "sitrep.duckdb"
    ids = [opstore.add_import(db, **{**ROW, "file_name": f"{i}.csv"}) for i in range(3)]
    with opstore.connect(db) as con:
        con.execute("delete from import_log where import_id = :id", {"id": ids[-1]})
    watched = opstore.add_import(db, **{**ROW, "via": "watch", "file_sha256": "cd" * 32})
    assert watched == ids[-1] + 1
    log = opstore.import_log(db)
    assert log[["import_id", "via", "file_name"]].values.tolist() == [
        [watched, "watch", "a.csv"], [ids[1], "cli", "1.csv"], [ids[0], "cli", "0.csv"]]
    assert opstore.applied_with_sha256(db, "cd" * 32)["import_id"] == watched
    assert opstore.applied_with_sha256(db, "ef" * 32) is None
    with pytest.raises(sqlite3.IntegrityError):
        opstore.add_import(db, **{**ROW, "via": "mail"})


def test_values_are_bound_never_pasted(tmp_path):
    db = tmp_path / "sitrep.duckdb"
    hostile = "x'); drop table import_log; --"
    import_id = opstore.add_import(db, **{**ROW, "file_name": hostile, "imported_by": "O'Brien"})
    opstore.update_import(db, import_id, note=hostile)
    log = opstore.import_log(db)
    assert log[["file_name", "imported_by", "note"]].values.tolist() == [[hostile, "O'Brien", hostile]]


def test_unknown_columns_and_ids_are_refused_clearly(tmp_path):
    db = tmp_path / "sitrep.duckdb"
    with pytest.raises(KeyError, match="no column colour"):
        opstore.add_import(db, **ROW, colour="red")
    with pytest.raises(KeyError, match="no import #99"):
        opstore.update_import(db, 99, status="applied")
    with pytest.raises(sqlite3.IntegrityError):          # the table's checks hold
        opstore.add_import(db, **{**ROW, "status": "maybe"})


def test_the_log_reads_newest_first_with_times(tmp_path):
    db = tmp_path / "sitrep.duckdb"
    ids = [opstore.add_import(db, **{**ROW, "file_name": f"{i}.csv"}) for i in range(3)]
    log = opstore.import_log(db)
    assert log["import_id"].tolist() == ids[::-1] and log["file_name"].tolist() == ["2.csv", "1.csv", "0.csv"]
    assert str(log["imported_at"].dtype).startswith("datetime64")
    assert opstore.import_log(db, limit=2)["import_id"].tolist() == ids[:0:-1]


# One writer: a separate interpreter, as the CLI, the watcher and the app are.
WRITER = """
import sys
from sitrep import opstore
db, worker, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
row = {"imported_by": f"worker {worker}", "via": "cli", "file_sha256": "ab" * 32, "table_name": "contacts",
       "status": "applied"}
for i in range(rows):
    opstore.add_import(db, **{**row, "file_name": f"w{worker}-{i}.csv"})
"""


def test_several_processes_writing_at_once_all_land(tmp_path):
    """4 processes x 50 rows into a store none of them has created yet: every row lands, ids unique,
    no 'database is locked'."""
    db = tmp_path / "sitrep.duckdb"
    workers, rows = 4, 50
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop(opstore.OPS_ENV, None)
    started = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(w), str(rows)], cwd=PROJECT_ROOT,
                                env=env, stderr=subprocess.PIPE, text=True) for w in range(workers)]
    errors = [proc.communicate(timeout=180)[1] for proc in started]
    assert [proc.returncode for proc in started] == [0] * workers, errors
    log = opstore.import_log(db, limit=10_000)
    assert len(log) == workers * rows and log["import_id"].is_unique
    assert set(log["file_name"]) == {f"w{w}-{i}.csv" for w in range(workers) for i in range(rows)}
    for w in range(workers):     # each writer's rows in the order it wrote them
        own = log[log["imported_by"] == f"worker {w}"].sort_values("import_id")
        assert own["file_name"].tolist() == [f"w{w}-{i}.csv" for i in range(rows)]
