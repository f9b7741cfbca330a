"""Thresholds from settings.toml, with an operator's overrides.

settings.toml documents every setting (value, unit, doc, source). Overrides are plain
`name = value` lines in settings.local.toml beside it or in the file named by the
environment variable SITREP_SETTINGS; an override of an unknown name is an error.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sitrep import PROJECT_ROOT

SETTINGS_FILE = PROJECT_ROOT / "settings.toml"
LOCAL_OVERRIDES = PROJECT_ROOT / "settings.local.toml"
REQUIRED_FIELDS = ("value", "unit", "doc", "source")
# Settings that bound how the app reads and shows data, not what any number is: an issued briefing's
# snapshot (the thresholds its numbers were computed with) leaves them out.
OPERATIONAL = frozenset({"query_time_limit_seconds", "display_row_limit", "watch_poll_seconds", "import_max_file_mb",
                         "import_max_rows", "import_max_columns", "import_max_cell_chars",
                         "import_max_xlsx_unpacked_mb", "password_min_length", "login_max_failures",
                         "login_lockout_minutes", "login_failure_delay_seconds", "session_idle_minutes",
                         "session_max_hours", "proxy_user_header", "reveal_minutes", "picture_poll_seconds",
                         "picture_first_wait_seconds", "demo_replay_step_hours",
                         "wall_rotate_seconds"})


@dataclass(frozen=True)
class Setting:
    name: str
    value: Any
    unit: str
    doc: str
    source: str
    overridden: bool = False


def _read(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def overrides_file() -> Path | None:
    """The operator's overrides in force: $SITREP_SETTINGS, else settings.local.toml if present."""
    env = os.environ.get("SITREP_SETTINGS")
    return Path(env) if env else (LOCAL_OVERRIDES if LOCAL_OVERRIDES.exists() else None)


def documented(path: Path = SETTINGS_FILE) -> dict[str, Setting]:
    """The settings as settings.toml documents them, before any override."""
    settings = {}
    for name, entry in _read(path).items():
        missing = [f for f in REQUIRED_FIELDS if not isinstance(entry, dict) or f not in entry]
        if missing:
            raise ValueError(f"{path}: setting {name!r} lacks {', '.join(missing)}")
        settings[name] = Setting(name, entry["value"], entry["unit"], entry["doc"], entry["source"])
    return settings


def load_settings(path: Path = SETTINGS_FILE, overrides: Path | None = None) -> dict[str, Setting]:
    settings = documented(path)
    if overrides is None:
        overrides = overrides_file()
    if overrides is not None:
        for name, value in _read(overrides).items():
            if name not in settings:
                raise ValueError(f"{overrides}: unknown setting {name!r}; known: {', '.join(sorted(settings))}")
            old = settings[name]
            if type(value) is not type(old.value) and not (isinstance(value, (int, float)) and isinstance(old.value, (int, float))):
                raise ValueError(f"{overrides}: setting {name!r} must be like {old.value!r}, got {value!r}")
            settings[name] = Setting(name, value, old.unit, old.doc, old.source, overridden=True)
    return settings


@lru_cache(maxsize=1)
def current() -> dict[str, Setting]:
    return load_settings()


def values(settings: dict[str, Setting] | None = None) -> dict[str, Any]:
    return {name: s.value for name, s in (settings or current()).items()}


def rule_values(settings: dict[str, Setting] | None = None) -> dict[str, Any]:
    """The values every number depends on: all settings but the operational ones."""
    return {name: value for name, value in values(settings).items() if name not in OPERATIONAL}
