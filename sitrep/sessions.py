"""Login sessions (issue 12): what keeps a user logged in across page runs and refreshes, and ends it.

A session is a row of the operational store's `sessions` table, found by the SHA-256 of a random
token that only the browser holds (an HttpOnly cookie set by the app's /session/ routes, see
sitrep/ui/auth.py). Every page run resumes it: a session idle longer than `session_idle_minutes`
or older than `session_max_hours`, ended by logout, or whose account was disabled, is over; the
store is the only judge, so a copied cookie dies with the session, and a logout anywhere ends it
everywhere. Single sign-on sessions are rows too (kind 'sso', token: Streamlit's identity cookie),
so that the same idle and age limits apply to them.

Pure: no Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from pathlib import Path

import pandas as pd

from sitrep import access, audit, opstore, settings, users

KINDS = ("password", "sso", "proxy")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start(db: Path | str, user: access.User, kind: str, token: str | None = None) -> str:
    """Open a session for `user` (already authenticated); the token the browser is to hold."""
    if kind not in KINDS:
        raise ValueError(f"unknown session kind {kind!r}")
    token = token or new_token()
    now = opstore.now()
    with opstore.connect(db) as con:
        con.execute("insert into sessions (token_sha256, login, kind, created_at, last_seen_at) "
                    "values (:token, :login, :kind, :now, :now)",
                    {"token": _hash(token), "login": user.login, "kind": kind, "now": now})
    return token


def known(db: Path | str, token: str) -> bool:
    """Whether a session with this token was ever opened (ended or not)."""
    with opstore.connect(db) as con:
        return con.execute("select 1 from sessions where token_sha256 = :token",
                           {"token": _hash(token)}).fetchone() is not None


def resume(db: Path | str, token: str | None) -> tuple[access.User | None, str | None]:
    """(the session's user, None) when the session is open, and mark it seen now; else (None, why):
    unknown, ended (logout), idle, expired (past session_max_hours), disabled."""
    if not token:
        return None, "unknown"
    with opstore.connect(db) as con:
        con.row_factory = sqlite3.Row
        row = con.execute("select * from sessions where token_sha256 = :token", {"token": _hash(token)}).fetchone()
    if row is None:
        return None, "unknown"
    if row["ended_at"] is not None:
        return None, row["end_reason"] or "ended"
    values = settings.current()
    now = pd.Timestamp(opstore.now()).to_pydatetime()
    idle = dt.timedelta(minutes=float(values["session_idle_minutes"].value))
    longest = dt.timedelta(hours=float(values["session_max_hours"].value))
    user = users.user(db, row["login"])
    reason = ("disabled" if user is None
              else "expired" if row["created_at"] < _local(now - longest)
              else "idle" if row["last_seen_at"] < _local(now - idle) else None)
    if reason is not None:
        _end(db, row["session_id"], reason)
        audit.record(db, audit.SESSION_ENDED, user=user or row["login"], object=row["login"], via=row["kind"]
                     if row["kind"] != "password" else "app",
                     details={"reason": reason, "kind": row["kind"], "last_seen_at": row["last_seen_at"]})
        return None, reason
    with opstore.connect(db) as con:
        con.execute("update sessions set last_seen_at = :now where session_id = :id",
                    {"now": _local(now), "id": row["session_id"]})
    return user, None


def _end(db, session_id: int, reason: str) -> None:
    with opstore.connect(db) as con:
        con.execute("update sessions set ended_at = :now, end_reason = :reason where session_id = :id "
                    "and ended_at is null", {"now": opstore.now(), "reason": reason, "id": session_id})


def end(db: Path | str, token: str | None, reason: str = "logout") -> str | None:
    """End the session with this token (logout); the login it belonged to, or None if none was open."""
    if not token:
        return None
    with opstore.connect(db) as con:
        row = con.execute("select session_id, login from sessions where token_sha256 = :token and ended_at is null",
                          {"token": _hash(token)}).fetchone()
    if row is None:
        return None
    _end(db, row[0], reason)
    return row[1]
