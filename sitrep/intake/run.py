"""One import, start to end: read, check, then write atomically or not at all.

DuckDB lets one process write a file, and a running app holds the database open read-only, so
an import never writes in place. Under an exclusive lock (one import at a time) it copies the
database, applies the file to the copy in one transaction, closes the copy and renames it over
the original (os.replace: atomic on one file system). A reader sees the old file or the new one,
never a half-applied import; a killed import leaves only a stray copy, which the next import
removes. The app notices the new file by its modification time (sitrep.ui.data_version).

The import log lives in the operational store (sitrep.opstore, SQLite beside the database), not in
the database: a refused file is logged there and the database file is not touched at all. An
import that gets as far as the copy is logged in steps, so that no crash leaves an applied import
without a trace:

1. under the lock, a row with status `started` (who, which file, which table);
2. the copy is written and committed; the row gets the counts and the copy's identity
   (device:inode:mtime, which the database file has once the copy is renamed over it);
3. os.replace; then the row becomes `applied`.

A crash before 3 leaves the database as it was and a `started` row; a crash between the rename
and the last update leaves the new database and a `started` row with its counts. The next import
(or the Data page, when no import is running) settles such rows under the lock: `applied` when the
database file is the recorded copy, else `interrupted`, each with a note saying so.
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

from sitrep import audit, opstore, users
from sitrep.db import connect_read
from sitrep.intake import files, specs
from sitrep.intake.merge import Counts, Staged
from sitrep.intake.validate import Checked, Places, check, database_problem, problems_frame

LOCK_WAIT_SECONDS = 600


@dataclass
class Outcome:
    status: str                       # applied, rejected, valid (checked only, nothing written or logged)
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
               ignore_extra: bool = False, preview: bool = True,
               progress: Callable[[str, float], None] | None = None) -> tuple[Outcome, Checked | None]:
    """Read and check a file without writing: the problems, and the counts it would give.

    With preview=False a file that passes the file checks is returned as it is, without the
    database checks and counts: import_file runs those inside its transaction anyway. A file
    with problems always gets the database checks too, so one report says all."""
    started = time.perf_counter()
    step = progress or (lambda label, fraction: None)
    outcome = Outcome("valid", table, Path(name).name)
    step("reading the file", 0.05)
    try:
        raw = files.read(data, name)
    except files.FileProblem as problem:
        detail = ", ".join(f"{v}" for v in problem.values.values())
        return _rejected(outcome, problems_frame([None], "", [None], problem.code, detail), 0), None
    outcome.sha256, outcome.encoding, outcome.rows_in_file = raw.sha256, raw.encoding, len(raw.cells)
    step("checking the file", 0.1)
    checked = check(raw, specs.table(table), Places.load(con), ignore_extra=ignore_extra, consume=True)
    del raw     # its text is let go before the database checks
    files.give_back_memory()
    outcome.ignored_headers = checked.ignored_headers
    header_problem = not checked.ok and (checked.problems["row"] == 1).any()
    if header_problem or checked.typed.empty:
        return _rejected(outcome, checked.problems, outcome.rows_in_file), checked
    if checked.ok and not preview:
        return outcome, checked
    # Rows that passed the file checks go on to the database checks, so one report says all.
    step("checking against the database", 0.4)
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


def _log_fields(outcome: Outcome, started: float) -> dict:
    """What the import log says of an outcome (sitrep.opstore.IMPORT_LOG_COLUMNS)."""
    c = outcome.counts
    return {"status": outcome.status, "file_sha256": outcome.sha256 or "", "file_encoding": outcome.encoding or None,
            "rows_in_file": outcome.rows_in_file, "rows_inserted": c.inserted, "rows_updated": c.updated,
            "rows_unchanged": c.unchanged, "rows_rejected": outcome.rows_rejected,
            "problems": len(outcome.problems), "persons_added": c.persons_added,
            "persons_updated": c.persons_updated, "seconds": round(time.perf_counter() - started, 3)}


def log_refusal(db: Path | str, outcome: Outcome, by: str, via: str, started: float | None = None) -> int:
    """Log a refused file in the operational store (the database is not touched); its import number."""
    fields = _log_fields(outcome, started if started is not None else time.perf_counter())
    fields["status"] = "rejected"
    import_id = opstore.add_import(db, imported_by=by, via=via, file_name=outcome.file_name, table_name=outcome.table,
                                   **fields)
    _audit(db, outcome, by, via, import_id)
    return import_id


def _audit(db: Path | str, outcome: Outcome, by: str, via: str, import_id: int | None) -> None:
    """Every import and refusal in the audit log too (issue 12), under the account named `by`
    when there is one (its role kept), else the name as given (an operating-system user)."""
    account = users.user(db, by) if by else None
    audit.record(db, audit.IMPORT, user=account or by, object=outcome.table, via=via,
                 outcome=audit.OK if outcome.status == "applied" else audit.REFUSED,
                 details={"file": outcome.file_name, "sha256": outcome.sha256 or "", "import_id": import_id,
                          "status": outcome.status, "rows_in_file": outcome.rows_in_file,
                          "inserted": outcome.counts.inserted, "updated": outcome.counts.updated,
                          "problems": len(outcome.problems)})


def _file_identity(path: Path) -> str:
    st = path.stat()
    return f"{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}"


def settle_started(db: Path) -> list[int]:
    """Settle the log rows of imports into `db` that never completed (call only under the lock, so
    none of them is still running): `applied` if the database is the copy they were about to rename,
    else `interrupted`. The numbers of the rows settled."""
    current = _file_identity(db) if db.exists() else None
    settled = []
    for row in opstore.started_imports(db):
        if row["new_file"] and row["new_file"] == current:
            opstore.update_import(db, row["import_id"], status="applied",
                                  note="settled later: the import stopped after replacing the database "
                                       "and before completing its log row")
        else:
            opstore.update_import(db, row["import_id"], status="interrupted",
                                  note="settled later: the import stopped before replacing the database; "
                                       "nothing was written")
        settled.append(row["import_id"])
    return settled


def import_log(db: Path | str, limit: int = 500) -> pd.DataFrame:
    """The import log (applied and refused imports alike), newest first, from the operational store.
    Rows left `started` by a crashed import are settled first when no import is running."""
    db = Path(db)
    try:
        with exclusive(db, wait_seconds=0):
            settle_started(db)
    except (TimeoutError, OSError):
        pass        # an import is running (its row is rightly `started`), or the folder is read-only
    return opstore.import_log(db, limit)


def import_file(db: Path | str, data: bytes, name: str, table: str, by: str | None = None, via: str = "cli",
                ignore_extra: bool = False, log_rejected: bool = True,
                progress: Callable[[str, float], None] | None = None) -> Outcome:
    """Check the file and apply it to the database at `db` in one step, or reject it whole.

    A rejected file is logged in the operational store (unless log_rejected is False) and leaves
    the database file as it was, byte for byte: it is not even opened for writing."""
    db = Path(db)
    by = by or os.environ.get("SITREP_OPERATOR") or getpass.getuser()
    step = progress or (lambda label, fraction: None)
    started = time.perf_counter()
    if table not in specs.TABLES:
        raise KeyError(f"no importable table {table!r}: one of {', '.join(specs.TABLES)}")
    if not db.exists():
        raise FileNotFoundError(f"no database at {db}: build one with `python -m sitrep build-demo`")

    # The file alone first, on a read-only look at the database: a bad file costs no copy.
    reader = connect_read(db)
    try:
        outcome, checked = check_file(reader, data, name, table, ignore_extra, preview=False, progress=step)
    finally:
        reader.close()
    if outcome.status == "rejected" and (checked is None or not checked.ok):
        if log_rejected:
            outcome.import_id = log_refusal(db, outcome, by, via, started)
        outcome.seconds = time.perf_counter() - started
        return outcome
    outcome = _apply(db, outcome, checked, by, via, started, step)
    outcome.seconds = time.perf_counter() - started
    _audit(db, outcome, by, via, outcome.import_id)
    step("done", 1.0)
    return outcome


def _apply(db: Path, outcome: Outcome, checked: Checked, by: str, via: str, started: float,
           step: Callable[[str, float], None]) -> Outcome:
    with exclusive(db, on_wait=lambda: step("waiting for another import", 0.1)):
        settle_started(db)
        remove_stray_copies(db)
        import_id = opstore.add_import(db, imported_by=by, via=via, file_name=outcome.file_name,
                                       table_name=outcome.table, **{**_log_fields(outcome, started),
                                                                    "status": "started"})
        outcome.import_id = import_id
        copy = db.with_name(f"{_copy_prefix(db)}{os.getpid()}.duckdb")
        replaced = False
        try:
            step("copying the database", 0.2)
            shutil.copyfile(db, copy)
            wal = db.with_name(db.name + ".wal")
            if wal.exists():        # a writer that never checkpointed: its log is part of the data
                shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
            con = duckdb.connect(str(copy))
            try:
                # Checked again against the database as it is now: another import may have
                # landed since the first look. The rows are loaded before the transaction
                # begins (Staged.load says why).
                step("checking against the database", 0.4)
                staged = Staged(con, checked)
                staged.load()
                con.execute("begin transaction")
                found = staged.stage()
                if found.empty:
                    step("writing", 0.6)
                    outcome.counts = staged.write()
                    outcome.status = "applied"
                    outcome.data_as_of = _advance_data_as_of(con, staged.newest_time())
                    staged.drop()
                    step("committing", 0.85)
                    con.execute("commit")
                    con.execute("checkpoint")
                else:
                    con.execute("rollback")
                    outcome = _rejected(outcome, found, outcome.rows_in_file)
                    outcome.counts = Counts()
            except duckdb.Error as error:
                # A database error the checks did not foresee: the file is refused whole, as a
                # report row naming the error's kind, never its message (which can quote values).
                # The copy is dropped unused, so the database file is as it was.
                outcome = _rejected(outcome, database_problem(error), outcome.rows_in_file)
                outcome.counts = Counts()
            finally:
                con.close()
            if outcome.status != "applied":     # refused after all: the copy is dropped unused
                opstore.update_import(db, import_id, **_log_fields(outcome, started))
                return outcome
            _fsync(copy)
            # What the log needs if the process dies after the rename: the counts, and how to
            # recognise the new database file (settle_started).
            opstore.update_import(db, import_id, **{**_log_fields(outcome, started), "status": "started"},
                                  new_file=_file_identity(copy))
            os.replace(copy, db)
            replaced = True
            _fsync(db.parent)
            opstore.update_import(db, import_id, status="applied",
                                  seconds=round(time.perf_counter() - started, 3))
        except Exception as error:
            if not replaced:
                opstore.update_import(db, import_id, status="interrupted",
                                      note=f"failed before replacing the database: {error_kind(error)}")
            raise
        finally:
            copy.unlink(missing_ok=True)
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    return outcome


def error_kind(error: BaseException) -> str:
    """An unforeseen error as a log or screen may show it: its kind, and an OS error's reason ("No
    space left on device"), never another message, which can quote the file's values."""
    reason = f": {error.strerror}" if isinstance(error, OSError) and error.strerror else ""
    return f"{type(error).__name__}{reason}"


def _advance_data_as_of(con: duckdb.DuckDBPyConnection, newest: pd.Timestamp | None) -> pd.Timestamp | None:
    """The data now reach the newest time written, if that is later than what they reached."""
    current = con.execute("select value from dataset_info where key = 'data_as_of'").fetchone()
    current = pd.Timestamp(current[0]) if current else None
    if newest is not None and (current is None or newest > current):
        con.execute("insert or replace into dataset_info (key, value) values ('data_as_of', $value)",
                    {"value": str(newest)})
        return newest
    return current
