"""The Spark engine: the same queries/ files, run on Spark SQL over the lake (sitrep.lake) or the
tables of a cluster's catalog (Hive, Iceberg).

Each query is the text the DuckDB engine runs (sitrep.queries.sql_text: the file with its
${fragments/...} expanded), translated from DuckDB's dialect by sqlglot. Its $names become Spark's
own named parameter markers (:as_of) and its values are bound by Spark (SparkSession.sql(args=)),
never pasted into the text. Where sqlglot's translation of a construct is wrong, the fix is in the
SQL itself (a form both engines read the same way) or in REWRITES below, each tested
(tests/test_spark_engine.py).

Tables: the engine reads the base tables by their plain names from the session's current
database (for the lake, `register_lake` creates them as external Parquet tables in SPARK_DATABASE;
on a cluster, name the database that holds them). A temporary view of the same name shadows a
table, so a filter on what one user may see wraps a base table by a temporary view
(`create temp view cases as select * from <database>.cases where ...`) and every query, staging
view and fragment reads the filtered rows. The staging views (queries/staging/) are temporary
views of the session, as on DuckDB.

    from sitrep.engines import spark
    engine = spark.SparkEngine.for_lake("lake/", master="local[2]")
    run_metric(engine, "ISO-USE", as_of=pd.Timestamp("2022-07-24 18:00"))   # sitrep.queries

PySpark and Java are not part of the app's requirements: `pip install -r requirements-spark.txt`
and Java 17 (Debian: openjdk-17-jre-headless). Without them, `require_spark` says so.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import os
import shutil
import tempfile
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from sitrep.lake import read_manifest
from sitrep.queries import QueryTimeout, sql_text

SPARK_DATABASE = "sitrep_lake"
REQUIREMENTS_FILE = "requirements-spark.txt"
INSTALL_HINT = (f"the Spark engine needs PySpark ({REQUIREMENTS_FILE}) and Java 17: "
                f"`.venv/bin/python -m pip install -r {REQUIREMENTS_FILE}` and "
                "`apt-get install openjdk-17-jre-headless` (Debian), or set JAVA_HOME")

# Settings of every session this module starts; a deployment adds its own (docs/spark.md).
SESSION_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.driver.memory": "3g",
    # Times are wall-clock times in Chongqing, stored without a zone (DuckDB `timestamp`): Spark
    # reads and casts them as timestamp_ntz, so no session or JVM zone ever shifts them.
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}

# DuckDB type (information_schema spelling, lower case) -> Spark SQL type, for the lake's tables.
SPARK_TYPES = {"varchar": "string", "integer": "int", "bigint": "bigint", "smallint": "smallint",
               "tinyint": "tinyint", "double": "double", "float": "float", "boolean": "boolean",
               "date": "date", "timestamp": "timestamp_ntz", "hugeint": "decimal(38,0)"}


class SparkUnavailable(RuntimeError):
    """PySpark or Java is missing: the message says what to install."""


def require_spark() -> None:
    """Raise SparkUnavailable, saying what to install, unless PySpark and a Java runtime are here."""
    if importlib.util.find_spec("pyspark") is None:
        raise SparkUnavailable(f"PySpark is not installed: {INSTALL_HINT}")
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and shutil.which("java") is None:
        raise SparkUnavailable(f"no Java runtime found (java on PATH or $JAVA_HOME): {INSTALL_HINT}")


def start_session(master: str | None = "local[2]", app_name: str = "sitrep", conf: dict[str, str] | None = None,
                  remote: str | None = None):
    """A SparkSession with SESSION_CONF: `master` (local[2], spark://host:7077, yarn; None keeps
    what spark-submit set), or `remote` (a Spark Connect URL, sc://host:15002)."""
    require_spark()
    from pyspark.sql import SparkSession

    conf = dict(conf or {})
    if not remote:
        # `create database` (register_lake) writes its folder under the warehouse: never the checkout.
        conf.setdefault("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "sitrep-spark-warehouse"))
    builder = SparkSession.builder.appName(app_name)
    if remote:
        builder = builder.remote(remote)
    elif master:
        builder = builder.master(master)
    for key, value in {**SESSION_CONF, **conf}.items():
        # Over Spark Connect the server owns its static settings (UI, memory, warehouse): only the
        # session's SQL settings are ours to set.
        if remote and (not key.startswith("spark.sql.") or key == "spark.sql.warehouse.dir"):
            continue
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if not remote:
        session.sparkContext.setLogLevel("ERROR")
    return session


def spark_type(duckdb_type: str) -> str:
    t = duckdb_type.lower()
    if t.startswith("decimal"):
        return t
    if t not in SPARK_TYPES:
        raise ValueError(f"no Spark type for the DuckDB type {duckdb_type!r}")
    return SPARK_TYPES[t]


# (session, database, table) -> the folder its table reads now: a lake registered again (after a
# re-export) re-creates only the tables whose folder changed.
_REGISTERED: dict[tuple[int, str, str], str] = {}


def register_lake(spark, lake: Path | str, database: str = SPARK_DATABASE) -> dict[str, Any]:
    """Create the lake's tables (manifest.json) as external Parquet tables in `database` and make
    it the session's current database. Returns the manifest read."""
    lake = Path(lake).resolve()
    manifest = read_manifest(lake)
    spark.sql(f"create database if not exists {database}")
    for name, entry in manifest["tables"].items():
        key = (id(spark), database, name)
        if _REGISTERED.get(key) == str(lake / entry["folder"]):
            continue
        columns = entry["columns"] + entry["derived"]
        partition_by = entry["partition_by"]
        # Spark wants partition columns last, in partition order.
        ordered = [c for c in columns if c["name"] not in partition_by] + \
                  [next(c for c in columns if c["name"] == p) for p in partition_by]
        ddl = ", ".join(f"`{c['name']}` {spark_type(c['type'])}" for c in ordered)
        location = (lake / entry["folder"]).as_uri()
        spark.sql(f"drop table if exists {database}.{name}")
        spark.sql(f"create table {database}.{name} ({ddl}) using parquet"
                  + (f" partitioned by ({', '.join(f'`{p}`' for p in partition_by)})" if partition_by else "")
                  + f" location '{location}'")
        if partition_by:
            spark.sql(f"alter table {database}.{name} recover partitions")
        _REGISTERED[key] = str(lake / entry["folder"])
    spark.sql(f"use {database}")
    return manifest


# --- translation ---------------------------------------------------------------------------------

# Where DuckDB and Spark read the same SQL differently, and sqlglot's Spark output keeps DuckDB's
# text but not its meaning, the translation rewrites the parsed query (each tested one by one in
# tests/test_spark_engine.py):
#
#   a / b                 DuckDB divides in double precision whatever the operands (7 / 60.0 is a
#                         DOUBLE); Spark divides decimals as decimals, to 6 places (4.516667).
#                         -> cast(a as double) / b
#   date_diff('minute', a, b)
#                         DuckDB counts the minute boundaries crossed (10:00:50 to 10:01:10 is 1);
#                         Spark's datediff(MINUTE, ...) counts whole minutes elapsed (0).
#                         -> the difference of the two times truncated to the minute (any unit)
#   percentile_cont(p) within group (order by x)
#                         sqlglot writes percentile_approx, an estimate; Spark's percentile(x, p)
#                         is exact and interpolates as percentile_cont does.
#   group by grouping sets ((district_code), ())
#                         on no rows at all, DuckDB still returns the () row (the city row: count
#                         0), as the SQL standard says; Spark returns nothing. -> the sets without
#                         () union all the same select without group by (one row, always), where
#                         the grouped columns read null and grouping() reads 1.


def _double_division(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Div) and not node.args.get("_sitrep_double"):
        left = node.this
        if not (isinstance(left, exp.Cast) and left.to.this == exp.DataType.Type.DOUBLE):
            left = exp.Cast(this=left, to=exp.DataType.build("double"))
        new = exp.Div(this=left, expression=node.expression)
        new.set("_sitrep_double", True)
        return new
    return node


def _boundary_datediff(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateDiff) and node.args.get("unit") is not None and not node.args.get("_sitrep_trunc"):
        unit = node.args["unit"]
        unit_name = unit.name if hasattr(unit, "name") else str(unit)

        def truncated(value: exp.Expression) -> exp.Expression:
            return exp.Cast(this=exp.TimestampTrunc(this=value, unit=exp.Literal.string(unit_name.upper())),
                            to=exp.DataType.build("timestamp"))
        new = exp.DateDiff(this=truncated(node.this), expression=truncated(node.expression), unit=unit)
        new.set("_sitrep_trunc", True)
        return new
    return node


def _exact_percentile(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        ordered = node.expression.expressions
        if len(ordered) != 1 or ordered[0].args.get("desc"):
            raise ValueError(f"percentile_cont over one ascending expression only: {node.sql('duckdb')}")
        return exp.Anonymous(this="percentile", expressions=[ordered[0].this, node.this.this])
    return node


def _total_row_always(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.Select) or node.args.get("group") is None:
        return node
    group = node.args["group"]
    sets = [g for g in group.expressions if isinstance(g, exp.GroupingSets)]
    if not sets:
        return node
    if len(group.expressions) != 1 or len(sets) != 1:
        raise ValueError(f"one `grouping sets (...)` and nothing else in its group by: {group.sql('duckdb')}")
    members = sets[0].expressions
    grand = [m for m in members if isinstance(m, exp.Tuple) and not m.expressions]
    if not grand:
        return node
    for key in ("order", "limit", "offset", "qualify", "distinct"):
        if node.args.get(key):
            raise ValueError(f"a select with grouping sets and {key}: not rewritten for Spark")
    if any(node.find_all(exp.Window)):
        raise ValueError("a select with grouping sets and a window function: not rewritten for Spark")
    with_ = node.args.get("with_")
    keys = {c.sql() for m in members if m not in grand for c in m.find_all(exp.Column)}

    grouped = node.copy()
    grouped.set("with_", None)
    rest = [m for m in members if m not in grand]
    grouped.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=[m.copy() for m in rest])]))

    total = node.copy()
    total.set("with_", None)
    total.set("group", None)

    def as_total(inner: exp.Expression) -> exp.Expression:
        if isinstance(inner, exp.Grouping):
            return exp.Literal.number(1)
        if isinstance(inner, exp.Column) and inner.sql() in keys \
                and not inner.find_ancestor(exp.AggFunc, exp.Filter, exp.Select):
            return exp.Null()
        return inner

    def column_as_total(e: exp.Expression) -> exp.Expression:
        if isinstance(e, exp.Column) and e.sql() in keys:
            return exp.alias_(exp.Null(), e.alias_or_name)
        return e.transform(as_total)

    total.set("expressions", [column_as_total(e) for e in total.expressions])
    if total.args.get("having"):
        total.set("having", total.args["having"].transform(as_total))
    union = exp.union(grouped, total, distinct=False)
    if with_ is not None:
        union.set("with_", with_)
    return exp.Subquery(this=union) if isinstance(node.parent, (exp.From, exp.Join)) else union


TRANSFORMS = (_exact_percentile, _double_division, _boundary_datediff, _total_row_always)


def translate_tree(text: str) -> exp.Expression:
    statements = sqlglot.parse(text, read="duckdb")
    if len(statements) != 1:
        raise ValueError(f"expected one statement, got {len(statements)}")
    tree = statements[0]
    for transform in TRANSFORMS:
        tree = tree.transform(transform)
    return tree


def translate(text: str) -> str:
    """DuckDB SQL (one statement, $name parameters) as Spark SQL (:name parameters)."""
    return translate_tree(text).sql(dialect="spark", unsupported_level=ErrorLevel.RAISE, comments=False)


@lru_cache(maxsize=None)
def spark_sql(name: str) -> str:
    """queries/NAME.sql as Spark runs it, in one statement."""
    return translate(sql_text(name))


# --- steps ---------------------------------------------------------------------------------------
# Spark inlines every deterministic CTE wherever it is read: a chain of named steps that each read
# the one before twice (red_since reads red_history twice, which reads changes_where_red, which
# reads changes twice, ...) becomes a plan thousands of times its text, that takes minutes to plan
# and run on the demo. So a query runs as steps: each CTE that is read more than once is computed
# once, checkpointed, and read by the steps after it as a temporary view of this run only
# (sitrep_q<run>_<cte name>); a CTE read once stays inline. The text of each step is the query's
# own, its parameters bound by Spark as in one statement.

STEP_TOKEN = "__RUN__"


def step_view(cte: str) -> str:
    return f"sitrep_q{STEP_TOKEN}_{cte}"


@dataclass(frozen=True)
class Steps:
    materialized: tuple[tuple[str, str], ...]   # (CTE name, Spark SQL computing it), in order
    final: str                                  # the query's last select, reading those


def _table_refs(node: exp.Expression, names: set[str]) -> list[str]:
    return [t.name for t in node.find_all(exp.Table) if not t.args.get("db") and t.name in names]


def split_steps(text: str) -> Steps:
    tree = translate_tree(text)
    with_ = tree.args.get("with_")
    if with_ is None:
        return Steps((), tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE, comments=False))
    ctes = {cte.alias: cte.this for cte in with_.expressions}
    order = list(ctes)
    names = set(order)
    body = tree.copy()
    body.set("with_", None)
    reads = {name: _table_refs(ctes[name], names) for name in order}
    counts = {name: 0 for name in order}
    for refs in [*reads.values(), _table_refs(body, names)]:
        for ref in refs:
            counts[ref] += 1
    materialize = {name for name in order if counts[name] >= 2}

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in materialize:
            renamed = exp.Table(this=exp.to_identifier(step_view(node.name)))
            renamed.set("alias", exp.TableAlias(this=exp.to_identifier(node.alias or node.name)))
            return renamed
        return node

    def statement(node: exp.Expression) -> str:
        needed, stack = set(), [r for r in _table_refs(node, names) if r not in materialize]
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                stack.extend(r for r in reads[name] if r not in materialize)
        out = node.copy().transform(rename)
        inline = [exp.CTE(this=ctes[n].copy().transform(rename), alias=exp.TableAlias(this=exp.to_identifier(n)))
                  for n in order if n in needed]
        if inline:
            out.set("with_", exp.With(expressions=inline))
        return out.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE, comments=False)

    steps = tuple((name, statement(ctes[name])) for name in order if name in materialize)
    return Steps(steps, statement(body))


@lru_cache(maxsize=None)
def query_steps(name: str) -> Steps:
    """queries/NAME.sql as the steps Spark runs."""
    return split_steps(sql_text(name))


def spark_value(value: Any) -> Any:
    """A bound value as PySpark binds it to a named parameter marker: a naive datetime binds as
    timestamp_ntz, a Decimal as a decimal literal, None as null."""
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value) is True):
        return None
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            raise ValueError(f"times are bound without a zone (Chongqing wall-clock time); got {value}")
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool, Decimal, dt.date, dt.datetime)):
        return value
    if isinstance(value, (list, tuple)):        # a list setting (case_retest_days) binds as an array
        return [spark_value(v) for v in value]
    raise TypeError(f"cannot bind {type(value).__name__} {value!r} as a Spark parameter")


_RUNS = itertools.count(1)     # every run of any engine in this process has its own number


class SparkEngine:
    """Runs queries/ files on one SparkSession (sitrep.queries.run dispatches to `run`)."""

    engine = "spark"

    def __init__(self, spark, install_staging: bool = True, time_limit: float | None | str = "setting"):
        """time_limit: seconds a query may run on this engine; "setting" (default) takes the app's
        query_time_limit_seconds as DuckDB does, None or 0 sets none (batch runs on a cluster)."""
        self.spark = spark
        self.time_limit = time_limit
        if install_staging:
            self.install_staging_views()

    @classmethod
    def for_lake(cls, lake: Path | str, master: str | None = "local[2]", remote: str | None = None,
                 conf: dict[str, str] | None = None, time_limit: float | None | str = "setting") -> "SparkEngine":
        spark = start_session(master=master, remote=remote, conf=conf)
        register_lake(spark, lake)
        return cls(spark, time_limit=time_limit)

    def install_staging_views(self) -> None:
        """queries/staging/NAME.sql as temporary views NAME, each after the views it reads (in that
        order, so Spark never logs a failed attempt)."""
        from sitrep.db import staging_order

        for n in staging_order():
            self.spark.sql(f"create or replace temporary view {n} as\n{spark_sql(f'staging/{n}')}")

    def run(self, name: str, bound: dict[str, Any], limit: float | None = None) -> pd.DataFrame:
        """The rows of queries/NAME.sql with `bound` values (sitrep.queries.bind); past `limit`
        seconds, its Spark jobs are cancelled and QueryTimeout raised."""
        if self.time_limit != "setting":
            limit = self.time_limit or None
        args = {key: spark_value(value) for key, value in bound.items()}
        run_id = f"{os.getpid()}_{next(_RUNS)}"
        tag = f"sitrep-{run_id}"
        fired = threading.Event()
        timer = None
        if limit is not None:
            # Past the limit, cancel this run's jobs, and again every 50 ms until it stops (a job
            # that starts after a cancel is not cancelled by it).
            done, timers = threading.Event(), []

            def stop() -> None:
                if done.is_set():
                    return
                fired.set()
                self._cancel(tag)
                again = threading.Timer(0.05, stop)
                again.daemon = True
                timers.append(again)
                again.start()
            timer = threading.Timer(limit, stop)
            timer.daemon = True
        self._label(tag)
        views = []
        try:
            if timer is not None:
                timer.start()
            steps = query_steps(name)
            for cte, text in steps.materialized:
                view = step_view(cte).replace(STEP_TOKEN, run_id)
                text = text.replace(STEP_TOKEN, run_id)
                self.spark.sql(text, args=_used(args, text)).localCheckpoint(eager=True) \
                    .createOrReplaceTempView(view)
                views.append(view)
            text = steps.final.replace(STEP_TOKEN, run_id)
            return self.spark.sql(text, args=_used(args, text)).toPandas()
        except Exception as error:  # any Spark error: re-raised as is, or as QueryTimeout when our timer cancelled the job
            if fired.is_set():
                raise QueryTimeout(name, limit) from error
            raise
        finally:
            if timer is not None:
                done.set()
                timer.cancel()
                for again in timers:
                    again.cancel()
            self._unlabel(tag)
            for view in views:
                self.spark.catalog.dropTempView(view)

    # This run's jobs carry a label to cancel them by: a job group on classic Spark (the thread's,
    # cancelled with its running jobs interrupted), a job tag over Spark Connect.
    def _classic(self) -> bool:
        return hasattr(self.spark, "sparkContext") and not type(self.spark).__module__.startswith("pyspark.sql.connect")

    def _label(self, tag: str) -> None:
        if self._classic():
            self.spark.sparkContext.setJobGroup(tag, tag, interruptOnCancel=True)
        else:
            self.spark.addTag(tag)

    def _cancel(self, tag: str) -> None:
        if self._classic():
            self.spark.sparkContext.cancelJobGroup(tag)
        else:
            self.spark.interruptTag(tag)

    def _unlabel(self, tag: str) -> None:
        if self._classic():
            for key in ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel"):
                self.spark.sparkContext.setLocalProperty(key, None)
        else:
            self.spark.removeTag(tag)

    def close(self) -> None:
        self.spark.stop()


def _used(args: dict[str, Any], text: str) -> dict[str, Any]:
    """The bound values a step's text has a marker for (Spark rejects an unused one)."""
    return {key: value for key, value in args.items() if re.search(rf":{key}\b", text)}

