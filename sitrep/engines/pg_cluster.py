"""A private, throwaway PostgreSQL cluster, and a DuckDB database copied into it.

For the engine comparison (benchmarks/bench_engines.py) and its test: the same tables, rows and
types as a Sitrep DuckDB file, in PostgreSQL as SORMAS and DHIS2 run it, with an index on every
*_at, *_code and *_id column and fresh statistics (ANALYZE).

    with PrivateCluster() as cluster:                 # initdb + pg_ctl start, in a temp folder
        report = load_duckdb(cluster, "data/sitrep.duckdb")
        engine = PostgresEngine(cluster.conninfo())   # sitrep.engines.postgres

The cluster lives in a new temporary folder (data, socket, log); it listens on a unix socket in
that folder (mode 0700: only its owner, and root, can connect) and on 127.0.0.1 at a free port,
where a random password is required. `stop()` (or leaving the `with`) stops it and removes the
folder; an `atexit` hook does the same if the process ends without it, on error included. Killed
with SIGKILL, nothing can run: the folder is named sitrep-pg-* in the temp directory and its
server's pid is in data/postmaster.pid.

Debian's `postgresql` package provides the binaries (/usr/lib/postgresql/VERSION/bin); PostgreSQL
refuses to run as root, so under root the server runs as the `postgres` user the package creates.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

INSTALL_HINT = ("PostgreSQL's server binaries were not found: install Debian's `postgresql` package "
                "(apt-get install postgresql) or pass bin_dir / set SITREP_PG_BIN to the folder holding initdb")

# A throwaway cluster for reading: durability off (a crash loses nothing we need), memory for a
# two-core machine with other work on it. wal_level=minimal lets COPY into a table created in
# the same transaction skip the WAL.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "4GB",
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "effective_cache_size": "4GB",
    "max_parallel_workers_per_gather": "2",
    "jit": "off",
    "timezone": "UTC",
    "log_min_messages": "warning",
}

# DuckDB type (information_schema spelling, upper case) -> PostgreSQL type.
PG_TYPES = {"VARCHAR": "text", "INTEGER": "integer", "BIGINT": "bigint", "SMALLINT": "smallint",
            "TINYINT": "smallint", "DOUBLE": "double precision", "FLOAT": "real", "BOOLEAN": "boolean",
            "DATE": "date", "TIMESTAMP": "timestamp", "HUGEINT": "numeric(38,0)"}
INDEXED_SUFFIXES = ("_at", "_code", "_id")
COPY_BATCH_ROWS = 200_000


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's binaries or psycopg are missing: the message says what to install."""


def find_bin_dir(bin_dir: str | Path | None = None) -> Path:
    """The folder of initdb, pg_ctl and postgres: bin_dir, $SITREP_PG_BIN, or the newest
    /usr/lib/postgresql/*/bin."""
    chosen = bin_dir or os.environ.get("SITREP_PG_BIN")
    newest_first = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for candidate in [chosen] if chosen else newest_first:
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    raise PostgresUnavailable(INSTALL_HINT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_type(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if t.startswith("DECIMAL"):
        return t.lower().replace("decimal", "numeric")
    if t not in PG_TYPES:
        raise ValueError(f"no PostgreSQL type for the DuckDB type {duckdb_type!r}")
    return PG_TYPES[t]


class PrivateCluster:
    """One PostgreSQL cluster in a new temporary folder, started on `start()` (or `with`), stopped
    and removed on `stop()`, on leaving the `with`, or at the process's exit."""

    def __init__(self, bin_dir: str | Path | None = None, settings: dict[str, str] | None = None,
                 database: str = "sitrep"):
        self.bin_dir = find_bin_dir(bin_dir)
        self.settings = {**SERVER_SETTINGS, **(settings or {})}
        self.database = database
        self.user = "sitrep"
        self.password = secrets.token_urlsafe(24)
        self.folder: Path | None = None
        self.port: int | None = None
        self._running = False
        # PostgreSQL will not run as root: then its processes run as the package's postgres user.
        self._run_as = "postgres" if os.geteuid() == 0 else None

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def _server_command(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        done = subprocess.run([str(a) for a in args], user=self._run_as, capture_output=True, text=True,
                              timeout=timeout, cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
        return done

    def start(self) -> "PrivateCluster":
        if self._running:
            return self
        self.folder = Path(tempfile.mkdtemp(prefix="sitrep-pg-"))
        atexit.register(self.stop)
        try:
            self.socket_dir.mkdir(mode=0o700)
            pwfile = self.folder / "pwfile"
            pwfile.write_text(self.password + "\n")
            if self._run_as:
                owner = pwd.getpwnam(self._run_as)
                for path in (self.folder, self.socket_dir, pwfile):
                    os.chown(path, owner.pw_uid, owner.pw_gid)
            self._server_command(self.bin_dir / "initdb", "-D", self.data_dir, "-U", self.user,
                                 "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
                                 "-E", "UTF8", "--locale=C", "--no-sync")
            pwfile.unlink()
            self.port = free_port()
            options = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                       "unix_socket_directories": str(self.socket_dir), **self.settings}
            with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write("\n# sitrep.engines.pg_cluster\n")
                conf.writelines(f"{key} = '{value}'\n" for key, value in options.items())
            self._server_command(self.bin_dir / "pg_ctl", "-D", self.data_dir, "-l", self.folder / "server.log",
                                 "-w", "-t", "60", "start")
            self._running = True
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self

    def _create_database(self) -> None:
        psycopg = require_psycopg()
        with psycopg.connect(**self.conninfo(database="postgres"), autocommit=True) as con:
            con.execute(f'create database "{self.database}"')

    def conninfo(self, database: str | None = None) -> dict[str, Any]:
        """Keyword arguments of psycopg.connect: over the unix socket, as the cluster's superuser."""
        if not self._running:
            raise RuntimeError("the cluster is not running: start() it first")
        return {"host": str(self.socket_dir), "port": self.port, "user": self.user,
                "dbname": database or self.database}

    def stop(self) -> None:
        """Stop the server (fast: open connections are ended) and remove the folder. Safe to call twice."""
        if self.folder is None:
            return
        try:
            if self._running or (self.data_dir / "postmaster.pid").exists():
                subprocess.run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w",
                                "-t", "60", "stop"], user=self._run_as, capture_output=True, timeout=90,
                               cwd=self.folder)
        finally:
            self._running = False
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
            atexit.unregister(self.stop)

    def __enter__(self) -> "PrivateCluster":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def require_psycopg():
    try:
        import psycopg
    except ImportError as error:
        raise PostgresUnavailable("psycopg is not installed: `.venv/bin/python -m pip install -r "
                                  "requirements-bench.txt`") from error
    return psycopg


# --- loading a DuckDB database ---------------------------------------------------------------------

@dataclass
class LoadReport:
    rows: dict[str, int] = field(default_factory=dict)
    copy_seconds: float = 0.0
    index_seconds: float = 0.0
    analyze_seconds: float = 0.0
    indexes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.copy_seconds + self.index_seconds + self.analyze_seconds


def duckdb_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """The main schema's base tables: name -> [(column, DuckDB type)] in column order."""
    rows = con.execute(
        "select c.table_name, c.column_name, c.data_type from information_schema.columns c "
        "join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema "
        "where c.table_schema = 'main' and t.table_type = 'BASE TABLE' "
        "order by c.table_name, c.ordinal_position").fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def create_table_sql(table: str, columns: list[tuple[str, str]]) -> str:
    return f'create table "{table}" (' + ", ".join(f'"{c}" {pg_type(t)}' for c, t in columns) + ")"


def indexed_columns(columns: list[tuple[str, str]]) -> list[str]:
    return [c for c, _ in columns if c.endswith(INDEXED_SUFFIXES)]


def csv_batches(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]],
                batch_rows: int = COPY_BATCH_ROWS):
    """The table's rows as CSV text (bytes), `batch_rows` at a time, streamed from DuckDB: never
    the whole table in memory. A null is an unquoted empty field, every value is quoted (so an
    empty text stays an empty text); times are written by DuckDB as text PostgreSQL reads exactly."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # Times and doubles as DuckDB writes them: exact (a double's shortest round-trip text).
    selected = ", ".join(f'cast("{c}" as varchar) as "{c}"' if t.upper() in ("TIMESTAMP", "DOUBLE", "FLOAT")
                         else f'"{c}"' for c, t in columns)
    reader = con.sql(f'select {selected} from "{table}"').to_arrow_reader(batch_rows)
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    for batch in reader:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(batch, sink, write_options=options)
        yield sink.getvalue().to_pybytes()


def load_duckdb(cluster: PrivateCluster, duckdb_path: str | Path, tables: list[str] | None = None,
                progress=None) -> LoadReport:
    """Every base table of the DuckDB file (or `tables`) into the cluster's database: created with
    matching types, filled with COPY FROM STDIN in batches, an index on each *_at, *_code and *_id
    column, then ANALYZE. `progress(message)` is told each step."""
    psycopg = require_psycopg()
    say = progress or (lambda message: None)
    report = LoadReport()
    source = duckdb.connect(str(duckdb_path), read_only=True)
    source.execute("set enable_progress_bar = false")
    try:
        found = duckdb_tables(source)
        if tables is not None:
            missing = sorted(set(tables) - set(found))
            if missing:
                raise ValueError(f"{duckdb_path} has no table {missing}")
            found = {t: found[t] for t in tables}
        with psycopg.connect(**cluster.conninfo(), autocommit=True) as con:
            started = time.perf_counter()
            for table, columns in found.items():
                table_started = time.perf_counter()
                with con.transaction():
                    con.execute(f'drop table if exists "{table}"')
                    con.execute(create_table_sql(table, columns))
                    names = ", ".join(f'"{c}"' for c, _ in columns)
                    with con.cursor().copy(f'copy "{table}" ({names}) from stdin (format csv)') as copy:
                        for chunk in csv_batches(source, table, columns):
                            copy.write(chunk)
                    report.rows[table] = con.execute(f'select count(*) from "{table}"').fetchone()[0]
                say(f"{table}: {report.rows[table]:,} rows in {time.perf_counter() - table_started:.1f} s")
            report.copy_seconds = time.perf_counter() - started

            started = time.perf_counter()
            for table, columns in found.items():
                for column in indexed_columns(columns):
                    index = f"{table}_{column}_idx"
                    con.execute(f'create index "{index}" on "{table}" ("{column}")')
                    report.indexes.append(index)
            report.index_seconds = time.perf_counter() - started
            say(f"{len(report.indexes)} indexes in {report.index_seconds:.1f} s")

            started = time.perf_counter()
            con.execute("analyze")
            report.analyze_seconds = time.perf_counter() - started
            say(f"analyze in {report.analyze_seconds:.1f} s")
    finally:
        source.close()
    return report
