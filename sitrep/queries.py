"""Load a query from queries/NAME.sql, bind its named parameters and return a DataFrame.

Values are always bound ($as_of, $district_code, ...), never pasted into SQL text.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
import pandas as pd

from sitrep import QUERIES_DIR


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    path = (QUERIES_DIR / f"{name}.sql").resolve()
    if QUERIES_DIR.resolve() not in path.parents:
        raise ValueError(f"query name outside queries/: {name!r}")
    return path.read_text(encoding="utf-8")


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    return con.execute(sql_text(name), params).df()
