"""In headless Chromium, the local login of the app as scripts/run-app serves it (serve.py):
nothing but the login form before a login; a wrong password refused and audited; the session
kept in an HttpOnly cookie, so a refresh and a second tab stay logged in; logout ends it on the
server (the old cookie, replayed, opens nothing); an idle session ends; the navigation lists only
what the role may open (the administrator: the admin page alone, whose audit CSV is itself audited)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from sitrep import audit, sessions
from sitrep.i18n import t
from tests.app_server import running_app
from tests.login import DEMO_PASSWORDS
from tools.screenshot import CHROMIUM_ARGS, DONE, log_in

LINKS = "[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']"
FORM = "[data-testid='stForm']"


@pytest.fixture()
def db_copy(demo_db_path, tmp_path):
    """The demo database without its store: the app gives the copy's new store the demo accounts."""
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    return db


def _settled(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector(DONE, timeout=120_000)


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "sitrep_session"), None)


def test_login_refresh_second_tab_and_logout_in_chromium(db_copy):
    with running_app(db_copy) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()

        # Nobody yet: a deep link shows the login form and nothing else.
        page.goto(url + "isolation")
        page.wait_for_selector(FORM, timeout=120_000)
        _settled(page)
        assert page.locator(LINKS).count() == 0 and page.locator("[data-testid='stMetric']").count() == 0

        # A wrong password: refused, said, audited.
        form = page.locator(FORM)
        form.locator("input").nth(0).fill("demo-analyst")
        form.locator("input").nth(1).fill("not the password")
        form.locator("button[kind$='FormSubmit']").click()
        expect(page.get_by_text(t("auth_bad_credentials", "zh"))).to_be_visible(timeout=30_000)
        assert _session_cookie(context) is None
        failed = audit.entries(db_copy, event=audit.LOGIN_FAILED)
        assert failed["login"].tolist() == ["demo-analyst"] and failed["details"].iloc[0]["reason"] == "wrong_password"

        # The right one: the overview, the user in the sidebar, an HttpOnly strict cookie, no token in the URL.
        log_in(page, None, "demo-analyst", DEMO_PASSWORDS["demo-analyst"])
        page.wait_for_selector("[data-testid='stMetric']", timeout=120_000)     # the overview's cards
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("demo-analyst", exact=False).first).to_be_visible()
        expect(sidebar.get_by_text(t("auth_demo_account", "zh"), exact=True)).to_be_visible()
        cookie = _session_cookie(context)
        assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert cookie["value"] not in page.url and "code=" not in page.url
        assert audit.entries(db_copy, event=audit.LOGIN)["login"].tolist() == ["demo-analyst"]

        # A refresh and a second tab keep the login.
        page.reload()
        _settled(page)
        page.wait_for_selector(LINKS, timeout=60_000)
        assert page.locator(FORM).count() == 0 and page.locator(LINKS).count() == 10   # the data pages, with the alert inbox
        other = context.new_page()
        other.goto(url + "cases")
        _settled(other)
        other.wait_for_selector(LINKS, timeout=60_000)
        assert other.locator(FORM).count() == 0
        other.close()

        # Logout: the form again, the cookie gone, and the old token opens nothing in a fresh browser.
        page.locator("[data-testid='stSidebar']").get_by_role("button", name=t("auth_logout", "zh")).click()
        page.wait_for_selector(FORM, timeout=60_000)
        assert _session_cookie(context) is None
        assert sessions.resume(db_copy, cookie["value"]) == (None, "logout")
        replay = browser.new_context()
        replay.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
        stolen = replay.new_page()
        stolen.goto(url)
        stolen.wait_for_selector(FORM, timeout=60_000)
        assert stolen.locator(LINKS).count() == 0
        assert audit.entries(db_copy, event=audit.LOGOUT)["login"].tolist() == ["demo-analyst"]

        # The administrator sees the admin page only; exporting the audit log is itself audited.
        admin = context.new_page()
        log_in(admin, url, "demo-admin", DEMO_PASSWORDS["demo-admin"])
        assert admin.locator(LINKS).count() == 0              # one page: Streamlit shows no navigation
        assert admin.locator("h1").first.inner_text().strip() == t("page_admin", "zh")
        assert admin.locator("[data-testid='stMetric']").count() == 0
        admin.get_by_role("tab", name=t("admin_audit", "zh")).click()
        with admin.expect_download() as download:
            admin.get_by_role("button", name=f"⬇ {t('download_csv', 'zh')}").click()
        assert download.value.suggested_filename.startswith("audit_log_")
        _settled(admin)
        exported = audit.entries(db_copy, event=audit.AUDIT_EXPORTED)
        assert exported["login"].tolist() == ["demo-admin"] and exported["details"].iloc[0]["rows"] > 0
        browser.close()


def test_an_idle_session_ends_and_the_page_says_why(db_copy, tmp_path):
    local = tmp_path / "settings.local.toml"
    local.write_text("session_idle_minutes = 0.1\n", encoding="utf-8")     # six seconds
    with running_app(db_copy, {"SITREP_SETTINGS": str(local)}) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in(page, url, "demo-leader", DEMO_PASSWORDS["demo-leader"])
        page.wait_for_timeout(8_000)
        page.reload()
        page.wait_for_selector(FORM, timeout=60_000)
        expect(page.get_by_text("已自动退出登录")).to_be_visible(timeout=30_000)
        ended = audit.entries(db_copy, event=audit.SESSION_ENDED)
        assert ended["login"].tolist() == ["demo-leader"] and ended["details"].iloc[0]["reason"] == "idle"
        browser.close()


def test_a_reverse_proxys_identity_header_logs_in_a_known_account_and_only_on_localhost(db_copy, tmp_path):
    local = tmp_path / "settings.local.toml"
    local.write_text('proxy_user_header = "X-Remote-User"\n', encoding="utf-8")
    env = {"SITREP_SETTINGS": str(local)}
    with running_app(db_copy, env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        known = browser.new_context(viewport={"width": 1400, "height": 1000},
                                    extra_http_headers={"X-Remote-User": "demo-jiangbei"})
        page = known.new_page()
        page.goto(url)
        page.wait_for_selector(LINKS, timeout=400_000)
        _settled(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("demo-jiangbei", exact=False).first).to_be_visible()
        expect(sidebar.get_by_text(t("auth_via_proxy", "zh"))).to_be_visible()
        assert sidebar.get_by_role("button", name=t("auth_logout", "zh")).count() == 0   # the proxy logs out
        assert page.locator(FORM).count() == 0

        stranger = browser.new_context(extra_http_headers={"X-Remote-User": "nobody"}).new_page()
        stranger.goto(url)
        expect(stranger.get_by_text(t("auth_no_account", "zh", identity="nobody"))).to_be_visible(timeout=60_000)
        bare = browser.new_context().new_page()                     # no header: nobody, and no login form either
        bare.goto(url)
        expect(bare.get_by_text(t("auth_proxy_no_identity", "zh", header="X-Remote-User"))).to_be_visible(timeout=60_000)
        assert bare.locator(FORM).count() == 0
        log = audit.entries(db_copy, event=[audit.LOGIN, audit.LOGIN_REFUSED])
        assert set(zip(log["login"], log["event"], log["via"])) == {("demo-jiangbei", audit.LOGIN, "proxy"),
                                                                    ("nobody", audit.LOGIN_REFUSED, "proxy")}
        browser.close()
    # Listening on every address, the header would be anybody's to send: it is not trusted.
    with running_app(db_copy, env, args=("--server.address", "0.0.0.0")) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(extra_http_headers={"X-Remote-User": "demo-leader"}).new_page()
        page.goto(url)
        expect(page.get_by_text(t("auth_proxy_not_local", "zh", header="X-Remote-User"))).to_be_visible(timeout=60_000)
        assert page.locator(LINKS).count() == 0
        browser.close()
