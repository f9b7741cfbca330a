"""The PostgreSQL engine of the engine comparison (benchmarks/bench_engines.py): the translation's
rewrites on the SQL text, each one against DuckDB on a real PostgreSQL (a private cluster,
sitrep.engines.pg_cluster, started once for this file), the loader's copy of a DuckDB file, and
the cluster's clean-up.

The agreement of every metric on the demo is checked by the benchmark, not here: loading the demo
(3.3 million tubes) into PostgreSQL takes 30 to 90 s on two shared cores.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import psycopg
import pytest
import sqlglot

from sitrep.engines import pg_cluster
from sitrep.engines import postgres as pg_engine
from sitrep.engines.agreement import differences
from sitrep.queries import QueryTimeout, bind, run_metric
from sitrep.settings import values as settings_values


@pytest.fixture(scope="module")
def cluster():
    with pg_cluster.PrivateCluster() as running:
        yield running


@pytest.fixture(scope="module")
def pg(cluster):
    with psycopg.connect(**cluster.conninfo(), autocommit=True) as con:
        yield con


# --- the rewrites, on the text ------------------------------------------------------------------

def test_each_parameter_is_cast_to_the_type_of_its_bound_value():
    text = pg_engine.translate(
        "select * from t where ($district_code is null or d = $district_code) and at <= $as_of "
        "and share >= $share * n and $days[2] > 0",
        {"district_code": "text", "as_of": "timestamp", "share": "numeric", "days": "bigint[]"})
    assert "CAST(%(district_code)s AS TEXT) IS NULL" in text
    assert "d = CAST(%(district_code)s AS TEXT)" in text
    assert "CAST(%(as_of)s AS TIMESTAMP)" in text
    assert "CAST(%(share)s AS DECIMAL)" in text
    # PostgreSQL subscripts a cast only in parentheses.
    assert "(CAST(%(days)s AS BIGINT[]))[2]" in text
    assert "$" not in text


def test_a_parameter_without_a_bound_value_is_refused():
    with pytest.raises(ValueError, match=r"no value bound for \$as_of"):
        pg_engine.translate("select $as_of", {})


def test_percent_signs_reach_postgresql_as_written():
    text = pg_engine.translate("select 'a%b' like '%b' as m, 7 % 3 as r", {})
    assert "'a%%b' LIKE '%%b'" in text and "MOD(7, 3)" in text.upper()


def test_the_type_of_each_bound_value():
    assert pg_engine.parameter_type(None) == "text"          # an unchosen place filter
    assert pg_engine.parameter_type("500105") == "text"
    assert pg_engine.parameter_type(True) == "boolean"
    assert pg_engine.parameter_type(24) == "bigint"
    assert pg_engine.parameter_type(2.5) == "double precision"
    assert pg_engine.parameter_type(Decimal("0.75")) == "numeric"
    assert pg_engine.parameter_type(dt.datetime(2022, 7, 24, 18)) == "timestamp"
    assert pg_engine.parameter_type([3, 7]) == "bigint[]"
    with pytest.raises(TypeError, match="one kind"):
        pg_engine.parameter_type([3, "7"])
    with pytest.raises(TypeError, match="no PostgreSQL type"):
        pg_engine.parameter_type(object())


def test_values_are_bound_never_pasted():
    name = "metrics/iso_use"
    bound = {k: pg_engine.pg_value(v) for k, v in
             bind(name, {"as_of": pd.Timestamp("2022-07-24 18:00")}).items()}
    types = tuple(sorted((k, pg_engine.parameter_type(v)) for k, v in bound.items()))
    text = pg_engine.postgres_sql(name, types)
    assert "%(as_of)s" in text and "%(room_usage_trigger)s" in text
    assert "2022-07-24" not in text and "0.75" not in text and "$" not in text
    with pytest.raises(ValueError, match="without a zone"):
        pg_engine.pg_value(pd.Timestamp("2022-07-24 18:00", tz="Asia/Shanghai"))
    with pytest.raises(TypeError, match="cannot bind"):
        pg_engine.pg_value(object())
    assert pg_engine.pg_value(np.int64(3)) == 3 and type(pg_engine.pg_value(np.int64(3))) is int
    assert pg_engine.pg_value(pd.NaT) is None


# --- the rewrites on a real PostgreSQL, against DuckDB ------------------------------------------

REWRITE_CASES = {
    # An unchosen place filter is a null of no type; PostgreSQL cannot type `$d is null` from it.
    "unbound_place_filter": ("select count(*) as n from (values ('a'), ('b')) t(d) "
                             "where ($district_code is null or d = $district_code)", {"district_code": None}),
    # A list setting binds as an array, indexed from 1 as in DuckDB.
    "list_parameter": ("select $days[2] * interval '1' day + $at as due", {
        "days": [3, 7], "at": pd.Timestamp("2022-07-24 18:00")}),
    # A threshold binds as an exact decimal: 0.7 x 90 is 63.
    "decimal_parameter": ("select $share * 90 = 63 as exact", {"share": Decimal("0.7")}),
    "percent": ("select 'a%b' like '%b' as matches, 7 % 3 as rest", {}),
}


def _on_postgres(pg, sql: str, params: dict, translated: str) -> pd.DataFrame:
    values = {k: pg_engine.pg_value(v) for k, v in params.items()}
    cur = pg.execute(translated, values)
    return pg_engine.to_frame([d.name for d in cur.description], [d.type_code for d in cur.description],
                              cur.fetchall())


def _typed(params: dict) -> dict[str, str]:
    return {k: pg_engine.parameter_type(pg_engine.pg_value(v)) for k, v in params.items()}


@pytest.mark.parametrize("case", sorted(REWRITE_CASES))
def test_each_rewrite_gives_duckdbs_answer_on_postgresql(pg, case):
    sql, params = REWRITE_CASES[case]
    expected = duckdb.connect().execute(sql, params).df()
    translated = pg_engine.translate(sql, _typed(params))
    assert differences(expected, _on_postgres(pg, sql, params, translated)) == [], translated


@pytest.mark.parametrize("case", ["unbound_place_filter", "percent"])
def test_without_its_rewrite_postgresql_fails(pg, case):
    """Each rewrite is needed: sqlglot's plain translation, bound by psycopg, does not run."""
    sql, params = REWRITE_CASES[case]
    plain = sqlglot.transpile(sql, read="duckdb", write="postgres")[0]
    with pytest.raises((psycopg.Error, psycopg.ProgrammingError)):
        _on_postgres(pg, sql, params, plain)


# --- the loader and the engine ------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table cases (case_id bigint, district_code varchar, confirmed_at timestamp, "
                "score double, age integer, note varchar, onset date, d decimal(5,2))")
    con.execute("""insert into cases values
        (1, '500105', timestamp '2022-07-24 10:00:50.123456', 0.1, 30, '', date '2022-07-20', 1.25),
        (2, '500106', timestamp '2022-07-24 18:00:00', 1e-300, null, null, null, null),
        (3, '500105', null, 2.0 / 3, 41, 'a "quoted", text' || chr(10) || '第二行', date '2022-07-21', -0.5)""")
    con.execute("create table districts (district_code varchar, name_zh varchar)")
    con.execute("insert into districts values ('500105', '江北区'), ('500106', '沙坪坝区')")
    con.close()
    return path


def test_the_loader_copies_every_row_value_and_type_and_indexes_the_keys(cluster, pg, small_db):
    report = pg_cluster.load_duckdb(cluster, small_db)
    assert report.rows == {"cases": 3, "districts": 2}
    assert sorted(report.indexes) == ["cases_case_id_idx", "cases_confirmed_at_idx", "cases_district_code_idx",
                                      "districts_district_code_idx"]
    types = dict(pg.execute("select column_name, data_type from information_schema.columns "
                            "where table_name = 'cases'").fetchall())
    assert types == {"case_id": "bigint", "district_code": "text", "confirmed_at": "timestamp without time zone",
                     "score": "double precision", "age": "integer", "note": "text", "onset": "date",
                     "d": "numeric"}
    expected = duckdb.connect(str(small_db), read_only=True).execute("select * from cases order by case_id").df()
    cur = pg.execute("select * from cases order by case_id")
    got = pg_engine.to_frame([d.name for d in cur.description], [d.type_code for d in cur.description],
                             cur.fetchall())
    assert differences(expected, got) == []
    # Exactly, not within a tolerance: the doubles and the microseconds survive the copy.
    assert got["score"].tolist()[:2] == [0.1, 1e-300] and got["score"].iloc[2] == 2.0 / 3
    assert got["confirmed_at"].iloc[0] == pd.Timestamp("2022-07-24 10:00:50.123456")
    assert got["note"].iloc[0] == "" and pd.isna(got["note"].iloc[1])     # an empty text is not a null


def test_answers_come_back_in_duckdbs_types(pg):
    sql = ("select * from (values (1::bigint, null::int, 2.5::decimal(3,1), true, null::boolean, "
           "timestamp '2022-07-24 18:00', 'a', null::varchar, 7::integer, 8::smallint, true), "
           "(2, 3, 0.5, false, null, null, null, null, 9, 10::smallint, null)) t(n, m, x, b, nb, ts, s, ns, i, h, bn)")
    cur = pg.execute(sql)
    frame = pg_engine.to_frame([d.name for d in cur.description], [d.type_code for d in cur.description],
                               cur.fetchall())
    expected = duckdb.connect().execute(sql).df()
    assert [str(t) for t in frame.dtypes] == [str(t) for t in expected.dtypes]
    assert differences(expected, frame) == []


def test_a_query_past_its_time_limit_is_stopped_and_named(cluster, monkeypatch):
    engine = pg_engine.PostgresEngine(cluster.conninfo(), install_staging=False)
    # pg_sleep in place of a slow query: what is tested is the statement timeout and its error.
    monkeypatch.setattr(pg_engine, "postgres_sql", lambda name, types=(): "select pg_sleep(5) as slept")
    try:
        with pytest.raises(QueryTimeout, match="CASE-NEW"):
            run_metric(engine, "CASE-NEW", as_of=pd.Timestamp("2022-07-24 18:00"),
                       settings={**settings_values(), "query_time_limit_seconds": 0.2})
        # The connection stays usable, and without a limit the query runs to its end.
        monkeypatch.setattr(pg_engine, "postgres_sql", lambda name, types=(): "select 1 as n")
        assert run_metric(engine, "CASE-NEW", as_of=pd.Timestamp("2022-07-24 18:00"),
                          settings={**settings_values(), "query_time_limit_seconds": 0})["n"].tolist() == [1]
    finally:
        engine.close()


def test_the_cluster_is_stopped_and_its_folder_removed_even_after_an_error():
    with pytest.raises(RuntimeError, match="boom"):
        with pg_cluster.PrivateCluster() as running:
            folder = running.folder
            pid = int((running.data_dir / "postmaster.pid").read_text().split()[0])
            raise RuntimeError("boom")
    assert not folder.exists()
    # Gone, or a zombie where the container's first process reaps no orphans.
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split(") ")[1].startswith("Z")


def test_without_postgresql_the_cluster_says_what_to_install(tmp_path):
    with pytest.raises(pg_cluster.PostgresUnavailable, match="apt-get install postgresql"):
        pg_cluster.PrivateCluster(bin_dir=tmp_path)
