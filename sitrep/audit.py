"""The audit log (issue 12): who did what, when, to what, over which districts, and how it ended.

Append-only, in the operational store beside the database (sitrep/opstore.py), not in the DuckDB
file that every import replaces. This module can only add entries (`record`) and read them
(`entries`); the store itself refuses UPDATE and DELETE on the table (two triggers), so no code
path, the app's included, can change or remove an entry.

Calling it is one line wherever something happens:

    audit.record(db, audit.EXPORT, user=user, object="ISO-USE", scope=access.scope(user),
                 details={"rows": 38})

`user` is a sitrep.access.User (its login and role are kept) or a plain name (a command's
operating-system user); `scope` defaults to the user's districts ('city' for a city-wide role).
Pure: no Streamlit here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import pandas as pd

from sitrep import access, opstore

# Events. Logins and sessions:
LOGIN = "login"                          # a password, single sign-on or proxy login that was accepted
LOGIN_FAILED = "login_failed"            # wrong login or password, or an account locked or disabled (details.reason)
LOGIN_LOCKED = "login_locked"            # the failure that locked the account (login_max_failures)
LOGIN_REFUSED = "login_refused"          # single sign-on or proxy identity with no enabled account
LOGOUT = "logout"
SESSION_ENDED = "session_ended"          # idle or past its maximum age (details.reason)
# Users (the CLI and the admin page):
USER_ADDED = "user_added"
USER_CHANGED = "user_changed"            # role, districts, unit, name (details: what changed)
PASSWORD_SET = "password_set"            # set or reset; the lock is lifted
USER_DISABLED = "user_disabled"
USER_ENABLED = "user_enabled"
# Data:
EXPORT = "export"                        # a CSV or file taken away: object = table or metric, details.rows
REVEAL = "reveal"                        # personal data unmasked: object = the list, details = reason, rows
IMPORT = "import"                        # a file loaded or refused: object = table, details = file, counts
BRIEFING_ISSUED = "briefing_issued"      # object = the briefing's id
ACCESS_REFUSED = "access_refused"        # a page, button, command or URL the role or districts do not allow
SETTING_CHANGED = "setting_changed"
AUDIT_EXPORTED = "audit_exported"        # the audit log itself taken away (details: the filters, rows)
# Follow-through (sitrep/alerts.py): object = 'alert ID RULE DISTRICT', details.text = the note, action or reason.
ALERT_ACKNOWLEDGED = "alert_acknowledged"
ALERT_IN_HAND = "alert_in_hand"
ALERT_CLOSED = "alert_closed"

EVENTS = (LOGIN, LOGIN_FAILED, LOGIN_LOCKED, LOGIN_REFUSED, LOGOUT, SESSION_ENDED, USER_ADDED, USER_CHANGED,
          PASSWORD_SET, USER_DISABLED, USER_ENABLED, EXPORT, REVEAL, IMPORT, BRIEFING_ISSUED, ACCESS_REFUSED,
          SETTING_CHANGED, AUDIT_EXPORTED, ALERT_ACKNOWLEDGED, ALERT_IN_HAND, ALERT_CLOSED)

OK, REFUSED, FAILED = "ok", "refused", "failed"
OUTCOMES = (OK, REFUSED, FAILED)
CITY = "city"                            # the scope of a city-wide role or a city-wide read

COLUMNS = ("audit_id", "at", "login", "role", "via", "event", "object", "scope", "details", "outcome")


def _scope_text(scope, user) -> str:
    if scope is None:
        if not isinstance(user, access.User):
            return ""
        scope = access.scope(user)
        return CITY if scope is None else ",".join(scope)
    if isinstance(scope, str):
        return scope
    return ",".join(str(code) for code in scope)


def record(db: Path | str, event: str, *, user: access.User | str | None = None, object: str = "",
           scope: str | Iterable[str] | None = None, details: dict | None = None, outcome: str = OK,
           via: str = "app") -> int:
    """Add one entry to the audit log of the store beside `db`; its id. `scope`: 'city', district
    codes, or None for the user's own scope. `details` must be JSON-serialisable."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}; events: {', '.join(EVENTS)}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}")
    if isinstance(user, access.User):
        login, role = user.login, user.role
    else:
        login, role = (user or ""), ""
    row = {"at": opstore.now(), "login": login, "role": role, "via": via, "event": event, "object": str(object),
           "scope": _scope_text(scope, user),
           "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
           "outcome": outcome}
    with opstore.connect(db) as con:
        cursor = con.execute("insert into audit_log (at, login, role, via, event, object, scope, details, outcome) "
                             "values (:at, :login, :role, :via, :event, :object, :scope, :details, :outcome)", row)
        return int(cursor.lastrowid)


def entries(db: Path | str, *, login: str | None = None, event: str | Iterable[str] | None = None,
            since: str | pd.Timestamp | None = None, until: str | pd.Timestamp | None = None,
            outcome: str | None = None, limit: int | None = 10_000) -> pd.DataFrame:
    """Audit entries, newest first, filtered by login, event(s), time (`since` ≤ at < `until`) and
    outcome; `details` as a dict. Columns: COLUMNS."""
    conditions, params = [], {}
    if login:
        conditions.append("login = :login")
        params["login"] = login.strip()
    if event:
        events = [event] if isinstance(event, str) else list(event)
        names = [f"event_{i}" for i in range(len(events))]
        conditions.append(f"event in ({', '.join(':' + n for n in names)})")
        params.update(zip(names, events))
    for name, moment, op in (("since", since, ">="), ("until", until, "<")):
        if moment is not None:
            conditions.append(f"at {op} :{name}")
            params[name] = pd.Timestamp(moment).strftime("%Y-%m-%d %H:%M:%S")
    if outcome:
        conditions.append("outcome = :outcome")
        params["outcome"] = outcome
    where = f"where {' and '.join(conditions)} " if conditions else ""
    tail = "limit :limit" if limit is not None else ""
    if limit is not None:
        params["limit"] = int(limit)
    with opstore.connect(db) as con:
        frame = pd.read_sql_query(f"select {', '.join(COLUMNS)} from audit_log {where}order by audit_id desc {tail}",
                                  con, params=params)
    frame["at"] = pd.to_datetime(frame["at"])
    frame["details"] = [json.loads(d) for d in frame["details"]]
    return frame
