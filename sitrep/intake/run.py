"""One import, start to end: read, check, then write atomically or not at all.

DuckDB lets one process write a file, and a running app holds the database open read-only, so
an import never writes in place. Under an exclusive lock (one import at a time) it copies the
database, applies the file to the copy in one transaction, logs itself in `import_log` in that
same transaction, closes the copy and renames it over the original (os.replace: atomic on one
file system). A reader sees the old file or the new one, never a half-applied import; a killed
import leaves only a stray copy, which the next import removes. The app notices the new file by
its modification time (sitrep.ui.data_version) and opens it for the next page run.
"""

from __future__ import annotations

import dataclasses
import fcntl
import getpass
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from sitrep import QUERIES_DIR
from sitrep.db import connect_read
from sitrep.intake import files, specs
from sitrep.intake.merge import Counts, Staged
from sitrep.intake.validate import Checked, Places, check, problems_frame

IMPORT_LOG_SCHEMA = QUERIES_DIR / "schema" / "10_import_log.sql"
LOCK_WAIT_SECONDS = 600


@dataclass
class Outcome:
    status: str                       # applied, rejected, valid (checked only, nothing written)
    table: str
    file_name: str
    sha256: str = ""
    encoding: str = ""
    rows_in_file: int = 0
    counts: Counts = field(default_factory=Counts)
    problems: pd.DataFrame = field(default_factory=problems_frame)
    rows_rejected: int = 0
    ignored_headers: list[str] = field(default_factory=list)
    import_id: int | None = None
    seconds: float = 0.0
    data_as_of: pd.Timestamp | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("applied", "valid")


def _rejected(outcome: Outcome, problems: pd.DataFrame, rows_in_file: int) -> Outcome:
    outcome.status = "rejected"
    outcome.problems = problems
    rows = problems["row"].dropna()
    data_rows = rows[rows > 1]
    outcome.rows_rejected = int(data_rows.nunique()) if len(data_rows) else rows_in_file
    return outcome


def check_file(con: duckdb.DuckDBPyConnection, data: bytes, name: str, table: str,
               ignore_extra: bool = False, preview: bool = True) -> tuple[Outcome, Checked | None]:
    """Read and check a file without writing: the problems, and the counts it would give.

    With preview=False a file that passes the file checks is returned as it is, without the
    database checks and counts: import_file runs those inside its transaction anyway. A file
    with problems always gets the database checks too, so one report says all."""
    started = time.perf_counter()
    outcome = Outcome("valid", table, Path(name).name)
    try:
        raw = files.read(data, name)
    except files.FileProblem as problem:
        detail = ", ".join(f"{v}" for v in problem.values.values())
        return _rejected(outcome, problems_frame([None], "", [None], problem.code, detail), 0), None
    outcome.sha256, outcome.encoding, outcome.rows_in_file = raw.sha256, raw.encoding, len(raw.cells)
    checked = check(raw, specs.table(table), Places.load(con), ignore_extra=ignore_extra)
    outcome.ignored_headers = checked.ignored_headers
    header_problem = not checked.ok and (checked.problems["row"] == 1).any()
    if header_problem or checked.typed.empty:
        return _rejected(outcome, checked.problems, outcome.rows_in_file), checked
    if checked.ok and not preview:
        return outcome, checked
    # Rows that passed the file checks go on to the database checks, so one report says all.
    bad_rows = set(checked.problems["row"].dropna().astype(int))
    passing = dataclasses.replace(checked, typed=checked.typed[~checked.typed["_row"].isin(bad_rows)])
    staged = Staged(con, passing)
    try:
        found = staged.stage()
        if not checked.ok or not found.empty:
            both = pd.concat([p for p in (checked.problems, found) if not p.empty], ignore_index=True)
            both = both.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
            return _rejected(outcome, both, outcome.rows_in_file), checked
        outcome.counts = staged.counts()
    finally:
        staged.drop()
    outcome.seconds = time.perf_counter() - started
    return outcome, checked


# --- writing --------------------------------------------------------------------------------------

def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".import.lock")


def _copy_prefix(db: Path) -> str:
    return f".{db.name}.import-"


@contextmanager
def exclusive(db: Path, wait_seconds: float = LOCK_WAIT_SECONDS, on_wait: Callable[[], None] | None = None):
    """One import at a time per database (the kernel drops the lock if the process dies)."""
    with open(lock_path(db), "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another import has held {lock_path(db)} for {wait_seconds:.0f} s")
                if on_wait and not told:
                    on_wait()
                    told = True
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stray_copies(db: Path) -> list[Path]:
    """Copies left by an import that was killed (call only while holding the lock)."""
    stray = sorted(db.parent.glob(_copy_prefix(db) + "*"))
    for path in stray:
        path.unlink(missing_ok=True)
    return stray


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_import_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(IMPORT_LOG_SCHEMA.read_text(encoding="utf-8"))


def _log(con: duckdb.DuckDBPyConnection, outcome: Outcome, by: str, via: str, started: float) -> int:
    import_id = con.execute("select coalesce(max(import_id), 0) + 1 from import_log").fetchone()[0]
    c = outcome.counts
    con.execute("""
        insert into import_log (import_id, imported_at, imported_by, via, file_name, file_sha256, file_encoding,
                                table_name, status, rows_in_file, rows_inserted, rows_updated, rows_unchanged,
                                rows_rejected, problems, persons_added, persons_updated, seconds)
        values ($import_id, $imported_at, $by, $via, $file_name, $sha, $encoding, $table, $status, $rows_in_file,
                $inserted, $updated, $unchanged, $rejected, $problems, $persons_added, $persons_updated, $seconds)
    """, {"import_id": import_id, "imported_at": pd.Timestamp.now(tz="Asia/Shanghai").tz_localize(None).floor("s"),
          "by": by, "via": via, "file_name": outcome.file_name, "sha": outcome.sha256 or "",
          "encoding": outcome.encoding or None, "table": outcome.table, "status": outcome.status,
          "rows_in_file": outcome.rows_in_file, "inserted": c.inserted, "updated": c.updated,
          "unchanged": c.unchanged, "rejected": outcome.rows_rejected, "problems": len(outcome.problems),
          "persons_added": c.persons_added, "persons_updated": c.persons_updated,
          "seconds": round(time.perf_counter() - started, 3)})
    return import_id


def import_file(db: Path | str, data: bytes, name: str, table: str, by: str | None = None, via: str = "cli",
                ignore_extra: bool = False, log_rejected: bool = True,
                progress: Callable[[str, float], None] | None = None) -> Outcome:
    """Check the file and apply it to the database at `db` in one step, or reject it whole.

    A rejected file changes nothing but the import log (and not even that when log_rejected is
    False: the Data page checks before it offers to import)."""
    db = Path(db)
    by = by or os.environ.get("SITREP_OPERATOR") or getpass.getuser()
    step = progress or (lambda label, fraction: None)
    started = time.perf_counter()
    if table not in specs.TABLES:
        raise KeyError(f"no importable table {table!r}: one of {', '.join(specs.TABLES)}")
    if not db.exists():
        raise FileNotFoundError(f"no database at {db}: build one with `python -m sitrep build-demo`")

    # The file alone first, on a read-only look at the database: a bad file costs no copy.
    step("reading and checking the file", 0.05)
    reader = connect_read(db)
    try:
        outcome, checked = check_file(reader, data, name, table, ignore_extra, preview=False)
    finally:
        reader.close()
    if outcome.status == "rejected" and (checked is None or not checked.ok):
        if log_rejected:
            _apply(db, outcome, None, by, via, started, step)
        outcome.seconds = time.perf_counter() - started
        return outcome
    outcome = _apply(db, outcome, checked, by, via, started, step)
    outcome.seconds = time.perf_counter() - started
    step("done", 1.0)
    return outcome


def _apply(db: Path, outcome: Outcome, checked: Checked | None, by: str, via: str, started: float,
           step: Callable[[str, float], None]) -> Outcome:
    with exclusive(db, on_wait=lambda: step("waiting for another import", 0.1)):
        remove_stray_copies(db)
        copy = db.with_name(f"{_copy_prefix(db)}{os.getpid()}.duckdb")
        step("copying the database", 0.2)
        shutil.copyfile(db, copy)
        wal = db.with_name(db.name + ".wal")
        if wal.exists():        # a writer that never checkpointed: its log is part of the data
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        try:
            con = duckdb.connect(str(copy))
            try:
                con.execute("begin transaction")
                ensure_import_log(con)
                if checked is not None:
                    # Checked again against the database as it is now: another import may have
                    # landed since the first look.
                    step("checking against the database", 0.4)
                    staged = Staged(con, checked)
                    found = staged.stage()
                    if found.empty:
                        step("writing", 0.6)
                        outcome.counts = staged.write()
                        outcome.status = "applied"
                        outcome.data_as_of = _advance_data_as_of(con, staged.newest_time())
                    else:
                        con.execute("rollback")
                        con.execute("begin transaction")
                        ensure_import_log(con)
                        outcome = _rejected(outcome, found, outcome.rows_in_file)
                        outcome.counts = Counts()
                    staged.drop()
                outcome.import_id = _log(con, outcome, by, via, started)
                step("committing", 0.85)
                con.execute("commit")
                con.execute("checkpoint")
            finally:
                con.close()
            _fsync(copy)
            os.replace(copy, db)
            _fsync(db.parent)
        finally:
            copy.unlink(missing_ok=True)
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    return outcome


def _advance_data_as_of(con: duckdb.DuckDBPyConnection, newest: pd.Timestamp | None) -> pd.Timestamp | None:
    """The data now reach the newest time written, if that is later than what they reached."""
    current = con.execute("select value from dataset_info where key = 'data_as_of'").fetchone()
    current = pd.Timestamp(current[0]) if current else None
    if newest is not None and (current is None or newest > current):
        con.execute("insert or replace into dataset_info (key, value) values ('data_as_of', $value)",
                    {"value": str(newest)})
        return newest
    return current
