"""The pandas engine's part B (benchmarks/pandas_engine/part_b.py) gives what DuckDB gives: the same
columns, rows and values (sitrep.engines.agreement) for every metric it implements, on the demo
database at the peak, at the latest moment (a round in progress) and at a quiet moment, and on
every query call of the hand-made stories of tests/metrics for those metrics, whose small fixtures
sit on the boundaries (exactly 8 h, exactly 90 %, a report exactly 2 h old, empty tables, ...).

The engine reads the tables as DataFrames; here a mapping loads each table from DuckDB the first
time a function asks for it, so a story's call reads its database as it stands then."""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Iterator, Mapping

import duckdb
import pandas as pd
import pytest
from unittest import mock

from benchmarks.pandas_engine.part_b import QUERIES
from sitrep import registry
from sitrep import queries as queries_module
from sitrep.db import table_names
from sitrep.engines.agreement import differences
from sitrep.queries import bind, metric_parameters, run
from tests import fixture_db as fixture_db_module

MOMENTS = ["2022-07-24 18:00", "2022-08-05 18:00", "2022-07-10 06:00"]
PART_B = [m.id for m in registry.metrics().values() if m.query in QUERIES]
STORY_MODULES = ["tests.metrics.test_testing", "tests.metrics.test_round_deadline", "tests.metrics.test_timeliness",
                 "tests.metrics.test_screening", "tests.metrics.test_risk_areas"]


class DuckTables(Mapping):
    """The base tables of a DuckDB connection as DataFrames, each read when first asked for."""

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


@pytest.fixture(scope="module")
def demo_tables(demo) -> DuckTables:
    return DuckTables(demo)


def test_part_b_covers_the_metrics_of_its_sections_and_every_rule_of_the_shared_clock_query():
    sections = {"testing", "investigation", "screening", "risk_areas"}
    expected = {m.id for m in registry.metrics().values()
                if m.section in sections or m.query == "metrics/timeliness"}
    assert set(PART_B) == expected
    assert "CON-TRANSFER" in PART_B and "VAC-60" in PART_B


@pytest.mark.parametrize("as_of", MOMENTS)
def test_every_part_b_metric_agrees_with_duckdb_on_the_demo(demo, demo_tables, as_of):
    disagree, red_rows = [], 0
    for metric_id in PART_B:
        name, params = metric_parameters(metric_id, as_of=pd.Timestamp(as_of))
        expected = run(demo, name, **params)
        got = QUERIES[name](demo_tables, bind(name, params))
        found = differences(expected, got)
        if found:
            disagree.append((metric_id, found))
        red_rows += int(expected["is_red"].fillna(False).astype(bool).sum())
    assert disagree == []
    assert red_rows > 0 or as_of == "2022-07-10 06:00"     # the comparison saw red rows, not only green


def test_a_round_in_progress_is_compared_row_by_row(demo, demo_tables):
    """The peak has no active round: the latest moment has, and its rows agree (not only the empty frame)."""
    for metric_id in ("TEST-ROUND", "TEST-CADENCE", "TEST-POOL"):
        name, params = metric_parameters(metric_id, as_of=pd.Timestamp("2022-08-05 18:00"))
        expected = run(demo, name, **params)
        assert len(expected) > 1
        assert differences(expected, QUERIES[name](demo_tables, bind(name, params))) == []


def test_a_place_filter_is_refused_with_a_clear_error(demo_tables):
    name, params = metric_parameters("VAC-60", as_of=pd.Timestamp(MOMENTS[0]), district_code="500105")
    with pytest.raises(NotImplementedError, match="whole city"):
        QUERIES[name](demo_tables, bind(name, params))


def test_an_unknown_clock_rule_is_refused(demo_tables):
    params = bind("metrics/timeliness", {"as_of": pd.Timestamp(MOMENTS[0]), "rule_id": "EPI-NONE", "limit_hours": 2})
    with pytest.raises(ValueError, match="EPI-NONE"):
        QUERIES["metrics/timeliness"](demo_tables, params)


# --- The hand-made stories ------------------------------------------------------------------------

def _story_calls(module) -> Iterator[tuple[str, dict]]:
    """Each test of a story module with the arguments pytest would give it: its parametrized values
    one by one, `db` from the module (or tests/metrics/conftest.py), other fixtures of the module
    built on it. Tests that read the demo database are left out: the demo is compared above."""
    for test_name, test in inspect.getmembers(module, inspect.isfunction):
        if not test_name.startswith("test_") or "demo" in inspect.signature(test).parameters:
            continue
        cases = [{}]
        for mark in getattr(test, "pytestmark", []):
            if mark.name == "parametrize":
                argnames, values = mark.args
                cases = [{**case, argnames: value} for case in cases for value in values]
        for case in cases:
            yield test_name, case


def _run_story(module, test_name: str, given: dict) -> None:
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
        if name in QUERIES and isinstance(con, duckdb.DuckDBPyConnection):
            bound = bind(name, params, settings)
            if bound.get("district_code") is not None or bound.get("township_code") is not None:
                with pytest.raises(NotImplementedError):
                    QUERIES[name](DuckTables(con), bound)
                refused += 1
            else:
                found = differences(expected, QUERIES[name](DuckTables(con), bound))
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
    assert disagree == []
    assert compared > 100 and refused > 0
