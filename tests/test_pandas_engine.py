"""The pandas engine's isolation, contacts and cases rules (benchmarks/pandas_engine/part_a.py) give
DuckDB's answers on the demo: every metric of those sections, CON-TRANSFER and the other rules of
metrics/timeliness, at the peak and at a quiet moment before the first case; the red list at
the peak, with those rules computed in pandas and the others in DuckDB, is DuckDB's; and so is every
query call of the hand-made stories of tests/metrics for those rules, whose small fixtures sit on
the boundaries (exactly 75 %, exactly 8 h, empty tables, a room shared at one instant, ...).
The DataFrames are loaded once for the module, as a dashboard loads them once at start-up.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Iterator, Mapping
from unittest import mock

import duckdb
import pandas as pd
import pytest

from benchmarks.pandas_engine import PandasEngine, load_tables, part_a
import tests.fixture_db as fixture_db_module
from sitrep import queries as queries_module
from sitrep import registry
from sitrep.db import connect_read, current_catalog, install_staging_views, new_cursor, table_names
from sitrep.engines.agreement import differences
from sitrep.queries import bind, run, run_metric, sql_text
from sitrep.redlist import red_list

PEAK, QUIET = "2022-07-24 18:00", "2022-07-11 09:00"
PART_A_METRICS = [m.id for m in registry.metrics().values()
                  if m.section in ("isolation", "contacts", "cases") or m.query == "metrics/timeliness"]


@pytest.fixture(scope="module")
def duck(demo_db_path):
    con = connect_read(demo_db_path)
    install_staging_views(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def engine(demo_db_path):
    return PandasEngine(load_tables(demo_db_path, part_a.TABLES))


class PartAInPandas:
    """Part A's queries in pandas, every other query in DuckDB (a cursor per call: red_list runs
    its metrics in threads), so that the red list can be compared before part B exists."""

    def __init__(self, pandas_engine: PandasEngine, con):
        self.pandas, self.con, self.catalog = pandas_engine, con, current_catalog(con)
        self.in_pandas: set[str] = set()

    def run(self, name, bound, limit=None):
        if name in part_a.QUERIES:
            self.in_pandas.add(name)
            return part_a.QUERIES[name](self.pandas.tables, bound)
        cur = new_cursor(self.con, self.catalog, scope=None)
        try:
            return cur.execute(sql_text(name), bound).df()
        finally:
            cur.close()


def test_every_part_a_query_is_in_the_registry_or_the_red_list():
    used = {registry.metric(m).query for m in PART_A_METRICS} | {"reference/district_names"}
    assert used == set(part_a.QUERIES)


@pytest.mark.parametrize("as_of", [PEAK, QUIET])
def test_every_part_a_metric_agrees_with_duckdb(duck, engine, as_of):
    moment, disagree = pd.Timestamp(as_of), {}
    for metric_id in PART_A_METRICS:
        expected = run_metric(duck, metric_id, as_of=moment)
        got = part_a.QUERIES[registry.metric(metric_id).query](engine.tables, _bound(metric_id, moment))
        found = differences(expected, got)
        if found:
            disagree[metric_id] = found
    assert disagree == {}


def _bound(metric_id, moment):
    """The values sitrep.queries binds for the metric's query (what an engine's run receives)."""
    captured = {}

    class Capture:
        def run(self, name, bound, limit=None):
            captured.update(bound)
            return pd.DataFrame()
    run_metric(Capture(), metric_id, as_of=moment)
    return captured


def test_the_peak_has_red_rows_to_agree_on(duck):
    # The agreement above means something only if the demo's peak shows rules red and green.
    reds = {m: run_metric(duck, m, as_of=pd.Timestamp(PEAK))["is_red"].fillna(False).astype(bool).any()
            for m in PART_A_METRICS if m != "ISO-DISPATCH"}
    assert any(reds.values()) and not all(reds.values())


@pytest.mark.parametrize("as_of", [PEAK])
def test_the_red_list_agrees_with_duckdb(duck, engine, as_of):
    moment = pd.Timestamp(as_of)
    mixed = PartAInPandas(engine, duck)
    expected = red_list(duck, moment)
    got = red_list(mixed, moment)
    assert differences(expected, got) == []
    assert {"metrics/iso_use", "metrics/case_new", "metrics/timeliness", "reference/district_names"} <= mixed.in_pandas
    assert set(expected["rule_id"]) & set(PART_A_METRICS)


def test_the_engine_names_a_query_it_cannot_compute(engine):
    with pytest.raises(NotImplementedError, match="no pandas implementation of metrics/nothing_here"):
        engine.run("metrics/nothing_here", {}, None)


def test_a_place_filter_is_refused_not_ignored(engine):
    bound = {**_bound("ISO-USE", pd.Timestamp(PEAK)), "district_code": "500105"}
    with pytest.raises(NotImplementedError, match="whole city"):
        engine.run("metrics/iso_use", bound, None)


def test_loading_a_table_the_file_lacks_says_which(demo_db_path):
    with pytest.raises(ValueError, match="no table nothing_here"):
        load_tables(demo_db_path, ["districts", "nothing_here"])


def test_district_names_agree(duck, engine):
    assert differences(run(duck, "reference/district_names"), run(engine, "reference/district_names")) == []


# --- The hand-made stories of tests/metrics: small fixtures on the boundaries --------------------

STORY_MODULES = ["tests.metrics.test_isolation", "tests.metrics.test_contacts", "tests.metrics.test_cases"]


class DuckTables(Mapping):
    """The base tables of a story's DuckDB connection as DataFrames, each read when first asked
    for, so that a call reads its database as it stands then."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.names, self.frames = con, table_names(con), {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.names:
            raise KeyError(name)
        if name not in self.frames:
            self.frames[name] = self.con.table(name).df()
        return self.frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _story_calls(module) -> Iterator[tuple[str, dict]]:
    """Each test of a story module with its parametrized values one by one (tests that read the
    demo are left out: the demo is compared above)."""
    for test_name, test in inspect.getmembers(module, inspect.isfunction):
        if not test_name.startswith("test_") or "demo" in inspect.signature(test).parameters:
            continue
        cases = [{}]
        for mark in getattr(test, "pytestmark", []):
            if mark.name == "parametrize":
                argnames, values = mark.args
                if "," in argnames:
                    names = [n.strip() for n in argnames.split(",")]
                    cases = [{**case, **dict(zip(names, value))} for case in cases for value in values]
                else:
                    cases = [{**case, argnames: value} for case in cases for value in values]
        for case in cases:
            yield test_name, case


def _run_story(module, test_name: str, given: dict) -> None:
    """The story's test with the arguments pytest would give it: `db` from the module (or
    tests/metrics/conftest.py), other fixtures of the module built on it."""
    fixture = getattr(module, "db", None) or importlib.import_module("tests.metrics.conftest").db
    db = fixture._get_wrapped_function()()
    test = getattr(module, test_name)
    arguments = dict(given)
    for name in inspect.signature(test).parameters:
        if name == "db":
            arguments[name] = db
        elif name not in arguments:
            made = getattr(module, name)._get_wrapped_function()
            arguments[name] = made(**{p: db for p in inspect.signature(made).parameters})
    test(**arguments)


def test_every_query_call_of_the_hand_made_stories_agrees():
    compared, refused, disagree = 0, 0, []
    original = queries_module.run

    def comparing(con, name, settings=None, **params):
        nonlocal compared, refused
        expected = original(con, name, settings, **params)
        if name in part_a.QUERIES and isinstance(con, duckdb.DuckDBPyConnection):
            bound = bind(name, params, settings)
            if bound.get("district_code") is not None or bound.get("township_code") is not None:
                with pytest.raises(NotImplementedError):
                    part_a.QUERIES[name](DuckTables(con), bound)
                refused += 1
            else:
                found = differences(expected, part_a.QUERIES[name](DuckTables(con), bound))
                compared += 1
                if found:
                    disagree.append((story, name, params, found))
        return expected

    with mock.patch.object(queries_module, "run", comparing), \
            mock.patch.object(fixture_db_module, "run", comparing):
        for module_name in STORY_MODULES:
            module = importlib.import_module(module_name)
            for test_name, given in _story_calls(module):
                story = f"{module_name}.{test_name}{given or ''}"
                # a module that imported `run` itself calls it by its own name
                own_run = mock.patch.object(module, "run", comparing) if hasattr(module, "run") \
                    else contextlib.nullcontext()
                with own_run:
                    _run_story(module, test_name, given)
    assert disagree == [], "\n".join(map(str, disagree))
    assert compared > 50 and refused > 0
