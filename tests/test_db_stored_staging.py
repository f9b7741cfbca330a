"""Staging models stored once per opened file (issue 13, sitrep.db.read_stored_staging): a
whole-city cursor of the app's connection reads them from tables, gives the answers the views give,
and a district-bound cursor never reads them (they hold every district)."""

from __future__ import annotations

import pandas as pd

from sitrep import registry
from sitrep.db import ReadPool, install_staging_views, new_cursor, staging_files
from sitrep.queries import run_metric

AS_OF = pd.Timestamp("2022-08-04 18:00")
JIANGBEI = "500105"


def staging_sources(cur) -> dict[str, str]:
    """Each staging view of the cursor and the SQL it runs."""
    return dict(cur.execute("select view_name, sql from duckdb_views() where temporary and view_name like 'stg_%'"
                            ).fetchall())


def test_a_whole_city_cursor_reads_every_staging_model_from_its_stored_table(demo_db_path):
    pool = ReadPool(demo_db_path)
    try:
        sources = staging_sources(pool.cursor(scope=None))
        assert set(sources) == {path.stem for path in staging_files()}
        assert all(f"memory.main.stored_{view}" in sql for view, sql in sources.items())
        # A second cursor finds them stored: the same tables, not a second copy.
        stored = new_cursor(pool._con, scope=None).execute(
            "select count(*) from duckdb_tables() where database_name = 'memory'").fetchone()[0]
        assert stored == len(sources)
    finally:
        pool.close()


def test_a_district_cursor_computes_its_staging_from_its_own_districts(demo_db_path):
    pool = ReadPool(demo_db_path)
    try:
        pool.cursor(scope=None)                                  # the city's tables are stored first
        sources = staging_sources(pool.cursor(scope=(JIANGBEI,)))
        assert sources and not any("memory.main.stored_" in sql for sql in sources.values())
        districts = pool.cursor(scope=(JIANGBEI,)).execute(
            "select distinct district_code from stg_iso_room_changes").fetchall()
        assert districts == [(JIANGBEI,)]
    finally:
        pool.close()


def test_every_flagging_metric_answers_the_same_from_the_stored_tables_as_from_the_views(demo_db_path):
    pool = ReadPool(demo_db_path)
    try:
        stored = pool.cursor(scope=None)
        views = pool._con.cursor()
        views.execute(f'use "{pool._catalog}"')
        install_staging_views(views)
        assert not any("memory.main.stored_" in sql for sql in staging_sources(views).values())
        for metric in registry.metrics().values():
            if metric.flags_red:
                pd.testing.assert_frame_equal(run_metric(stored, metric.id, as_of=AS_OF),
                                              run_metric(views, metric.id, as_of=AS_OF), obj=metric.id)
    finally:
        pool.close()
