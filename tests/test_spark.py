"""The Spark engine gives DuckDB's answers: the translation's rewrites one by one, the lake export,
and every registry metric and the red list on Spark (local[2]) against DuckDB, on hand-made metric
stories of tests/metrics and on the demo at two moments.

One SparkSession serves the whole run (session fixture; local[2], 2 shuffle partitions, no UI).
The agreement table, metric x engine, is written to artifacts/spark_agreement.md and printed
(pytest -s shows it).
"""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from unittest import mock

import duckdb
import pandas as pd
import pytest
import sqlglot

import sitrep.queries as queries_module
import tests.fixture_db as fixture_db_module
from sitrep import PROJECT_ROOT, lake, registry
from sitrep.engines import spark as spark_engine
from sitrep.engines.agreement import differences
from sitrep.queries import run, run_metric
from sitrep.redlist import red_list
from tests.fixture_db import FixtureDB

# PySpark 4.3 warns about pandas 3 on every conversion; the agreement is what this file checks.
pytestmark = [pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")]

MOMENTS = ["2022-07-24 18:00", "2022-08-05 18:00"]
ARTIFACT = PROJECT_ROOT / "artifacts" / "spark_agreement.md"


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = spark_engine.start_session("local[2]", app_name="sitrep-tests",
                                         conf={"spark.sql.warehouse.dir": str(warehouse),
                                               "spark.driver.memory": "2g"})
    yield session
    session.stop()


# --- the translation's rewrites, each against DuckDB -------------------------------------------

REWRITE_CASES = {
    # DuckDB divides in double precision; Spark would divide the decimals to 6 places.
    "division": ("select cast(271 as bigint) / 60.0 as hours", {}),
    # DuckDB counts minute boundaries: 10:00:50 to 10:01:10 is one minute; Spark's datediff says 0.
    "date_diff_minutes": ("select date_diff('minute', timestamp '2022-07-24 10:00:50', $t) as minutes",
                          {"t": pd.Timestamp("2022-07-24 10:01:10")}),
    # percentile_cont interpolates (2.5 here); sqlglot's percentile_approx would answer 2.
    "percentile_cont": ("select percentile_cont(0.5) within group (order by x) as median "
                        "from (values (1), (2), (3), (4)) t(x)", {}),
    # The city row of grouping sets stands on no rows at all, count 0.
    "grouping_sets_empty": ("select d, count(*) as n, grouping(d) as city from (values ('a')) t(d) where false "
                            "group by grouping sets ((d), ())", {}),
    # A list setting binds as an array, indexed from 1 as in DuckDB.
    "list_parameter": ("select $days[2] as second_day", {"days": [3, 7]}),
    # A threshold binds as an exact decimal: 0.7 x 90 is 63, not 63.000000000000007.
    "decimal_parameter": ("select $share * 90 = 63 as exact", {"share": Decimal("0.7")}),
}


def _on_spark(spark, sql: str, params: dict, translated: str) -> pd.DataFrame:
    args = {k: spark_engine.spark_value(v) for k, v in params.items()}
    return spark.sql(translated, args=args).toPandas()


@pytest.mark.parametrize("case", sorted(REWRITE_CASES))
def test_each_rewrite_gives_duckdbs_answer_on_spark(spark, case):
    sql, params = REWRITE_CASES[case]
    expected = duckdb.connect().execute(sql, params).df()
    got = _on_spark(spark, sql, params, spark_engine.translate(sql))
    assert differences(expected, got) == [], spark_engine.translate(sql)


@pytest.mark.parametrize("case", ["division", "date_diff_minutes", "percentile_cont", "grouping_sets_empty"])
def test_without_its_rewrite_spark_answers_otherwise(spark, case):
    """Each rewrite is needed: sqlglot's plain translation gives another answer on Spark."""
    sql, params = REWRITE_CASES[case]
    expected = duckdb.connect().execute(sql, params).df()
    plain = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    assert differences(expected, _on_spark(spark, sql, params, plain)) != []


def test_a_query_is_split_into_steps_only_where_a_cte_is_read_twice():
    steps = spark_engine.split_steps(
        "with a as (select 1 as x), b as (select x from a), c as (select x from b union all select x from b) "
        "select * from c")
    assert [name for name, _ in steps.materialized] == ["b"]
    b_text = dict(steps.materialized)["b"]
    assert "WITH a AS" in b_text                       # a, read once, stays inline where it is read
    assert spark_engine.step_view("b") in steps.final and "WITH c AS" in steps.final


def test_values_are_bound_never_pasted():
    text = spark_engine.spark_sql("metrics/iso_use")
    assert ":as_of" in text and ":room_usage_trigger" in text and "$" not in text
    with pytest.raises(ValueError, match="without a zone"):
        spark_engine.spark_value(pd.Timestamp("2022-07-24 18:00", tz="Asia/Shanghai"))
    with pytest.raises(TypeError, match="cannot bind"):
        spark_engine.spark_value(object())


# --- without PySpark or Java ------------------------------------------------------------------

def test_without_pyspark_the_engine_says_what_to_install(monkeypatch):
    real_find_spec = spark_engine.importlib.util.find_spec
    monkeypatch.setattr(spark_engine.importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real_find_spec(name, *a))
    with pytest.raises(spark_engine.SparkUnavailable, match="requirements-spark.txt.*openjdk-17-jre-headless"):
        spark_engine.require_spark()
    from sitrep.cli import main

    with pytest.raises(SystemExit, match="--engine spark: PySpark is not installed.*requirements-spark.txt"):
        main(["redlist", "--engine", "spark", "--lake", "somewhere"])


def test_without_java_the_engine_says_what_to_install(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(spark_engine.shutil, "which", lambda name: None)
    with pytest.raises(spark_engine.SparkUnavailable, match="no Java runtime.*openjdk-17-jre-headless"):
        spark_engine.require_spark()


def test_redlist_with_the_spark_engine_needs_a_lake(capsys):
    from sitrep.cli import main

    with pytest.raises(SystemExit, match="--lake DIR"):
        main(["redlist", "--engine", "spark"])
    with pytest.raises(SystemExit, match="go with --engine spark"):
        main(["redlist", "--lake", "somewhere"])


# --- the lake ---------------------------------------------------------------------------------

def test_lake_export_writes_a_manifest_partitions_and_no_personal_data(tmp_path):
    db = FixtureDB(tmp_path / "s.duckdb")
    db.district("500105")
    db.insert("persons", person_id=1, full_name="张三", id_card_number="500105199001010011")
    db.insert("testing_rounds", round_id="R1")
    for i, day in enumerate(["2022-07-01 08:00", "2022-07-02 08:00"]):
        db.insert("testing_tubes", round_id="R1", sampled_at=day, tube_id=i + 1)
    db.insert("dataset_info", key="data_as_of", value="2022-07-02 08:00:00")
    db.con.close()
    result = lake.export(tmp_path / "s.duckdb", tmp_path / "lake")
    manifest = lake.read_manifest(tmp_path / "lake")
    assert manifest["data_as_of"] == "2022-07-02 08:00:00"
    assert manifest["source"]["sha256"] == lake.file_sha256(tmp_path / "s.duckdb")
    assert "persons" not in manifest["tables"] and "persons" not in result.tables_written
    assert not list((tmp_path / "lake").rglob("*persons*"))
    tubes = manifest["tables"]["testing_tubes"]
    assert tubes["rows"] == 2 and tubes["partition_by"] == ["district_code", "sampled_date"]
    folder = tmp_path / "lake" / tubes["folder"]
    assert sorted(p.name for p in (folder / "district_code=500105").iterdir()) == \
        ["sampled_date=2022-07-01", "sampled_date=2022-07-02"]
    assert [c["name"] for c in tubes["columns"]][:3] == ["tube_id", "round_id", "district_code"]
    assert {c["name"]: c["type"] for c in tubes["columns"]}["sampled_at"] == "timestamp"


def test_lake_reexport_rewrites_only_changed_tables_and_switches_in_one_rename(tmp_path):
    db = FixtureDB(tmp_path / "s.duckdb")
    db.district("500105")
    db.con.close()
    first = lake.export(tmp_path / "s.duckdb", tmp_path / "lake")
    old = lake.read_manifest(tmp_path / "lake")
    again = lake.export(tmp_path / "s.duckdb", tmp_path / "lake")
    assert again.tables_written == [] and "districts" in again.tables_kept

    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.execute("update districts set population_2020 = 2000000")
    con.close()
    changed = lake.export(tmp_path / "s.duckdb", tmp_path / "lake")
    assert changed.tables_written == ["districts"]
    new = lake.read_manifest(tmp_path / "lake")
    assert new["tables"]["districts"]["folder"] != old["tables"]["districts"]["folder"]
    # A reader that read the manifest before the switch still finds every folder it names.
    assert all((tmp_path / "lake" / e["folder"]).is_dir() for e in old["tables"].values())
    assert not list((tmp_path / "lake").glob(".manifest.*"))          # no half-written manifest left
    assert first.manifest["tables"].keys() == new["tables"].keys()


def test_reading_a_folder_that_is_no_lake_says_how_to_write_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="lake export"):
        lake.read_manifest(tmp_path)


# --- agreement: every registry metric and the red list -----------------------------------------

class Memo:
    """An engine that runs each (query, values) once: the red list reuses the metric runs."""

    def __init__(self, engine):
        self.engine, self.frames = engine, {}

    def run(self, name, bound, limit=None):
        key = (name, tuple(sorted((k, repr(v)) for k, v in bound.items())))
        if key not in self.frames:
            self.frames[key] = self.engine.run(name, bound, None)
        return self.frames[key].copy()


TABLE: dict[str, dict[str, str]] = defaultdict(dict)
FIXTURES_COLUMN = "hand-made stories (tests/metrics)"


def _cell(frame_a, frame_b, found) -> str:
    return f"same, {len(frame_a)} rows" if not found else f"DIFFERENT: {found[0]}"


def _write_table() -> None:
    columns = [FIXTURES_COLUMN] + [f"demo {m}" for m in MOMENTS]
    ids = [m for m in registry.metrics()] + ["red list"]
    lines = ["# Spark (local[2]) against DuckDB: the same rows", "",
             "| metric | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for metric_id in ids:
        lines.append(f"| {metric_id} | " + " | ".join(TABLE[metric_id].get(c, "—") for c in columns) + " |")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines))


@pytest.fixture(scope="session")
def demo_engine(spark, demo_db_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-lake")
    lake.export(demo_db_path, out)
    spark_engine.register_lake(spark, out, database="sitrep_demo")
    return Memo(spark_engine.SparkEngine(spark))


@pytest.mark.parametrize("as_of", MOMENTS)
def test_every_metric_and_the_red_list_agree_on_the_demo(demo, demo_engine, as_of):
    demo_engine.engine.spark.sql("use sitrep_demo")     # staging views read the current database
    demo_engine.engine.install_staging_views()
    moment, column, disagree = pd.Timestamp(as_of), f"demo {as_of}", []
    # Spark plans one query while it runs another: three at a time on local[2].
    with ThreadPoolExecutor(max_workers=3) as pool:
        spark_frames = dict(zip(registry.metrics(), pool.map(
            lambda metric_id: run_metric(demo_engine, metric_id, as_of=moment), registry.metrics())))
    for metric_id in registry.metrics():
        expected = run_metric(demo, metric_id, as_of=moment)
        got = spark_frames[metric_id]
        found = differences(expected, got)
        TABLE[metric_id][column] = _cell(expected, got, found)
        if found:
            disagree.append((metric_id, found))
    expected = red_list(demo, moment)
    got = red_list(demo_engine, moment)
    found = differences(expected, got)
    TABLE["red list"][column] = f"same, {len(expected)} items" if not found else f"DIFFERENT: {found[0]}"
    _write_table()
    assert not found, found
    assert disagree == []


def test_a_query_past_its_time_limit_on_spark_is_stopped_and_named(spark, demo_engine):
    from sitrep.queries import QueryTimeout

    spark.sql("use sitrep_demo")
    hurried = spark_engine.SparkEngine(spark, time_limit=0.2)
    with pytest.raises(QueryTimeout, match="ISO-RUNWAY"):
        run_metric(hurried, "ISO-RUNWAY", as_of=pd.Timestamp(MOMENTS[0]))
    unhurried = spark_engine.SparkEngine(spark, install_staging=False, time_limit=None)
    assert len(run_metric(unhurried, "CASE-RETEST", as_of=pd.Timestamp(MOMENTS[0]))) > 0


# Hand-made stories of tests/metrics (their own fixtures and assertions run as written): every
# query call a story makes is recorded with the database as it stood then, and run again on Spark
# over that database's lake. Chosen for the boundaries the translation could move: exact
# thresholds with decimal settings (75 %, 60 per 10,000, 7 % staff, 90 % vaccinated), minute
# boundaries with seconds (8 h, 24 h, 2 h), medians of even counts, list settings (retest days),
# red_since histories, and empty tables (the city row on no rows).
STORIES = [
    ("tests.metrics.test_isolation", "test_room_usage_turns_red_at_exactly_75_percent"),
    ("tests.metrics.test_isolation", "test_city_row_pools_every_district_and_red_since_follows_the_last_crossing"),
    ("tests.metrics.test_isolation", "test_reserve_of_exactly_60_rooms_per_10000_residents_is_not_red"),
    ("tests.metrics.test_isolation",
     "test_reserve_counts_rooms_from_assessment_to_closing_before_any_data_in_the_future_and_on_empty_tables"),
    ("tests.metrics.test_isolation", "test_red_since_is_the_start_of_the_rooms_current_overlap_not_of_its_current_pair"),
    ("tests.metrics.test_isolation", "test_runway_of_exactly_3_days_to_the_trigger_is_red"),
    ("tests.metrics.test_isolation", "test_commission_before_any_data_in_the_future_and_on_empty_tables"),
    ("tests.metrics.test_timeliness", "test_a_contact_moved_at_exactly_8_hours_is_on_time_and_one_minute_later_is_late"),
    ("tests.metrics.test_timeliness", "test_roaming_lists_get_24_hours_and_an_entry_open_at_its_limit_turns_red_a_minute_later"),
    ("tests.metrics.test_testing", "test_projected_finish_exactly_at_the_deadline_is_not_red_and_a_minute_later_is"),
    ("tests.metrics.test_testing", "test_turnaround_medians_agree_with_the_standard_median_per_district_and_city"),
    ("tests.metrics.test_testing", "test_targets_pooled_other_than_their_level_asks_are_counted_per_district"),
    ("tests.metrics.test_testing", "test_a_report_exactly_2_hours_old_is_on_time_and_2_h_01_min_is_late"),
    ("tests.metrics.test_testing", "test_occupational_red_since_goes_back_over_the_unbroken_run_of_days_with_misses"),
    ("tests.metrics.test_testing", "test_communities_of_3000_or_more_without_an_open_site_are_counted"),
    ("tests.metrics.test_cases", "test_a_case_confirmed_exactly_24_h_before_as_of_is_not_new_and_one_a_minute_later_is"),
    ("tests.metrics.test_cases", "test_rising_when_the_last_7_days_exceed_the_7_days_before_and_red_since_the_last_rise"),
    ("tests.metrics.test_cases", "test_median_hours_from_positive_to_arrival_for_arrivals_in_the_window_and_those_not_moved"),
    ("tests.metrics.test_cases", "test_suspected_cases_in_the_24_h_and_the_share_converted_to_confirmed"),
    ("tests.metrics.test_cases", "test_empty_tables_an_as_of_before_any_data_and_one_in_the_future"),
    ("tests.metrics.test_contacts", "test_centralized_share_now_against_24_h_ago_with_its_edges"),
    ("tests.metrics.test_risk_areas", "test_a_staff_share_set_by_the_operator_is_compared_exactly_not_in_floating_point"),
    ("tests.metrics.test_risk_areas", "test_supplies_of_exactly_15_days_are_enough_and_14_9_are_not"),
    ("tests.metrics.test_risk_areas", "test_elderly_coverage_of_exactly_90_percent_is_not_red_and_89_9_is"),
    ("tests.metrics.test_risk_areas", "test_areas_in_force_are_counted_per_level_with_residents_and_days"),
    ("tests.metrics.test_screening", "test_an_unregistered_arrival_is_within_grace_at_exactly_24_hours_and_overdue_a_minute_later"),
    ("tests.metrics.test_screening", "test_a_review_or_check_at_exactly_as_of_counts_and_a_cleared_backlog_is_not_red"),
    ("tests.metrics.test_isolation", "test_exactly_75_percent_triggers_dispatch_of_one_room_from_the_nearest_lender"),
    ("tests.metrics.test_contacts", "test_runs_carrying_cases_and_contacts_together_in_the_window"),
    ("tests.metrics.test_contacts", "test_the_contact_funnel_cumulative_to_as_of"),
    ("tests.metrics.test_cases", "test_retests_missing_a_day_after_they_fell_due"),
    ("tests.metrics.test_cases", "test_social_surface_cases_their_share_and_red_since_the_earliest_of_them"),
    ("tests.metrics.test_cases", "test_positives_by_source_cumulative_to_as_of"),
    ("tests.metrics.test_cases", "test_cure_fatality_and_admission_rates_read_from_timestamps_at_as_of"),
    ("tests.metrics.test_timeliness", "test_investigators_on_site_at_2_hours_are_on_time_and_at_2_hours_1_minute_late"),
    ("tests.metrics.test_timeliness", "test_core_information_at_4_hours_is_on_time_and_at_4_hours_1_minute_late"),
    ("tests.metrics.test_timeliness",
     "test_a_full_trace_within_24_hours_is_on_time_and_an_open_one_is_pending_until_its_day_is_out"),
    ("tests.metrics.test_timeliness", "test_assist_letters_sent_within_2_hours_count_by_the_sending_district"),
    ("tests.metrics.test_timeliness", "test_every_preliminary_positive_must_be_reported_within_2_hours"),
    ("tests.metrics.test_timeliness", "test_positives_published_within_5_hours_and_only_positives_are_judged"),
    ("tests.metrics.test_timeliness", "test_pushed_lists_are_checked_within_8_hours_and_roaming_lists_are_not_part_of_them"),
]


def _run_story(module, test_name: str) -> None:
    """A story as pytest runs it: its `db` (the file's own, else tests/metrics/conftest.py's) and
    the file's fixtures built on it."""
    fixture = getattr(module, "db", None) or importlib.import_module("tests.metrics.conftest").db
    db = fixture._get_wrapped_function()()
    test = getattr(module, test_name)
    arguments = {}
    for name in inspect.signature(test).parameters:
        if name == "db":
            arguments[name] = db
        else:
            made = getattr(module, name)._get_wrapped_function()
            arguments[name] = made(**{p: db for p in inspect.signature(made).parameters})
    test(**arguments)


def _record(stories, out: Path) -> list[dict]:
    """Run the stories on DuckDB, keeping each query call, its values, its rows and the lake of
    the database as it stood."""
    calls, original = [], queries_module.run

    def recording(con, name, settings=None, **params):
        frame = original(con, name, settings, **params)
        if isinstance(con, duckdb.DuckDBPyConnection) and name.startswith(("metrics/", "overview/")):
            folder = out / f"call-{len(calls)}"
            lake.export_connection(con, folder)
            calls.append({"story": story, "name": name, "settings": settings, "params": params,
                          "frame": frame, "lake": folder})
        return frame

    with mock.patch.object(queries_module, "run", recording), \
            mock.patch.object(fixture_db_module, "run", recording):
        for module_name, test_name in stories:
            story = test_name
            _run_story(importlib.import_module(module_name), test_name)
    return calls


def test_every_query_call_of_the_hand_made_stories_agrees(spark, tmp_path):
    calls = _record(STORIES, tmp_path)
    engine = spark_engine.SparkEngine(spark, install_staging=False)
    per_metric: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_query = {m.query: m.id for m in registry.metrics().values()}
    disagree, registered = [], None
    for call in calls:
        folders = tuple(sorted(e["folder"] for e in lake.read_manifest(call["lake"])["tables"].values()))
        if folders != registered:       # the same data as the call before: nothing to register again
            spark_engine.register_lake(spark, call["lake"], database="sitrep_fixture")
            engine.install_staging_views()
            registered = folders
        got = run(engine, call["name"], call["settings"], **call["params"])
        found = differences(call["frame"], got)
        metric_id = call["params"].get("rule_id") or by_query.get(call["name"], call["name"])
        per_metric[metric_id][0 if not found else 1] += 1
        if found:
            disagree.append((call["story"], call["name"], call["params"], found))
    for metric_id, (same, different) in per_metric.items():
        TABLE[metric_id][FIXTURES_COLUMN] = f"same, {same} calls" if not different else \
            f"DIFFERENT in {different} of {same + different} calls"
    _write_table()
    assert len(calls) >= len(STORIES)
    assert disagree == []
