"""The interface's words (sitrep/words/*.toml): both languages complete, placeholders equal,
every key defined once, used, and every key the code asks for defined."""

import re
import tomllib
from pathlib import Path

import pytest

from sitrep import PROJECT_ROOT, registry
from sitrep.briefing.compose import ROUND_COLUMNS, SECTION_WORDS
from sitrep.i18n import CATALOGUE, WORDS_DIR, column_key, placeholders, t
from sitrep.intake.report import REASONS, reason_text
from sitrep.redlist import SECTION_ORDER
from sitrep.ui.widgets import PAGE_WORDS

CODE = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py")),
        *sorted((PROJECT_ROOT / "sitrep").rglob("*.py"))]


def _files() -> dict[str, dict]:
    return {path.name: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(WORDS_DIR.glob("*.toml"))}


def _entries() -> dict[str, dict]:
    return {key: entry for words in _files().values() for key, entry in words.items() if key != "columns"}


def _code() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in CODE)


def test_every_key_has_chinese_and_english():
    for key, entry in _entries().items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key


def test_placeholders_match_between_the_languages():
    mismatched = {key: (placeholders(e["zh"]), placeholders(e["en"])) for key, e in _entries().items()
                  if placeholders(e["zh"]) != placeholders(e["en"])}
    assert mismatched == {}


def test_no_key_is_defined_twice_across_files():
    seen: dict[str, str] = {}
    twice = []
    for name, words in _files().items():
        for key in words:
            if key in seen:
                twice.append((key, seen[key], name))
            seen[key] = name
    assert twice == []
    assert set(CATALOGUE) == set(_entries())


def test_no_two_keys_say_the_same_in_both_languages():
    seen: dict[tuple, str] = {}
    same = []
    for key, entry in _entries().items():
        pair = (entry["zh"], entry["en"])
        if pair in seen:
            same.append((seen[pair], key))
        seen[pair] = key
    assert same == []


def test_no_key_is_built_at_run_time():
    """Families of keys are written out (dicts of literal keys), so this test can see them."""
    assert re.findall(r"\bt\(f[\"']", _code()) == []


def test_every_key_the_code_asks_for_exists():
    code = _code()
    asked = set(re.findall(r"\bt\(\s*[\"'](\w+)[\"']", code))
    asked |= set(SECTION_WORDS.values()) | set(PAGE_WORDS.values()) | set(REASONS.values()) | set(ROUND_COLUMNS)
    columns = _files()["columns.toml"]["columns"]
    asked |= set(columns.values())
    assert asked - set(CATALOGUE) == set()
    assert {column_key(c) for c in columns} == set(columns.values())


def test_no_key_is_unused():
    code = _code()
    literal = set(re.findall(r"[\"'](\w+)[\"']", code))
    used = literal | set(_files()["columns.toml"]["columns"].values())
    assert set(CATALOGUE) - used == set()


def test_every_section_and_page_has_its_words():
    assert set(SECTION_WORDS) == set(SECTION_ORDER) == {m.section for m in registry.metrics().values()}
    assert {m.page for m in registry.metrics().values()} <= set(PAGE_WORDS)


def test_a_setting_placeholder_reads_the_setting_in_force():
    assert t("brief_tab_bulletin", "zh") == "2小时核酸快报"
    assert t("brief_tab_bulletin", "en") == "2-hour testing bulletin"
    assert t("sites_missing", "en") == "Communities of 3,000+ without an open site"
    assert t("sites_missing", "zh", settings={"residents_per_sampling_site": 2000}).startswith("2000人以上")


def test_the_unknown_column_reason_reads_the_suggestion_in_each_language():
    assert reason_text("unknown_column", "姓名", "zh") == "无法识别的列，是否应为“姓名”？"
    assert reason_text("unknown_column", "full_name", "en") == 'unknown column (did you mean "full_name"?)'
    assert reason_text("unknown_column", None, "en") == "unknown column"
    assert reason_text("above_maximum", "0–10", "en") == reason_text("below_minimum", "0–10", "en")


def test_every_intake_reason_code_is_one_the_intake_raises():
    intake = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "sitrep" / "intake").glob("*.py")
                       if p.name != "report.py")
    dynamic = {"unknown_township", "unknown_community", "unknown_district"}  # f"unknown_{kind}" in validate.py
    for code in REASONS:
        assert f'"{code}"' in intake or f"'{code}'" in intake or code in dynamic, code
    assert {k for k in CATALOGUE if k.startswith("intake_reason_")} == set(REASONS.values())


def test_a_key_defined_twice_is_refused(tmp_path, monkeypatch):
    from sitrep import i18n

    (tmp_path / "a.toml").write_text('[same]\nzh = "一"\nen = "one"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[same]\nzh = "一"\nen = "one"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "WORDS_DIR", Path(tmp_path))
    i18n._load.cache_clear()
    try:
        with pytest.raises(ValueError, match="already defined in a.toml"):
            i18n._load()
    finally:
        monkeypatch.undo()
        i18n._load.cache_clear()
