"""How numbers read, by the unit the registry gives them. Unknown shows as unknown, never 0.

A shown value must agree with its colour: a value on one side of its threshold never reads as
the threshold itself or as lying on the other side. The queries judge exactly (the SQL is the
judgement; nothing here changes it); the display rounds in the direction that keeps the side.
Per unit, how limits are judged and how values are shown:

- share (ISO-USE red at >= trigger, VAC-60 red below its minimum, timeliness shares): judged
  exactly (thresholds bind as exact decimals). Shown to 0.1 %, truncated downwards: a value
  below the threshold reads below it (74.99 % reads 74.9 %, not 75.0 %); a value at or above it
  reads at or above it (thresholds have at most one decimal in per cent).
- per_10k (ISO-RESERVE red when rooms x 10,000 < standard x population, exact integers): shown
  to 0.1, truncated downwards, so 59.99996 reads 59.9 (below 60, red) and exactly 60 reads 60.0.
- hours (TEST-CADENCE red when as_of > last report + cadence, comparing timestamps: to the
  second, or finer, whatever the data hold; medians such as CASE-TRANSFER and TEST-TAT are not
  judged): shown as a duration, hours and minutes, truncated to the minute ("2 h 05 min"; whole
  hours "8 h"). Where a limit is given and the value lies within a minute of it without being
  equal, seconds are shown too: 2 h 00 min 30 s against a 2 h limit reads "2 h 00 min 30 s",
  never as the limit.
- days (ISO-RUNWAY red when 0 < days to the trigger <= alert days): shown to 0.1 d rounded
  upwards, so a runway a little over the alert days reads over it (3.04 reads 3.1, not red) and
  a positive runway never reads 0; under a day it is shown as hours and minutes, rounded up to
  the minute ("7 h 41 min").
- count: whole numbers as they are; counts are compared as integers.
- lateness of an item (timeliness clocks: done or open after start + limit, timestamps compared
  exactly, so a clock recorded with seconds is judged to the second): shown with seconds under a
  minute ("20 s late", never "0 min"), otherwise in hours and minutes truncated to the minute.

Red-list items (format_red_item) show what makes them red where the value alone does not:
CASE-NEW the rising comparison (last 7 days against the 7 before), ISO-RUNWAY the time to the
trigger with the rooms to go and the net intake, TEST-CADENCE the time since the last report
to the second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from sitrep.i18n import t

UNKNOWN = {"zh": "未知", "en": "unknown"}


# A float a hair off a boundary (0.7 x 90 = 63.000000000000007) must not cross it when truncated.
_EPSILON = 1e-9


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple)) and bool(pd.isna(value)))


def _floor(value: float, decimals: int) -> float:
    scale = 10 ** decimals
    return math.floor(value * scale + _EPSILON) / scale


def _ceil(value: float, decimals: int) -> float:
    scale = 10 ** decimals
    return math.ceil(value * scale - _EPSILON) / scale


def format_duration(seconds: float, lang: str = "zh", with_seconds: bool = False, round_up: bool = False) -> str:
    """A duration as hours and minutes ("2 h 05 min", whole hours "8 h", under an hour "40 min"),
    truncated to the minute, or to the second `with_seconds` ("2 h 00 min 30 s", "20 s");
    `round_up` rounds up instead of truncating."""
    step = 1 if with_seconds else 60
    units = seconds / step
    total = int(math.ceil(units - _EPSILON) if round_up else math.floor(units + _EPSILON)) * step
    sign, total = ("-" if total < 0 else ""), abs(total)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    hours, minutes, secs = f"{h} {t('unit_h', lang)}", f"{m:02d} {t('unit_min', lang)}", f"{s:02d} {t('unit_s', lang)}"
    if with_seconds:
        parts = [hours, minutes, secs] if h else [f"{m} {t('unit_min', lang)}", secs] if m else [f"{s} {t('unit_s', lang)}"]
    else:
        parts = ([hours] if m == 0 else [hours, minutes]) if h else [f"{m} {t('unit_min', lang)}"]
    return sign + " ".join(parts)


def format_value(value, unit: str, lang: str = "zh", limit=None) -> str:
    """A value in its registry unit (see the module docstring). `limit`, in the same unit, lets an
    hours value within a minute of it show its seconds."""
    if _missing(value):
        return UNKNOWN[lang]
    if unit == "share":
        return f"{_floor(value * 100, 1):.1f}%"
    if unit == "per_10k":
        return f"{_floor(value, 1):.1f}"
    if unit == "hours":
        seconds = float(value) * 3600
        off_the_minute = abs(seconds - round(seconds / 60) * 60) > 1e-6
        near = not _missing(limit) and 0 < abs(seconds - float(limit) * 3600) < 60
        return format_duration(seconds, lang, with_seconds=near and off_the_minute)
    if unit == "days":
        if 0 < value < 1:
            return format_duration(float(value) * 86400, lang, round_up=True)
        return f"{_ceil(value, 1):.1f} {t('unit_d', lang)}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def format_lateness(seconds, lang: str = "zh") -> str:
    """How late an item is, from its deadline to when it was done (or to as_of while open):
    under a minute in seconds ("20 s", never "0 min"), else hours and minutes, truncated to the
    minute ("1 h 05 min")."""
    if _missing(seconds):
        return UNKNOWN[lang]
    seconds = float(seconds)
    return format_duration(seconds, lang, with_seconds=seconds < 60)


def lateness_seconds(deadline, done_at, as_of) -> float | None:
    """Seconds from the deadline to done_at, or to as_of while the item is open."""
    if _missing(deadline):
        return None
    end = as_of if _missing(done_at) else done_at
    return (pd.Timestamp(end) - pd.Timestamp(deadline)).total_seconds()


def lateness_texts(items: pd.DataFrame, as_of, lang: str = "zh") -> list[str]:
    """format_lateness for every item of details/timeliness_items (its deadline and done_at):
    to the second, where its minutes_late counts minute boundaries crossed."""
    return [format_lateness(lateness_seconds(d, done, as_of), lang)
            for d, done in zip(items["deadline"], items["done_at"])]


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


def _given(item: Mapping, *fields: str) -> bool:
    return all(f in item and not _missing(item[f]) for f in fields)


def format_red_item(item: Mapping, lang: str = "zh") -> str:
    """The value of a red-list item (a row of sitrep.redlist.red_list, or a red item of the
    briefing's snapshot) as it should read beside its threshold: what makes it red."""
    rule = item.get("rule_id")
    if rule == "CASE-NEW" and _given(item, "last_7d", "previous_7d"):
        return t('red_rising', lang, now=f"{int(item['last_7d']):,}", before=f"{int(item['previous_7d']):,}")
    if rule == "ISO-RUNWAY" and _given(item, "value", "rooms_to_trigger", "net_rooms_per_day"):
        return t('red_runway', lang, time=format_value(item["value"], "days", lang),
                                         rooms=f"{int(item['rooms_to_trigger']):,}",
                                         rate=f"{float(item['net_rooms_per_day']):,.1f}")
    if rule == "TEST-CADENCE" and _given(item, "hours_since"):
        return format_value(item["hours_since"], "hours", lang, limit=item.get("threshold"))
    return format_value(item.get("value"), item.get("unit"), lang, limit=item.get("threshold"))


def red_item_values(items: pd.DataFrame, lang: str = "zh") -> list[str]:
    """format_red_item for every row of a red list."""
    return [format_red_item(row, lang) for row in items.to_dict("records")]
