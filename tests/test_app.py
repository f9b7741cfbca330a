"""The app opens on the overview, builds the database when none exists, and keeps its view
(as-of, place, language) in the URL so that a copied link reproduces it."""

import tomllib

import pandas as pd

from sitrep import PROJECT_ROOT, alerts, registry, settings
from sitrep.formatting import format_value
from sitrep.i18n import t
from sitrep.redlist import red_list
from sitrep.queries import run_metric
from tests.conftest import scalar
from tests.login import app_test

APP = str(PROJECT_ROOT / "app.py")
USAGE = registry.headline("room_usage").card("zh")  # the card's label, "全市隔离房间使用率"


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def _city_usage(demo, as_of):
    frame = run_metric(demo, "ISO-USE", as_of=pd.Timestamp(as_of))
    return format_value(frame[frame["district_code"].isna()].iloc[0]["value"], "share")


def test_overview_shows_the_query_layers_numbers_for_the_newest_data(demo_db_path, demo, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = app_test(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    as_of = scalar(demo, "select value from dataset_info where key = 'data_as_of'")
    assert _metric(at, USAGE) == _city_usage(demo, as_of)
    assert any("2022-08-05 18:00" in c.value for c in at.caption)


def test_a_link_with_as_of_and_district_reproduces_that_view(demo_db_path, demo, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = app_test(APP, default_timeout=120)
    at.query_params["as_of"] = "2022-07-24T12:00"
    at.query_params["district"] = "500105"
    at.run()
    assert not at.exception, at.exception
    frame = run_metric(demo, "ISO-USE", as_of=pd.Timestamp("2022-07-24 12:00"), district_code="500105")
    expected = format_value(frame[frame["district_code"] == "500105"].iloc[0]["value"], "share")
    assert _metric(at, USAGE) == expected
    assert expected != _city_usage(demo, "2022-08-05 18:00")
    assert at.session_state["follow"] is False and at.session_state["district"] == "500105"
    assert at.query_params["as_of"] == ["2022-07-24T12:00"] or at.query_params["as_of"] == "2022-07-24T12:00"


def test_english_switch_comes_from_the_same_catalogue(demo_db_path, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = app_test(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert any(m.label == "City room usage" for m in at.metric)


def test_first_start_builds_the_demo_database_when_none_exists(tmp_path, monkeypatch):
    target = tmp_path / "fresh" / "sitrep.duckdb"
    monkeypatch.setenv("SITREP_DB", str(target))
    # The first start replays the demo's alert history too; a moment a week keeps this test short.
    local = tmp_path / "settings.local.toml"
    local.write_text("demo_replay_step_hours = 168\n", encoding="utf-8")
    monkeypatch.setenv("SITREP_SETTINGS", str(local))
    settings.current.cache_clear()
    try:
        at = app_test(APP, default_timeout=180).run()
        assert not at.exception, at.exception
        assert target.exists()
        assert _metric(at, USAGE).endswith("%")
        assert len(alerts.states(target, pd.Timestamp("2022-08-05 18:00"))) > 0     # the demo's alert history
    finally:
        monkeypatch.delenv("SITREP_SETTINGS")
        settings.current.cache_clear()


def test_streamlit_config_keeps_the_app_offline():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["logger"]["hideWelcomeMessage"] is True  # the welcome message looks up the external IP


def test_every_red_list_item_opens_the_rows_behind_it_without_personal_data(demo_db_path, demo, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = app_test(APP, default_timeout=120).run()
    picker = at.selectbox(key="red_item")
    items = [o for o in picker.options if o != "—"]
    assert items, "the demo data has red items at its newest moment"
    for index in range(1, len(picker.options)):
        at.selectbox(key="red_item").select_index(index).run()
        assert not at.exception, (picker.options[index], at.exception)
        frame = at.dataframe[-1].value
        assert len(frame) > 0, picker.options[index]
        assert not {"full_name", "id_card_number", "phone"} & set(frame.columns)


def test_the_overview_red_table_shows_who_acts_beside_each_item(demo_db_path, demo, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = app_test(APP, default_timeout=120)
    at.query_params["as_of"] = "2022-07-24T18:00"
    at.run()
    assert not at.exception, at.exception
    header = t("acting_unit", "zh")
    table = next(d.value for d in at.dataframe if header in d.value.columns)
    expected = red_list(demo, pd.Timestamp("2022-07-24 18:00"))
    assert table[header].tolist() == expected["acting_unit_zh"].tolist()
    dispatch = table[table[t("rule", "zh")].str.startswith("ISO-USE")]
    assert dispatch[header].tolist() == ["市指挥部综合办"]


def test_every_overview_card_opens_the_rows_behind_it(demo_db_path, demo, monkeypatch):
    """The card's number equals the count (or sum) of the rows listed behind it."""
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = app_test(APP, default_timeout=120)
    at.query_params["as_of"] = "2022-07-24T12:00"
    at.run()
    assert not at.exception, at.exception
    frames = [f.value for f in at.dataframe]
    new_confirmed = int(_metric(at, registry.headline("new_confirmed").card("zh")).replace(",", ""))
    assert new_confirmed > 0  # 07-24 is the outbreak's peak
    confirmed_rows = next(f for f in frames if "classification" in f.columns and (f["classification"] == "confirmed").all())
    assert len(confirmed_rows) == new_confirmed
    rooms = next(f for f in frames if "rooms_occupied" in f.columns)
    assert format_value(rooms['rooms_occupied'].sum() / rooms['rooms'].sum(), 'share') == _metric(at, USAGE)
    for frame in frames:
        assert not {"full_name", "id_card_number", "phone"} & set(frame.columns)
