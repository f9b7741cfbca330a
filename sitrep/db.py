"""DuckDB access: the schema, the writer and per-thread readers.

DuckDB allows one writing process. The app only reads: every thread gets its own
cursor from one read-only connection (a connection shared across threads fails in
DuckDB 2.0), and builds and imports write through a separate connection.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from sitrep import QUERIES_DIR

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
                con.execute(f"create or replace temp view {path.stem} as\n{path.read_text(encoding='utf-8')}")
            except duckdb.CatalogException:
                failed.append(path)
        if len(failed) == len(pending):
            raise RuntimeError(f"staging views that cannot be created: {[p.stem for p in failed]}")
        pending = failed


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' order by table_name"
    ).fetchall()
    return [r[0] for r in rows]


class ReadPool:
    """One read-only connection; each thread reads through its own cursor."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        self._con = duckdb.connect(self.path, read_only=True)
        self._local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            install_staging_views(cur)
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        self._con.close()


def dataset_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from dataset_info").fetchall())
