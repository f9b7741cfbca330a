"""DuckDB access: the schema, the writer and per-thread readers.

DuckDB allows one writing process. The app only reads: every thread gets its own
cursor from one read-only connection (a connection shared across threads fails in
DuckDB 2.0). Builds and imports write a copy and rename it over the file
(sitrep.intake.run), so readers open the file afresh to see new data: see connect_read.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from sitrep import QUERIES_DIR
from sitrep.queries import sql_text

SCHEMA_DIR = QUERIES_DIR / "schema"
STAGING_DIR = QUERIES_DIR / "staging"


def schema_files() -> list[Path]:
    return sorted(SCHEMA_DIR.glob("*.sql"))


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for path in schema_files():
        con.execute(path.read_text(encoding="utf-8"))


def staging_files() -> list[Path]:
    return sorted(STAGING_DIR.glob("*.sql"))


def install_staging_views(con: duckdb.DuckDBPyConnection) -> None:
    """Staging models (queries/staging/NAME.sql, plain selects) as temporary views NAME.

    Temporary, so they work on read-only connections and on databases built before a
    view changed; each connection or cursor installs its own. A view that reads another
    is created after it (passes until every view stands).
    """
    pending = staging_files()
    while pending:
        failed = []
        for path in pending:
            try:
                con.execute(f"create or replace temp view {path.stem} as\n{sql_text(f'staging/{path.stem}')}")
            except duckdb.CatalogException:
                failed.append(path)
        if len(failed) == len(pending):
            raise RuntimeError(f"staging views that cannot be created: {[p.stem for p in failed]}")
        pending = failed


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The database's tables (not the staging views, which are temporary)."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = 'main' and table_type = 'BASE TABLE' "
        "order by table_name"
    ).fetchall()
    return [r[0] for r in rows]


def connect_read(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file at `path` as it is now.

    Not duckdb.connect(path): within one process DuckDB hands every connect to a path the
    database instance already open there, so after an import replaced the file, a new
    connection would still read the replaced one for as long as any old connection lives.
    Attaching into a private in-memory instance opens the file afresh every time."""
    con = duckdb.connect(":memory:")
    con.execute("attach $path as sitrep (read_only)", {"path": str(path)})
    con.execute("use sitrep")
    return con


def current_catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def new_cursor(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor for another thread: same database as `con`, with the staging views. From other
    threads than con's, pass `catalog` (current_catalog(con), read once on con's thread):
    con itself must not be queried from two threads at once."""
    catalog = catalog or current_catalog(con)
    cur = con.cursor()
    cur.execute(f'use "{catalog}"')
    install_staging_views(cur)
    return cur


class ReadPool:
    """One read-only connection; each thread reads through its own cursor."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        self._con = connect_read(self.path)
        self._catalog = current_catalog(self._con)
        self._local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = new_cursor(self._con, self._catalog)
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        self._con.close()


def file_version(path: Path | str) -> int:
    """The database file's modification time in ns: changes whenever it is rebuilt or replaced
    (0 while there is no file)."""
    path = Path(path)
    return path.stat().st_mtime_ns if path.exists() else 0


class VersionedPools:
    """One ReadPool per version of a database file. An import replaces the file (sitrep.intake.run):
    a new version gets a new pool, and a reader that pinned a version keeps it, so one page run's
    numbers all come from one file. The `keep` newest versions stay open; an older pool is dropped,
    and DuckDB closes it (releasing the replaced file) once no running query holds a cursor of it."""

    def __init__(self, keep: int = 2):
        self.keep = keep
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, int], ReadPool] = {}

    def latest(self, path: Path | str) -> tuple[int, ReadPool]:
        """The newest version of the file and its pool, opened if new."""
        path = str(path)
        with self._lock:
            while True:
                version = file_version(path)
                pool = self._pools.get((path, version))
                if pool is not None:
                    return version, pool
                pool = ReadPool(path)
                if file_version(path) == version:   # not replaced while opening: the pool is that version
                    break
                pool.close()
            self._pools[(path, version)] = pool
            mine = sorted(v for p, v in self._pools if p == path)
            for old in mine[:-self.keep]:
                del self._pools[(path, old)]
            return version, pool

    def get(self, path: Path | str, version: int) -> ReadPool | None:
        """The pool of that version, while it is still kept."""
        with self._lock:
            return self._pools.get((str(path), version))


def dataset_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from dataset_info").fetchall())
