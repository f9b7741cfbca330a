"""An operator who sets room_usage_trigger = 0.8 reads 80%, never 75%, in the words around the
numbers: the registry's prose, the interface's words, the isolation page and the briefing."""

import re

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT, registry, settings
from sitrep.briefing.compose import compose_briefing
from sitrep.briefing.render import to_markdown
from sitrep.briefing.snapshot import build_snapshot
from sitrep.i18n import t
from tests.login import app_test

APP = str(PROJECT_ROOT / "app.py")
AS_OF = pd.Timestamp("2022-07-24 18:00")   # 江北 is over the trigger: dispatch and red items show it
OLD = re.compile(r"(?<![\d.])75(\.0)?\s?%")
NEW = re.compile(r"(?<![\d.])80(\.0)?\s?%")


@pytest.fixture
def trigger_at_80(tmp_path, monkeypatch):
    """SITREP_SETTINGS names a file with room_usage_trigger = 0.8; the cached settings and the
    app's cached reads start afresh, and again afterwards."""
    local = tmp_path / "settings.local.toml"
    local.write_text("room_usage_trigger = 0.8\n", encoding="utf-8")
    monkeypatch.setenv("SITREP_SETTINGS", str(local))
    settings.current.cache_clear()
    st.cache_data.clear()
    assert settings.current()["room_usage_trigger"].value == 0.8
    yield
    monkeypatch.delenv("SITREP_SETTINGS", raising=False)
    settings.current.cache_clear()
    st.cache_data.clear()


def test_the_registry_and_the_words_read_the_trigger_in_force(trigger_at_80):
    dispatch = registry.metric("ISO-DISPATCH")
    assert "80%" in dispatch.definition_zh and "75%" not in dispatch.definition_zh
    assert registry.metric("ISO-RUNWAY").columns["value"].zh == "达到80%天数"
    assert "80%" in registry.headline("room_usage").definition_en
    assert registry.templates()["ISO-DISPATCH"].definition_zh.count("{room_usage_trigger}") == 2


def test_back_to_the_default_the_registry_reads_75_again(trigger_at_80, monkeypatch):
    assert "80%" in registry.metric("ISO-RUNWAY").red_when_zh
    monkeypatch.delenv("SITREP_SETTINGS")
    settings.current.cache_clear()
    assert "75%" in registry.metric("ISO-RUNWAY").red_when_zh
    assert t("brief_tab_bulletin", "en") == "2-hour testing bulletin"


def _page_words(at: AppTest) -> str:
    """Every word the page shows around its numbers: headings, captions, notes, card labels and
    their help, table headers (not the values in the tables or on the cards)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "success", "info", "warning"):
        parts += [e.value for e in at.get(kind)]
    parts += [m.label for m in at.metric] + [m.help or "" for m in at.metric]
    parts += [str(c) for frame in at.dataframe for c in frame.value.columns]
    return "\n".join(str(p) for p in parts)


def test_the_isolation_page_reads_80_percent(trigger_at_80, demo_db_path, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    at = app_test(APP, default_timeout=120)
    at.query_params["as_of"] = "2022-07-24T18:00"
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/isolation.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    words = _page_words(at)
    assert NEW.search(words), "the isolation page does not state the trigger in force"
    assert "达到80%天数" in words
    assert not OLD.search(words), OLD.search(words).group(0)


TRIGGER_WORDS = re.compile(r"调度|阈值|dispatch|trigger|threshold", re.I)


def _sentences_about_the_trigger(markdown: str) -> list[str]:
    """The sentences that state a threshold (the numbers of red districts and clock shares are
    data: a clock share may well be 75.0%)."""
    return [s for s in re.split(r"[。；\n]|(?<=\.) ", markdown) if TRIGGER_WORDS.search(s)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_briefing_reads_80_percent(trigger_at_80, demo, lang):
    snapshot = build_snapshot(demo, AS_OF)
    assert snapshot["settings"]["room_usage_trigger"] == 0.8
    markdown = to_markdown(compose_briefing(snapshot, lang, with_charts=False))
    about = _sentences_about_the_trigger(markdown)
    assert any(NEW.search(s) for s in about), "the briefing does not state the trigger in force"
    assert [s for s in about if OLD.search(s)] == []
    dispatch_line = "跨区调度线" if lang == "zh" else "dispatch trigger"
    assert re.search(r"80\.0% " + dispatch_line, markdown)


def test_with_the_default_trigger_the_same_sentences_read_75_percent(demo):
    settings.current.cache_clear()
    markdown = to_markdown(compose_briefing(build_snapshot(demo, AS_OF), "zh", with_charts=False))
    assert any(OLD.search(s) for s in _sentences_about_the_trigger(markdown))
    assert "75.0% 跨区调度线" in markdown
