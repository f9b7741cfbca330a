"""CSV snapshots for analysts: UTF-8 with BOM (Excel on Chinese Windows opens it), a file name
with the table or metric and its as-of stamp, and cells that a spreadsheet would run as a
formula (starting with =, +, -, @, or a tab or carriage return) neutralised with a leading '."""

from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, date_format="%Y-%m-%d %H:%M").encode("utf-8-sig")


def file_name(name: str, as_of: pd.Timestamp) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "table"
    return f"sitrep_{slug}_asof_{as_of:%Y%m%d-%H%M}.csv"
