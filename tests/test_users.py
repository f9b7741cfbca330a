"""Accounts (sitrep/users.py), sessions (sitrep/sessions.py) and `python -m sitrep user`: argon2
hashes, the minimum length, slowing and locking after failures (audited), idle sessions, and the
command line with the operating-system user as the actor."""

from __future__ import annotations

import getpass
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from sitrep import PROJECT_ROOT, access, audit, opstore, sessions, settings, users

PASSWORD = "correct horse battery"


@pytest.fixture
def quick(tmp_path, monkeypatch):
    """Settings with no pause after a wrong password (the pause has its own test), 3 tries, 10 minutes."""
    local = tmp_path / "settings.local.toml"
    local.write_text("login_failure_delay_seconds = 0\nlogin_max_failures = 3\nlogin_lockout_minutes = 10\n",
                     encoding="utf-8")
    monkeypatch.setenv("SITREP_SETTINGS", str(local))
    monkeypatch.delenv(opstore.OPS_ENV, raising=False)
    settings.current.cache_clear()
    yield tmp_path / "sitrep.duckdb"
    settings.current.cache_clear()


def _hash_of(db, login: str) -> str | None:
    con = sqlite3.connect(opstore.path_for(db))
    try:
        return con.execute("select password_hash from users where login = ?", (login,)).fetchone()[0]
    finally:
        con.close()


def test_a_password_is_kept_as_an_argon2id_hash_and_verifies(quick):
    users.add_user(quick, "Zhang.San", "district_officer", districts=["500105"], unit="江北区疫情防控领导小组",
                   display_name="张三", password=PASSWORD, by="admin")
    stored = _hash_of(quick, "zhang.san")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    user = users.verify_login(quick, "ZHANG.SAN ", PASSWORD)
    assert user == access.User("zhang.san", "district_officer", ("500105",), "江北区疫情防控领导小组", "张三")
    assert access.scope(user) == ("500105",)
    with pytest.raises(users.LoginFailed) as failed:
        users.verify_login(quick, "zhang.san", PASSWORD + "!")
    assert failed.value.reason == "bad_credentials"


def test_a_short_password_an_unknown_role_or_district_and_a_twin_login_are_refused(quick):
    minimum = settings.current()["password_min_length"].value
    with pytest.raises(users.UserError, match=f"at least {minimum} characters"):
        users.add_user(quick, "li.si", "analyst", password="x" * (minimum - 1), by="admin")
    users.add_user(quick, "li.si", "analyst", password="x" * minimum, by="admin")      # exactly the minimum
    with pytest.raises(users.UserError, match="already an account"):
        users.add_user(quick, "LI.SI", "analyst", password=PASSWORD, by="admin")
    with pytest.raises(users.UserError, match="unknown role"):
        users.add_user(quick, "wang.wu", "superuser", by="admin")
    with pytest.raises(users.UserError, match="needs at least one district"):
        users.add_user(quick, "wang.wu", "district_officer", by="admin")
    with pytest.raises(users.UserError, match="unknown district code 999999"):
        users.add_user(quick, "wang.wu", "district_officer", districts=["999999"], by="admin")
    with pytest.raises(users.UserError, match="login"):
        users.add_user(quick, "王五", "analyst", by="admin")
    with pytest.raises(users.UserError, match="at least"):
        users.set_password(quick, "li.si", "short", by="admin")


def test_three_wrong_passwords_lock_the_account_even_against_the_right_one_and_each_is_audited(quick):
    users.add_user(quick, "duty1", "duty_officer", password=PASSWORD, by="admin")
    for _ in range(3):                                    # login_max_failures = 3
        with pytest.raises(users.LoginFailed):
            users.verify_login(quick, "duty1", "wrong password!")
    with pytest.raises(users.LoginFailed) as locked:
        users.verify_login(quick, "duty1", PASSWORD)      # the right password, but locked
    assert locked.value.reason == "locked" and locked.value.until
    log = audit.entries(quick, login="duty1")
    assert log["event"].tolist() == [audit.LOGIN_FAILED, audit.LOGIN_LOCKED] + [audit.LOGIN_FAILED] * 3
    assert log["details"].iloc[0] == {"reason": "locked", "locked_until": locked.value.until}
    assert [d["reason"] for d in log["details"].iloc[2:]] == ["wrong_password"] * 3
    assert users.account(quick, "duty1").locked_until == locked.value.until
    # An admin's reset lifts the lock.
    users.set_password(quick, "duty1", "a new password 2", by="admin")
    assert users.verify_login(quick, "duty1", "a new password 2").login == "duty1"
    assert audit.entries(quick, login="duty1", event=audit.LOGIN)["outcome"].tolist() == [audit.OK]


def test_the_lock_ends_after_the_lockout_minutes(quick, monkeypatch):
    users.add_user(quick, "duty2", "duty_officer", password=PASSWORD, by="admin")
    for _ in range(3):
        with pytest.raises(users.LoginFailed):
            users.verify_login(quick, "duty2", "wrong password!")
    later = opstore.now()
    import pandas as pd
    eleven_minutes_on = (pd.Timestamp(later) + pd.Timedelta(minutes=11)).strftime("%Y-%m-%d %H:%M:%S")
    monkeypatch.setattr(opstore, "now", lambda: eleven_minutes_on)
    assert users.verify_login(quick, "duty2", PASSWORD).login == "duty2"


def test_a_wrong_password_is_answered_only_after_the_pause(quick, monkeypatch):
    users.add_user(quick, "duty3", "duty_officer", password=PASSWORD, by="admin")
    quick.with_name("settings.local.toml").write_text("login_failure_delay_seconds = 1.5\n", encoding="utf-8")
    settings.current.cache_clear()
    started = time.monotonic()
    with pytest.raises(users.LoginFailed):
        users.verify_login(quick, "duty3", "wrong password!")
    assert time.monotonic() - started >= 1.5
    started = time.monotonic()
    with pytest.raises(users.LoginFailed):
        users.verify_login(quick, "nobody-here", "wrong password!")   # an unknown login waits as long
    assert time.monotonic() - started >= 1.5


def test_disabled_unknown_and_password_less_accounts_cannot_log_in_with_a_password(quick):
    users.add_user(quick, "sso.only@wjw.cq.gov.cn", "leadership", by="admin")
    users.add_user(quick, "gone", "analyst", password=PASSWORD, by="admin")
    users.disable(quick, "gone", by="admin")
    for login, password in (("sso.only@wjw.cq.gov.cn", ""), ("gone", PASSWORD), ("nobody", PASSWORD)):
        with pytest.raises(users.LoginFailed):
            users.verify_login(quick, login, password)
    reasons = [d["reason"] for d in audit.entries(quick, event=audit.LOGIN_FAILED)["details"]]
    assert reasons == ["unknown_login", "disabled", "no_password"]
    assert users.user(quick, "gone") is None and users.user(quick, "sso.only@wjw.cq.gov.cn").role == "leadership"


def test_a_session_survives_page_runs_and_ends_on_logout_idle_age_or_disable(quick, monkeypatch):
    import pandas as pd

    users.add_user(quick, "duty4", "duty_officer", password=PASSWORD, by="admin")
    user = users.verify_login(quick, "duty4", PASSWORD)
    token = sessions.start(quick, user, "password")
    assert sessions.resume(quick, token) == (user, None)
    assert sessions.resume(quick, token + "x") == (None, "unknown")
    assert sessions.end(quick, token) == "duty4"
    assert sessions.resume(quick, token) == (None, "logout")

    idle = sessions.start(quick, user, "password")
    start = pd.Timestamp(opstore.now())
    monkeypatch.setattr(opstore, "now", lambda: (start + pd.Timedelta(minutes=29)).strftime("%Y-%m-%d %H:%M:%S"))
    assert sessions.resume(quick, idle)[0] == user            # 29 minutes: still on, and seen now
    monkeypatch.setattr(opstore, "now", lambda: (start + pd.Timedelta(minutes=60)).strftime("%Y-%m-%d %H:%M:%S"))
    assert sessions.resume(quick, idle) == (None, "idle")     # 31 minutes after it was last seen
    assert audit.entries(quick, event=audit.SESSION_ENDED)["details"].iloc[0]["reason"] == "idle"

    old = sessions.start(quick, user, "password")
    for minutes in range(25, 13 * 60, 25):                    # active every 25 minutes, for 13 hours
        moment = (pd.Timestamp(opstore.now()) + pd.Timedelta(minutes=25)).strftime("%Y-%m-%d %H:%M:%S")
        monkeypatch.setattr(opstore, "now", lambda moment=moment: moment)
        found, why = sessions.resume(quick, old)
        if found is None:
            break
    assert why == "expired" and minutes > 11 * 60             # session_max_hours = 12

    monkeypatch.undo()
    settings.current.cache_clear()
    kept = sessions.start(quick, user, "password")
    users.disable(quick, "duty4", by="admin")
    assert sessions.resume(quick, kept) == (None, "disabled")


def _cli(db, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitrep", "user", *args, "--db", str(db)], cwd=PROJECT_ROOT,
                          input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


def test_the_command_line_adds_lists_resets_and_disables_with_the_os_user_as_actor(quick):
    added = _cli(quick, "add", "Zhao.Liu", "--role", "district_officer", "--district", "500105", "--district",
                 "500108", "--unit", "江北区疫情防控领导小组", "--name", "赵六", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert users.verify_login(quick, "zhao.liu", PASSWORD).districts == ("500105", "500108")
    sso = _cli(quick, "add", "lead@wjw.cq.gov.cn", "--role", "leadership", "--no-password")
    assert sso.returncode == 0 and "single sign-on" in sso.stdout
    short = _cli(quick, "add", "short", "--role", "analyst", "--password-stdin", stdin="abc\n")
    assert short.returncode == 2 and "at least" in short.stderr
    no_tty = _cli(quick, "add", "quiet", "--role", "analyst", stdin="")
    assert no_tty.returncode != 0 and "--password-stdin" in no_tty.stderr
    reset = _cli(quick, "passwd", "zhao.liu", "--password-stdin", stdin="another long password\n")
    assert reset.returncode == 0, reset.stderr
    assert users.verify_login(quick, "zhao.liu", "another long password").login == "zhao.liu"
    assert _cli(quick, "disable", "zhao.liu").returncode == 0
    listed = _cli(quick, "list")
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
    assert set(lines) == {"lead@wjw.cq.gov.cn", "zhao.liu"}
    assert "disabled" in lines["zhao.liu"] and "500105,500108" in lines["zhao.liu"]
    assert "sso" in lines["lead@wjw.cq.gov.cn"] and "active" in lines["lead@wjw.cq.gov.cn"]
    by_cli = audit.entries(quick, login=getpass.getuser())
    assert by_cli["event"].tolist() == [audit.USER_DISABLED, audit.PASSWORD_SET, audit.USER_ADDED, audit.USER_ADDED]
    assert set(by_cli["via"]) == {"cli"} and by_cli["object"].tolist()[-1] == "zhao.liu"
    assert _cli(quick, "disable", "nobody").returncode == 2


def test_the_demo_database_has_one_demo_account_per_role_with_the_readmes_passwords(demo_db_path):
    accounts = {a.login: a for a in users.list_users(demo_db_path) if a.demo}   # other tests add their own
    assert set(accounts) == {login for login, *_ in users.DEMO_ACCOUNTS}
    assert {a.role for a in accounts.values()} == set(access.ROLES)
    assert all(a.has_password and not a.disabled for a in accounts.values())
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for login, role, districts, _, _, password in users.DEMO_ACCOUNTS:
        assert f"`{login}`" in readme and f"`{password}`" in readme
        assert accounts[login].role == role and accounts[login].districts == districts
    assert users.seed_demo_accounts(demo_db_path) == 0     # seeding again adds nothing


def test_the_admin_page_adds_disables_and_resets_accounts_each_audited_with_the_admin_as_actor(quick, monkeypatch):
    from sitrep.i18n import t
    from tests.login import app_test

    monkeypatch.setenv("SITREP_DB", str(quick))          # the admin page reads the store, never the data
    at = app_test(role="admin")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page_admin", "zh")

    def submit(label: str) -> None:
        next(b for b in at.button if b.label == label).click()
        at.run()
        assert not at.exception, at.exception

    at.text_input(key="admin_new_login").input("Qian.Qi")
    at.selectbox(key="admin_new_role").select("district_officer")
    at.multiselect(key="admin_new_districts").set_value(["500105"])
    at.text_input(key="admin_new_name").input("钱七")
    at.text_input(key="admin_new_password").input("short")
    submit(t("admin_add", "zh"))
    assert any("at least" in e.value for e in at.error) and users.user(quick, "qian.qi") is None
    at.text_input(key="admin_new_login").input("Qian.Qi")
    at.selectbox(key="admin_new_role").select("district_officer")
    at.multiselect(key="admin_new_districts").set_value(["500105"])
    at.text_input(key="admin_new_password").input(PASSWORD)
    submit(t("admin_add", "zh"))
    assert users.user(quick, "qian.qi").districts == ("500105",)

    at.selectbox(key="admin_state_login").select("qian.qi")
    submit(t("admin_disable", "zh"))
    assert users.user(quick, "qian.qi") is None
    at.selectbox(key="admin_password_login").select("qian.qi")
    at.text_input(key="admin_reset_1").input("yet another password")
    at.text_input(key="admin_reset_2").input("yet another password")
    submit(t("admin_reset", "zh"))
    by_admin = audit.entries(quick, login="test-admin")
    assert by_admin["event"].tolist() == [audit.PASSWORD_SET, audit.USER_DISABLED, audit.USER_ADDED]
    assert set(by_admin["via"]) == {"app"} and set(by_admin["object"]) == {"qian.qi"}


def test_a_database_of_real_data_gets_no_account_and_the_login_page_says_how_to_create_the_first(quick, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from sitrep.i18n import t
    from tests.fixture_db import FixtureDB

    real = FixtureDB(str(quick))                      # not built from the demo scenario: no scenario_seed
    real.insert("dataset_info", key="data_as_of", value="2022-08-05 18:00:00")
    real.con.close()
    monkeypatch.setenv("SITREP_DB", str(quick))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    assert users.count(quick) == 0 and not at.metric
    assert any(w.value == t("auth_no_accounts", "zh") for w in at.warning)
    assert "python -m sitrep user add LOGIN --role admin" in at.code[0].value
    with pytest.raises(users.LoginFailed):                # and no default password opens it
        users.verify_login(quick, "admin", "admin")
