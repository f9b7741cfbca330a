"""In a real browser: every page opens, and neither the server nor the page reaches any other host.

Starts `streamlit run serve.py` with a guard that records every connection or name lookup off
the machine, logs in as the demo duty officer, opens every page in headless Chromium, and fails on any request to a host other
than localhost, any console error, or any Streamlit exception box. Screenshots of every page
are kept under artifacts/screenshots/ (not committed) and the time to interactive is printed.
"""

import os
from pathlib import Path

import pytest

from sitrep import PROJECT_ROOT
from tests.app_server import running_app
from tools.screenshot import check_pages

GUARD_DIR = PROJECT_ROOT / "tests" / "offline_guard"


@pytest.fixture()
def server(demo_db_path, tmp_path):
    log = tmp_path / "off-machine.log"
    log.touch()
    env = {"SITREP_OFFLINE_LOG": str(log), "PYTHONPATH": os.pathsep.join([str(GUARD_DIR), str(PROJECT_ROOT)])}
    with running_app(demo_db_path, env) as url:
        yield url, log


PAGES = ["", "alerts", "cases", "contacts", "isolation", "testing", "timeliness", "risk_areas", "briefing", "data"]
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


def test_every_page_opens_cleanly_with_no_request_off_the_machine(server):
    url, log = server
    checks = check_pages(url, PAGES, str(SCREENSHOTS), login="demo-duty")   # README's demo password
    for c in checks:
        print(f"{c.url}: {c.seconds_to_interactive:.2f} s to interactive (warm)")
    assert [c.url for c in checks if c.exceptions] == [], [c.exceptions for c in checks]
    assert [c.off_machine for c in checks if c.off_machine] == []
    assert [c.console_errors for c in checks if c.console_errors] == []
    assert log.read_text() == "", "the server tried to reach another host"
    assert all(Path(c.screenshot).stat().st_size > 10_000 for c in checks)
