"""Shown values agree with their colour (issue 10, item 7): a value red at its threshold never
reads as the threshold, and a red item shows what makes it red. Each example of the issue is
worked by hand at its boundary; the judgement is the SQL's, unchanged."""

import subprocess
import sys

import pandas as pd

from sitrep import PROJECT_ROOT
from sitrep.briefing.snapshot import _red_items
from sitrep.formatting import (format_duration, format_lateness, format_red_item, format_threshold, format_value,
                               lateness_texts, red_item_values)
from sitrep.queries import run_metric
from sitrep.redlist import red_list
from tests.fixture_db import FixtureDB

T = pd.Timestamp


# --- hours: 2 h 00 min 30 s against a 2 h limit ------------------------------------------------

def test_two_hours_and_30_seconds_against_2_hours_shows_its_seconds():
    limit = format_threshold(2, "hours", "en")
    assert limit == "2 h"
    shown = format_value(2 + 30 / 3600, "hours", "en", limit=2)                # 7,230 s
    assert shown == "2 h 00 min 30 s" and shown != limit
    assert format_value(2 + 30 / 3600, "hours", "zh", limit=2) == "2 小时 00 分 30 秒"
    assert format_value(2 - 30 / 3600, "hours", "en", limit=2) == "1 h 59 min 30 s"   # on time reads under
    assert format_value(2.0, "hours", "en", limit=2) == "2 h"                   # at the limit: the limit
    assert format_value(2 + 1 / 60, "hours", "en", limit=2) == "2 h 01 min"     # a minute over: no seconds
    assert format_value(5.375, "hours", "en") == "5 h 22 min"                   # a median, to the minute


def test_a_cadence_red_by_30_seconds_reads_2_h_00_min_30_s_in_the_red_list():
    """TEST-CADENCE: last report 10:00:00; at 12:00:30 the next was due 30 s ago. The query's value
    counts minute boundaries (120 min = 2.0 h) but judges the timestamps: red."""
    db = FixtureDB()
    db.district("500105")
    db.insert("testing_rounds", round_id="R1", started_at="2022-08-05 00:00", deadline_at="2022-08-06 00:00")
    db.insert("testing_round_targets", round_id="R1", district_code="500105", township_code="500105001",
              risk_level="low", pool_size=10, target_population=1000)
    db.insert("testing_progress_reports", round_id="R1", district_code="500105", reported_at="2022-08-05 10:00:00",
              people_sampled=300, people_tested=0, tubes_tested=0, positive_tubes=0)
    as_of = T("2022-08-05 12:00:30")
    row = run_metric(db.con, "TEST-CADENCE", as_of=as_of).iloc[0]
    assert row.value == 2.0 and bool(row.is_red)                               # judged to the second
    items = red_list(db.con, as_of)
    item = items[items["rule_id"] == "TEST-CADENCE"].iloc[0]
    assert item.hours_since == 2 + 30 / 3600
    assert red_item_values(items[items["rule_id"] == "TEST-CADENCE"], "en") == ["2 h 00 min 30 s"]
    assert format_threshold(item.threshold, item.threshold_unit, "en") == "2 h"


# --- per 10,000: 59.99996 against 60 ------------------------------------------------------------

def test_a_reserve_a_hair_under_60_per_10000_reads_under_60_and_exactly_60_reads_60():
    # 15,000 rooms for 2,500,006 residents: 150,000,000 / 2,500,006 = 59.99986 per 10,000 (red).
    under = 15_000 * 10_000 / 2_500_006
    assert 59.9998 < under < 60
    assert format_value(under, "per_10k") == "59.9" and float(format_value(under, "per_10k")) < 60
    assert format_value(59.99996, "per_10k") == "59.9"
    assert format_value(60.0, "per_10k") == "60.0" == format_threshold(60, "rooms per 10,000 residents")
    assert format_value(60.04, "per_10k") == "60.0"                            # not red reads at or over


def test_a_share_under_its_trigger_never_reads_as_the_trigger():
    # ISO-USE red at >= 75 %: 2,999 of 4,000 rooms is 74.975 %, not red.
    assert format_value(2_999 / 4_000, "share") == "74.9%"
    assert format_value(0.75, "share") == "75.0%" == format_threshold(0.75, "share")
    assert format_value(0.7 * 90 / 90, "share") == "70.0%"                    # float a hair under 0.7


# --- lateness: 20 seconds late ------------------------------------------------------------------

def test_an_item_late_by_20_seconds_reads_20_s_not_0_minutes():
    """CON-TRANSFER: identified 00:00:00, moved 08:00:20, 20 s after its 8 h deadline: late."""
    db = FixtureDB()
    db.district("500105")
    db.insert("contacts", contact_type="close", isolation_mode="centralized", district_code="500105",
              identified_at="2022-07-28 00:00:00", transferred_at="2022-07-28 08:00:20")
    as_of = T("2022-07-28 12:00")
    assert bool(run_metric(db.con, "CON-TRANSFER", as_of=as_of).iloc[0].is_red)
    listed = run_metric(db.con, "CON-TRANSFER", query="details/timeliness_items", as_of=as_of)
    assert listed[["status", "minutes_late"]].values.tolist() == [["done_late", 0]]   # the query's minutes
    assert lateness_texts(listed, as_of, "en") == ["20 s"]
    assert lateness_texts(listed, as_of, "zh") == ["20 秒"]
    assert format_lateness(65 * 60 + 10, "en") == "1 h 05 min"
    assert format_duration(0, "en") == "0 min"


# --- red items on the demo data -----------------------------------------------------------------

def test_a_red_case_new_row_shows_the_rising_comparison_not_its_zero(demo):
    """CASE-NEW at 2022-07-24 18:00: a district red (rising) with no new case in the last 24 h."""
    as_of = T("2022-07-24 18:00")
    rows = run_metric(demo, "CASE-NEW", as_of=as_of)
    zero = rows[(rows["value"] == 0) & rows["is_red"].fillna(False).astype(bool) & rows["district_code"].notna()]
    assert len(zero), "expected a rising district with no new case in the last 24 h"
    r = zero.iloc[0]
    assert r.last_7d > r.previous_7d
    items = red_list(demo, as_of)
    item = items[(items["rule_id"] == "CASE-NEW") & (items["district_code"] == r.district_code)]
    expected = f"{int(r.last_7d)} in the last 7 days, up from {int(r.previous_7d)} in the 7 before"
    assert red_item_values(item, "en") == [expected]
    assert red_item_values(item, "zh") == [f"近7日 {int(r.last_7d)} 例，高于前7日 {int(r.previous_7d)} 例"]
    # The briefing's red items carry the comparison, so its text reads the same.
    snapshot_item = [i for i in _red_items(items) if i["rule_id"] == "CASE-NEW"
                     and i["district_code"] == r.district_code][0]
    assert (snapshot_item["last_7d"], snapshot_item["previous_7d"]) == (r.last_7d, r.previous_7d)
    assert format_red_item(snapshot_item, "en") == expected


def test_a_red_runway_of_26_minutes_does_not_show_0_0_days(demo):
    """ISO-RUNWAY at 2022-07-18 14:20 (no runway is red at 07-24 18:00): 江北 500105 needs 5 more
    rooms to reach 75 % and takes 281.3 rooms a day net: 5 / 281.33 = 0.0178 d = 25.6 min, red."""
    as_of = T("2022-07-18 14:20")
    items = red_list(demo, as_of)
    runway = items[items["rule_id"] == "ISO-RUNWAY"]
    assert runway["district_code"].tolist() == ["500105"]
    item = runway.iloc[0]
    assert item.rooms_to_trigger == 5 and round(item.net_rooms_per_day, 1) == 281.3
    assert 0 < item.value < 0.05                                                # formerly "0.0 天"
    text = red_item_values(runway, "en")[0]
    assert text == "trigger in 26 min (5 rooms to go at 281.3 a day net)" and "0.0" not in text
    assert format_value(3.04, "days", "en") == "3.1 d"                          # not red reads over 3
    assert format_value(3, "days", "en") == "3.0 d"


def test_the_redlist_command_prints_the_comparison(demo_db_path):
    out = subprocess.run([sys.executable, "-m", "sitrep", "redlist", "--db", str(demo_db_path),
                          "--as-of", "2022-07-24 18:00"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    case_new = [line for line in out.stdout.splitlines() if line.strip().startswith("CASE-NEW")]
    assert case_new and all("近7日" in line and "高于前7日" in line for line in case_new)
