"""In a real browser: every page opens, and neither the server nor the page reaches any other host.

Starts `streamlit run app.py` with a guard that records every connection or name lookup off
the machine, opens every page in headless Chromium, and fails on any request to a host other
than localhost, any console error, or any Streamlit exception box. Screenshots of every page
are kept under artifacts/screenshots/ (not committed) and the time to interactive is printed.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sitrep import PROJECT_ROOT
from tools.screenshot import check_pages

GUARD_DIR = PROJECT_ROOT / "tests" / "offline_guard"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(demo_db_path, tmp_path):
    port = _free_port()
    log = tmp_path / "off-machine.log"
    log.touch()
    env = {**os.environ, "SITREP_DB": str(demo_db_path), "SITREP_OFFLINE_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(GUARD_DIR), str(PROJECT_ROOT)])}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url, log
    proc.terminate()
    proc.wait(timeout=20)


PAGES = ["", "cases", "contacts", "isolation", "testing", "timeliness", "risk_areas", "briefing", "data"]
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


def test_every_page_opens_cleanly_with_no_request_off_the_machine(server):
    url, log = server
    checks = check_pages(url, PAGES, str(SCREENSHOTS))
    for c in checks:
        print(f"{c.url}: {c.seconds_to_interactive:.2f} s to interactive (warm)")
    assert [c.url for c in checks if c.exceptions] == [], [c.exceptions for c in checks]
    assert [c.off_machine for c in checks if c.off_machine] == []
    assert [c.console_errors for c in checks if c.console_errors] == []
    assert log.read_text() == "", "the server tried to reach another host"
    assert all(Path(c.screenshot).stat().st_size > 10_000 for c in checks)
