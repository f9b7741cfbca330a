"""The pandas engine's isolation, contacts and cases rules (benchmarks/pandas_engine/part_a.py) give
DuckDB's answers on the demo: every metric of those sections, CON-TRANSFER and the other rules of
metrics/timeliness, at the peak and at a quiet moment before the first case; and the red list at
the peak, with those rules computed in pandas and the others in DuckDB, is DuckDB's.
The DataFrames are loaded once for the module, as a dashboard loads them once at start-up.
"""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.pandas_engine import PandasEngine, load_tables, part_a
from sitrep import registry
from sitrep.db import connect_read, current_catalog, install_staging_views, new_cursor
from sitrep.engines.agreement import differences
from sitrep.queries import run, run_metric, sql_text
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
