"""The watched drop folder (issue 11, item 7): `python -m sitrep watch DIR` imports each file that
lands in DIR, then moves it to DIR/done/ or DIR/refused/.

- **Which files.** `.csv`, `.txt`, `.tsv`, `.xlsx` and `.xls` (the importer says what is wrong with
  an old `.xls`). Names starting with `.` or `~$` (Excel's lock files), ending in `.part`, `.tmp`,
  `.crdownload` or `~`, and sidecars (`.table`, `.json`) are left alone; any other file is refused
  as not a data file.
- **Still being written.** A file is taken once its size and modification time are the same at two
  looks in a row: a poll interval apart (`watch_poll_seconds`) in the loop, SETTLE_SECONDS apart
  with --once. A sender that can rename should write `NAME.part` and rename it when complete.
- **Which table.** A sidecar `FILE.table` (the table's name or Chinese name, as text) or `FILE.json`
  (`{"table": "..."}`), written before the file, wins; else the file name starts with a table's
  name (`testing_progress_reports_0805-1000.csv`; case, `-` and spaces do not count, and a letter
  may not follow) or its Chinese name (`核酸检测进度0805.xlsx`), the longest that fits. A file with
  neither is refused, with a report that says so and lists the tables.
- **Never twice.** A file whose bytes (SHA-256) the import log shows applied to this database is
  moved to done/ without importing, with a note naming that import. Rows an interrupted import left
  `started` are settled first (sitrep.intake.run.settle_started), so a file whose import was in fact
  applied counts.
- **What is left beside it.** done/FILE.result.txt says what happened; refused/FILE.report.csv is
  the problem report (sitrep.intake.report.report_frame, personal data masked as everywhere). A
  sidecar moves with its file. A name already in done/ or refused/ gets `-2`, `-3`… before its suffix.
- **One watcher per folder** (DIR/.watch.lock): a second one stops with a message. The import
  itself is sitrep.intake.run.import_file, atomic, with via 'watch'.

Pure: no Streamlit. The command line (sitrep.cli) handles signals and prints the lines.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pandas as pd

from sitrep import opstore
from sitrep.i18n import t
from sitrep.intake import report, run, specs
from sitrep.intake.validate import database_problem
from sitrep.personal import mask_text

DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls")
SIDECAR_SUFFIXES = (".table", ".json")
TEMPORARY_SUFFIXES = (".part", ".tmp", ".crdownload", "~")
DONE, REFUSED = "done", "refused"
LOCK_NAME = ".watch.lock"
SETTLE_SECONDS = 2.0          # --once: how long a file's size and time must stay the same
LOCK_RETRY = "lock"           # a file left for the next look: another import held the lock too long


class NoTable(Exception):
    """The file names no table (or its sidecar names an unknown one): code and detail for the report."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


@dataclass
class Handled:
    """What became of one file."""
    name: str
    result: str     # applied, rejected, duplicate, refused (no table, not a data file), retry, error
    table: str | None = None
    moved_to: Path | None = None
    import_id: int | None = None
    outcome: run.Outcome | None = None
    duplicate_of: int | None = None
    code: str | None = None

    def line(self) -> str:
        """One line for the terminal."""
        where = f" → {self.moved_to.parent.name}/{self.moved_to.name}" if self.moved_to else ""
        if self.result == "applied":
            c = self.outcome.counts
            return (f"{self.name} → {self.table}: imported 已导入 (import #{self.import_id}): {c.inserted:,} new 新增, "
                    f"{c.updated:,} updated 更新, {c.unchanged:,} unchanged 未变{where}")
        if self.result == "duplicate":
            return f"{self.name}: already applied 已导入过 (import #{self.duplicate_of}), not imported again{where}"
        if self.result == "rejected":
            return (f"{self.name} → {self.table}: rejected 已拒绝, {len(self.outcome.problems)} problems 个问题"
                    + (f" (import #{self.import_id})" if self.import_id else "") + where)
        if self.result == "retry":
            return f"{self.name}: another import holds the database; left for the next look 稍后重试"
        if self.result == "error":
            return f"{self.name}: could not be handled 无法处理 ({self.code}); left where it is until it changes"
        return f"{self.name}: refused 已拒绝 ({self.code}){where}"


# --- which files, and when ---------------------------------------------------------------------------

def _ignored(name: str) -> bool:
    lower = name.lower()
    return (name.startswith((".", "~$")) or lower.endswith(TEMPORARY_SUFFIXES)
            or lower.endswith(SIDECAR_SUFFIXES))


def candidates(folder: Path) -> list[Path]:
    """The files in `folder` (not its subfolders) that may be data, by name, oldest name first."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not _ignored(p.name))


class Settle:
    """Files whose size and modification time were the same at the previous look."""

    def __init__(self) -> None:
        self.seen: dict[Path, tuple[int, int]] = {}

    def look(self, folder: Path) -> list[Path]:
        now: dict[Path, tuple[int, int]] = {}
        for path in candidates(folder):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            now[path] = (st.st_size, st.st_mtime_ns)
        ready = [p for p, sig in now.items() if self.seen.get(p) == sig]
        self.seen = now
        return ready


# --- which table -------------------------------------------------------------------------------------

def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace("-", "_").replace(" ", "_")


def table_from_sidecar(path: Path) -> str | None:
    """The table a sidecar FILE.table or FILE.json names; None when there is none."""
    plain, described = path.with_name(path.name + ".table"), path.with_name(path.name + ".json")
    if plain.is_file():
        label = plain.read_text(encoding="utf-8-sig", errors="replace").strip()
    elif described.is_file():
        try:
            label = json.loads(described.read_text(encoding="utf-8-sig"))["table"]
        except (ValueError, KeyError, TypeError):
            raise NoTable("bad_sidecar", described.name)
        if not isinstance(label, str):
            raise NoTable("bad_sidecar", described.name)
    else:
        return None
    table = specs.by_label(label)
    if table is None:
        raise NoTable("unknown_table", label[:60])
    return table


def table_from_name(name: str) -> str | None:
    """The table whose name (or Chinese name) the file name starts with, the longest; None if none."""
    stem = _fold(Path(name).stem)
    best: tuple[int, str] | None = None
    for spec in specs.TABLES.values():
        for label in (_fold(spec.name), _fold(spec.zh)):
            if not stem.startswith(label):
                continue
            after = stem[len(label):len(label) + 1]
            if label.isascii() and after.isascii() and after.isalpha():
                continue                       # `casesx` is not `cases`
            if best is None or len(label) > best[0]:
                best = (len(label), spec.name)
    return best[1] if best else None


def table_for(path: Path) -> str:
    """The table a dropped file is for: its sidecar's, else its name's; NoTable if neither."""
    if path.suffix.lower() not in DATA_SUFFIXES:
        raise NoTable("not_a_data_file", path.suffix or path.name)
    table = table_from_sidecar(path) or table_from_name(path.name)
    if table is None:
        raise NoTable("no_table", ", ".join(f"{s.name} ({s.zh})" for s in specs.TABLES.values()))
    return table


# --- moving ------------------------------------------------------------------------------------------

def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    number = 2
    while target.exists():
        stem, suffix = Path(name).stem, Path(name).suffix
        target = folder / f"{stem}-{number}{suffix}"
        number += 1
    return target


def _move(path: Path, into: Path) -> Path:
    """Move the file and its sidecars into `into`; the file's new path."""
    into.mkdir(exist_ok=True)
    target = _free_name(into, path.name)
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_name(path.name + suffix)
        if sidecar.is_file():
            shutil.move(sidecar, target.with_name(target.name + suffix))
    shutil.move(path, target)
    return target


def _own_problems(code: str, detail: str, name: str) -> pd.DataFrame:
    """A report of one problem the watcher found itself (report.REPORT_COLUMNS)."""
    words = {"no_table": "watch_reason_no_table", "unknown_table": "watch_reason_unknown_table",
             "bad_sidecar": "watch_reason_bad_sidecar", "not_a_data_file": "watch_reason_not_a_data_file"}
    return pd.DataFrame([{
        "文件 file": mask_text(name), "行 row": None, "列 column": "", "值 value": None,
        "原因": t(words[code], "zh", detail=mask_text(detail)),
        "reason": t(words[code], "en", detail=mask_text(detail)), "代码 code": code,
    }], columns=report.REPORT_COLUMNS).astype({"行 row": "Int64"})


def _write_beside(target: Path, suffix: str, data: bytes) -> None:
    target.with_name(target.name + suffix).write_bytes(data)


# --- one file ----------------------------------------------------------------------------------------

def _settle_interrupted(db: Path) -> None:
    """Settle rows an interrupted import left `started`, if no import is running now."""
    try:
        with run.exclusive(db, wait_seconds=0):
            run.settle_started(db)
    except (TimeoutError, OSError):
        pass


def handle(path: Path, db: Path, by: str = "watch") -> Handled:
    """Import one settled file of the drop folder and move it to done/ or refused/."""
    from sitrep.export import csv_bytes

    folder = path.parent
    try:
        table = table_for(path)
    except NoTable as refused:
        target = _move(path, folder / REFUSED)
        _write_beside(target, ".report.csv", csv_bytes(_own_problems(refused.code, refused.detail, path.name)))
        return Handled(path.name, "refused", moved_to=target, code=refused.code)
    data = path.read_bytes()
    _settle_interrupted(db)
    earlier = opstore.applied_with_sha256(db, hashlib.sha256(data).hexdigest())
    if earlier is not None:
        target = _move(path, folder / DONE)
        note = (f"已导入过：与导入 #{earlier['import_id']}（{earlier['imported_at']}，{mask_text(earlier['file_name'])}）"
                f"字节相同，未再次导入。\nAlready applied: the same bytes as import #{earlier['import_id']} "
                f"({earlier['imported_at']}, {mask_text(earlier['file_name'])}); not imported again.\n")
        _write_beside(target, ".result.txt", note.encode("utf-8"))
        return Handled(path.name, "duplicate", table=table, moved_to=target, duplicate_of=earlier["import_id"])
    try:
        outcome = run.import_file(db, data, path.name, table, by=by, via="watch")
    except TimeoutError:
        return Handled(path.name, "retry", table=table, code=LOCK_RETRY)
    except duckdb.Error as error:
        # As the CLI does: a database error the checks did not foresee is a report row naming its
        # kind (never its message, which can quote values); the import is atomic, nothing was written.
        outcome = run.Outcome("rejected", table, path.name, problems=database_problem(error))
    if outcome.status == "applied":
        target = _move(path, folder / DONE)
        c = outcome.counts
        note = (f"已导入 {table}（导入 #{outcome.import_id}）：新增 {c.inserted}，更新 {c.updated}，未变 {c.unchanged}。\n"
                f"Imported into {table} (import #{outcome.import_id}): {c.inserted} new, {c.updated} updated, "
                f"{c.unchanged} unchanged.\n")
        _write_beside(target, ".result.txt", note.encode("utf-8"))
        return Handled(path.name, "applied", table=table, moved_to=target, import_id=outcome.import_id,
                       outcome=outcome)
    target = _move(path, folder / REFUSED)
    frame = report.report_frame(outcome.problems, outcome.file_name, specs.table(table))
    _write_beside(target, ".report.csv", csv_bytes(frame))
    return Handled(path.name, "rejected", table=table, moved_to=target, import_id=outcome.import_id,
                   outcome=outcome)


def handle_safely(path: Path, db: Path, by: str = "watch") -> Handled:
    """handle, with an error it did not foresee (the file vanished, a move failed) reported as the
    result `error`, naming the error's kind (and an OS error's reason), and the file left in place."""
    try:
        return handle(path, db, by)
    except Exception as error:        # one bad file never stops the watcher
        return Handled(path.name, "error", code=run.error_kind(error))


# --- the folder --------------------------------------------------------------------------------------

@contextmanager
def watching(folder: Path) -> Iterator[None]:
    """One watcher per folder: a second one raises RuntimeError."""
    with open(folder / LOCK_NAME, "a+") as handle_:
        try:
            fcntl.flock(handle_, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another watcher is watching {folder} ({folder / LOCK_NAME} is locked)")
        try:
            yield
        finally:
            fcntl.flock(handle_, fcntl.LOCK_UN)


def poll_seconds() -> float:
    from sitrep.settings import current

    return float(current()["watch_poll_seconds"].value)


def once(folder: Path, db: Path, by: str = "watch", settle: float = SETTLE_SECONDS,
         told: Callable[[Handled], None] | None = None) -> list[Handled]:
    """Handle what is in the folder now and return: each file that stayed the same for `settle` seconds."""
    folder, db = Path(folder), Path(db)
    look = Settle()
    done = []
    with watching(folder):
        look.look(folder)
        if look.seen:
            time.sleep(settle)
        for path in look.look(folder):
            done.append(handle_safely(path, db, by))
            if told:
                told(done[-1])
    return done


def watch(folder: Path, db: Path, by: str = "watch", poll: float | None = None,
          stop: threading.Event | None = None, told: Callable[[Handled], None] | None = None,
          waiting: Callable[[str], None] | None = None) -> None:
    """Look at the folder every `poll` seconds (default: the setting) until `stop` is set; a file
    being handled when it is set is finished first."""
    folder, db = Path(folder), Path(db)
    poll = poll_seconds() if poll is None else poll
    stop = stop or threading.Event()
    look = Settle()
    failed: dict[Path, tuple[int, int]] = {}     # files that could not be handled, as they were then
    said_waiting = False
    with watching(folder):
        while not stop.is_set():
            if not db.exists():
                if waiting and not said_waiting:
                    waiting(f"no database at {db} yet; waiting 等待数据库")
                said_waiting = True
            else:
                for path in look.look(folder):
                    if stop.is_set():
                        break
                    if failed.get(path) == look.seen.get(path):
                        continue
                    done = handle_safely(path, db, by)
                    if done.result == "error":
                        failed[path] = look.seen[path]
                    if done.result == "retry":
                        look.seen.pop(path, None)
                    if told:
                        told(done)
            stop.wait(poll)


def prepare(folder: Path) -> Path:
    """The drop folder, checked, with done/ and refused/ made."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    for sub in (DONE, REFUSED):
        (folder / sub).mkdir(exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"cannot write in {folder}: the watcher moves files out of it")
    return folder
