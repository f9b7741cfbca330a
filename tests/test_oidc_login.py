"""Single sign-on end to end, in headless Chromium against a real OpenID Connect provider: the
certified `oidc-provider` package from npm (9.x) on Node, started by the test (tests/oidc/provider.mjs),
with the app's `.streamlit/secrets.toml` [auth] written for it. Nothing is mocked: the browser goes
through Streamlit's st.login, the provider's own login and consent forms, back to /oauth2callback,
and Sitrep maps the identity's e-mail to its user table. An identity with no account is refused,
and both are in the audit log.

The provider package is installed with npm into ~/.cache/sitrep-test-oidc (outside the checkout)
when it is missing, as scripts/run-tests installs Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from sitrep import PROJECT_ROOT, audit, users
from sitrep.i18n import t
from tests.app_server import free_port, running_app
from tools.screenshot import CHROMIUM_ARGS, DONE

OIDC_HOME = Path(os.environ.get("SITREP_TEST_OIDC_HOME", Path.home() / ".cache" / "sitrep-test-oidc"))
MODULE = OIDC_HOME / "node_modules" / "oidc-provider" / "lib" / "index.js"
PROVIDER_SCRIPT = PROJECT_ROOT / "tests" / "oidc" / "provider.mjs"
LINKS = "[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']"


def _installed() -> Path:
    if not MODULE.exists():
        OIDC_HOME.mkdir(parents=True, exist_ok=True)
        if not (OIDC_HOME / "package.json").exists():
            (OIDC_HOME / "package.json").write_text('{"name": "sitrep-test-oidc", "private": true}\n')
        result = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "oidc-provider@9"], cwd=OIDC_HOME,
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not MODULE.exists():
            pytest.fail(f"could not install oidc-provider with npm into {OIDC_HOME}: {result.stderr[-1500:]}")
    return MODULE


def _wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("oidc-provider exited: " + proc.stdout.read().decode(errors="replace")[-2000:])
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    proc.kill()
    pytest.fail("oidc-provider did not start")


@pytest.fixture()
def sso_app(demo_db_path, tmp_path):
    """The app on a copy of the demo database, its secrets naming a provider running on Node."""
    module = _installed()
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    users.add_user(db, "lead@wjw.cq.gov.cn", "leadership", display_name="李领导", by="tests")   # no password: SSO only
    provider_port, app_port = free_port(), free_port()
    redirect = f"http://127.0.0.1:{app_port}/oauth2callback"
    provider = subprocess.Popen(["node", str(PROVIDER_SCRIPT)], cwd=OIDC_HOME, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                env={**os.environ, "OIDC_PROVIDER_MODULE": str(module), "PORT": str(provider_port),
                                     "REDIRECT_URI": redirect, "CLIENT_SECRET": "sitrep-test-secret"})
    try:
        _wait_for_port(provider_port, provider)
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "{redirect}"\n'
            'cookie_secret = "sitrep-test-cookie-secret-0123456789"\n'
            'client_id = "sitrep"\n'
            'client_secret = "sitrep-test-secret"\n'
            f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
            # Streamlit asks for prompt=select_account by default, which oidc-provider does not offer.
            "[auth.client_kwargs]\n"
            'prompt = "login"\n',
            encoding="utf-8")
        with running_app(db, port=app_port, args=("--secrets.files", str(secrets))) as url:
            yield url, db
    finally:
        provider.terminate()
        provider.wait(timeout=20)


def _through_the_provider(page, url: str, account: str) -> None:
    """From the app's login page, through the provider's login and consent forms, back to the app."""
    page.goto(url)
    page.get_by_role("button", name=t("auth_sso", "zh")).click()
    page.wait_for_selector("input[name='login']", timeout=60_000)      # the provider's own page
    assert not page.url.startswith(url)
    page.fill("input[name='login']", account)
    page.fill("input[name='password']", "any password: the dev form checks none")
    page.locator("button[type='submit']").click()
    page.locator("button[type='submit']").click()                       # consent: "Continue"
    page.wait_for_url(f"{url}**", timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector(DONE, timeout=120_000)


def test_single_sign_on_lands_on_the_overview_as_the_mapped_user_and_a_stranger_is_refused(sso_app):
    url, db = sso_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _through_the_provider(page, url, "ops-lead")
        page.wait_for_selector(LINKS, timeout=60_000)
        assert page.locator("h1").first.inner_text().strip() == t("app_title", "zh")     # the overview
        page.wait_for_selector("[data-testid='stMetric']", timeout=120_000)     # the overview's cards
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("lead@wjw.cq.gov.cn", exact=False)).to_be_visible()
        expect(sidebar.get_by_text("李领导", exact=False)).to_be_visible()
        page.reload()                                                       # the identity outlives a refresh
        page.wait_for_selector(LINKS, timeout=60_000)
        logins = audit.entries(db, event=audit.LOGIN)
        assert logins["login"].tolist() == ["lead@wjw.cq.gov.cn"] and set(logins["via"]) == {"sso"}
        assert logins["details"].iloc[0]["sub"] == "ops-lead"

        stranger = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        _through_the_provider(stranger, url, "stranger")
        expect(stranger.get_by_text(t("auth_no_account", "zh", identity="stranger@example.org"))).to_be_visible()
        assert stranger.locator(LINKS).count() == 0 and stranger.locator("[data-testid='stMetric']").count() == 0
        refused = audit.entries(db, event=audit.LOGIN_REFUSED)
        assert refused["login"].tolist() == ["stranger@example.org"] and refused["outcome"].tolist() == ["refused"]
        browser.close()
