"""How numbers read, by the unit the registry gives them. Unknown shows as unknown, never 0."""

from __future__ import annotations

import pandas as pd

UNKNOWN = {"zh": "未知", "en": "unknown"}


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple)) and bool(pd.isna(value)))


def format_value(value, unit: str, lang: str = "zh") -> str:
    if _missing(value):
        return UNKNOWN[lang]
    if unit == "share":
        return f"{value:.1%}"
    if unit == "per_10k":
        return f"{value:.1f}"
    if unit in ("hours", "days"):
        suffix = {"hours": {"zh": " 小时", "en": " h"}, "days": {"zh": " 天", "en": " d"}}[unit][lang]
        return f"{value:.1f}{suffix}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


# settings.toml units -> how a threshold reads.
_SETTING_UNITS = {
    "share": "share", "staff per resident": "share", "hours": "hours", "days": "days",
    "rooms per 10,000 residents": "per_10k",
}


def format_threshold(value, setting_unit: str | None, lang: str = "zh") -> str:
    """A threshold in its setting's unit; a rule with no number shows nothing."""
    if setting_unit is None or _missing(value):
        return ""
    return format_value(value, _SETTING_UNITS.get(setting_unit, "count"), lang)
