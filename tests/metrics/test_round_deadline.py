"""TEST-ROUND: a round whose source gives no deadline is due testing_round_deadline_hours after
its start; a stored deadline_at decides where there is one. Small fixtures worked out by hand.

Rounds here start 2022-08-05 00:00. R1 has no stored deadline: with the setting's 24 h it is due
2022-08-06 00:00, with 12 h at 2022-08-05 12:00. R2 stores its own, 2022-08-06 06:00, which no
setting moves.
"""

import pandas as pd

from sitrep.queries import run_metric
from sitrep.settings import load_settings, values

START = "2022-08-05 00:00"


def settings(**overrides):
    return {**values(load_settings(overrides=None)), **overrides}


def round_(db, round_id, deadline_at=None, district="500105", people=1000):
    db.insert("testing_rounds", round_id=round_id, started_at=START, deadline_at=deadline_at)
    db.insert("testing_round_targets", round_id=round_id, district_code=district,
              township_code=district + "001", risk_level="low", pool_size=10, target_population=people)


def report(db, round_id, at, sampled, tested=0, district="500105"):
    db.insert("testing_progress_reports", round_id=round_id, district_code=district, reported_at=at,
              people_sampled=sampled, people_tested=tested, tubes_tested=0, positive_tubes=0)


def one(db, as_of, round_id="R1", district="500105", query=None, **setting):
    frame = run_metric(db.con, "TEST-ROUND", settings=settings(**setting) if setting else None,
                       query=query, as_of=pd.Timestamp(as_of))
    hit = frame[(frame["district_code"] == district) & (frame["round_id"] == round_id)]
    assert len(hit) == 1, f"expected one row for {district} {round_id}, got\n{frame}"
    return hit.iloc[0]


def test_a_round_without_a_stored_deadline_is_due_24_hours_after_its_start(db):
    """Everyone sampled by 12:00, one result still out: on time at start + 24 h, red a minute later."""
    round_(db, "R1")
    report(db, "R1", "2022-08-05 12:00", sampled=1000, tested=999)
    at_deadline = one(db, "2022-08-06 00:00")
    assert at_deadline.deadline_at == pd.Timestamp("2022-08-06 00:00") and at_deadline.threshold == 24.0
    assert not at_deadline.is_red and pd.isna(at_deadline.red_since)
    past = one(db, "2022-08-06 00:01")
    assert past.is_red and past.red_since == pd.Timestamp("2022-08-06 00:00")


def test_the_computed_deadline_judges_projections_too(db):
    """500 of 1000 sampled at 12:00 projects 24:00: exactly at start + 24 h is on time; at 12:01
    it projects 24:02, late; so is 24:00 when the setting asks for 23 h."""
    round_(db, "R1", district="500105")
    round_(db, "R3", district="500106")
    report(db, "R1", "2022-08-05 12:00", sampled=500, district="500105")
    report(db, "R3", "2022-08-05 12:01", sampled=500, district="500106")
    on_time = one(db, "2022-08-05 13:00")
    assert on_time.projected_finish_at == pd.Timestamp("2022-08-06 00:00") and not on_time.is_red
    late = one(db, "2022-08-05 13:00", round_id="R3", district="500106")
    assert late.is_red and late.red_since == pd.Timestamp("2022-08-05 12:01")
    stricter = one(db, "2022-08-05 13:00", testing_round_deadline_hours=23)
    assert stricter.deadline_at == pd.Timestamp("2022-08-05 23:00")
    assert stricter.is_red and stricter.red_since == pd.Timestamp("2022-08-05 12:00")


def test_overriding_the_setting_moves_the_deadline_of_rounds_without_one_only(db):
    """At 12 h, R1 is due at 12:00: on time at 12:00, red at 12:01; R2 keeps its stored 06:00 next day."""
    round_(db, "R1")
    round_(db, "R2", deadline_at="2022-08-06 06:00")
    report(db, "R1", "2022-08-05 11:00", sampled=1000, tested=999)
    report(db, "R2", "2022-08-05 11:00", sampled=1000, tested=999)
    at_twelve = one(db, "2022-08-05 12:00", testing_round_deadline_hours=12)
    assert at_twelve.deadline_at == pd.Timestamp("2022-08-05 12:00") and at_twelve.threshold == 12.0
    assert not at_twelve.is_red
    past = one(db, "2022-08-05 12:01", testing_round_deadline_hours=12)
    assert past.is_red and past.red_since == pd.Timestamp("2022-08-05 12:00")
    assert not one(db, "2022-08-05 12:01").is_red                        # 24 h by default: not yet due
    stored = one(db, "2022-08-06 05:00", round_id="R2", testing_round_deadline_hours=12)
    assert stored.deadline_at == pd.Timestamp("2022-08-06 06:00") and not stored.is_red
    assert one(db, "2022-08-06 06:01", round_id="R2", testing_round_deadline_hours=12).is_red


def test_the_round_list_judges_against_the_same_deadline(db):
    """details/test_round_progress, TEST-ROUND's drill-through: the computed deadline and its lateness."""
    round_(db, "R1")
    report(db, "R1", "2022-08-05 11:00", sampled=1000, tested=999)
    listed = one(db, "2022-08-05 12:01", query="details/test_round_progress", testing_round_deadline_hours=12)
    assert listed.deadline_at == pd.Timestamp("2022-08-05 12:00") and listed.projected_late
    assert not one(db, "2022-08-05 12:01", query="details/test_round_progress").projected_late
