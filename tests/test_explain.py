"""`python -m sitrep explain ID` and the generated metric catalogue (docs/metric-catalogue.md)."""

import os
import re
import subprocess
import sys

import pytest

from sitrep import PROJECT_ROOT, explain, queries, registry
from sitrep.cli import main


def run_cli(*args, env_extra=None):
    """The command in a fresh interpreter, so the settings are read from its environment."""
    env = {k: v for k, v in os.environ.items() if k != "SITREP_SETTINGS"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "sitrep", "explain", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_explain_iso_use_names_its_sql_staging_view_fragment_setting_page_and_tests(capsys):
    assert main(["explain", "ISO-USE", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Isolation-room usage" in out and "隔离房间使用率" in out
    assert registry.metric("ISO-USE").definition_en in out and registry.metric("ISO-USE").definition_zh in out
    assert "queries/metrics/iso_use.sql" in out
    assert "stg_iso_room_changes (queries/staging/stg_iso_room_changes.sql)" in out
    assert "red_since (queries/fragments/red_since.sql)" in out
    assert "room_usage_trigger = 0.75" in out
    assert "pages/isolation.py" in out
    assert "queries/details/iso_rooms_in_use.sql" in out
    # The section heading ISO-USE's tests and the first test under it.
    assert "tests/metrics/test_isolation.py:19  # --- ISO-USE:" in out
    assert "tests/metrics/test_isolation.py:21  test_room_usage_turns_red_at_exactly_75_percent" in out


def test_the_file_and_line_listed_are_where_the_section_and_test_are():
    lines = (PROJECT_ROOT / "tests/metrics/test_isolation.py").read_text(encoding="utf-8").splitlines()
    sections = [loc for loc in explain.tests_covering("ISO-USE") if loc.kind == "section"]
    assert sections and sections[0].path == "tests/metrics/test_isolation.py"
    for loc in sections:
        assert lines[loc.line - 1].startswith("# --- ") and "ISO-USE" in lines[loc.line - 1]
        for n, name in loc.tests:
            assert lines[n - 1].startswith(f"def {name}(")


def test_staging_views_are_followed_through_views_that_read_other_views():
    # iso_use.sql names only stg_iso_room_changes, which reads stg_rooms: ISO-USE reads both.
    assert "stg_rooms" not in queries.source_text("metrics/iso_use")
    assert explain.staging_read("metrics/iso_use") == ("stg_iso_room_changes", "stg_rooms")
    assert "stg_rooms" in queries.sql_text("staging/stg_iso_room_changes")
    assert explain.staging_read("staging/stg_rooms") == ()


def test_an_override_shows_its_value_and_says_it_is_overridden(tmp_path):
    override = tmp_path / "local.toml"
    override.write_text("room_usage_trigger = 0.8\n", encoding="utf-8")
    done = run_cli("ISO-USE", "--lang", "en", env_extra={"SITREP_SETTINGS": str(override)})
    assert done.returncode == 0, done.stderr
    assert "room_usage_trigger = 0.8 (in force: overridden" in done.stdout
    assert str(override) in done.stdout and "default 0.75" in done.stdout
    plain = run_cli("ISO-USE", "--lang", "en")
    assert "room_usage_trigger = 0.75 (in force: the default, not overridden)" in plain.stdout


def test_an_unknown_id_exits_2_and_suggests_close_matches():
    done = run_cli("ISO-USR")
    assert done.returncode == 2 and done.stdout == ""
    assert "no metric 'ISO-USR'" in done.stderr and "did you mean ISO-USE" in done.stderr


def test_a_lower_case_id_is_found_and_nonsense_lists_the_known_ids():
    assert explain.lookup("iso-use").id == "ISO-USE"
    with pytest.raises(explain.UnknownMetric) as e:
        explain.lookup("zzz")
    assert "known ids: ISO-USE" in str(e.value)


def test_explain_needs_an_id_or_the_catalogue():
    with pytest.raises(SystemExit, match="give a metric id"):
        main(["explain"])


def test_every_registry_metric_has_a_test_section_or_a_test_naming_it():
    found = explain.scan_tests()
    uncovered = [i for i in registry.metrics() if not any(loc.kind in ("section", "test") for loc in found[i])]
    assert uncovered == [], "head their tests in tests/metrics/ with `# --- ID ---`"


def test_a_header_comment_in_a_new_test_file_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(explain, "PROJECT_ROOT", tmp_path)
    (tmp_path / "test_detail_agreement_x.py").write_text(
        "# Drill-through lists agree with ISO-USE and CASE-NEW.\n\n"
        "def test_rooms_agree():\n    assert True\n", encoding="utf-8")
    found = explain.scan_tests(tmp_path)
    assert [(loc.line, loc.kind) for loc in found["ISO-USE"]] == [(1, "mention")]
    assert [(loc.line, loc.kind) for loc in found["CASE-NEW"]] == [(1, "mention")]
    assert found["ISO-RESERVE"] == []


def test_the_catalogue_matches_the_registry():
    written = (PROJECT_ROOT / "docs" / "metric-catalogue.md").read_text(encoding="utf-8")
    assert written == explain.catalogue(), "regenerate: python -m sitrep explain --catalogue > docs/metric-catalogue.md"


def test_the_catalogue_has_every_metric_once_with_its_default_threshold(monkeypatch, tmp_path):
    override = tmp_path / "local.toml"
    override.write_text("room_usage_trigger = 0.8\n", encoding="utf-8")
    monkeypatch.setenv("SITREP_SETTINGS", str(override))
    text = explain.catalogue()
    for metric_id in registry.metrics():
        assert text.count(f"\n### {metric_id}\n") == 1
    assert "`room_usage_trigger` = 0.75 share" in text and "0.8" not in text


# --- who must act ----------------------------------------------------------------------------

def test_explain_names_who_must_act_what_to_do_and_the_acknowledgement_deadline(capsys):
    assert main(["explain", "CON-TRANSFER", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "responsible units: District and county epidemic-prevention leading groups; Municipal Health " \
           "Commission · 各区县疫情防控领导小组、市卫生健康委 (003 #53)" in out
    assert "who acts: District and county epidemic-prevention leading groups " \
           "(a district's red item: <district> epidemic-prevention leading group)" in out
    assert "what to do: Move close contacts to centralized isolation within 8 h · 密接人员在8小时内转运至集中隔离场所" in out
    assert "severity (1 = most severe): 1" in out
    assert "acknowledgement deadline: ack_minutes_con_transfer = 30 minutes" in out
    assert main(["explain", "ISO-USE"]) == 0
    out = capsys.readouterr().out
    assert "落实单位: 市指挥部综合办\n" in out and "确认时限: ack_minutes_iso_use = 60 minutes" in out


def test_a_rule_that_does_not_flag_names_no_responsible_unit(capsys):
    assert main(["explain", "CON-FLOW", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "responsible units" not in out and "acknowledgement deadline" not in out


def test_an_overridden_ack_deadline_says_so(tmp_path):
    override = tmp_path / "local.toml"
    override.write_text("ack_minutes_iso_use = 45\n", encoding="utf-8")
    done = run_cli("ISO-USE", "--lang", "en", env_extra={"SITREP_SETTINGS": str(override)})
    assert done.returncode == 0, done.stderr
    assert "acknowledgement deadline: ack_minutes_iso_use = 45 minutes (overridden)" in done.stdout


def test_the_responsibility_table_matches_the_registry():
    written = (PROJECT_ROOT / "docs" / "responsibility.md").read_text(encoding="utf-8")
    assert written == explain.responsibility_table(), \
        "regenerate: python -m sitrep explain --responsibility > docs/responsibility.md"


def test_the_responsibility_table_has_every_flagging_rule_once_worst_first():
    text = explain.responsibility_table()
    rows = [line.split(" | ") for line in text.splitlines() if re.match(r"^\| \d \| ", line)]
    flagging = [m.id for m in registry.metrics().values() if m.flags_red]
    assert sorted(r[1] for r in rows) == sorted(flagging)
    assert [int(r[0].lstrip("| ")) for r in rows] == sorted(int(r[0].lstrip("| ")) for r in rows)
    iso = next(r for r in rows if r[1] == "ISO-USE")
    assert iso[4] == "003 #57" and iso[5].startswith("市指挥部综合办") and "`ack_minutes_iso_use` = 60 minutes" in iso[7]
