"""Load a query from queries/NAME.sql, bind its named parameters and return a DataFrame.

Values are always bound, never pasted into SQL text. A query names what it needs as
`$name`; the runner supplies exactly those: the caller's values ($as_of, $district_code,
$township_code, ...) and, for any other name, the setting of that name (settings.toml).
The place filter defaults to none (the whole city).

Reuse by name (dbt's `ref()`, Evidence's `${query}`): a query may include a fragment,
queries/fragments/NAME.sql, as `${fragments/NAME}` in place of a subquery's text, e.g.

    red_since as (${fragments/red_since})

A fragment is one plain select that reads CTEs of fixed names (its header says which), or one
condition (fragments/in_community: the place filter below the township). Where a query needs a
fragment under other names, it renames what the fragment reads, identifiers only, never a
$parameter: `${fragments/red_since(red_history = suspect_history)}` reads `suspect_history` where
the fragment says `red_history`; `${fragments/in_community(community_code = c.community_code)}`
tests the column of the alias c. The loader expands fragments before binding, so what reaches
DuckDB (or Spark, through sqlglot) is plain SQL; values never pass through this step.

Every query runs under a time limit (settings.toml `query_time_limit_seconds`; Datasette's habit):
past it, the query is interrupted and `run` raises QueryTimeout naming the query and the limit,
so a page can say so and go on, instead of freezing. The connection stays usable.
"""

from __future__ import annotations

import heapq
import itertools
import re
import threading
import time
from decimal import Decimal
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd

from sitrep import QUERIES_DIR, registry
from sitrep import settings as settings_module

_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")
_INCLUDE = re.compile(r"\$\{(fragments/[a-z_][a-z0-9_]*)(?:\(([^)]*)\))?\}")
_COMMENT_OR_INCLUDE = re.compile(f"{_COMMENT.pattern}|{_INCLUDE.pattern}")
_RENAME = re.compile(r"\s*([a-z_][a-z0-9_]*)\s*=\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\s*")
# The five levels of rulebook §8 (003 #64), coarsest first: every query binds each one it names,
# null (no filter) unless the caller gives it. A query narrows only as far as the finest it names.
PLACE_FILTERS = ("district_code", "township_code", "community_code", "grid_code", "building_code")
PLACE_LEVELS = ("district", "township", "community", "grid", "building")
TIME_LIMIT_SETTING = "query_time_limit_seconds"


class QueryTimeout(RuntimeError):
    """A query ran past its time limit and was interrupted."""

    def __init__(self, name: str, limit: float, metric_id: str | None = None):
        self.name, self.limit, self.metric_id = name, limit, metric_id
        what = f"{metric_id} (queries/{name}.sql)" if metric_id else f"queries/{name}.sql"
        super().__init__(f"query {what} was stopped after its time limit of {limit:g} s "
                         f"(settings.toml {TIME_LIMIT_SETTING})")


@lru_cache(maxsize=None)
def source_text(name: str) -> str:
    """The file queries/NAME.sql as written (fragments not expanded)."""
    path = (QUERIES_DIR / f"{name}.sql").resolve()
    if QUERIES_DIR.resolve() not in path.parents or not path.exists():
        raise ValueError(f"no query named {name!r} under queries/")
    return path.read_text(encoding="utf-8")


def _renames(name: str, text: str | None) -> dict[str, str]:
    renames = {}
    for part in filter(str.strip, (text or "").split(",")):
        match = _RENAME.fullmatch(part)
        if not match:
            raise ValueError(f"{name}: fragment argument {part.strip()!r} is not `identifier = identifier`")
        renames[match.group(1)] = match.group(2)
    return renames


def _expand(name: str, text: str, seen: tuple[str, ...]) -> str:
    def include(match: re.Match) -> str:
        if match.group(0).startswith("--"):     # a comment may name a fragment without including it
            return match.group(0)
        fragment, renames = match.group(1), _renames(name, match.group(2))
        if fragment in seen:
            raise ValueError(f"{name}: fragments include each other: {' -> '.join(seen + (fragment,))}")
        body = _COMMENT.sub("", _expand(fragment, source_text(fragment), seen + (fragment,))).strip()
        for old, new in renames.items():
            body, count = re.subn(rf"(?<!\$)\b{old}\b", new, body)   # a $parameter is not an identifier
            if not count:
                raise ValueError(f"{name}: fragment {fragment} has no {old!r} to rename")
        return body
    return _COMMENT_OR_INCLUDE.sub(include, text)


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    """The query's SQL as it runs: its file with every ${fragments/...} expanded."""
    return _expand(name, source_text(name), (name,))


@lru_cache(maxsize=None)
def fragments_used(name: str) -> tuple[str, ...]:
    """The fragments a query includes, directly or through another fragment, in order of use."""
    seen: dict[str, None] = {}
    for match in _INCLUDE.finditer(_COMMENT.sub("", source_text(name))):
        seen.setdefault(match.group(1))
        for inner in fragments_used(match.group(1)):
            seen.setdefault(inner)
    return tuple(seen)


@lru_cache(maxsize=None)
def parameters(name: str) -> tuple[str, ...]:
    """The $names a query uses, in order of first use (comments ignored)."""
    seen: dict[str, None] = {}
    for match in _PARAMETER.finditer(_COMMENT.sub("", sql_text(name))):
        seen.setdefault(match.group(1))
    return tuple(seen)


def bind(name: str, given: dict[str, Any], settings: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = settings if settings is not None else settings_module.values()
    bound = {}
    for param in parameters(name):
        if param in given:
            bound[param] = given[param]
        elif param in PLACE_FILTERS:
            bound[param] = None
        elif param in settings:
            value = settings[param]
            # Thresholds bind as exact decimals: 0.7 x 90 rooms is 63, not 63.000000000000007.
            bound[param] = Decimal(repr(value)) if isinstance(value, float) else value
        else:
            raise ValueError(f"query {name!r} needs ${param}: pass it or define it in settings.toml")
    return bound


def time_limit(settings: dict[str, Any] | None = None) -> float | None:
    """Seconds a query may run (settings.toml query_time_limit_seconds); None when 0 (no limit)."""
    values = settings if settings is not None and TIME_LIMIT_SETTING in settings else settings_module.values()
    limit = values[TIME_LIMIT_SETTING]
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0:
        raise ValueError(f"{TIME_LIMIT_SETTING} must be a number of seconds, 0 or more (0: no limit); got {limit!r}")
    return float(limit) or None


def run(con: duckdb.DuckDBPyConnection, name: str, settings: dict[str, Any] | None = None,
        **params: Any) -> pd.DataFrame:
    """The rows of queries/NAME.sql, its parameters bound; QueryTimeout past the time limit.
    `con` is a DuckDB connection, or another engine's (sitrep.engines.spark.SparkEngine), which
    runs the same file with the same bound values."""
    sql, bound, limit = sql_text(name), bind(name, params, settings), time_limit(settings)
    if not isinstance(con, duckdb.DuckDBPyConnection):
        return con.run(name, bound, limit)
    return guarded_df(con, sql, bound, name, limit)


def guarded_df(con: duckdb.DuckDBPyConnection, sql: str, bound: dict[str, Any], name: str,
               limit: float | None) -> pd.DataFrame:
    """con.execute(sql, bound).df(), interrupted past `limit` seconds (QueryTimeout naming `name`)."""
    if limit is None:
        return con.execute(sql, bound).df()
    watch = _WATCHDOG.arm(con, limit)
    try:
        return con.execute(sql, bound).df()
    except duckdb.InterruptException as error:
        if watch.fired:
            raise QueryTimeout(name, limit) from error
        raise
    finally:
        _WATCHDOG.disarm(watch)


class _Watch:
    """One query under a time limit: its connection, when to interrupt it, whether it was."""

    __slots__ = ("con", "deadline", "running", "fired")

    def __init__(self, con: duckdb.DuckDBPyConnection, deadline: float):
        self.con, self.deadline, self.running, self.fired = con, deadline, True, False


class _Watchdog:
    """One thread that interrupts every query past its time limit.

    A threading.Timer per query started a thread for every query, a floor of its own under load.
    This thread sleeps until the earliest deadline. At it, a query still running is interrupted,
    and again every 50 ms until it stops (an interrupt that lands before DuckDB has started the
    query is forgotten). Arming, disarming and interrupting hold one lock, so a query that has
    finished is never interrupted: the next query on that cursor is safe."""

    RETRY_SECONDS = 0.05

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, con: duckdb.DuckDBPyConnection, limit: float) -> _Watch:
        watch = _Watch(con, time.monotonic() + limit)
        with self._wake:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="sitrep-query-watchdog", daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._heap[0][2] is watch:
                self._wake.notify()
        return watch

    def disarm(self, watch: _Watch) -> None:
        with self._wake:
            watch.running, watch.con = False, None     # its heap entry is dropped when it comes due

    def _watch(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._heap and (not self._heap[0][2].running or self._heap[0][0] <= now):
                    _, _, watch = heapq.heappop(self._heap)
                    if watch.running:
                        watch.fired = True
                        watch.con.interrupt()
                        watch.deadline = now + self.RETRY_SECONDS
                        heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
                self._wake.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()


def empty_frame(con: duckdb.DuckDBPyConnection, name: str, settings: dict[str, Any] | None = None,
                **params: Any) -> pd.DataFrame:
    """The query's columns (names and types) with no rows: what a reader shows in place of a
    query that ran out of time. DuckDB plans the query under `limit 0` and skips the work."""
    return con.sql(sql_text(name), params=bind(name, params, settings)).limit(0).df()


def finest_level(name: str) -> str:
    """The finest place level (PLACE_LEVELS) queries/NAME.sql narrows by: the finest place filter
    it names. A view at a finer place reads this level's figure (the page says so)."""
    used = parameters(name)
    return next((level for level, param in reversed(list(zip(PLACE_LEVELS, PLACE_FILTERS))) if param in used),
                "city")


def narrowed_to(metric_id: str, place: dict[str, Any]) -> str | None:
    """The level a registry metric's figure is for when the view chose `place`: None when the
    metric narrows as far as the place chosen, else the coarser level it stops at (the page says
    "本指标最细到..."). From the parameters its query names, so it cannot drift from the SQL."""
    chosen = place_level(place)
    finest = finest_level(registry.metric(metric_id).query)
    if chosen is None:
        return None
    order = ("city",) + PLACE_LEVELS
    return finest if order.index(finest) < order.index(chosen) else None


def place_level(place: dict[str, Any]) -> str | None:
    """The finest level a place filter names (None: the whole city)."""
    return next((level for level, param in reversed(list(zip(PLACE_LEVELS, PLACE_FILTERS))) if place.get(param)),
                None)


CLOCK_PARAMETERS = ("rule_id", "limit_hours")


def run_metric(con: duckdb.DuckDBPyConnection, metric_id: str, settings: dict[str, Any] | None = None,
               query: str | None = None, **params: Any) -> pd.DataFrame:
    """Run the query of a registry entry (metrics.toml) for metric_id.

    A query shared by several rules (metrics/timeliness) names the rule as $rule_id and its
    limit as $limit_hours: those are bound to metric_id and to the setting named in the
    entry's `threshold`. `query` runs another file with the same binding (a drill-through such
    as details/timeliness_items). Everything else is bound as `run` binds it.
    """
    name, params = metric_parameters(metric_id, settings, query, **params)
    try:
        return run(con, name, settings, **params)
    except QueryTimeout as timeout:
        raise QueryTimeout(name, timeout.limit, metric_id) from timeout.__cause__


def metric_parameters(metric_id: str, settings: dict[str, Any] | None = None, query: str | None = None,
                      **params: Any) -> tuple[str, dict[str, Any]]:
    """The query a registry entry runs and the caller's values for it (see run_metric)."""
    entry = registry.metric(metric_id)
    name = query or entry.query
    used = parameters(name)
    if any(p in used for p in CLOCK_PARAMETERS):
        values = settings if settings is not None else settings_module.values()
        params = {"rule_id": metric_id, "limit_hours": values[entry.threshold], **params}
    return name, params
