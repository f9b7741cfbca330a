"""Do two engines give the same rows? The same columns in the same order, the same number of rows
in the same order, and cell by cell the same value: equal text, equal times, equal truth values,
numbers equal to 1e-9 relative (DuckDB returns a decimal as a double, Spark as a Decimal), null
where the other is null. Used by the Spark agreement test and the benchmark."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

REL_TOL = 1e-9


def _cell(value: Any) -> Any:
    """A cell in one comparable form: None, str, bool, float, or pd.Timestamp."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer, float, np.floating, Decimal)):
        return float(value)
    if isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
        return pd.Timestamp(value)
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    return value


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return type(a) is type(b) and a == b


def differences(first: pd.DataFrame, second: pd.DataFrame, limit: int = 5) -> list[str]:
    """What differs between two results ([] when they agree), at most `limit` lines."""
    if list(first.columns) != list(second.columns):
        return [f"columns differ: {list(first.columns)} vs {list(second.columns)}"]
    if len(first) != len(second):
        return [f"{len(first)} rows vs {len(second)} rows"]
    found = []
    for column in first.columns:
        for i, (a, b) in enumerate(zip(first[column].tolist(), second[column].tolist())):
            ca, cb = _cell(a), _cell(b)
            if not _same(ca, cb):
                found.append(f"row {i}, {column}: {ca!r} vs {cb!r}")
                if len(found) >= limit:
                    return found
    return found
