"""The schema: every table the rulebook needs, with constraints that refuse bad rows."""

import duckdb
import pytest

from sitrep.db import create_schema, table_names
from sitrep.personal import PERSONAL_COLUMNS, PERSONAL_TABLES

REQUIRED_TABLES = {
    # geography, five levels and commuting
    "districts", "townships", "communities", "grids", "buildings", "commuting_ties",
    # personal data kept apart
    "persons",
    # cases, contacts, transfers
    "cases", "case_classifications", "contacts", "contact_tests", "transport_runs",
    "transport_passengers",
    # isolation
    "facilities", "rooms", "room_stays",
    # testing
    "testing_rounds", "testing_round_targets", "testing_progress_reports", "testing_tubes",
    "testing_samples", "sampling_sites", "occupational_testing",
    # risk areas and support, vaccination
    "risk_areas", "risk_area_support_reports", "vaccination_60plus",
    # investigation and reporting, screening
    "investigations", "assist_letters", "screening_tasks", "arrivals",
    "dataset_info",
    # (the import log is in the operational store, sitrep.opstore: tests/test_opstore.py)
}


@pytest.fixture()
def con():
    c = duckdb.connect()
    create_schema(c)
    yield c
    c.close()


def test_schema_creates_every_table_the_rulebook_needs(con):
    assert set(table_names(con)) == REQUIRED_TABLES


def test_personal_data_lives_only_in_the_persons_table(con):
    rows = con.execute("select table_name, column_name from information_schema.columns").fetchall()
    holders = {t for t, c in rows if c in PERSONAL_COLUMNS}
    assert holders == set(PERSONAL_TABLES) == {"persons"}


def _district(con, code="500105", population=925800, kind="district"):
    con.execute("insert into districts values (?, '江北区', 'Jiangbei District', ?, ?, 'x', 106.7, 29.6, '{}')",
                [code, kind, population])


def test_a_district_of_unknown_population_is_null_not_zero(con):
    _district(con, code="500233", population=None, kind="county")
    assert con.execute("select population_2020 from districts").fetchone()[0] is None
    with pytest.raises(duckdb.ConstraintException):
        _district(con, code="500235", population=0, kind="county")


def test_district_kind_and_primary_key_are_enforced(con):
    _district(con)
    with pytest.raises(duckdb.ConstraintException):
        _district(con)  # same code twice
    with pytest.raises(duckdb.ConstraintException):
        _district(con, code="500106", kind="province")


def test_room_stay_cannot_check_out_before_it_checks_in(con):
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into room_stays values (1, 'R1', 1, 'close_contact', 1, "
                    "timestamp '2022-07-20 10:00', timestamp '2022-07-20 09:59')")
    con.execute("insert into room_stays values (2, 'R1', 1, 'close_contact', 1, "
                "timestamp '2022-07-20 10:00', timestamp '2022-07-20 10:00')")


def test_contact_cannot_be_transferred_before_it_was_identified(con):
    base = ("insert into contacts (contact_id, person_id, contact_type, index_case_id, district_code, "
            "identified_at, transferred_at) values (?, 1, 'close', 1, '500105', "
            "timestamp '2022-07-20 10:00', ?)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute(base, [1, "2022-07-20 09:00"])
    con.execute(base, [2, "2022-07-20 18:00"])


def test_secondary_contact_must_name_the_close_contact_it_came_through(con):
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into contacts (contact_id, person_id, contact_type, index_case_id, "
                    "district_code, identified_at) values (1, 1, 'secondary', 1, '500105', "
                    "timestamp '2022-07-20 10:00')")


def test_case_classification_and_source_take_only_known_values(con):
    insert = ("insert into cases (case_id, person_id, classification, district_code, source, found_in, "
              "sampled_at, outcome) values (?, 1, ?, '500105', ?, 'social', timestamp '2022-07-20', 'in_hospital')")
    con.execute(insert, [1, "suspected", "local"])
    with pytest.raises(duckdb.ConstraintException):
        con.execute(insert, [2, "probable", "local"])
    with pytest.raises(duckdb.ConstraintException):
        con.execute(insert, [3, "confirmed", "unknown"])


def test_testing_pool_ratio_and_progress_counts_are_checked(con):
    con.execute("insert into testing_round_targets values ('R1', '500105', '500105001', 'medium', 5, 1000)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into testing_round_targets values ('R1', '500105', '500105002', 'medium', 7, 1000)")
    with pytest.raises(duckdb.ConstraintException):  # tested more than sampled
        con.execute("insert into testing_progress_reports values "
                    "('R1', '500105', timestamp '2022-07-20 10:00', 10, 11, 2, 0)")
    with pytest.raises(duckdb.ConstraintException):  # a tube of 10 people in a 1:5 pool
        con.execute("insert into testing_tubes values (1, 'R1', '500105', '500105001', '500105001001', "
                    "5, 10, timestamp '2022-07-20 10:00', null, null, 'pending')")


def test_risk_area_cannot_be_lifted_before_it_was_designated(con):
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into risk_areas values ('H1', '500105', '500105001', null, 'x', 'high', 100, "
                    "timestamp '2022-07-20 10:00', timestamp '2022-07-20 09:00')")
