"""The metric registry (metrics.toml): one definition per rulebook id, read by every page,
the red list, the briefing and CSV headers."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache

from sitrep import PROJECT_ROOT

REGISTRY_FILE = PROJECT_ROOT / "metrics.toml"
UNITS = {"share", "count", "hours", "days", "per_10k", "rooms"}
GOOD_DIRECTIONS = {"up", "down", "none"}


@dataclass(frozen=True)
class Metric:
    id: str
    name_zh: str
    name_en: str
    section: str
    definition_en: str
    definition_zh: str
    numerator: str
    denominator: str
    window: str
    unit: str
    threshold: str      # a setting name in settings.toml, or "" when the rule has no number
    red_when: str       # "" for metrics that are shown, not flagged
    red_when_zh: str
    good: str
    source: str
    query: str
    page: str
    detail: str         # drill-through query listing the rows behind the number, or ""

    @property
    def flags_red(self) -> bool:
        return bool(self.red_when)


@lru_cache(maxsize=1)
def metrics() -> dict[str, Metric]:
    with open(REGISTRY_FILE, "rb") as f:
        raw = tomllib.load(f)
    names = [f.name for f in fields(Metric) if f.name != "id"]
    out = {}
    for metric_id, entry in raw.items():
        missing = [n for n in names if n not in entry]
        extra = [k for k in entry if k not in names]
        if missing or extra:
            raise ValueError(f"{REGISTRY_FILE}: {metric_id}: missing {missing}, unknown {extra}")
        metric = Metric(id=metric_id, **entry)
        if metric.unit not in UNITS or metric.good not in GOOD_DIRECTIONS:
            raise ValueError(f"{REGISTRY_FILE}: {metric_id}: unit {metric.unit!r} or good {metric.good!r} unknown")
        out[metric_id] = metric
    return out


def metric(metric_id: str) -> Metric:
    return metrics()[metric_id]
