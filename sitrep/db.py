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


def schema_files() -> list[Path]:
    return sorted(SCHEMA_DIR.glob("*.sql"))


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for path in schema_files():
        con.execute(path.read_text(encoding="utf-8"))


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' order by table_name"
    ).fetchall()
    return [r[0] for r in rows]


def connect_write(path: Path | str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path))


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
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        self._con.close()


def dataset_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from dataset_info").fetchall())
