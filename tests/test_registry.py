"""The metric registry covers every rulebook id, once, and each has its query, threshold and test."""

import re

import pytest

from sitrep import PROJECT_ROOT, QUERIES_DIR, registry
from sitrep.registry import metrics, placeholders
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


# --- words: the registry is the only source of what a metric is called and how it reads --------

SETTINGS = set(load_settings(overrides=None))


def test_every_entry_reads_in_both_languages():
    for m in registry.templates().values():
        for field in ("name_zh", "name_en", "definition_zh", "definition_en", "window", "window_zh", "source"):
            assert getattr(m, field).strip(), (m.id, field)
        # a numerator or denominator is stated in both languages or in neither
        assert bool(m.numerator) == bool(m.numerator_zh), m.id
        assert bool(m.denominator) == bool(m.denominator_zh), m.id
        assert bool(m.red_when) == bool(m.red_when_zh), m.id
        for column, spec in m.columns.items():
            assert spec.zh.strip() and spec.en.strip(), (m.id, column)


def test_every_placeholder_in_the_registrys_prose_names_a_setting():
    texts = []
    for m in registry.templates().values():
        texts += [(m.id, getattr(m, f)) for f in registry.METRIC_PROSE]
        texts += [(f"{m.id}.{c}", t) for c, col in m.columns.items() for t in (col.zh, col.en)]
    for h in registry.headline_templates():
        texts += [(h.key, getattr(h, f)) for f in registry.HEADLINE_PROSE]
    named = {(where, name) for where, text in texts for name in placeholders(text)}
    assert named, "the registry states no threshold through a setting"
    assert {(w, n) for w, n in named if n not in SETTINGS} == set()


def test_a_placeholder_reads_the_same_in_both_languages_of_a_field():
    for m in registry.templates().values():
        for en, zh in (("name_en", "name_zh"), ("definition_en", "definition_zh"), ("numerator", "numerator_zh"),
                       ("denominator", "denominator_zh"), ("red_when", "red_when_zh"), ("action_en", "action_zh")):
            assert placeholders(getattr(m, en)) <= placeholders(getattr(m, zh)) | placeholders(m.definition_zh), (m.id, en)


def test_with_the_default_settings_the_prose_reads_as_written_before_placeholders():
    assert registry.metric("ISO-DISPATCH").definition_zh.startswith("对使用率达到75%的区县")
    assert registry.metric("CON-TRANSFER").name_zh == "密接8小时转运"
    assert registry.metric("EPI-ARRIVE").name_en == "Investigators on site within 2 h"
    assert registry.metric("TEST-SITES").definition_en == "Communities of 3,000 or more residents without an open sampling site."
    assert registry.metric("RISK-STAFF").definition_zh == "现有高风险区中，最近一次报告工作人员少于居民人数10%的区域数。"


def test_every_headline_has_its_own_definition_query_column_and_unit():
    headlines = registry.headlines()
    assert [h.key for h in registry.headlines("briefing")] == [
        "new_confirmed", "new_asymptomatic", "new_social", "active_cases", "cumulative_cases", "people_isolated",
        "room_usage", "high_risk_areas", "medium_risk_areas", "low_risk_areas"]
    assert [h.key for h in registry.headlines("overview")] == [
        "new_confirmed", "new_asymptomatic", "new_social", "people_isolated", "room_usage", "current_round"]
    definitions = [h.definition_zh for h in headlines]
    assert len(set(definitions)) == len(definitions)
    assert not {h.definition_zh for h in headlines} & {m.definition_zh for m in registry.metrics().values()}
    for h in headlines:
        assert h.name_zh and h.name_en and h.definition_en and h.column and h.metric in registry.metrics()
        query = h.query or registry.metric(h.metric).query
        assert (QUERIES_DIR / f"{query}.sql").exists(), h.key
        text = (QUERIES_DIR / f"{query}.sql").read_text(encoding="utf-8")
        assert re.search(r"\b" + h.column + r"\b", text), (h.key, h.column)
        if h.overview:
            assert h.detail and (QUERIES_DIR / f"{h.detail}.sql").exists(), h.key


def test_the_clock_rules_are_the_entries_of_the_timeliness_query():
    assert registry.timeliness_rules() == [m.id for m in metrics().values() if m.query == "metrics/timeliness"]
    assert "CON-TRANSFER" in registry.timeliness_rules() and "CON-TRANSFER" not in registry.timeliness_rules("timeliness")
    assert len(registry.timeliness_rules()) == 9


def test_every_overview_card_label_fits_a_card():
    """Six cards share the overview's width: a label longer than this is cut off ("新增确诊（24小…")."""
    for h in registry.headlines("overview"):
        assert len(h.card("zh")) <= 9, h.key
        assert len(h.card("en")) <= 18, h.key
    assert registry.headline("new_confirmed").card("zh") == "新增确诊"       # its name says "(24小时)"
    assert registry.headline("room_usage").card("en") == registry.headline("room_usage").name_en


def test_every_drill_through_has_a_test_that_its_rows_agree_with_its_number():
    """tests/metrics/test_detail_agreement_*.py hold each detail query's rows equal to its metric's numbers."""
    agreement = "".join(p.read_text(encoding="utf-8")
                        for p in (PROJECT_ROOT / "tests" / "metrics").glob("test_detail_agreement_*.py"))
    uncovered = [m.id for m in registry.metrics().values() if m.detail and f'"{m.id}"' not in agreement]
    assert uncovered == []


# --- who must act: responsible units from the task plan (notice 003), severity, action, ack deadline ---

# The notices live beside the project (../shared/seeds; from a git worktree further up).
SEEDS = next((p / "shared" / "seeds" for p in PROJECT_ROOT.parents if (p / "shared" / "seeds").is_dir()),
             PROJECT_ROOT.parent / "shared" / "seeds")


def _plan_units() -> dict[int, str]:
    """Task number -> the text of its 责任单位, from notice 003's task plan."""
    text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    units = {}
    for line in text.splitlines():
        found = re.match(r"^(\d+)\.\s*.*?\(责任单位:(.*)$", line.strip())
        if found:
            units[int(found.group(1))] = found.group(2).strip().removesuffix(")")
    return units


def _notice_item_units(citation: str) -> str:
    """The 责任单位 of an item of another notice, cited as "001 一(三)"."""
    notice, item = citation.split(" ", 1)
    part, sub = item.split("(", 1)
    lines = next(SEEDS.glob(f"{notice}_*.txt")).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{part}、"))
    line = next(line for line in lines[start:] if line.startswith(f"({sub}"))
    return line.split("责任单位:", 1)[1]


def _in_order(names: list[str], text: str) -> bool:
    at = [text.find(n) for n in names]
    return -1 not in at and at == sorted(at)


def test_every_flagging_rule_names_who_must_act_and_no_other_rule_does():
    settings = load_settings(overrides=None)
    flagging = [m for m in metrics().values() if m.flags_red]
    assert len(flagging) == 30
    for m in flagging:
        assert m.responsible and m.acting and m.severity in (1, 2, 3, 4, 5), m.id
        assert bool(m.tasks) != bool(m.responsible_notice), m.id
        assert m.action_zh and m.action_en, m.id
        assert settings[m.ack_deadline].unit == "minutes" and settings[m.ack_deadline].value > 0, m.id
    for m in metrics().values():
        if not m.flags_red:
            assert (m.responsible, m.tasks, m.acting, m.severity, m.ack_deadline) == ((), (), (), 0, ""), m.id


def test_the_responsible_units_are_quoted_from_the_task_plan_lead_first():
    assert SEEDS.is_dir(), f"the notices are not beside the project: {SEEDS}"
    plan = _plan_units()
    assert sorted(plan) == list(range(1, 81))
    for m in metrics().values():
        if not m.flags_red:
            continue
        for n in m.tasks:
            assert n in plan, (m.id, n)
            names = [u.zh for u in m.responsible]
            assert _in_order(names, plan[n]), (m.id, n, names, plan[n])
        if m.responsible_notice:
            text = _notice_item_units(m.responsible_notice)
            names = [next((s for s in (u.zh, *u.also_zh) if s in text), u.zh) for u in m.responsible]
            assert _in_order(names, text), (m.id, names, text)


def test_a_city_body_acts_only_where_its_task_names_it_and_the_districts_group_acts_otherwise():
    acting = {m.id: [u.key for u in m.acting] for m in metrics().values() if m.flags_red}
    assert acting["ISO-USE"] == ["city_hq_office"]              # 003 #57: the city dispatches
    assert acting["EPI-ASSIST"] == ["district_groups", "city_cdc"]   # 003 #50: in the city / out of it
    assert acting["EPI-PUBLISH"] == ["city_health"]             # 003 #58: 由市卫生健康委发布
    for rule_id, keys in acting.items():
        assert all(k in [u.key for u in registry.metric(rule_id).responsible] for k in keys), rule_id
    assert registry.metric("CON-TRANSFER").acting_names("zh", "江北区") == "江北区疫情防控领导小组"
    assert registry.metric("CON-TRANSFER").acting_names("zh") == "各区县疫情防控领导小组"   # the city row
    assert registry.metric("ISO-USE").acting_names("en", "Jiangbei District") == \
        "General office of the city epidemic-prevention command"


def test_the_dispatch_trigger_and_overdue_transfers_rank_above_reporting_lateness():
    severity = {m.id: m.severity for m in metrics().values() if m.flags_red}
    assert severity["ISO-USE"] == severity["CON-TRANSFER"] == 1
    for late in ("EPI-REPORT", "EPI-PUBLISH", "TEST-CADENCE"):
        assert severity[late] > severity["ISO-USE"], late
    assert max(severity.values()) == severity["ISO-RESERVE"]


def test_the_action_reads_the_setting_in_force():
    assert registry.metric("CON-TRANSFER").action("zh") == "密接人员在8小时内转运至集中隔离场所"
    assert registry.metric("ISO-USE").action("en").startswith("At 75% room usage")
    assert "{" not in registry.metric("CASE-RETEST").action_zh


BROKEN = [
    ('tasks = [53]\n', 'tasks = [81]\n', "CON-SEPARATE: tasks [81] are not in the task plan"),
    ('ack_deadline = "ack_minutes_iso_use"', 'ack_deadline = "ack_minutes_iso_usage"',
     "ISO-USE: ack_deadline 'ack_minutes_iso_usage' names no setting"),
    ('ack_deadline = "ack_minutes_iso_use"', 'ack_deadline = "room_usage_trigger"',
     "ISO-USE: ack_deadline 'room_usage_trigger' must be a setting in minutes"),
    ('responsible = ["city_hq_office", "district_groups"]\n', '', "ISO-USE: a flagging rule needs who must act: "
                                                                   "missing ['responsible']"),
    ('acting = ["city_hq_office"]\n', 'acting = ["city_hq"]\n', "ISO-USE: acting names unknown responsible units"),
    ('severity = 1\n', 'severity = 0\n', "ISO-USE: severity must be a whole number from 1"),
    ('responsible_notice = "001 一(三)"\n', '', "CON-MODE: give the task plan's task numbers"),
]


@pytest.mark.parametrize("old, new, error", BROKEN)
def test_a_registry_with_a_broken_responsibility_is_refused_naming_the_entry(tmp_path, monkeypatch, old, new, error):
    text = registry.REGISTRY_FILE.read_text(encoding="utf-8")
    # the first occurrence after the rule named in the error: that rule's own line
    rule = error.split(":")[0]
    start = text.index(f"\n[{rule}]\n")
    at = text.index(old, start)
    broken = tmp_path / "metrics.toml"
    broken.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    caches = (registry._raw, registry.templates, registry.responsible_units)
    monkeypatch.setattr(registry, "REGISTRY_FILE", broken)
    for cache in caches:
        cache.cache_clear()
    try:
        with pytest.raises(ValueError, match=re.escape(error)):
            registry.templates()
    finally:
        monkeypatch.undo()
        for cache in caches:
            cache.cache_clear()
    assert registry.templates()["ISO-USE"].severity == 1
