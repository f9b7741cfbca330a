"""The app opens on a home page that shows the data, building the database when none exists."""

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT
from sitrep.queries import run
from tests.conftest import scalar

APP = str(PROJECT_ROOT / "app.py")


def test_home_page_shows_the_databases_numbers(demo_db_path, demo, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    as_of = scalar(demo, "select value from dataset_info where key = 'data_as_of'")
    expected = run(demo, "overview/dataset_summary", as_of=as_of).iloc[0]
    assert metrics["累计阳性 Positives"] == f"{expected['positives']:,}"
    assert metrics["已启用隔离房间 Rooms"] == f"{expected['rooms']:,}"
    assert expected["positives"] > 0
    assert any("2022-08-05 18:00" in c.value for c in at.caption)


def test_first_start_builds_the_demo_database_when_none_exists(tmp_path, monkeypatch):
    target = tmp_path / "fresh" / "sitrep.duckdb"
    monkeypatch.setenv("SITREP_DB", str(target))
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, at.exception
    assert target.exists()
    assert int(at.metric[0].value.replace(",", "")) > 0


def test_streamlit_config_keeps_the_app_offline():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
