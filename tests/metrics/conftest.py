"""Fixtures shared by the metric tests."""

import pytest

from tests.fixture_db import FixtureDB


@pytest.fixture()
def db():
    """An empty database with two districts, 500105 and 500106 (1,000,000 residents each).
    A test file that needs other districts defines its own `db`, which takes precedence."""
    db = FixtureDB()
    db.district("500105")
    db.district("500106")
    return db
