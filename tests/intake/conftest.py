"""The small database every import test starts from (see helpers.build_small_db)."""

from pathlib import Path

import pytest

from tests.intake.helpers import build_small_db


@pytest.fixture
def small_db(tmp_path) -> Path:
    return build_small_db(tmp_path / "sitrep.duckdb")
