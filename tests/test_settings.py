"""Thresholds live in one documented settings file that an operator can override."""

import re

import pytest

from sitrep import PROJECT_ROOT, QUERIES_DIR
from sitrep.queries import PLACE_FILTERS
from sitrep.registry import metrics
from sitrep.reveal import PEOPLE_LISTS
from sitrep.settings import SETTINGS_FILE, load_settings

RULEBOOK_NUMBERS = {
    # the numbers of the rulebook and notice 003 that the settings must carry
    "room_usage_trigger": 0.75, "rooms_per_10k_standard": 60, "contact_transfer_limit_hours": 8,
    "investigation_arrive_limit_hours": 2, "investigation_core_limit_hours": 4,
    "investigation_full_limit_hours": 24, "assist_letter_limit_hours": 2, "report_limit_hours": 2,
    "publish_limit_hours": 5, "testing_report_cadence_hours": 2, "testing_round_deadline_hours": 24,
    "pool_size_high_risk": 1, "pool_size_medium_risk": 5, "pool_size_low_risk": 10,
    "residents_per_sampling_site": 3000, "screening_pushed_limit_hours": 8,
    "screening_roaming_limit_hours": 24, "high_risk_staff_share": 0.10, "supply_days_minimum": 15,
}


def test_settings_carry_the_rulebooks_numbers():
    settings = load_settings(overrides=None)
    for name, value in RULEBOOK_NUMBERS.items():
        assert settings[name].value == value, name


def test_every_setting_is_documented_with_unit_and_source():
    for setting in load_settings(overrides=None).values():
        assert setting.doc.strip() and setting.unit.strip() and setting.source.strip(), setting.name


def test_an_undocumented_setting_is_refused(tmp_path):
    bad = tmp_path / "settings.toml"
    bad.write_text('[room_usage_trigger]\nvalue = 0.75\nunit = "share"\nsource = "003 #57"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="lacks doc"):
        load_settings(bad, overrides=None)


def _named_in_code() -> set[str]:
    """Every quoted identifier-like string in the package's code (a setting code reads by name,
    such as the query time limit, appears as one)."""
    names = set()
    for path in (PROJECT_ROOT / "sitrep").rglob("*.py"):
        names |= set(re.findall(r"[\"']([a-z_][a-z0-9_]*)[\"']", path.read_text(encoding="utf-8")))
    return names


def test_every_setting_is_used_by_a_query_the_registry_or_the_code_and_every_used_name_exists():
    used = set()
    for path in QUERIES_DIR.rglob("*.sql"):
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        used |= set(re.findall(r"\$([a-z_][a-z0-9_]*)", text))
    used |= {m.threshold for m in metrics().values() if m.threshold}
    used |= {m.ack_deadline for m in metrics().values() if m.ack_deadline}   # alerts' acknowledgement deadlines
    settings = set(load_settings(overrides=None))
    runtime = {"as_of", *PLACE_FILTERS, "rule_id", "limit_hours"}
    runtime |= {plist.ids_parameter for plist in PEOPLE_LISTS.values()}   # a list's ids, for its people
    assert settings - used - _named_in_code() == set(), "settings nothing reads"
    assert used - settings - runtime == set(), "parameters that are neither settings nor runtime values"


def test_an_operator_overrides_a_threshold_in_a_local_file(tmp_path):
    local = tmp_path / "settings.local.toml"
    local.write_text("room_usage_trigger = 0.8\ncontact_transfer_limit_hours = 6\n", encoding="utf-8")
    settings = load_settings(overrides=local)
    assert settings["room_usage_trigger"].value == 0.8 and settings["room_usage_trigger"].overridden
    assert settings["contact_transfer_limit_hours"].value == 6
    assert settings["rooms_per_10k_standard"].value == 60 and not settings["rooms_per_10k_standard"].overridden


def test_an_override_of_an_unknown_or_mistyped_setting_is_refused(tmp_path):
    local = tmp_path / "settings.local.toml"
    local.write_text("room_usage_triger = 0.8\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown setting 'room_usage_triger'"):
        load_settings(overrides=local)
    local.write_text('room_usage_trigger = "75%"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="must be like"):
        load_settings(overrides=local)


def test_the_settings_file_is_at_the_top_of_the_project():
    assert SETTINGS_FILE == PROJECT_ROOT / "settings.toml"


def test_operational_settings_exist_and_stay_out_of_the_rule_values():
    from sitrep.settings import OPERATIONAL, rule_values

    settings = load_settings(overrides=None)
    assert OPERATIONAL <= set(settings)
    assert set(rule_values()) == set(settings) - OPERATIONAL and "room_usage_trigger" in rule_values()
