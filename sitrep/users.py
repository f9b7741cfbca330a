"""Sitrep's user table (issue 12): who may log in, with which role, districts and unit.

Users live in the operational store beside the database (sitrep/opstore.py), keyed by their login
(lower case: a local name such as `zhang.san`, or the e-mail or subject that single sign-on gives).
A local account has an argon2id password hash (argon2-cffi's defaults, RFC 9106's memory-hard
choice); an account without one logs in only through single sign-on or the reverse proxy.
Accounts are disabled, never deleted, so the audit log's logins always name someone.

Every change is written to the audit log with the actor (`by`: the admin's login, or the
operating-system user of a command). `verify_login` is the only way a password is checked: a
wrong one is answered after `login_failure_delay_seconds`, and `login_max_failures` in a row lock
the account for `login_lockout_minutes` (settings.toml); each failure and the lock are audited.

Pure: no Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from sitrep import access, audit, opstore, settings

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,127}$")
MAX_PASSWORD_CHARS = 1024                # argon2 takes any length; this bounds the work one request can ask
_HASHER = PasswordHasher()
# Checked against when the login is unknown, so that an unknown login takes as long as a known one.
_DUMMY_HASH = _HASHER.hash("sitrep: no such account")

# The demo database's accounts, one per role (README: "Demo accounts"). Their passwords are public:
# they exist only in a database built by `build-demo` (or first start), and every page marks them.
DEMO_ACCOUNTS = (
    # login, role, districts, unit, display name, password
    ("demo-leader", "leadership", (), "市疫情防控指挥部", "演示 · 指挥部领导", "demo-leader-2022"),
    ("demo-duty", "duty_officer", (), "市疫情防控指挥部值班室", "演示 · 值班员", "demo-duty-2022"),
    ("demo-jiangbei", "district_officer", ("500105",), "江北区疫情防控领导小组", "演示 · 江北区专班", "demo-jiangbei-2022"),
    ("demo-hq", "unit_officer", (), "市指挥部综合办", "演示 · 市指挥部综合办", "demo-hq-2022"),
    ("demo-analyst", "analyst", (), "市疫情防控指挥部数据组", "演示 · 数据分析员", "demo-analyst-2022"),
    ("demo-admin", "admin", (), "市疫情防控指挥部", "演示 · 系统管理员", "demo-admin-2022"),
)


class UserError(ValueError):
    """A user change that cannot be made (unknown role, bad login, short password, ...): the message says why."""


class LoginFailed(Exception):
    """A password login that was not accepted. `reason`: bad_credentials (also: unknown login, no
    password on the account, disabled; the screen does not tell them apart), or locked (`until`)."""

    def __init__(self, reason: str, until: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.until = until


@dataclass(frozen=True)
class Account:
    """One row of the user table, as the admin page and `user list` show it (never the hash)."""
    login: str
    role: str
    districts: tuple[str, ...]
    unit: str
    display_name: str
    has_password: bool
    disabled: bool
    demo: bool
    locked_until: str | None
    last_login_at: str | None
    created_at: str
    created_by: str
    changed_at: str
    changed_by: str


def _setting(name: str):
    return settings.current()[name].value


def normal_login(login: str) -> str:
    """The login as the table keys it (trimmed, lower case); a UserError when it cannot be one."""
    text = (login or "").strip().lower()
    if not LOGIN_PATTERN.match(text):
        raise UserError(f"login {login!r}: use 1-128 letters, digits and . _ @ + - (starting with a letter or "
                        "digit), e.g. zhang.san or zhang.san@wjw.cq.gov.cn")
    return text


def check_password(password: str) -> None:
    """A UserError when the password is too short (password_min_length) or absurdly long."""
    minimum = int(_setting("password_min_length"))
    if not isinstance(password, str) or len(password) < minimum:
        raise UserError(f"the password must be at least {minimum} characters (setting password_min_length)")
    if len(password) > MAX_PASSWORD_CHARS:
        raise UserError(f"the password must be at most {MAX_PASSWORD_CHARS} characters")


def _districts(role: str, districts) -> tuple[str, ...]:
    from sitrep.reference import load_districts

    if role not in access.ROLES:
        raise UserError(f"unknown role {role!r}; roles: {', '.join(access.ROLES)}")
    codes = tuple(sorted({str(d).strip() for d in (districts or ()) if str(d).strip()}))
    known = {d.code for d in load_districts()}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise UserError(f"unknown district code {', '.join(unknown)} (one of the 38 units, e.g. 500105 江北区)")
    if access.ROLES[role].district_bound and not codes:
        raise UserError(f"a {role} account needs at least one district (--district)")
    if codes and not access.ROLES[role].district_bound:
        raise UserError(f"a {role} sees the whole city: give no district (--district)")
    return codes


def _row(con: sqlite3.Connection, login: str) -> sqlite3.Row | None:
    con.row_factory = sqlite3.Row
    return con.execute("select * from users where login = :login", {"login": login}).fetchone()


def _account(row: sqlite3.Row) -> Account:
    return Account(row["login"], row["role"], tuple(d for d in row["districts"].split(",") if d), row["unit"],
                   row["display_name"], row["password_hash"] is not None, bool(row["disabled"]), bool(row["demo"]),
                   row["locked_until"], row["last_login_at"], row["created_at"], row["created_by"],
                   row["changed_at"], row["changed_by"])


def _user(row: sqlite3.Row) -> access.User:
    account = _account(row)
    return access.User(account.login, account.role, account.districts, account.unit, account.display_name,
                       account.demo)


def add_user(db: Path | str, login: str, role: str, *, districts=(), unit: str = "", display_name: str = "",
             password: str | None = None, demo: bool = False, by: str, via: str = "cli") -> access.User:
    """Add an account; `password` None makes it single-sign-on (or proxy) only. Audited."""
    login = normal_login(login)
    codes = _districts(role, districts)
    if password is not None:
        check_password(password)
    hashed = _HASHER.hash(password) if password is not None else None
    now = opstore.now()
    with opstore.connect(db) as con:
        try:
            con.execute("insert into users (login, role, districts, unit, display_name, password_hash, demo, "
                        "created_at, created_by, changed_at, changed_by) values (:login, :role, :districts, :unit, "
                        ":display_name, :password_hash, :demo, :now, :by, :now, :by)",
                        {"login": login, "role": role, "districts": ",".join(codes), "unit": unit.strip(),
                         "display_name": display_name.strip(), "password_hash": hashed, "demo": int(demo),
                         "now": now, "by": by})
        except sqlite3.IntegrityError:
            raise UserError(f"there is already an account {login!r}") from None
    audit.record(db, audit.USER_ADDED, user=by, object=login, scope=",".join(codes) or audit.CITY, via=via,
                 details={"role": role, "districts": list(codes), "unit": unit.strip(),
                          "display_name": display_name.strip(), "password": password is not None, "demo": demo})
    return access.User(login, role, codes, unit.strip(), display_name.strip(), demo)


def _change(db, login: str, sets: str, params: dict, by: str) -> None:
    with opstore.connect(db) as con:
        cursor = con.execute(f"update users set {sets}, changed_at = :now, changed_by = :by where login = :login",
                             {**params, "login": login, "now": opstore.now(), "by": by})
        if cursor.rowcount != 1:
            raise UserError(f"no account {login!r}")


def set_password(db: Path | str, login: str, password: str, *, by: str, via: str = "cli") -> None:
    """Set or reset a password (lifts a lock, clears the failure count). Audited."""
    login = normal_login(login)
    check_password(password)
    _change(db, login, "password_hash = :hash, failed_logins = 0, locked_until = null",
            {"hash": _HASHER.hash(password)}, by)
    audit.record(db, audit.PASSWORD_SET, user=by, object=login, via=via)


def disable(db: Path | str, login: str, *, by: str, via: str = "cli") -> None:
    """Disable an account: no login is accepted and its open sessions end at their next page run. Audited."""
    login = normal_login(login)
    _change(db, login, "disabled = 1", {}, by)
    with opstore.connect(db) as con:
        con.execute("update sessions set ended_at = :now, end_reason = 'disabled' "
                    "where login = :login and ended_at is null", {"now": opstore.now(), "login": login})
    audit.record(db, audit.USER_DISABLED, user=by, object=login, via=via)


def enable(db: Path | str, login: str, *, by: str, via: str = "cli") -> None:
    login = normal_login(login)
    _change(db, login, "disabled = 0", {}, by)
    audit.record(db, audit.USER_ENABLED, user=by, object=login, via=via)


def change(db: Path | str, login: str, *, role: str, districts=(), unit: str = "", display_name: str = "",
           by: str, via: str = "cli") -> access.User:
    """Change an account's role, districts, unit and name (its open sessions take them at their next run)."""
    login = normal_login(login)
    codes = _districts(role, districts)
    before = account(db, login)
    _change(db, login, "role = :role, districts = :districts, unit = :unit, display_name = :display_name",
            {"role": role, "districts": ",".join(codes), "unit": unit.strip(), "display_name": display_name.strip()},
            by)
    after = {"role": role, "districts": list(codes), "unit": unit.strip(), "display_name": display_name.strip()}
    was = {"role": before.role, "districts": list(before.districts), "unit": before.unit,
           "display_name": before.display_name}
    audit.record(db, audit.USER_CHANGED, user=by, object=login, via=via,
                 details={k: {"from": was[k], "to": v} for k, v in after.items() if was[k] != v})
    return user(db, login)


def account(db: Path | str, login: str) -> Account:
    with opstore.connect(db) as con:
        row = _row(con, normal_login(login))
    if row is None:
        raise UserError(f"no account {login!r}")
    return _account(row)


def user(db: Path | str, login: str) -> access.User | None:
    """The enabled account `login` as a sitrep.access.User, or None (unknown or disabled)."""
    try:
        key = normal_login(login)
    except UserError:
        return None
    with opstore.connect(db) as con:
        row = _row(con, key)
    return _user(row) if row is not None and not row["disabled"] else None


def list_users(db: Path | str) -> list[Account]:
    with opstore.connect(db) as con:
        con.row_factory = sqlite3.Row
        return [_account(r) for r in con.execute("select * from users order by login")]


def count(db: Path | str) -> int:
    with opstore.connect(db) as con:
        return con.execute("select count(*) from users").fetchone()[0]


def _local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _now() -> dt.datetime:
    return pd.Timestamp(opstore.now()).to_pydatetime()


def verify_login(db: Path | str, login: str, password: str, *, via: str = "app") -> access.User:
    """The user whose login and password these are; else LoginFailed (audited, after a pause).

    A locked account refuses every password until its lock ends; the failure that reaches
    login_max_failures in a row locks it for login_lockout_minutes (audited as login_locked)."""
    try:
        key = normal_login(login)
    except UserError:
        key = None
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        password = ""
    row = None
    if key is not None:
        with opstore.connect(db) as con:
            row = _row(con, key)
    now = _now()
    shown = key or (login or "")[:128]
    if row is not None and row["locked_until"] and row["locked_until"] > _local(now):
        audit.record(db, audit.LOGIN_FAILED, user=shown, object=shown, outcome=audit.REFUSED, via=via,
                     details={"reason": "locked", "locked_until": row["locked_until"]})
        raise LoginFailed("locked", row["locked_until"])
    stored = row["password_hash"] if row is not None and row["password_hash"] else None
    try:
        ok = _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if ok and row["disabled"]:
        ok = False
    if ok:
        with opstore.connect(db) as con:
            con.execute("update users set failed_logins = 0, locked_until = null, last_login_at = :now "
                        "where login = :login", {"now": _local(now), "login": key})
            if _HASHER.check_needs_rehash(stored):   # argon2's parameters moved on: keep the hash current
                con.execute("update users set password_hash = :hash where login = :login",
                            {"hash": _HASHER.hash(password), "login": key})
        signed_in = _user(row)
        audit.record(db, audit.LOGIN, user=signed_in, object=key, via=via, details={"kind": "password"})
        return signed_in
    reason = ("unknown_login" if row is None else "disabled" if row["disabled"]
              else "no_password" if stored is None else "wrong_password")
    locked_until = None
    if row is not None:
        limit = int(_setting("login_max_failures"))
        with opstore.connect(db) as con:
            con.execute("begin immediate")
            failures = con.execute("select failed_logins from users where login = :login",
                                   {"login": key}).fetchone()[0] + 1
            if failures >= limit:
                locked_until = _local(now + dt.timedelta(minutes=float(_setting("login_lockout_minutes"))))
                con.execute("update users set failed_logins = 0, locked_until = :until where login = :login",
                            {"until": locked_until, "login": key})
            else:
                con.execute("update users set failed_logins = :n where login = :login", {"n": failures, "login": key})
            con.execute("commit")
    audit.record(db, audit.LOGIN_FAILED, user=shown, object=shown, outcome=audit.FAILED, via=via,
                 details={"reason": reason})
    if locked_until:
        audit.record(db, audit.LOGIN_LOCKED, user=shown, object=shown, outcome=audit.REFUSED, via=via,
                     details={"failures": int(_setting("login_max_failures")), "locked_until": locked_until})
    time.sleep(float(_setting("login_failure_delay_seconds")))
    raise LoginFailed("bad_credentials")


def seed_demo_accounts(db: Path | str) -> int:
    """Add the demo accounts (DEMO_ACCOUNTS) that the store beside a demo database lacks; how many
    were added. Only for databases built from the demo scenario (build-demo, the app's first start)."""
    have = {a.login for a in list_users(db)}
    added = 0
    for login, role, districts, unit, name, password in DEMO_ACCOUNTS:
        if login not in have:
            add_user(db, login, role, districts=districts, unit=unit, display_name=name, password=password,
                     demo=True, by="build-demo", via="cli")
            added += 1
    return added
