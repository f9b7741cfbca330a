"""The interface's words in Chinese (default) and English.

The words live in data files by area, sitrep/words/*.toml, one table per key with `zh` and `en`
(tests/test_words.py holds both languages complete, their placeholders equal, every key defined
once and used). What a metric is called, its columns and how its threshold reads are not here:
they come from the registry (metrics.toml, sitrep.registry), through `name_of` and
`registry.column_label`.

A placeholder that names a setting (`{room_usage_trigger}`) is filled with the setting in force
(sitrep.settings), so an operator who changes a threshold reads the new number everywhere.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from sitrep.registry import placeholders, setting_words

LANGUAGES = ("zh", "en")
WORDS_DIR = Path(__file__).resolve().parent / "words"
COLUMNS_TABLE = "columns"
# The rulebook's sections (registry `section`) -> the key of their heading (briefing, catalogue).
SECTION_WORDS = {"isolation": "brief_section_isolation", "contacts": "brief_section_contacts", "cases": "page_cases",
                 "testing": "page_testing", "investigation": "brief_section_investigation",
                 "screening": "brief_section_screening", "risk_areas": "brief_section_risk_areas"}   # in columns.toml: column name -> the key of its header


def _read(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, dict[str, str]], dict[str, str], dict[str, str]]:
    """(catalogue, column -> key, key -> the file defining it). A key defined in two files, or
    an entry without exactly zh and en as text, is an error."""
    catalogue: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    columns: dict[str, str] = {}
    for path in sorted(WORDS_DIR.glob("*.toml")):
        for key, entry in _read(path).items():
            if key == COLUMNS_TABLE and path.stem == "columns":
                columns.update(entry)
                continue
            if key in where:
                raise ValueError(f"{path.name}: key {key!r} is already defined in {where[key]}")
            if not isinstance(entry, dict) or set(entry) != set(LANGUAGES) or \
                    not all(isinstance(v, str) for v in entry.values()):
                raise ValueError(f"{path.name}: {key!r} must have exactly zh and en, as text")
            catalogue[key], where[key] = entry, path.name
    return catalogue, columns, where


CATALOGUE: dict[str, dict[str, str]] = _load()[0]


def fill(text: str, lang: str, values: dict, settings: dict | None = None) -> str:
    """`text` with its placeholders filled: from `values`, else with the setting of that name,
    its value from `settings` (name -> value, e.g. a briefing snapshot's) or the one in force."""
    wanted = placeholders(text)
    if not wanted:
        return text
    missing = wanted - set(values)
    if missing:
        given = settings or {}
        values = {**{name: setting_words(name, lang, value=given.get(name)) for name in missing}, **values}
    return text.format(**values)


def t(key: str, lang: str = "zh", settings: dict | None = None, **values) -> str:
    """The words of `key` in `lang`, placeholders filled from `values` and the settings (see fill)."""
    text = CATALOGUE[key][lang if lang in LANGUAGES else "zh"]
    return fill(text, lang, values, settings)


def column_key(column: str) -> str | None:
    """The key of a generic column's header (ids, codes, times, drill-through columns)."""
    return _load()[1].get(column)


def name_of(metric, lang: str) -> str:
    """A registry entry's name in the reader's language (the registry renders its thresholds)."""
    return metric.name_zh if lang == "zh" else metric.name_en
