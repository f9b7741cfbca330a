"""Shared fixtures: one demo database built through the CLI, exactly as a user builds it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sitrep import PROJECT_ROOT
from sitrep.db import install_staging_views


@pytest.fixture(scope="session", autouse=True)
def default_database_outside_the_checkout(tmp_path_factory):
    """No test builds or writes the checkout's data/sitrep.duckdb: where a test sets no SITREP_DB
    (or a page reruns after its monkeypatch ended), the default points into a temporary folder."""
    os.environ["SITREP_DB"] = str(tmp_path_factory.mktemp("default-db") / "sitrep.duckdb")
    yield


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "sitrep.duckdb"
    result = subprocess.run(
        # Without the alert history (minutes of replay): tests that need it use demo_alerts_path.
        [sys.executable, "-m", "sitrep", "build-demo", "--out", str(out), "--no-alert-history"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert out.exists()
    return out


@pytest.fixture(scope="session")
def demo_alerts_path(demo_db_path, tmp_path_factory) -> Path:
    """A copy of the demo database with its alert history replayed, a moment a day (the app's demo
    replays every demo_replay_step_hours; a day keeps the tests' build short)."""
    from sitrep import settings as settings_module
    from sitrep.scenario.alert_history import replay

    out = tmp_path_factory.mktemp("demo-alerts") / "sitrep.duckdb"
    shutil.copy(demo_db_path, out)
    values = {**settings_module.values(), "demo_replay_step_hours": 24}
    replay(out, 20220713, settings=values)
    return out


@pytest.fixture(scope="session")
def demo(demo_db_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(demo_db_path), read_only=True)
    install_staging_views(con)
    yield con
    con.close()


def scalar(con, sql: str, **params):
    return con.execute(sql, params).fetchone()[0]


# The slowest files first: run-tests spreads whole files over the cores (pytest-xdist --dist
# loadfile), and a long file started last would leave the other cores idle at the end.
SLOWEST_FIRST = ("test_spark.py", "test_alert_loop_browser.py", "test_first_start.py", "test_briefing.py",
                 "test_duty_officer_round_browser.py", "test_offline.py", "test_scenario.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: number for number, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable: the rest keep their order
