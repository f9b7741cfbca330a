"""Open pages of the running app in headless Chromium (Debian's /usr/bin/chromium), screenshot
them, and report what a user would see go wrong:

    python tools/screenshot.py http://localhost:8501 docs/ overview cases contacts
    python tools/screenshot.py --login demo-analyst http://localhost:8501 /tmp/shots ""   # as that user

Every page needs a login: `--login LOGIN` logs in through the login form first, with the password
in $SITREP_PASSWORD, or the README's password of a demo account.
For each page: requests that left the machine (there must be none), console errors, the text
of any Streamlit exception box, and the time to interactive (from navigation until Streamlit
has finished running the page), cold (first visit after the server started) and warm (the
second visit, with the server's query cache filled).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run as a script: the sitrep package beside it

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Streamlit's frontend first probes /<page>/_stcore/health and /host-config on a deep link and
# gets 404 before it tries the root (streamlit/streamlit#7074, open upstream); those two are
# expected. Any other failed request, and any other console error, counts.
PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")
FAILED_LOAD = "Failed to load resource: the server responded with a status of 404"


@dataclass
class PageCheck:
    url: str
    screenshot: str
    seconds_to_interactive: float
    cold_seconds: float = 0.0
    off_machine: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.off_machine or self.console_errors or self.exceptions)


def _load(page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp']", timeout=120_000)
    page.wait_for_timeout(300)  # the script run starts just after the app shell appears
    page.wait_for_selector(DONE, timeout=120_000)
    return time.perf_counter() - started


def log_in(page, url: str | None, login: str, password: str, timeout: float = 400_000) -> None:
    """Fill the login form at `url` (a page of the app; it builds the demo database first when there
    is none; None: the page already open) and wait until the app has run as that user."""
    if url is not None:
        page.goto(url)
    form = page.locator("[data-testid='stForm']")
    form.wait_for(timeout=timeout)
    inputs = form.locator("input")
    inputs.nth(0).fill(login)
    inputs.nth(1).fill(password)
    form.locator("button[kind$='FormSubmit']").click()
    page.wait_for_selector("[data-testid='stSidebar']", timeout=timeout)   # the login page has no sidebar
    page.wait_for_timeout(300)
    page.wait_for_selector(DONE, timeout=timeout)


def demo_password(login: str) -> str | None:
    from sitrep.users import DEMO_ACCOUNTS

    return next((password for name, *_, password in DEMO_ACCOUNTS if name == login), None)


def check_pages(base_url: str, paths: list[str], out_dir: str, width: int = 1400, height: int = 1000,
                login: str | None = None, password: str | None = None) -> list[PageCheck]:
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height})
        if login:                            # the session cookie serves every page of the context
            first = context.new_page()
            log_in(first, base_url, login, password or demo_password(login) or "")
            first.close()
        for path in paths:
            page = context.new_page()
            off, errors, probes, failed = [], [], [], []
            page.on("request", lambda r, off=off: None if urlparse(r.url).hostname in LOCAL_HOSTS
                    or urlparse(r.url).scheme in ("data", "blob") else off.append(r.url))
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("response", lambda r, probes=probes, failed=failed: None if r.status < 400 else
                    (probes if r.status == 404 and PROBE.search(urlparse(r.url).path) else failed)
                    .append(f"{r.status} {r.url}"))
            url = f"{base_url.rstrip('/')}/{path}"
            cold = _load(page, url)          # cold: caches fill
            seconds = _load(page, url)       # warm: what a returning reader waits
            page.wait_for_timeout(1500)      # let charts and the map draw
            shot = str(Path(out_dir) / f"{path or 'overview'}.png")
            page.screenshot(path=shot, full_page=True)
            exceptions = page.locator("[data-testid='stException']").all_inner_texts()
            expected = len(probes)
            console = []
            for text in errors:
                if text.startswith(FAILED_LOAD) and expected:
                    expected -= 1
                else:
                    console.append(text)
            results.append(PageCheck(url, shot, seconds, cold, list(off), console + failed, exceptions))
            page.close()
        browser.close()
    return results


def screenshot(url: str, out: str, login: str | None = None,
               password: str | None = None) -> tuple[list[str], list[str], list[str]]:
    """One page: (requests off the machine, console errors, exception texts)."""
    parsed = urlparse(url)
    base = f"{parsed.scheme}://{parsed.netloc}"
    check = check_pages(base, [parsed.path.strip("/")], str(Path(out).parent), login=login, password=password)[0]
    Path(check.screenshot).replace(out)
    return check.off_machine, check.console_errors, check.exceptions


if __name__ == "__main__":
    import os

    args = sys.argv[1:]
    user = None
    if args[:1] == ["--login"]:
        user, args = args[1], args[2:]
    base, out_dir, *paths = args
    checks = check_pages(base, paths or [""], out_dir, login=user,
                         password=os.environ.get("SITREP_PASSWORD") or (demo_password(user) if user else None))
    for c in checks:
        print(f"{c.url:45s} warm {c.seconds_to_interactive:5.2f} s  cold {c.cold_seconds:5.2f} s  off-machine: {len(c.off_machine)}  "
              f"console errors: {len(c.console_errors)}  exceptions: {len(c.exceptions)}  -> {c.screenshot}")
        for item in c.off_machine + c.console_errors + c.exceptions:
            print("   ", item[:300])
    sys.exit(0 if all(c.clean for c in checks) else 1)
