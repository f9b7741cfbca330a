"""The audit log (sitrep/audit.py): one call records who, what, where and how it ended; entries are
read back newest first with filters; and the store refuses to change or delete any of them."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from sitrep import access, audit, opstore

DISTRICT_OFFICER = access.User("zhang.san", "district_officer", ("500105",), "江北区疫情防控领导小组", "张三")
ANALYST = access.User("li.si", "analyst")


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv(opstore.OPS_ENV, raising=False)
    return tmp_path / "sitrep.duckdb"


def test_one_call_records_the_user_their_role_and_scope_the_object_and_details(db):
    first = audit.record(db, audit.REVEAL, user=DISTRICT_OFFICER, object="CON-TRANSFER",
                         details={"reason": "流调核实", "rows": 3})
    second = audit.record(db, audit.EXPORT, user=ANALYST, object="ISO-USE", details={"rows": 38})
    third = audit.record(db, audit.IMPORT, user="值班员甲", object="contacts", scope=["500105", "500112"],
                         outcome=audit.FAILED, via="cli")
    assert first < second < third
    log = audit.entries(db)
    assert log["audit_id"].tolist() == [third, second, first]
    reveal = log.iloc[2]
    assert (reveal["login"], reveal["role"], reveal["scope"], reveal["object"], reveal["outcome"], reveal["via"]) == \
        ("zhang.san", "district_officer", "500105", "CON-TRANSFER", "ok", "app")
    assert reveal["details"] == {"reason": "流调核实", "rows": 3}
    assert log.iloc[1]["scope"] == audit.CITY                     # an analyst's scope is the whole city
    assert (log.iloc[0]["login"], log.iloc[0]["role"], log.iloc[0]["scope"]) == ("值班员甲", "", "500105,500112")
    assert isinstance(log.iloc[0]["at"], pd.Timestamp)


def test_entries_filter_by_login_event_outcome_and_time(db, monkeypatch):
    monkeypatch.setattr(opstore, "now", lambda: "2022-07-24 17:59:59")
    audit.record(db, audit.LOGIN, user=ANALYST)
    monkeypatch.setattr(opstore, "now", lambda: "2022-07-24 18:00:00")
    audit.record(db, audit.EXPORT, user=ANALYST, object="ISO-USE")
    audit.record(db, audit.LOGIN_FAILED, user="li.si", outcome=audit.FAILED)
    audit.record(db, audit.LOGIN, user=DISTRICT_OFFICER)
    assert audit.entries(db, login="li.si")["event"].tolist() == [audit.LOGIN_FAILED, audit.EXPORT, audit.LOGIN]
    assert audit.entries(db, event=audit.LOGIN)["login"].tolist() == ["zhang.san", "li.si"]
    assert len(audit.entries(db, event=[audit.LOGIN, audit.EXPORT])) == 3
    assert audit.entries(db, outcome=audit.FAILED)["event"].tolist() == [audit.LOGIN_FAILED]
    assert len(audit.entries(db, since="2022-07-24 18:00")) == 3           # since is inclusive
    assert len(audit.entries(db, until="2022-07-24 18:00")) == 1           # until is exclusive
    assert len(audit.entries(db, limit=2)) == 2


def test_an_unknown_event_or_outcome_is_refused_rather_than_written(db):
    with pytest.raises(ValueError, match="unknown audit event"):
        audit.record(db, "looked_around", user=ANALYST)
    with pytest.raises(ValueError, match="unknown outcome"):
        audit.record(db, audit.EXPORT, user=ANALYST, outcome="maybe")
    assert audit.entries(db).empty


def test_the_store_refuses_to_change_or_delete_an_entry(db):
    audit.record(db, audit.BRIEFING_ISSUED, user=ANALYST, object="briefing-20220724-1800")
    with opstore.connect(db) as con:                  # the app's own kind of connection
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("update audit_log set login = 'someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("delete from audit_log")
    raw = sqlite3.connect(opstore.path_for(db))       # nor does a plain connection to the file
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("update audit_log set outcome = 'failed'")
    finally:
        raw.close()
    entry = audit.entries(db).iloc[0]
    assert (entry["login"], entry["outcome"], entry["object"]) == ("li.si", "ok", "briefing-20220724-1800")
    assert not any(name.startswith(("update", "delete", "remove", "edit")) for name in dir(audit))
