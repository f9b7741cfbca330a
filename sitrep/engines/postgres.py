"""The PostgreSQL engine: the same queries/ files, run on PostgreSQL (the engine SORMAS and DHIS2
run on), for the side-by-side comparison of benchmarks/bench_engines.py.

Each query is the text the DuckDB engine runs (sitrep.queries.sql_text: the file with its
${fragments/...} expanded), translated from DuckDB's dialect by sqlglot. Its $names become
psycopg's named placeholders (%(as_of)s), which psycopg sends as bound parameters of the extended
protocol: a value never enters the text. Where sqlglot's translation is not enough, the fix is in
the SQL itself (a form every engine reads the same way) or in REWRITES below, each tested
(tests/test_postgres.py).

Tables: the engine reads the base tables by their plain names (the search_path of the
connection); the staging views (queries/staging/) are temporary views of each connection, as on
DuckDB. sitrep.engines.pg_cluster makes a private cluster and copies a DuckDB file into it.

    from sitrep.engines.pg_cluster import PrivateCluster, load_duckdb
    from sitrep.engines.postgres import PostgresEngine
    with PrivateCluster() as cluster:
        load_duckdb(cluster, "data/sitrep.duckdb")
        engine = PostgresEngine(cluster.conninfo())
        run_metric(engine, "ISO-USE", as_of=pd.Timestamp("2022-07-24 18:00"))   # sitrep.queries

psycopg is not part of the app's requirements: `pip install -r requirements-bench.txt`.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from sitrep.engines.pg_cluster import require_psycopg
from sitrep.queries import QueryTimeout, sql_text

# --- translation ---------------------------------------------------------------------------------

# Where sqlglot's PostgreSQL output keeps DuckDB's text but PostgreSQL reads it otherwise, the
# translation rewrites the parsed query (each tested in tests/test_postgres.py):
#
#   $name                 PostgreSQL infers a parameter's type from where it is first read, and
#                         the place filter's `$district_code is null or ...` says nothing (an
#                         unbound filter is a null of no type: "could not determine data type of
#                         parameter"). DuckDB knows a bound value's type from the value.
#                         -> cast(%(name)s as <type of the bound value>) (parameter_type)
#   '%' in a string literal, a % b
#                         psycopg reads % in the query text as the start of a placeholder.
#                         -> '%%' in literals (psycopg sends '%'), a % b as mod(a, b)


def parameter_type(value: Any) -> str:
    """The PostgreSQL type of a bound value (pg_value's result). A null is text: the only values
    bound as null are the place filters ($district_code, $township_code) when none is chosen."""
    if value is None or isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double precision"
    if isinstance(value, Decimal):
        return "numeric"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list):
        kinds = {parameter_type(v) for v in value if v is not None} or {"text"}
        if len(kinds) != 1 or "[]" in next(iter(kinds)):
            raise TypeError(f"a list parameter holds values of one kind, not nested lists: {value!r}")
        return next(iter(kinds)) + "[]"
    raise TypeError(f"no PostgreSQL type for {type(value).__name__} {value!r}")


def _typed_parameters(types: dict[str, str]):
    def transform(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and not isinstance(node.parent, exp.Cast):
            name = node.name
            if name not in types:
                raise ValueError(f"no value bound for ${name}")
            typed = exp.Cast(this=node.copy(), to=exp.DataType.build(types[name], dialect="postgres"))
            # PostgreSQL subscripts a cast only in parentheses: (cast(... as bigint[]))[1].
            return exp.Paren(this=typed) if isinstance(node.parent, exp.Bracket) else typed
        return node
    return transform


def _percent_escaped(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Literal) and node.is_string and "%" in node.this:
        return exp.Literal.string(node.this.replace("%", "%%"))
    if isinstance(node, exp.Mod):
        return exp.Anonymous(this="mod", expressions=[node.this, node.expression])
    return node


def translate(text: str, types: dict[str, str] | None = None) -> str:
    """DuckDB SQL (one statement, $name parameters) as PostgreSQL SQL, each $name as psycopg's
    placeholder %(name)s cast to its type in `types` (parameter_type of the bound value)."""
    statements = sqlglot.parse(text, read="duckdb")
    if len(statements) != 1:
        raise ValueError(f"expected one statement, got {len(statements)}")
    tree = statements[0]
    for transform in (_typed_parameters(types or {}), _percent_escaped):
        tree = tree.transform(transform)
    return tree.sql(dialect="postgres", unsupported_level=ErrorLevel.RAISE, comments=False)


@lru_cache(maxsize=None)
def postgres_sql(name: str, types: tuple[tuple[str, str], ...] = ()) -> str:
    """queries/NAME.sql as PostgreSQL runs it, in one statement, for parameters of these types."""
    return translate(sql_text(name), dict(types))


def pg_value(value: Any) -> Any:
    """A bound value as psycopg binds it: a naive datetime as timestamp (without time zone), a
    Decimal as numeric, a list as an array, None as null."""
    if value is None or (not isinstance(value, (str, bytes, list, tuple)) and pd.isna(value) is True):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)) and value.tzinfo is not None:
        raise ValueError(f"times are bound without a zone (Chongqing wall-clock time); got {value}")
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool, Decimal, dt.date, dt.datetime)):
        return value
    if isinstance(value, (list, tuple)):        # a list setting (case_retest_days) binds as an array
        return [pg_value(v) for v in value]
    raise TypeError(f"cannot bind {type(value).__name__} {value!r} as a PostgreSQL parameter")


# --- answers as DuckDB gives them -----------------------------------------------------------------

# PostgreSQL type oids (pg_type) of the result columns -> DuckDB's pandas dtypes (without a
# null, with one): integers keep their width and are nullable only where a null is among them.
_INTEGER_DTYPES = {21: ("int16", "Int16"), 23: ("int32", "Int32"), 20: ("int64", "Int64")}
_FLOAT_OIDS = {700, 701, 1700}          # float4, float8, numeric: DuckDB returns a decimal as a double
_BOOL_OID = 16
_TIME_OIDS = {1114, 1082}               # timestamp, date


def to_frame(columns: list[str], type_oids: list[int], rows: list[tuple]) -> pd.DataFrame:
    """Rows in the dtypes DuckDB's .df() gives: int16/32/64 (Int16/32/64 where a null is among
    them), numerics and doubles as float64, truth values as bool (boolean where null), times as
    datetime64, text as pandas' string dtype (object when every value is null)."""
    data = {}
    values_by_column = list(zip(*rows)) if rows else [() for _ in columns]
    for column, oid, values in zip(columns, type_oids, values_by_column):
        has_null = any(v is None for v in values)
        if oid in _INTEGER_DTYPES:
            data[column] = pd.array(values, dtype=_INTEGER_DTYPES[oid][has_null])
        elif oid in _FLOAT_OIDS:
            data[column] = np.asarray([np.nan if v is None else float(v) for v in values], dtype="float64")
        elif oid == _BOOL_OID:
            data[column] = pd.array(values, dtype="boolean" if has_null else "bool")
        elif oid in _TIME_OIDS:
            data[column] = pd.to_datetime(pd.Series(values, dtype=object)).to_numpy() if values else \
                np.array([], dtype="datetime64[us]")
        elif has_null and all(v is None for v in values):
            data[column] = np.asarray(values, dtype=object)
        else:
            data[column] = pd.Series(values)           # text: pandas' string dtype, as DuckDB gives it
    return pd.DataFrame(data, columns=columns)


class PostgresEngine:
    """Runs queries/ files on a PostgreSQL database (sitrep.queries.run dispatches to `run`). One
    connection per thread (the red list runs its metrics on several threads), each with the
    staging views as its temporary views."""

    engine = "postgres"

    def __init__(self, conninfo: dict[str, Any] | str, time_limit: float | None | str = "setting",
                 install_staging: bool = True):
        """conninfo: psycopg.connect's keywords or a connection string. time_limit: seconds a query
        may run; "setting" (default) takes the app's query_time_limit_seconds as DuckDB does,
        None or 0 sets none (the benchmark). install_staging: create the staging views on each
        connection (they read the tables of queries/schema/, which must be there)."""
        self.psycopg = require_psycopg()
        self.conninfo = conninfo
        self.time_limit = time_limit
        self.install_staging = install_staging
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._connection()          # fails here, not in the first query, when the database is unreachable

    def _connection(self):
        con = getattr(self._local, "con", None)
        if con is None or con.closed:
            info = self.conninfo
            con = self.psycopg.connect(**info, autocommit=True) if isinstance(info, dict) else \
                self.psycopg.connect(info, autocommit=True)
            # Times are wall-clock times in Chongqing, stored without a zone: no session zone may shift them.
            con.execute("set timezone = 'UTC'")
            if self.install_staging:
                self._install_staging_views(con)
            self._local.con, self._local.timeout_ms = con, None
            with self._lock:
                self._connections.append(con)
        return con

    @staticmethod
    def _install_staging_views(con) -> None:
        """queries/staging/NAME.sql as temporary views NAME, each after the views it reads."""
        from sitrep.db import staging_order

        for n in staging_order():
            con.execute(f"create or replace temporary view {n} as\n{postgres_sql(f'staging/{n}')}")

    def run(self, name: str, bound: dict[str, Any], limit: float | None = None) -> pd.DataFrame:
        """The rows of queries/NAME.sql with `bound` values (sitrep.queries.bind); past `limit`
        seconds PostgreSQL cancels the statement and QueryTimeout is raised."""
        if self.time_limit != "setting":
            limit = self.time_limit or None
        con = self._connection()
        timeout_ms = int(limit * 1000) if limit else 0
        if timeout_ms != self._local.timeout_ms:
            con.execute("select set_config('statement_timeout', %s, false)", [str(timeout_ms)])
            self._local.timeout_ms = timeout_ms
        params = {key: pg_value(value) for key, value in bound.items()}
        types = tuple(sorted((key, parameter_type(value)) for key, value in params.items()))
        try:
            cur = con.execute(postgres_sql(name, types), params)
        except self.psycopg.errors.QueryCanceled as error:
            raise QueryTimeout(name, limit) from error
        columns = [d.name for d in cur.description]
        oids = [d.type_code for d in cur.description]
        return to_frame(columns, oids, cur.fetchall())

    def close(self) -> None:
        with self._lock:
            for con in self._connections:
                con.close()
            self._connections.clear()
