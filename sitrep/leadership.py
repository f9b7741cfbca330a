"""Leadership's first screen and the video wall (issue 14 #3, #6): what is red, worst first, where,
since when and who is on it -- worked out from the alerts as they stood at a moment
(`sitrep.alerts.states(db, at)` ranked by `sitrep.alerts.ranked`).

- `since_briefing(issued, at)`: the as-of of the newest briefing issued for a moment up to `at`
  (the mark "new since the last briefing" and the strip's "closed since" count from it);
- `visible(states, districts, district_code)`: the alerts a user may see, for the place picked;
- `strip(states, since)`: open alerts by status (new / overdue / acknowledged / in hand) and those
  closed since the briefing; `by_rule(states)`: open alerts per rule, the worst rules first;
- `decisions(ranked, n)`: the top open alerts ("the three things that need a decision");
- `worst_by_district(states)`: each district's worst state, for the map's colours;
- `describe(row, at, since, lang)`: one alert's words for a card or a line.

Pure: no Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import pandas as pd

from sitrep import alerts, registry
from sitrep import settings as settings_module
from sitrep.formatting import format_duration, format_threshold, format_value
from sitrep.i18n import t

# The strip's statuses, in the order of the lifecycle. "overdue" is a new alert past its rule's
# acknowledgement deadline: leadership sees it apart from the new ones still in time.
OVERDUE = "overdue"
STRIP = (alerts.NEW, OVERDUE, alerts.ACK, alerts.HAND)

# The map's states per district, worst first: an overdue alert, a new one, one someone is on.
MAP_STATES = (OVERDUE, alerts.NEW, "open")

STATUS_WORDS = {alerts.NEW: "lead_status_new", OVERDUE: "lead_status_overdue", alerts.ACK: "lead_status_ack",
                alerts.HAND: "lead_status_in_hand", alerts.DONE: "lead_status_closed"}


def since_briefing(issued_as_ofs: Iterable, at) -> pd.Timestamp | None:
    """The as-of of the newest briefing issued for a moment at or before `at` (a view pinned in the
    past counts from the briefing before it, not from one written later), or None."""
    at = pd.Timestamp(at)
    moments = [pd.Timestamp(m) for m in issued_as_ofs if m is not None and pd.Timestamp(m) <= at]
    return max(moments) if moments else None


def shown_status(frame: pd.DataFrame) -> pd.Series:
    """Each alert's status as leadership reads it: a new alert past its deadline is "overdue"."""
    if frame.empty:
        return pd.Series([], dtype=object, index=frame.index)
    overdue = (frame["status"] == alerts.NEW) & frame["overdue"].astype(bool)
    return frame["status"].where(~overdue, OVERDUE)


def is_open(frame: pd.DataFrame) -> pd.Series:
    return frame["status"] != alerts.DONE


def visible(frame: pd.DataFrame, districts: tuple[str, ...] | None, district_code: str | None = None) -> pd.DataFrame:
    """The alerts a user bound to `districts` (None: the whole city) may see, for the place picked
    (a district: its alerts only). A city-wide alert (no district) is the city's: a district-bound
    user does not see it."""
    keep = pd.Series(True, index=frame.index)
    if districts is not None:
        keep &= frame["district_code"].isin(list(districts))
    if district_code:
        keep &= frame["district_code"] == district_code
    return frame[keep]


def new_since(frame: pd.DataFrame, since: pd.Timestamp | None) -> pd.Series:
    """True for an alert opened (or reopened) after the last briefing; none without a briefing."""
    if since is None or frame.empty:
        return pd.Series(False, index=frame.index)
    return pd.to_datetime(frame["opened_at"]) > pd.Timestamp(since)


def strip(frame: pd.DataFrame, since: pd.Timestamp | None) -> dict[str, int]:
    """Open alerts by status (STRIP), and `closed_since`: closed after the last briefing (None: no
    briefing issued yet, so there is nothing to count from), and `new_since`: opened after it."""
    shown = shown_status(frame)
    counts = {status: int((shown == status).sum()) for status in STRIP}
    closed = frame[frame["status"] == alerts.DONE]
    counts["closed_since"] = None if since is None else int((pd.to_datetime(closed["closed_at"]) > since).sum())
    counts["new_since"] = None if since is None else int((new_since(frame, since) & is_open(frame)).sum())
    counts["open"] = sum(counts[s] for s in STRIP)
    return counts


def by_rule(frame: pd.DataFrame) -> pd.DataFrame:
    """Open alerts per rule, worst rules first: the most severe, then the most overdue, then the most
    open. Columns rule_id, open, overdue, severity."""
    open_ = frame[is_open(frame)].assign(is_overdue=lambda f: shown_status(f) == OVERDUE)
    counted = (open_.groupby("rule_id", as_index=False)
               .agg(open=("alert_id", "size"), overdue=("is_overdue", "sum"), severity=("severity", "min")))
    counted["overdue"] = counted["overdue"].astype(int)
    return counted.sort_values(["severity", "overdue", "open", "rule_id"],
                               ascending=[True, False, False, True]).reset_index(drop=True)


def decisions(ranked: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The top `n` open alerts of a ranked frame (sitrep.alerts.ranked): what needs a decision."""
    return ranked[is_open(ranked)].head(n)


def worst_by_district(frame: pd.DataFrame) -> dict[str, str]:
    """Each district's worst open alert state (MAP_STATES: overdue > new > open, i.e. acknowledged
    or in hand); a district with no open alert is absent. City-wide alerts name no district."""
    open_ = frame[is_open(frame) & (frame["district_code"].fillna("") != "")]
    rank = {state: i for i, state in enumerate(MAP_STATES)}
    level = shown_status(open_).map(lambda s: s if s in (OVERDUE, alerts.NEW) else "open")
    worst: dict[str, str] = {}
    for code, state in zip(open_["district_code"], level):
        if code not in worst or rank[state] < rank[worst[code]]:
            worst[code] = state
    return worst


# --- words -----------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _district_names(lang: str) -> dict[str, str]:
    from sitrep.reference import load_districts
    return {d.code: d.name_zh if lang == "zh" else d.name_en for d in load_districts()}


@lru_cache(maxsize=None)
def _threshold_unit(rule_id: str) -> str | None:
    setting = settings_module.current().get(registry.metric(rule_id).threshold)
    return setting.unit if setting is not None else None


@dataclass(frozen=True)
class Described:
    """One alert in words (a card's or a line's fields)."""
    alert_id: int
    rule_id: str
    rule: str              # the rule's name
    place: str             # the district (and round), or the whole city
    value: str             # "98.7%"
    threshold: str         # "75.0%" ("" for a rule with no number)
    since: str             # "07-24 06:00"
    open_for: str          # "12 h"
    status: str            # overdue / new / acknowledged / in_hand / closed
    status_text: str
    overdue_for: str       # how long past the acknowledgement deadline ("" when not overdue)
    acting_unit: str
    owner: str             # who acknowledged or acted ("" for nobody yet)
    new: bool              # opened after the last briefing
    severity: int


def describe(row, at, since: pd.Timestamp | None, lang: str = "zh") -> Described:
    """The words of one alert (a row of sitrep.alerts.ranked) at `at`."""
    at = pd.Timestamp(at)
    rule = registry.metric(row["rule_id"])
    district = row["district_code"] or ""
    place = _district_names(lang).get(district, district) if district else t("whole_city", lang)
    if row["round_id"]:
        place = f"{place} · {row['round_id']}"
    status = alerts.DONE if row["status"] == alerts.DONE else \
        (OVERDUE if row["status"] == alerts.NEW and bool(row["overdue"]) else row["status"])
    opened = pd.Timestamp(row["opened_at"])
    minutes_over = float(row["overdue_minutes"] or 0)
    return Described(
        alert_id=int(row["alert_id"]), rule_id=rule.id, rule=rule.name_zh if lang == "zh" else rule.name_en,
        place=place, value=format_value(row["value"], rule.unit, lang),
        threshold=format_threshold(row["threshold"], _threshold_unit(rule.id), lang),
        since=f"{opened:%m-%d %H:%M}", open_for=format_duration((at - opened).total_seconds(), lang),
        status=status, status_text=t(STATUS_WORDS[status], lang),
        overdue_for=format_duration(minutes_over * 60, lang) if status == OVERDUE else "",
        acting_unit=alerts.acting_unit(rule.id, district or None, lang), owner=row["owner"] or "",
        new=since is not None and opened > pd.Timestamp(since), severity=int(row["severity"]))
