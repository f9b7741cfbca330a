"""Bounded reads (Datasette's habit): every query runs under settings.toml's time limit and stops
with a clear QueryTimeout, leaving the connection usable; a page that hits it says which query and
goes on drawing; a table shows at most display_row_limit rows and its CSV holds them all."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT, access, queries
from sitrep import settings as settings_module
from sitrep.db import install_staging_views
from sitrep.queries import QueryTimeout, run, run_metric, time_limit
from sitrep.redlist import red_list
from tests.login import app_test

APP = str(PROJECT_ROOT / "app.py")
TEST_QUERIES = PROJECT_ROOT / "tests" / "queries"
AS_OF = pd.Timestamp("2022-07-28 18:00")


def _clear_query_caches() -> None:
    for cached in (queries.source_text, queries.sql_text, queries.fragments_used, queries.parameters):
        cached.cache_clear()


@pytest.fixture()
def slow_queries(monkeypatch):
    """queries/ replaced by tests/queries/, which holds slow/cross_join (minutes of work)."""
    _clear_query_caches()
    monkeypatch.setattr(queries, "QUERIES_DIR", TEST_QUERIES)
    yield
    monkeypatch.undo()
    _clear_query_caches()


def _limit(seconds: float) -> dict:
    return {**settings_module.values(), "query_time_limit_seconds": seconds}


@pytest.fixture()
def cursor(demo):
    cur = demo.cursor()
    install_staging_views(cur)
    yield cur
    cur.close()


def test_a_query_past_its_limit_is_stopped_quickly_and_the_connection_still_works(cursor, slow_queries):
    started = time.perf_counter()
    with pytest.raises(QueryTimeout) as caught:
        run(cursor, "slow/cross_join", settings=_limit(0.2), target=7)
    assert time.perf_counter() - started < 2
    assert caught.value.name == "slow/cross_join" and caught.value.limit == 0.2
    assert str(caught.value) == ("query queries/slow/cross_join.sql was stopped after its time limit of 0.2 s "
                                 "(settings.toml query_time_limit_seconds)")
    assert cursor.execute("select 6 * 7").fetchone() == (42,)      # the same cursor, right after
    time.sleep(0.3)                                                   # no late interrupt lands on it
    assert cursor.execute("select count(*) from range(3000000)").fetchone() == (3_000_000,)


def test_a_metric_on_the_demo_with_a_tiny_limit_names_the_metric(cursor):
    started = time.perf_counter()
    with pytest.raises(QueryTimeout, match=r"ISO-RUNWAY \(queries/metrics/iso_runway.sql\).*0.001 s") as caught:
        run_metric(cursor, "ISO-RUNWAY", as_of=AS_OF, settings=_limit(0.001))
    assert time.perf_counter() - started < 2 and caught.value.metric_id == "ISO-RUNWAY"
    # In time, the same answer as without a limit.
    assert run_metric(cursor, "ISO-RUNWAY", as_of=AS_OF).equals(
        run_metric(cursor, "ISO-RUNWAY", as_of=AS_OF, settings=_limit(0)))


def test_the_red_list_runs_each_rule_under_the_limit(cursor):
    started = time.perf_counter()
    with pytest.raises(QueryTimeout) as caught:
        red_list(cursor, AS_OF, settings=_limit(0.001))
    assert time.perf_counter() - started < 2 and caught.value.metric_id
    assert len(red_list(cursor, AS_OF)) > 0


def test_the_limit_comes_from_the_settings_and_zero_turns_it_off():
    assert time_limit() == settings_module.current()["query_time_limit_seconds"].value == 30
    assert time_limit(_limit(0)) is None and time_limit(_limit(2)) == 2.0
    with pytest.raises(ValueError, match="query_time_limit_seconds must be a number of seconds"):
        time_limit(_limit(-1))


@pytest.fixture()
def tiny_limit(demo_db_path, monkeypatch, tmp_path):
    """The app on the demo with a query time limit of 1 ms, and no answer cached from before."""
    local = tmp_path / "settings.local.toml"
    local.write_text("query_time_limit_seconds = 0.001\n", encoding="utf-8")
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    monkeypatch.setenv("SITREP_SETTINGS", str(local))
    settings_module.current.cache_clear()
    st.cache_data.clear()    # answers cached by earlier tests would never reach the limit
    yield
    monkeypatch.delenv("SITREP_SETTINGS")
    settings_module.current.cache_clear()


def test_a_page_past_the_limit_says_which_query_and_goes_on(tiny_limit):
    at = app_test(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("query_time_limit_seconds" in e and "0.001" in e and "queries/" in e for e in errors), errors
    assert any("红色预警" in e for e in errors), errors        # the red list is said to have timed out...
    assert not at.success                                     # ...never "nothing is red"
    assert at.radio(key="map_mode")                           # the page went on to the map


def test_a_page_read_outside_the_cached_reads_ends_with_the_message_not_a_traceback(tiny_limit):
    at = app_test(APP, default_timeout=120)
    at.switch_page("pages/briefing.py")     # the briefing builds its snapshot through its own cache
    at.run()
    assert not at.exception, at.exception
    assert [x.value for x in at.title] == ["日报与快报"]
    errors = [e.value for e in at.error]
    assert any("query_time_limit_seconds" in e and "0.001 秒" in e for e in errors), errors


class _Recorder:
    """Stands in for streamlit in sitrep.ui.widgets: records what `table` draws."""

    def __init__(self):
        self.frames, self.captions, self.buttons = [], [], []

    def dataframe(self, frame, **kwargs):
        self.frames.append(frame)

    def caption(self, text):
        self.captions.append(text)

    def download_button(self, label, data, **kwargs):
        self.buttons.append((label, data))


@pytest.mark.parametrize("lang, cut, full", [
    ("en", "showing 1,000 of 2,500 rows — download all as CSV", "⬇ Download all 2,500 rows as CSV"),
    ("zh", "显示前 1,000 行，共 2,500 行 — 全部行请下载 CSV", "⬇ 下载全部 2,500 行（CSV）"),
])
def test_a_table_shows_at_most_the_row_limit_and_its_csv_holds_every_row(monkeypatch, lang, cut, full):
    from sitrep.ui import View, widgets

    recorder = _Recorder()
    monkeypatch.setattr(widgets, "st", recorder)
    # A duty officer, whose role may export (sitrep.access), reading the whole city.
    monkeypatch.setattr(widgets, "session_user", lambda: access.User("test-duty", "duty_officer"))
    monkeypatch.setattr(widgets, "reading_scope", lambda: None)
    view = View(as_of=AS_OF, newest=AS_OF, following=True, district_code=None, township_code=None, lang=lang)
    frame = pd.DataFrame({"n": range(2500)})
    assert settings_module.current()["display_row_limit"].value == 1000
    widgets.table(frame, "many", view)
    assert len(recorder.frames[0]) == 1000 and recorder.captions == [cut]
    label, data = recorder.buttons[0]
    assert label == full
    # The file is made when the button is clicked (and that export audited).
    assert pd.read_csv(io.BytesIO(data()), encoding="utf-8-sig")["n"].tolist() == list(range(2500))

    small = _Recorder()
    monkeypatch.setattr(widgets, "st", small)
    widgets.table(frame.head(1000), "few", view)
    assert len(small.frames[0]) == 1000 and small.captions == [] and "1,000" not in small.buttons[0][0]

    # Leadership reads but may not export: the same table, no download.
    monkeypatch.setattr(widgets, "session_user", lambda: access.User("test-leader", "leadership"))
    reader_only = _Recorder()
    monkeypatch.setattr(widgets, "st", reader_only)
    widgets.table(frame, "many", view)
    assert len(reader_only.frames[0]) == 1000 and reader_only.buttons == []


def _many_rows_script():
    import pandas as pd

    import streamlit as st

    from sitrep.access import User
    from sitrep.ui import View, table

    st.session_state["user"] = User("test-duty", "duty_officer")     # a role that may export
    at = pd.Timestamp("2022-07-28 18:00")
    table(pd.DataFrame({"n": range(2500)}), "many", View(at, at, True, None, None, "en"))


def test_a_cut_table_on_a_page_says_how_many_rows_there_are():
    at = AppTest.from_function(_many_rows_script)
    at.run()
    assert not at.exception, at.exception
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 1000
    assert [c.value for c in at.caption] == ["showing 1,000 of 2,500 rows — download all as CSV"]
    assert at.get("download_button")[0].label == "⬇ Download all 2,500 rows as CSV"
