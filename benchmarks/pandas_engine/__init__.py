"""The registry's queries computed with pandas, the way most Streamlit dashboards compute: the
tables loaded into DataFrames once, each metric a few groupbys and merges over them. The third
engine of benchmarks/bench_engines.py, beside DuckDB and PostgreSQL.

    tables = load_tables("data/city.duckdb")
    engine = PandasEngine(tables)
    run_metric(engine, "ISO-USE", as_of=...)        # sitrep.queries binds, the engine computes
    red_list(engine, as_of)

An engine is anything with `.run(name, bound, limit)` (sitrep.redlist, sitrep.queries.run). Each
query name maps to a function f(tables, bound) -> DataFrame with the columns, rows and order of
the DuckDB query (sitrep.engines.agreement compares them): part_a.py holds the isolation,
contacts and cases rules and reference/district_names, part_b.py the testing, investigation,
screening, risk-area and vaccination rules; staging.py the staging views and fragments they
share. Only the whole city is computed: a place filter raises NotImplementedError.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from benchmarks.pandas_engine import part_a
from benchmarks.pandas_engine.staging import Tables
from sitrep.db import connect_read

QUERIES = dict(part_a.QUERIES)
try:
    part_b = importlib.import_module("benchmarks.pandas_engine.part_b")
except ModuleNotFoundError as error:
    # Only part_b.py itself missing (not yet written): its queries raise NotImplementedError below.
    if error.name != "benchmarks.pandas_engine.part_b":
        raise
    part_b = None
else:
    # Where both modules compute a query (metrics/timeliness serves CON-TRANSFER of part A and the
    # EPI-/SCR- rules of part B), part B's stands: it owns most of that query's rules.
    QUERIES.update(part_b.QUERIES)


def base_tables(duckdb_path: Path | str) -> list[str]:
    """The names of the base tables (not views) of the DuckDB file, in name order."""
    con = connect_read(duckdb_path)
    try:
        return [name for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_catalog = current_database() order by table_name"
        ).fetchall()]
    finally:
        con.close()


def load_tables(duckdb_path: Path | str, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every base table of the DuckDB file as a DataFrame (only `names` when given), as a
    dashboard loads them once at start-up."""
    available = base_tables(duckdb_path)
    wanted = list(names) if names is not None else available
    missing = sorted(set(wanted) - set(available))
    if missing:
        raise ValueError(f"{duckdb_path} has no table {', '.join(missing)}")
    con = connect_read(duckdb_path)
    try:
        return Tables({name: con.table(name).df() for name in wanted})
    finally:
        con.close()


class PandasEngine:
    """Runs a query by name on the loaded tables; `limit` (the time limit) is not enforced:
    pandas cannot be interrupted, and the benchmark measures the time instead."""

    def __init__(self, tables: dict[str, pd.DataFrame]):
        # Tables carries a cache of the staging frames (computed once, shared by the metrics).
        self.tables = tables if isinstance(tables, Tables) else Tables(tables)

    def run(self, name: str, bound: dict, limit=None) -> pd.DataFrame:
        function = QUERIES.get(name)
        if function is None:
            raise NotImplementedError(f"no pandas implementation of {name}")
        return function(self.tables, bound)
