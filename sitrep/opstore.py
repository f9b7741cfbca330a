"""Sitrep's operational store: one small SQLite file for what the app *does*, beside the analytics.

The analytics database (DuckDB, data/sitrep.duckdb) allows one writing process and is replaced
whole by every import, so it cannot hold records that many processes write at once, or that must
outlive an import. Those live here: a SQLite database in WAL mode (many readers and one writer at
a time across processes, writers waiting up to BUSY_TIMEOUT_MS for each other instead of failing),
beside the analytics file: data/sitrep.ops.sqlite for data/sitrep.duckdb (so a test's temporary
database gets a store of its own), or the file $SITREP_OPS names.

It holds the import log (issue 11): every applied or refused import; and users, their sessions and
the audit log (issue 12: sitrep/users.py, sitrep/sessions.py, sitrep/audit.py); alerts and their
history (issue 14: sitrep/alerts.py). New tables come as migrations: MIGRATIONS is append-only, and PRAGMA user_version says how many
of them a store has had; every connection brings its store up to date (idempotent, and safe when
several processes open a new store at once: the check and the migration share one write lock).

The SQL is here, not in queries/: that folder is the analytics SQL, DuckDB dialect, checked to port
to Spark (tests/test_portability.py); this is SQLite, for a local operational file, and never ports.
Values are always bound (`:name`); only the integer user_version and the busy timeout, constants of
this module, are formatted into PRAGMAs, which take no parameters.

Connections: one per call (`connect`), never shared between threads or processes; opening a SQLite
file costs well under a millisecond, and a connection opened after a fork is always sound.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

OPS_ENV = "SITREP_OPS"
BUSY_TIMEOUT_MS = 30_000
TIME_ZONE = "Asia/Shanghai"

# Append only: a store at user_version n has had the first n. Each is a list of statements.
MIGRATIONS: list[list[str]] = [
    # 1: the import log (issue 11; it was the DuckDB table import_log, issue 5).
    [
        """
        create table import_log (
            import_id        integer primary key autoincrement,  -- never reused, even after a delete
            imported_at      text not null,     -- local time, Asia/Shanghai, 'YYYY-MM-DD HH:MM:SS': when it started
            imported_by      text not null,     -- the duty officer (CLI: --by or the login name; page: the field)
            via              text not null check (via in ('cli', 'upload', 'watch')),  -- watch: the drop folder
            database         text not null,     -- the analytics file it was for (absolute path)
            file_name        text not null,
            file_sha256      text not null,     -- empty when the file could not be read at all
            file_encoding    text,              -- utf-8, utf-8-sig, gb18030, utf-16, xlsx
            table_name       text not null,
            status           text not null check (status in ('started', 'applied', 'rejected', 'interrupted')),
            rows_in_file     integer not null default 0 check (rows_in_file >= 0),
            rows_inserted    integer not null default 0 check (rows_inserted >= 0),
            rows_updated     integer not null default 0 check (rows_updated >= 0),
            rows_unchanged   integer not null default 0 check (rows_unchanged >= 0),
            rows_rejected    integer not null default 0 check (rows_rejected >= 0),
            problems         integer not null default 0 check (problems >= 0),
            persons_added    integer not null default 0,
            persons_updated  integer not null default 0,
            seconds          real,
            new_file         text,              -- device:inode:mtime of the copy about to replace the database
            note             text               -- how a 'started' row was settled after a crash
        )
        """,
        "create index import_log_by_status on import_log (database, status)",
        # The watched drop folder never applies the same bytes twice: it looks them up by SHA-256.
        "create index import_log_by_sha256 on import_log (file_sha256, status)",
    ],
    # 2: users, their sessions and the audit log (issue 12; sitrep/users.py, sitrep/sessions.py, sitrep/audit.py).
    [
        """
        create table users (
            login            text primary key,  -- lower case: a local name, or the e-mail / subject single sign-on gives
            role             text not null,     -- a key of sitrep.access.ROLES (checked there, not here: roles may grow)
            districts        text not null default '',   -- district codes, comma-separated; a district officer's scope
            unit             text not null default '',   -- responsible unit (责任单位)
            display_name     text not null default '',
            password_hash    text,              -- argon2id (PHC string); null: single sign-on or proxy only
            disabled         integer not null default 0 check (disabled in (0, 1)),
            demo             integer not null default 0 check (demo in (0, 1)),   -- a demo database's account
            created_at       text not null,     -- local time, Asia/Shanghai, 'YYYY-MM-DD HH:MM:SS'
            created_by       text not null,
            changed_at       text not null,
            changed_by       text not null,
            failed_logins    integer not null default 0 check (failed_logins >= 0),  -- since the last success or lock
            locked_until     text,              -- no password is accepted before this moment
            last_login_at    text
        )
        """,
        """
        create table sessions (
            session_id       integer primary key autoincrement,
            token_sha256     text not null unique,  -- the browser holds the token (a cookie); the store only its hash
            login            text not null references users (login),
            kind             text not null check (kind in ('password', 'sso', 'proxy')),
            created_at       text not null,
            last_seen_at     text not null,
            ended_at         text,
            end_reason       text               -- logout, idle, expired, disabled
        )
        """,
        "create index sessions_by_login on sessions (login, ended_at)",
        """
        create table audit_log (
            audit_id         integer primary key autoincrement,
            at               text not null,     -- local time, Asia/Shanghai
            login            text not null,     -- who: a user's login, the OS user of a command, '' when unknown
            role             text not null default '',
            via              text not null,     -- app, cli, sso, proxy
            event            text not null,     -- sitrep.audit's constants
            object           text not null default '',  -- what: a user, a table, a metric, a briefing, a file
            scope            text not null default '',  -- districts it covered: 'city' or codes
            details          text not null default '{}',   -- JSON
            outcome          text not null check (outcome in ('ok', 'refused', 'failed'))
        )
        """,
        "create index audit_log_by_at on audit_log (at)",
        # Append-only: nothing, not even the app with its own connection, changes or removes an entry.
        """
        create trigger audit_log_is_append_only_update before update on audit_log
        begin select raise(abort, 'the audit log is append-only: entries cannot be changed'); end
        """,
        """
        create trigger audit_log_is_append_only_delete before delete on audit_log
        begin select raise(abort, 'the audit log is append-only: entries cannot be deleted'); end
        """,
    ],
    # 3: alerts and their history (issue 14; sitrep/alerts.py explains the lifecycle).
    [
        """
        create table alerts (
            alert_id         integer primary key autoincrement,
            rule_id          text not null,     -- a flagging rule of metrics.toml
            district_code    text not null default '',   -- '' = the city row
            round_id         text not null default '',   -- per-round rules (TEST-ROUND, TEST-CADENCE); '' otherwise
            first_opened_at  text not null,     -- data time, Asia/Shanghai, 'YYYY-MM-DD HH:MM:SS'
            unique (rule_id, district_code, round_id)
        )
        """,
        """
        create table alert_events (
            event_id         integer primary key autoincrement,
            alert_id         integer not null references alerts (alert_id),
            at               text not null,     -- data time of the event (see sitrep.alerts.clock)
            recorded_at      text not null,     -- wall clock, Asia/Shanghai: when it was written
            kind             text not null check (kind in
                                 ('opened', 'reopened', 'green', 'red_again', 'acknowledged', 'in_hand', 'note', 'closed')),
            login            text not null default '',   -- '' = the data; else the user who acted
            unit             text not null default '',   -- the user's responsible unit at the time
            text             text not null default '',   -- note, action taken, or reason for closing
            value            real,              -- the data events: the rule's value then
            threshold        real
        )
        """,
        "create index alert_events_by_alert on alert_events (alert_id, at)",
        "create index alert_events_by_at on alert_events (at)",
        """
        create trigger alert_events_are_append_only_update before update on alert_events
        begin select raise(abort, 'alert history is append-only: events cannot be changed'); end
        """,
        """
        create trigger alert_events_are_append_only_delete before delete on alert_events
        begin select raise(abort, 'alert history is append-only: events cannot be deleted'); end
        """,
    ],
]

IMPORT_LOG_COLUMNS = (
    "imported_at", "imported_by", "via", "database", "file_name", "file_sha256", "file_encoding", "table_name",
    "status", "rows_in_file", "rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected", "problems",
    "persons_added", "persons_updated", "seconds", "new_file", "note",
)


def path_for(db: Path | str) -> Path:
    """The store beside the analytics file `db` (sitrep.duckdb → sitrep.ops.sqlite), or $SITREP_OPS."""
    named = os.environ.get(OPS_ENV)
    if named:
        return Path(named)
    db = Path(db)
    return db.with_name(f"{db.stem}.ops.sqlite")


def now() -> str:
    """The local time (Asia/Shanghai) to the second, as the store keeps times."""
    return pd.Timestamp.now(tz=TIME_ZONE).tz_localize(None).floor("s").strftime("%Y-%m-%d %H:%M:%S")


def _retry_locked(action, deadline: float):
    """Switching to WAL can fail with 'database is locked' without waiting (SQLite skips the busy
    handler there); retry until the busy timeout has passed."""
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def migrate(con: sqlite3.Connection) -> int:
    """Apply the migrations the store has not had, under one write lock; return its version."""
    version = con.execute("pragma user_version").fetchone()[0]
    if version >= len(MIGRATIONS):
        return version
    con.execute("begin immediate")         # waits (busy timeout) for another process migrating
    try:
        version = con.execute("pragma user_version").fetchone()[0]
        for number in range(version, len(MIGRATIONS)):
            for statement in MIGRATIONS[number]:
                con.execute(statement)
            con.execute(f"pragma user_version = {int(number + 1)}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(MIGRATIONS)


@contextmanager
def connect(db: Path | str) -> Iterator[sqlite3.Connection]:
    """A connection to the store for the analytics file `db`, up to date, closed on exit.
    Autocommit: each statement is its own transaction unless wrapped in `transaction`."""
    path = path_for(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as con:
        con.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        mode = _retry_locked(lambda: con.execute("pragma journal_mode = wal").fetchone()[0], deadline)
        if mode != "wal":
            raise RuntimeError(f"{path}: SQLite would not use WAL mode (journal_mode is {mode!r})")
        con.execute("pragma synchronous = full")     # a logged import survives a power cut
        _retry_locked(lambda: migrate(con), deadline)
        yield con


def version(db: Path | str) -> int:
    with connect(db) as con:
        return con.execute("pragma user_version").fetchone()[0]


# --- the import log ---------------------------------------------------------------------------------

def _checked(fields: dict) -> dict:
    unknown = set(fields) - set(IMPORT_LOG_COLUMNS)
    if unknown:
        raise KeyError(f"import_log has no column {', '.join(sorted(unknown))}")
    return fields


def add_import(db: Path | str, **fields) -> int:
    """Insert one import_log row (columns IMPORT_LOG_COLUMNS; `database` defaults to `db`); its id."""
    row = _checked({"imported_at": now(), "database": str(Path(db).resolve()), **fields})
    names = list(row)
    with connect(db) as con:
        cursor = con.execute(f"insert into import_log ({', '.join(names)}) "
                             f"values ({', '.join(':' + n for n in names)})", row)
        return int(cursor.lastrowid)


def update_import(db: Path | str, import_id: int, **fields) -> None:
    """Change columns of one import_log row."""
    row = _checked(fields)
    if not row:
        return
    with connect(db) as con:
        cursor = con.execute(f"update import_log set {', '.join(f'{n} = :{n}' for n in row)} "
                             "where import_id = :import_id", {**row, "import_id": int(import_id)})
        if cursor.rowcount != 1:
            raise KeyError(f"no import #{import_id} in {path_for(db)}")


def started_imports(db: Path | str) -> list[dict]:
    """The rows of imports into `db` that started and were never completed (oldest first)."""
    with connect(db) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute("select * from import_log where database = :database and status = 'started' "
                           "order by import_id", {"database": str(Path(db).resolve())}).fetchall()
        return [dict(r) for r in rows]


def applied_with_sha256(db: Path | str, sha256: str) -> dict | None:
    """The first applied import into `db` of a file with these bytes (its SHA-256), or None."""
    with connect(db) as con:
        con.row_factory = sqlite3.Row
        row = con.execute("select * from import_log where file_sha256 = :sha256 and status = 'applied' "
                          "and database = :database order by import_id limit 1",
                          {"sha256": sha256, "database": str(Path(db).resolve())}).fetchone()
        return dict(row) if row else None


def import_log(db: Path | str, limit: int = 500) -> pd.DataFrame:
    """The newest `limit` imports (applied, refused, started, interrupted) in the store of `db`, newest
    first. All of the store's rows: by default the store is `db`'s alone, and its history stays
    readable when the data folder moves (the `database` column keeps the path at the time)."""
    with connect(db) as con:
        frame = pd.read_sql_query(
            "select import_id, imported_at, imported_by, via, file_name, file_sha256, file_encoding, table_name, "
            "status, rows_in_file, rows_inserted, rows_updated, rows_unchanged, rows_rejected, problems, "
            "persons_added, persons_updated, seconds, note "
            "from import_log order by import_id desc limit :limit", con, params={"limit": int(limit)})
    frame["imported_at"] = pd.to_datetime(frame["imported_at"])
    return frame
