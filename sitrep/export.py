"""CSV snapshots for analysts: UTF-8 with BOM (Excel on Chinese Windows opens it), a file name
with the table or metric and its as-of stamp, and cells that a spreadsheet would run as a
formula (starting with =, +, -, @, or a tab or carriage return) neutralised with a leading '.

A frame with a personal column (sitrep.personal: names, ID-card numbers, phones) is refused with
PersonalDataError, not quietly trimmed: a query that returns one is a mistake to fix, and a file
that silently lacks columns would hide it."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from sitrep.db import table_names
from sitrep.personal import is_personal_table, refuse_personal, refuse_table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    refuse_personal(frame, "a CSV export")
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, date_format="%Y-%m-%d %H:%M").encode("utf-8-sig")


def file_name(name: str, as_of: pd.Timestamp) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "table"
    return f"sitrep_{slug}_asof_{as_of:%Y%m%d-%H%M}.csv"


# --- whole tables, for the Data page's table browser ---------------------------------------------
# Table names cannot be bound as parameters: each is checked against the database's own list of
# tables (and refused if personal) before it is quoted into the statement.

CHUNK_VECTORS = 100           # DuckDB vectors of 2,048 rows per CSV chunk


def _table(con: duckdb.DuckDBPyConnection, table: str) -> str:
    refuse_table(table)
    if table not in table_names(con):
        raise ValueError(f"no table named {table!r} in the database")
    return '"' + table.replace('"', '""') + '"'


def row_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every table with its number of rows and whether it is offered for export (personal: no)."""
    names = table_names(con)
    return pd.DataFrame({
        "table": names,
        "rows": [con.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names],
        "exported": [not is_personal_table(name) for name in names],
    })


def preview(con: duckdb.DuckDBPyConnection, table: str, rows: int) -> pd.DataFrame:
    """The first `rows` rows of a table that may be exported."""
    return con.execute(f"select * from {_table(con, table)} limit ?", [int(rows)]).df()


def table_csv(con: duckdb.DuckDBPyConnection, table: str, chunk_vectors: int = CHUNK_VECTORS) -> bytes:
    """A whole table as one CSV (csv_bytes' format), read chunk by chunk so memory holds one chunk
    of the frame at a time."""
    result = con.execute(f"select * from {_table(con, table)}")
    parts, first = [], True
    while True:
        chunk = result.fetch_df_chunk(chunk_vectors)
        if chunk.empty and not first:
            break
        data = csv_bytes(chunk)
        if not first:  # later chunks: no BOM, no header
            data = data.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[1]
        parts.append(data)
        first = False
        if chunk.empty:
            break
    return b"".join(parts)
