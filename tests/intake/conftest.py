"""The small database every import test starts from (see helpers.build_small_db), and the app on a
copy of the demo for the browser tests."""

import shutil
from pathlib import Path

import pytest

from tests.app_server import running_app
from tests.intake.helpers import build_small_db


@pytest.fixture
def small_db(tmp_path) -> Path:
    return build_small_db(tmp_path / "sitrep.duckdb")


@pytest.fixture()
def app_on_copy(demo_db_path, tmp_path):
    """The app running on a copy of the demo database (its own store, given the demo accounts)."""
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    with running_app(db) as url:
        yield url, db
