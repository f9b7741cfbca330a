"""Every page in headless Chromium, cold and warm; memory with ten sessions; import to latest picture.

    python benchmarks/bench_pages.py --db /work/city.duckdb          # a city-scale database
    python benchmarks/bench_pages.py --db /tmp/demo_baseline.duckdb  # the demo one, to try it out

Works on a copy of --db and its operational store in a temporary folder (the original is never
touched), served by `streamlit run serve.py` as scripts/run-app serves it, and looks at the app only
from outside: through the browser, the CLI and /proc. Issue 13's targets, printed beside each number:

1. Pages. For each account (leadership, whole city; the Jiangbei district officer; the administrator,
   for the one page only it is routed to), a fresh app start, a login, then every page the app
   routes that account to, each in a new tab: COLD, its first visit since the app started, then
   WARM, the same page again in a new tab once every page has had its cold visit. Two times per
   visit, from the navigation's start:
     - run: Streamlit's script run is over (`stApp` data-test-script-state="notRunning") and the
       page's main content marker is in the main area;
     - interactive: that, and also the running indicator gone from the status widget and no
       spinner or loading skeleton left in the main area (charts, tables and the map drawn).
   The exact definition is in benchmarks/_app.py's docstring. The targets apply to "interactive":
   < 2 s cold, < 1 s warm. The login is done through the real form, but the benchmark takes the
   session cookie from the form's hand-off and does not follow its redirect (benchmarks/_app.log_in),
   so no page has run before its cold visit.
2. Memory: a fresh app start, then ten sessions (ten browser contexts, each logged in, each on a
   different page); the resident memory (VmRSS) of the streamlit process and its children from
   /proc before, after each session opens, and at the end, and the highest seen (sampled every
   0.25 s from the first session to the end of part 3); target < 2 GB.
3. Import to latest picture: with those sessions still open, a small valid import through the CLI
   (`python -m sitrep import`: one testing progress report of the newest round, two hours after the
   data's as-of time), then the already-open overview tab is navigated afresh (0.25 s after each
   navigation's page is interactive) until its as-of caption shows the new data time; the time from
   the import command's exit until the caption shows it, and until that page is interactive;
   target < 10 s. The other nine sessions stay open meanwhile: the app reruns them on new data too.

Timings depend on everything else the machine runs (the browser shares the app's cores): run it on a
quiet machine, and more than once.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _app  # noqa: E402

COLD_TARGET_S, WARM_TARGET_S, MEMORY_TARGET_MB, IMPORT_TARGET_S = 2.0, 1.0, 2048, 10.0
POLL_S = 0.25
DEMO_PASSWORD = "{login}-2022"       # the demo accounts' passwords (README), on a demo or build-demo database


@dataclass
class Account:
    label: str
    login: str
    password: str
    home: str           # the page the app serves this role at its root: its first page (app.py's PAGES)


@dataclass
class Visit:
    page: str
    shell_s: float
    run_s: float
    interactive_s: float
    exceptions: int     # Streamlit exception boxes on the page: its time is then an error's, not the page's


def page_names() -> list[str]:
    return sorted(p.stem for p in (_app.ROOT / "pages").glob("*.py"))


def marker_for(page: str) -> _app.Marker:
    """Every page that shows data writes the as-of caption; the others (the administrator's) a title."""
    text = (_app.ROOT / "pages" / f"{page}.py").read_text(encoding="utf-8")
    return _app.AS_OF_CAPTION if "as_of_caption(" in text else _app.TITLE


# -- accounts ------------------------------------------------------------------------------------

def accounts(db: Path) -> list[Account]:
    """Leadership, the Jiangbei district officer and the administrator: the demo accounts when the
    store has them, else accounts made for the benchmark on the copy's store."""
    listing = _app.run_cli(db, "user", "list", "--db", str(db))
    if listing.returncode != 0:
        raise SystemExit(f"`sitrep user list` failed: {listing.stderr}")
    have = {line.split()[0] for line in listing.stdout.splitlines()[1:] if line.strip()}
    wanted = [("leadership (city)", "demo-leader", "leadership", (), "overview"),
              ("district (Jiangbei)", "demo-jiangbei", "district_officer", ("500105",), "overview"),
              ("admin", "demo-admin", "admin", (), "admin")]
    found = []
    for label, login, role, districts, home in wanted:
        if login in have:
            found.append(Account(label, login, DEMO_PASSWORD.format(login=login), home))
            continue
        made, password = login.replace("demo-", "bench-"), secrets.token_urlsafe(18)
        args = ["user", "add", made, "--db", str(db), "--role", role, "--password-stdin", "--name", "benchmark"]
        for district in districts:
            args += ["--district", district]
        result = _app.run_cli(db, *args, stdin=password + "\n")
        if result.returncode != 0:
            raise SystemExit(f"could not add the account {made}: {result.stderr or result.stdout}")
        print(f"  (no {login} on this database: made {made}, {role}, on the copy's store)")
        found.append(Account(label, made, password, home))
    return found


# -- 1. pages ------------------------------------------------------------------------------------

def measure_pages(db: Path, tmp: Path, account: Account) -> list[tuple[Visit, Visit]]:
    """A fresh app, one account, every page it is routed to: [(cold, warm)]. Each tab is closed
    once measured, so only the tab under test runs."""
    from playwright.sync_api import sync_playwright

    with _app.running_app(db, tmp / "app.log") as (url, _pid), sync_playwright() as p:
        browser = _app.launch(p)
        try:
            context = _app.new_context(browser)
            _app.log_in(context, url, account.login, account.password)
            # The default page is served at the root: open it first (cold), then read from its
            # sidebar which pages the app routes this account to.
            names = {"": account.home}
            first, tab = visit(context, url, "", names, keep_open=True)
            routed = tab.locator("[data-testid='stSidebarNav'] a").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))")
            tab.close()
            paths = [""] + [href.removeprefix(url).strip("/") for href in routed
                            if href.removeprefix(url).strip("/")]
            cold = [first] + [visit(context, url, path, names)[0] for path in paths[1:]]
            warm = [visit(context, url, path, names)[0] for path in paths]
            skipped = sorted(set(page_names()) - {names.get(path, path) for path in paths})
            if skipped:
                print(f"  {account.label}: not routed to {', '.join(skipped)}")
            return list(zip(cold, warm))
        finally:
            browser.close()


def visit(context, url: str, path: str, names: dict[str, str], keep_open: bool = False):
    """Open `url`/`path` in a new tab; (Visit, the tab), the tab closed unless `keep_open`."""
    name = names.get(path, path)
    shell_s, run_s, interactive_s, tab = _app.open_page(context, url + path, marker_for(name))
    exceptions = tab.locator("[data-testid='stException']").count()
    print(f"    {name or 'overview'}: {interactive_s:.2f} s", file=sys.stderr, flush=True)   # alive, for long runs
    if not keep_open:
        tab.close()
    return Visit(name, shell_s, run_s, interactive_s, exceptions), tab


def print_pages(account: Account, rows: list[tuple[Visit, Visit]]) -> None:
    print(f"\nPages as {account.label} ({account.login}): seconds from navigation until the frontend is up "
          f"(shell), the script run is over (run), the page is interactive (cold / warm, against the targets)")
    print(f"  {'page':12s} {'shell':>6s} {'run':>6s} {'cold':>6s} {'< 2 s':>6s}   {'shell':>6s} {'run':>6s} {'warm':>6s} "
          f"{'< 1 s':>6s}")
    for cold, warm in rows:
        print(f"  {cold.page:12s} {cold.shell_s:6.2f} {cold.run_s:6.2f} {cold.interactive_s:6.2f} "
              f"{met(cold.interactive_s < COLD_TARGET_S):>6s}   {warm.shell_s:6.2f} {warm.run_s:6.2f} "
              f"{warm.interactive_s:6.2f} {met(warm.interactive_s < WARM_TARGET_S):>6s}"
              + ("   (the page showed an exception)" if cold.exceptions or warm.exceptions else ""))
    slow_cold = sum(c.interactive_s >= COLD_TARGET_S for c, _ in rows)
    slow_warm = sum(w.interactive_s >= WARM_TARGET_S for _, w in rows)
    print(f"  targets met: cold {len(rows) - slow_cold}/{len(rows)}, warm {len(rows) - slow_warm}/{len(rows)}")


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


# -- 2. memory and 3. import to latest picture ---------------------------------------------------

def memory_and_import(db: Path, tmp: Path, leader: Account, admin: Account | None) -> None:
    from playwright.sync_api import sync_playwright

    new_file, new_time = progress_report_file(db, tmp)
    with _app.running_app(db, tmp / "app.log") as (url, pid), sync_playwright() as p:
        browser, sampled = _app.launch(p), None
        try:
            time.sleep(2)       # let the server settle after its health check answered
            print(f"\nMemory: resident memory (VmRSS) of the streamlit process and its children; target < "
                  f"{MEMORY_TARGET_MB / 1024:.0f} GB")
            print(f"  before any session   {_app.tree_rss_mb(pid):8.0f} MB")
            # ten sessions, each on a different page; the administrator's page as the administrator
            plan = [(leader, path) for path in ("", "cases", "contacts", "isolation", "testing", "timeliness",
                                               "risk_areas", "briefing", "data")]
            plan.append((admin, "admin") if admin else (leader, ""))
            tabs = []
            sampled = _app.PeakRss(pid).__enter__()        # left at the end, by the finally below
            for number, (account, path) in enumerate(plan, 1):
                context = _app.new_context(browser)
                _app.log_in(context, url, account.login, account.password)
                name = path or "overview"
                *_, seconds, tab = _app.open_page(context, url + path, marker_for(name))
                tabs.append(tab)
                print(f"  after session {number:2d}     {_app.tree_rss_mb(pid):8.0f} MB   ({account.login} on "
                      f"{name}, {seconds:.1f} s)")
            time.sleep(5)
            now = _app.tree_rss_mb(pid)
            print(f"  ten sessions, 5 s on {now:8.0f} MB   {met(now < MEMORY_TARGET_MB)}")
            print(f"  highest seen so far  {sampled.peak_mb:8.0f} MB   {met(sampled.peak_mb < MEMORY_TARGET_MB)}"
                  f"   (sampled every 0.25 s)")

            overview = tabs[0]
            print(f"\nImport to latest picture: one testing progress report at {new_time:%Y-%m-%d %H:%M}; "
                  f"target < {IMPORT_TARGET_S:.0f} s")
            started = time.perf_counter()
            result = _app.run_cli(db, "import", str(new_file), "--table", "testing_progress_reports",
                                  "--db", str(db), "--by", "benchmark")
            landed = time.perf_counter()
            if result.returncode != 0:
                raise SystemExit(f"the import was refused:\n{result.stdout}\n{result.stderr}")
            print(f"  import command       {landed - started:6.2f} s  ({result.stdout.strip()})")
            wanted, polls = f"数据截至 {new_time:%Y-%m-%d %H:%M}", 0
            while True:
                polls += 1
                shown = (time.perf_counter() - landed
                         if _app.navigate_until_text(overview, url, _app.AS_OF_CAPTION, wanted) else None)
                _app.open_page(overview, url, _app.AS_OF_CAPTION, new_tab=False, navigate=False)
                if shown is not None:
                    break
                if time.perf_counter() - landed > 600:
                    raise SystemExit(f"the overview did not show {wanted!r} within 10 minutes of the import")
                time.sleep(POLL_S)
            ready = time.perf_counter() - landed
            print(f"  import exit -> a fresh overview shows the new data time  {shown:6.2f} s  {met(shown < IMPORT_TARGET_S)}"
                  f"   ({polls} navigations)")
            print(f"  import exit -> that overview is interactive             {ready:6.2f} s  "
                  f"{met(ready < IMPORT_TARGET_S)}")
            print(f"\n  memory at the end    {_app.tree_rss_mb(pid):8.0f} MB")
            print(f"  highest seen         {sampled.peak_mb:8.0f} MB   {met(sampled.peak_mb < MEMORY_TARGET_MB)}"
                  f"   (sampled every 0.25 s from the first session to the end, the import's reruns included)")
        finally:
            if sampled is not None:
                sampled.__exit__()
            browser.close()


def progress_report_file(db: Path, tmp: Path) -> tuple[Path, pd.Timestamp]:
    """A one-row CSV in the import template's own header: the newest round's progress in one
    district, two hours after the data's as-of time, a little further on; and that time."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        as_of = pd.Timestamp(con.execute("select value from dataset_info where key = 'data_as_of'").fetchone()[0])
        row = con.execute("""
            select round_id, district_code, people_sampled, people_tested, tubes_tested, positive_tubes
            from testing_progress_reports
            order by reported_at desc, round_id desc, district_code
            limit 1""").fetchone()
    finally:
        con.close()
    if row is None:
        raise SystemExit("the database has no testing progress report to continue")
    round_id, district, sampled, tested, tubes, positive = row
    when = as_of + pd.Timedelta(hours=2)
    template = tmp / "template.csv"
    made = _app.run_cli(db, "template", "--table", "testing_progress_reports", "--format", "csv",
                        "--out", str(template))
    if made.returncode != 0:
        raise SystemExit(f"`sitrep template` failed: {made.stderr}")
    header = template.read_text(encoding="utf-8-sig").splitlines()[0]
    out = tmp / "progress.csv"
    out.write_text(header + "\n" + ",".join(map(str, [round_id, district, f"{when:%Y-%m-%d %H:%M}", sampled + 1000,
                                                      tested + 1000, tubes + 100, positive])) + "\n",
                   encoding="utf-8")
    return out, when


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, type=Path, help="database to copy (and its X.ops.sqlite store)")
    parser.add_argument("--accounts", nargs="*", default=["leader", "district", "admin"],
                        choices=["leader", "district", "admin"], help="whose pages to time (default: all three)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["pages", "memory"],
                        help="parts to leave out (memory includes the import)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)     # each line as it comes: a run takes many minutes
    # `timeout` or a kill sends SIGTERM: leave through the finally blocks, which stop the app
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        tmp = Path(folder)
        started = time.perf_counter()
        db = _app.copy_database(args.db, tmp)
        print(f"Copied {args.db} ({args.db.stat().st_size / 1e6:.0f} MB) to {db} in {time.perf_counter() - started:.1f} s")
        leader, district, admin = accounts(db)
        try:
            if "pages" not in args.skip:
                chosen = {"leader": leader, "district": district, "admin": admin}
                for account in (chosen[name] for name in args.accounts):
                    print_pages(account, measure_pages(db, tmp, account))
            if "memory" not in args.skip:
                memory_and_import(db, tmp, leader, admin)
        except (SystemExit, subprocess.SubprocessError):
            log = tmp / "app.log"
            if log.exists():
                print("--- the app's log, last lines ---\n" + log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise


if __name__ == "__main__":
    main()
