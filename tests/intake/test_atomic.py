"""Imports are atomic: readers never see a half-applied file, a killed import leaves the
database exactly as it was, and two imports at once both land (one waits for the other)."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sitrep import PROJECT_ROOT
from sitrep.db import VersionedPools, connect_read
from sitrep.intake.run import lock_path
from tests.intake.helpers import cli, file_digest, import_log, samples_csv, table_digest


def _held(db: Path) -> int:
    """Samples held, read on one connection to whichever file is at the path now, as the app reads it."""
    con = connect_read(db)
    try:
        return con.execute("select count(*) from testing_samples").fetchone()[0]
    finally:
        con.close()


def _logged(db: Path) -> tuple[int, int]:
    """(samples the import log says were inserted, imports applied) into testing_samples."""
    log = import_log(db)
    applied = log[(log["table_name"] == "testing_samples") & (log["status"] == "applied")]
    return int(applied["rows_inserted"].sum()), len(applied)


def test_readers_in_a_loop_never_see_a_half_applied_import(small_db, tmp_path):
    files = [samples_csv(tmp_path / f"samples{i}.csv", first_id=1 + i * 20_000, rows=20_000) for i in range(4)]
    stop = threading.Event()
    seen: list[int] = []
    broken: list[int] = []

    def read_loop():
        while not stop.is_set():
            held = _held(small_db)
            seen.append(held)
            if held % 20_000:       # a file applied in part
                broken.append(held)

    readers = [threading.Thread(target=read_loop) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for path in files:   # the import runs in its own process, as the CLI does beside the app
            result = cli("import", str(path), "--table", "testing_samples", "--db", str(small_db))
            assert result.returncode == 0, result.stderr
    finally:
        time.sleep(0.3)
        stop.set()
        for reader in readers:
            reader.join()
    assert not broken, broken[:5]
    versions = {held // 20_000 for held in seen}
    assert versions >= {0, 4} and len(versions) >= 3, versions        # they saw the imports land one by one
    assert len(seen) > 40
    assert _logged(small_db) == (80_000, 4)


def test_the_app_keeps_reading_the_version_a_page_run_started_with(small_db, tmp_path):
    pools = VersionedPools()
    first_version, first = pools.latest(small_db)
    before = first.cursor(None).execute("select count(*) from testing_samples").fetchone()[0]
    result = cli("import", str(samples_csv(tmp_path / "s.csv", 1, 1000)), "--table", "testing_samples",
                 "--db", str(small_db))
    assert result.returncode == 0, result.stderr
    new_version, newer = pools.latest(small_db)
    assert new_version != first_version
    assert newer.cursor(None).execute("select count(*) from testing_samples").fetchone()[0] == before + 1000
    # A run pinned to the old version still reads the old file, whole.
    assert pools.get(small_db, first_version).cursor(None).execute(
        "select count(*) from testing_samples").fetchone()[0] == before


def test_replaced_files_are_released_once_their_pool_is_dropped(small_db, tmp_path):
    pools = VersionedPools(keep=2)

    def open_deleted_files() -> int:
        links = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                 if os.path.exists(f"/proc/self/fd/{fd}")]
        return sum(1 for link in links if str(small_db) in link and link.endswith("(deleted)"))

    for i in range(5):
        _, pool = pools.latest(small_db)
        pool.cursor(None).execute("select count(*) from testing_samples").fetchone()
        result = cli("import", str(samples_csv(tmp_path / f"s{i}.csv", 1 + i * 10, 10)), "--table",
                     "testing_samples", "--db", str(small_db))
        assert result.returncode == 0, result.stderr
    pools.latest(small_db)
    import gc
    gc.collect()
    assert open_deleted_files() <= pools.keep - 1, "replaced database files are still held open"


def _holds(pid: int, path: Path) -> bool:
    """Whether the process has the file open."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


def _stray_copies(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f".{db.name}.import-*"))


@pytest.mark.parametrize("moment", ["while checking", "while writing the copy"])
def test_killing_an_import_leaves_the_database_exactly_as_it_was(small_db, tmp_path, moment):
    big = samples_csv(tmp_path / "big.csv", 1, 600_000)
    before_bytes, before_tables = file_digest(small_db), table_digest(small_db)
    size = small_db.stat().st_size
    process = subprocess.Popen([sys.executable, "-m", "sitrep", "import", str(big), "--table", "testing_samples",
                                "--db", str(small_db)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    if moment == "while checking":
        # The import holds the database open read-only while it reads and checks the file,
        # and makes its copy only after: kill it as soon as it holds the database.
        while time.monotonic() < deadline and process.poll() is None and not _holds(process.pid, small_db):
            time.sleep(0.002)
        assert not _stray_copies(small_db), "the import got past checking before it could be killed"
    else:
        # The copy appears after the checks; kill once it is at least as large as the original,
        # that is while the file's rows are being written into it.
        while time.monotonic() < deadline and process.poll() is None:
            copies = [p for p in _stray_copies(small_db) if p.suffix == ".duckdb"]
            if copies and copies[0].exists() and copies[0].stat().st_size >= size:
                break
            time.sleep(0.005)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert file_digest(small_db) == before_bytes
    assert table_digest(small_db) == before_tables
    # The next import cleans up after the killed one and lands.
    result = cli("import", str(samples_csv(tmp_path / "small.csv", 1, 100)), "--table", "testing_samples",
                 "--db", str(small_db))
    assert result.returncode == 0, result.stderr
    assert not _stray_copies(small_db)
    assert table_digest(small_db)["testing_samples"] != before_tables["testing_samples"]
    # The killed import's log row, if it got that far, was settled by the next import: nothing of it
    # was written.
    expected = ["applied"] if moment == "while checking" else ["applied", "interrupted"]
    assert import_log(small_db)["status"].tolist() == expected


def test_two_imports_at_once_both_land(small_db, tmp_path):
    a = samples_csv(tmp_path / "a.csv", 1, 50_000)
    b = samples_csv(tmp_path / "b.csv", 100_001, 50_000)
    started = [subprocess.Popen([sys.executable, "-m", "sitrep", "import", str(f), "--table", "testing_samples",
                                 "--db", str(small_db)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for f in (a, b)]
    for process in started:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    assert (_held(small_db), *_logged(small_db)) == (100_000, 100_000, 2)
    assert lock_path(small_db).exists()
