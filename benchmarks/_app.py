"""Shared by the browser benchmarks: the app on a copy of a database, logged-in browser tabs, the
moment a page is interactive, and the app's resident memory. Everything here looks at the app from
outside (HTTP, the browser's DOM, /proc), never at its internals, so it measures whatever the app
does today.

"Interactive" (what `open_page` waits for), all at once in the tab's DOM:
  1. Streamlit's frontend says its script run is over: `[data-testid="stApp"]` has
     `data-test-script-state="notRunning"`;
  2. the running indicator is gone: no `[data-testid="stStatusWidget"]` that shows "running" /
     a stop button (the widget stays in the toolbar, idle, once the run ended);
  3. nothing in the main area is still loading: no `[data-testid="stSpinner"]` and no
     `[data-testid="stSkeleton"]` inside `[data-testid="stMain"]`;
  4. the page's main content is there: its marker (`Marker`) is inside `stMain` -- for a data page
     the as-of caption every page writes under its title ("数据时点 … 数据截至 …"), for a page
     without one its title.
With (1) everything the page's run writes is in the DOM and with (3) it is drawn (tables, charts and
the map replace their loading skeletons); the marker makes sure the run that ended is this page's
own: a new tab starts with an empty DOM, so (1)-(3) hold before the first run starts, but (4) does
not. The time runs from the start of the navigation (`page.goto`), so it includes loading the
frontend, its websocket and app.py's run (login check, sidebar) before the page's own.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SESSION_COOKIE = "sitrep_session"       # sitrep/ui/session_routes.py's cookie, read only as a browser would


@dataclass(frozen=True)
class Marker:
    """What a page's main area shows once its content is there: CSS selector plus text it contains."""
    selector: str
    text: str = ""


AS_OF_CAPTION = Marker("[data-testid='stCaptionContainer']", "数据截至")
TITLE = Marker("h1")

_RUN_OVER_JS = """
([selector, text]) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
    const main = document.querySelector("[data-testid='stMain']");
    return !!main && [...main.querySelectorAll(selector)].some(e => !text || (e.innerText || "").includes(text));
}
"""
_INTERACTIVE_JS = """
([selector, text]) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
    const status = document.querySelector("[data-testid='stStatusWidget']");
    if (status && /running|stop|运行|停止/i.test(status.innerText || "")) return false;
    const main = document.querySelector("[data-testid='stMain']");
    if (!main) return false;
    if (main.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton']")) return false;
    return [...main.querySelectorAll(selector)].some(e => !text || (e.innerText || "").includes(text));
}
"""


# -- the app -------------------------------------------------------------------------------------

def copy_database(db: Path, into: Path) -> Path:
    """`db` and its operational store (accounts, sessions: X.ops.sqlite beside X.duckdb) copied into
    the folder `into`; the copy's path. A write-ahead log left beside either is copied too."""
    db = Path(db)
    if not db.is_file():
        raise SystemExit(f"no database at {db}")
    copy = into / "sitrep.duckdb"
    for source, target in ((db, copy), (db.with_name(f"{db.stem}.ops.sqlite"), copy.with_name("sitrep.ops.sqlite"))):
        if source.exists():
            shutil.copyfile(source, target)
        for suffix in (".wal", "-wal", "-shm"):
            extra = source.with_name(source.name + suffix)
            if extra.exists():
                shutil.copyfile(extra, target.with_name(target.name + suffix))
    return copy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SITREP_OPS", "SITREP_OPERATOR")}
    return {**env, "SITREP_DB": str(db), "PYTHONPATH": str(ROOT)}


@contextmanager
def running_app(db: Path, log: Path, start_seconds: float = 180):
    """`streamlit run serve.py` (as scripts/run-app starts it) on `db`; yields (base URL, pid).
    It runs in its own process group, which is killed on the way out whatever happened."""
    port = free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--server.headless", "true",
                                 "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=_environment(db), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"streamlit exited with {proc.returncode}; see {log}")
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"streamlit did not answer within {start_seconds:.0f} s; see {log}") from None
                time.sleep(0.25)
        yield url, proc.pid
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen) -> None:
    """Terminate the process group `proc` leads (streamlit and anything it started); kill it if slow."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_cli(db: Path, *args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m sitrep ARGS` on `db`, as an operator types it."""
    return subprocess.run([sys.executable, "-m", "sitrep", *args], cwd=ROOT, env=_environment(db), input=stdin,
                          capture_output=True, text=True, timeout=timeout)


# -- memory --------------------------------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:             # the process ended while we looked
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory (VmRSS, MB) of `pid` and all its descendants, from /proc."""
    tree, todo, total_kb = _children(), [pid], 0
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:                 # the process ended while we looked
            pass
    return total_kb / 1024


class PeakRss:
    """The highest tree_rss_mb(pid) seen, sampled every `every` seconds in a thread while in the `with` block:
    the readings between steps miss what a page run holds for a moment."""

    def __init__(self, pid: int, every: float = 0.25):
        import threading

        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


# -- the browser ---------------------------------------------------------------------------------

def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_context(browser):
    return browser.new_context(viewport={"width": 1400, "height": 1000})


def log_in(context, url: str, login: str, password: str, timeout_ms: float = 300_000) -> None:
    """Log `context` in through the app's login form at `url`, then stop before the app's first page.

    The form sends the browser to /session/start, whose answer carries the session cookie and a
    redirect to a page. The benchmark takes that answer itself, puts its cookie into the context
    and shows a blank page instead of following the redirect, so that no page of the app has run
    for this account yet: the first visit measured afterwards is a cold one."""
    page = context.new_page()
    handed_off = []

    def take_cookie(route):
        response = route.fetch(max_redirects=0)
        for header in response.headers_array:
            if header["name"].lower() == "set-cookie" and header["value"].startswith(SESSION_COOKIE + "="):
                value = header["value"].split(";", 1)[0].split("=", 1)[1]
                context.add_cookies([{"name": SESSION_COOKIE, "value": value, "url": url, "httpOnly": True,
                                      "sameSite": "Strict"}])
                handed_off.append(True)
        route.fulfill(status=200, content_type="text/html", body="<html><body>signed in</body></html>")

    page.route("**/session/start*", take_cookie)
    page.goto(url)
    form = page.locator("[data-testid='stForm']")
    form.wait_for(timeout=timeout_ms)
    # typed into only once the login page's run is over: a rerun redraws the form
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    inputs = form.locator("input")
    inputs.nth(0).fill(login)
    inputs.nth(1).fill(password)
    form.locator("button[kind$='FormSubmit']").click()
    deadline = time.monotonic() + timeout_ms / 1000
    while not handed_off:
        try:
            refused = page.locator("[data-testid='stAlert']").all_inner_texts()
        except PlaywrightError:     # the tab is being sent on to /session/start: no form to read, go on waiting
            refused = []
        if refused:
            raise SystemExit(f"logging in as {login} was refused: {' / '.join(refused)}")
        if time.monotonic() > deadline:
            raise SystemExit(f"logging in as {login} gave no session cookie within {timeout_ms / 1000:.0f} s")
        page.wait_for_timeout(100)
    # The tab is left open on its blank page: closing it right after the hand-off's route can hang
    # Playwright's page.close (seen under load); a blank tab costs the app nothing.
    page.unroute_all(behavior="ignoreErrors")


def navigate_until_text(page, url: str, marker: Marker, text: str, timeout_ms: float = 300_000) -> bool:
    """Navigate `page` to `url` and wait for its marker (polled every 50 ms); whether it shows `text`."""
    page.goto(url, wait_until="commit")
    handle = page.wait_for_function(
        """([selector, marker, text]) => {
            const main = document.querySelector("[data-testid='stMain']");
            const found = main && [...main.querySelectorAll(selector)].find(e => (e.innerText || "").includes(marker));
            return found ? [(found.innerText || "").includes(text)] : false;
        }""", arg=[marker.selector, marker.text, text], polling=50, timeout=timeout_ms)
    return bool(handle.json_value()[0])


def open_page(context_or_page, url: str, marker: Marker, timeout_ms: float = 300_000, new_tab: bool = True,
              navigate: bool = True):
    """Navigate to `url` (in a new tab of the context, or in the given page) and wait until the page
    is interactive (module docstring); (seconds until Streamlit's frontend is up -- `stApp` in the
    DOM, nothing of the page yet --, until its script run was over and its marker shown, until
    interactive; the page)."""
    page = context_or_page.new_page() if new_tab else context_or_page
    arg = [marker.selector, marker.text]
    started = time.perf_counter()
    if navigate:                    # else: the navigation under way in `page` (times from now)
        page.goto(url, wait_until="commit")
    page.wait_for_selector("[data-testid='stApp']", state="attached", timeout=timeout_ms)
    shell = time.perf_counter() - started
    page.wait_for_function(_RUN_OVER_JS, arg=arg, polling=50, timeout=timeout_ms)
    run_over = time.perf_counter() - started
    page.wait_for_function(_INTERACTIVE_JS, arg=arg, polling=50, timeout=timeout_ms)
    return shell, run_over, time.perf_counter() - started, page


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()
