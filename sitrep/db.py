"""DuckDB access: the schema, the writer and per-thread readers.

DuckDB allows one writing process. The app only reads: every thread gets its own
cursor from one read-only connection (a connection shared across threads fails in
DuckDB 2.0). Builds and imports write a copy and rename it over the file
(sitrep.intake.run), so readers open the file afresh to see new data: see connect_read.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import duckdb

from sitrep import QUERIES_DIR
from sitrep.queries import sql_text

SCHEMA_DIR = QUERIES_DIR / "schema"
STAGING_DIR = QUERIES_DIR / "staging"
SCOPE_DIR = QUERIES_DIR / "scope"

# Tables a district-bound user reads whole: they hold no district's records. Every other table
# needs a scope rule, queries/scope/TABLE.sql; a table with neither is refused (see install_scope).
UNSCOPED_TABLES = {
    "dataset_info": "the data's as-of time and build facts",
    "testing_rounds": "a round's name, scope, start and deadline; its districts' work is in "
                      "testing_round_targets, testing_tubes and testing_progress_reports, which are scoped",
}


def schema_files() -> list[Path]:
    return sorted(SCHEMA_DIR.glob("*.sql"))


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for path in schema_files():
        con.execute(path.read_text(encoding="utf-8"))


def staging_files() -> list[Path]:
    return sorted(STAGING_DIR.glob("*.sql"))


def staging_order() -> list[str]:
    """The staging models' names, each after the models it reads (by name in its SQL): the order
    another engine (sitrep.engines.spark, .postgres) creates them in, with no failed attempt."""
    names = [path.stem for path in staging_files()]
    reads = {n: {m for m in names if m != n and re.search(rf"\b{m}\b", sql_text(f"staging/{n}"))} for n in names}
    done: list[str] = []
    while len(done) < len(names):
        ready = [n for n in names if n not in done and reads[n] <= set(done)]
        if not ready:
            raise RuntimeError(f"staging views that read each other: {sorted(set(names) - set(done))}")
        done.extend(ready)
    return done


def install_staging_views(con: duckdb.DuckDBPyConnection) -> None:
    """Staging models (queries/staging/NAME.sql, plain selects) as temporary views NAME.

    Temporary, so they work on read-only connections and on databases built before a
    view changed; each connection or cursor installs its own. A view that reads another
    is created after it (passes until every view stands). The order that worked is kept for the
    next cursor: a view tried before the one it reads fails only after DuckDB has bound most of it.
    """
    pending = sorted(staging_files(), key=lambda path: _staging_order.get(path.stem, len(_staging_order)))
    created = []
    while pending:
        failed = []
        for path in pending:
            try:
                con.execute(f"create or replace temp view {path.stem} as\n{sql_text(f'staging/{path.stem}')}")
                created.append(path.stem)
            except duckdb.CatalogException:
                failed.append(path)
        if len(failed) == len(pending):
            raise RuntimeError(f"staging views that cannot be created: {[p.stem for p in failed]}")
        pending = failed
    _staging_order.update((stem, rank) for rank, stem in enumerate(created))


_staging_order: dict[str, int] = {}     # staging view -> its place in an order in which each view can be created


def scope_files() -> list[Path]:
    return sorted(SCOPE_DIR.glob("*.sql"))


def install_scope(con: duckdb.DuckDBPyConnection, districts: tuple[str, ...], catalog: str) -> None:
    """Bind a cursor to a user's districts (issue 12: jurisdiction in the query layer).

    Every table with a scope rule (queries/scope/TABLE.sql) is shadowed by a temporary view of the
    same name that keeps only the rows of `districts`; the rule reads the table itself as
    base_TABLE and the districts as scope_districts (bound values, never SQL text). Temporary
    objects win over the database's tables in name resolution and belong to this cursor alone,
    so every query on it, the staging views included, reads only the user's districts, and its
    "city" rows are the total of those districts. A table with no rule and not in UNSCOPED_TABLES
    is refused, so a new table cannot leak before someone decides how it is scoped.
    """
    if not districts:
        raise ValueError("a scope needs at least one district")
    rules = {path.stem for path in scope_files()}
    unruled = [t for t in table_names(con) if t not in rules and t not in UNSCOPED_TABLES]
    if unruled:
        raise RuntimeError(f"tables without a scope rule (queries/scope/TABLE.sql) or a reason to be "
                           f"read whole (sitrep.db.UNSCOPED_TABLES): {', '.join(unruled)}")
    con.execute("create or replace temp table scope_districts (district_code varchar primary key)")
    con.execute("insert into scope_districts select distinct unnest($districts)", {"districts": list(districts)})
    present = set(table_names(con))
    for table in sorted(rules & present):
        con.execute(f'create or replace temp view base_{table} as select * from "{catalog}".main.{table}')
    for table in sorted(rules & present):
        # A rule may read another scoped table (rooms: the facilities in scope): views bind when
        # queried, so the order of creation does not matter.
        con.execute(f"create or replace temp view {table} as\n{sql_text(f'scope/{table}')}")


def scope_of(con: duckdb.DuckDBPyConnection) -> tuple[str, ...] | None:
    """The districts a cursor is bound to (install_scope), None when it reads the whole city."""
    bound = con.execute("select count(*) from duckdb_tables() where temporary and table_name = 'scope_districts'"
                        ).fetchone()[0]
    if not bound:
        return None
    return tuple(r[0] for r in con.execute("select district_code from scope_districts order by 1").fetchall())


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


def new_cursor(con: duckdb.DuckDBPyConnection, catalog: str | None = None, *,
               scope: tuple[str, ...] | None) -> duckdb.DuckDBPyConnection:
    """A cursor for another thread: same database as `con`, with the staging views, bound to
    `scope` (a user's districts, or None for the whole city: always said, never defaulted). From
    other threads than con's, pass `catalog` (current_catalog(con), read once on con's thread):
    con itself must not be queried from two threads at once."""
    catalog = catalog or current_catalog(con)
    cur = con.cursor()
    cur.execute(f'use "{catalog}"')
    if scope is not None:
        install_scope(cur, scope, catalog)
    if scope is not None or not read_stored_staging(cur):
        install_staging_views(cur)
    return cur


# Staging models stored as tables, once per opened file, in the private in-memory catalog that
# connect_read attaches the file into (its default catalog, named so by DuckDB).
STORED_STAGING_CATALOG = "memory"
_storing = threading.Lock()


def read_stored_staging(cur: duckdb.DuckDBPyConnection) -> bool:
    """Install a whole-city cursor's staging views as reads of tables holding their rows (issue 13).

    A staging view does not depend on $as_of or any parameter, and the file is read-only (an import
    replaces it, and connect_read opens the new one in a new instance), so its rows are the same for
    every query on this connection. Stored once (the first whole-city cursor pays: ~0.4 s CPU for
    the city's million room changes), every later query reads them instead of recomputing them
    (ISO-USE's self-join of stays) and plans a table scan instead of the view's joins and unions
    (the small EPI-* and TEST-* queries). Only whole-city cursors: a district-bound cursor's views
    read its own scoped tables (install_scope). False, and the views stay, on a connection without
    a writable in-memory catalog beside the file's (duckdb.connect(path) as the benchmarks open it):
    then install_staging_views."""
    writable = cur.execute(
        "select count(*) from duckdb_databases() where database_name = $memory and not readonly "
        "and current_database() <> $memory", {"memory": STORED_STAGING_CATALOG}).fetchone()[0]
    if not writable:
        return False
    views = [path.stem for path in sorted(staging_files(), key=lambda p: _staging_order.get(p.stem, 0))]
    with _storing:
        stored = {r[0] for r in cur.execute(
            "select table_name from duckdb_tables() where database_name = $memory and schema_name = 'main'",
            {"memory": STORED_STAGING_CATALOG}).fetchall()}
        if any(f"stored_{view}" not in stored for view in views):
            install_staging_views(cur)
        for view in views:
            if f"stored_{view}" not in stored:
                cur.execute(f"create table {STORED_STAGING_CATALOG}.main.stored_{view} as select * from {view}")
    for view in views:
        cur.execute(f"create or replace temp view {view} as select * from {STORED_STAGING_CATALOG}.main.stored_{view}")
    return True


class ReadPool:
    """One read-only connection; each thread reads through its own cursor."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        self._con = connect_read(self.path)
        self._catalog = current_catalog(self._con)
        self._local = threading.local()

    def cursor(self, scope: tuple[str, ...] | None) -> duckdb.DuckDBPyConnection:
        """This thread's cursor bound to `scope` (a user's districts; None: the whole city)."""
        key = tuple(sorted(set(scope))) if scope is not None else None
        cursors = getattr(self._local, "cursors", None)
        if cursors is None:
            cursors = self._local.cursors = {}
        cur = cursors.get(key)
        if cur is None:
            cur = cursors[key] = new_cursor(self._con, self._catalog, scope=key)
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
