"""The one way tests are somebody (issue 12): every page needs a login.

- Streamlit's AppTest (`app_test(...)`, or `log_in(at)` on one already made): an account of the
  role is added to the store beside the test's database (no password: nothing to hash), a session
  is opened for it in the store exactly as the login form opens one after checking a password
  (sitrep.sessions.start), and its token is given to the Streamlit session — what the form does.
- A browser (`log_in_browser(page, url, ...)`): the real login form, with a demo account's password.

Why this opens no door in production: nothing here is read by the app. There is no environment
variable, URL parameter or test mode; the app accepts a token only if the operational store holds
an open session with that token's hash, and opening one needs write access to the store on the
server, which is already everything. A token in Session State comes only from the server side
(no widget has that key).
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT, access, database_path, sessions, users
from sitrep.ui.auth import SESSION_KEY

APP = str(PROJECT_ROOT / "app.py")
DEMO_PASSWORDS = {login: password for login, *_, password in users.DEMO_ACCOUNTS}
DEMO_LOGIN_OF = {role: login for login, role, *_ in users.DEMO_ACCOUNTS}


def account_of(role: str = "duty_officer", districts: tuple[str, ...] = ("500105",), db: Path | None = None,
               unit: str = "") -> access.User:
    """An enabled account of `role` (of `unit`, e.g. a unit officer's city body) in the store beside
    `db` (default: $SITREP_DB now)."""
    db = db or database_path()
    login = f"test-{role.replace('_', '-')}" + (f"-{'-'.join(districts)}" if access.ROLES[role].district_bound else "")
    found = users.user(db, login)
    if found is not None:
        return found
    return users.add_user(db, login, role, districts=districts if access.ROLES[role].district_bound else (),
                          unit=unit, display_name=f"测试 {role}", by="tests", via="cli")


def log_in(at: AppTest, role: str = "duty_officer", districts: tuple[str, ...] = ("500105",),
           db: Path | None = None, unit: str = "") -> access.User:
    """Log the AppTest's session in as a user of `role`; the user."""
    db = db or database_path()
    user = account_of(role, districts, db, unit)
    at.session_state[SESSION_KEY] = sessions.start(db, user, "password")
    return user


def app_test(script: str = APP, *, role: str = "duty_officer", default_timeout: float = 120, **login) -> AppTest:
    """AppTest.from_file(script), logged in as a user of `role` on the database $SITREP_DB names."""
    at = AppTest.from_file(script, default_timeout=default_timeout)
    log_in(at, role, **login)
    return at


def log_in_browser(page, url: str, login: str = "demo-duty", password: str | None = None,
                   timeout: float = 400_000) -> None:
    """Log in through the app's form at `url` (tools/screenshot.py's log_in), as a demo account by default."""
    from tools.screenshot import log_in as form_log_in

    form_log_in(page, url, login, password or DEMO_PASSWORDS[login], timeout=timeout)
