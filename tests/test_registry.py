"""The metric registry covers every rulebook id, once, and each has its query, threshold and test."""

import re

from sitrep import PROJECT_ROOT, QUERIES_DIR
from sitrep.registry import metrics
from sitrep.settings import load_settings

RULEBOOK_IDS = {
    "ISO-USE", "ISO-RESERVE", "ISO-COMMISSION", "ISO-SINGLE", "ISO-DISPATCH", "ISO-RUNWAY",
    "CON-TRANSFER", "CON-MODE", "CON-SEPARATE", "CON-FLOW",
    "CASE-NEW", "CASE-SOCIAL", "CASE-SOURCE", "CASE-SUSPECT", "CASE-OUTCOME", "CASE-TRANSFER", "CASE-RETEST",
    "TEST-ROUND", "TEST-CADENCE", "TEST-POOL", "TEST-TAT", "TEST-OCCUP", "TEST-SITES",
    "EPI-ARRIVE", "EPI-CORE", "EPI-FULL", "EPI-ASSIST", "EPI-REPORT", "EPI-PUBLISH",
    "SCR-8H", "SCR-24H", "SCR-OUTCOME", "SCR-ARRIVAL",
    "RISK-AREAS", "RISK-STAFF", "RISK-SUPPLY", "VAC-60",
}
RULEBOOK = PROJECT_ROOT.parent / "shared" / "RULEBOOK.md"


def test_the_registry_holds_exactly_the_rulebooks_ids():
    assert set(metrics()) == RULEBOOK_IDS
    if RULEBOOK.exists():  # beside the project in development and CI: check the copy above against it
        ids = set(re.findall(r"^\| ([A-Z]+-[A-Z0-9]+) \|", RULEBOOK.read_text(encoding="utf-8"), re.M))
        assert ids == RULEBOOK_IDS


def test_every_metric_has_its_query_and_a_known_threshold_setting():
    settings = load_settings(overrides=None)
    for metric in metrics().values():
        assert (QUERIES_DIR / f"{metric.query}.sql").exists(), metric.id
        assert metric.detail == "" or (QUERIES_DIR / f"{metric.detail}.sql").exists(), metric.id
        assert metric.threshold == "" or metric.threshold in settings, metric.id
        assert metric.name_zh and metric.name_en and metric.definition_en and metric.definition_zh
        assert bool(metric.red_when) == bool(metric.red_when_zh), metric.id  # said in both languages


def test_every_rulebook_id_has_a_metric_test():
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "tests" / "metrics").glob("test_*.py"))
    missing = [metric_id for metric_id in RULEBOOK_IDS if metric_id not in tests]
    assert missing == []
