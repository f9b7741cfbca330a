"""Offline: neither the server nor the page in a real browser reaches any other host.

Starts `streamlit run app.py` with a guard that records every connection or name lookup
off the machine, opens the page in headless Chromium, and fails on any request to a host
other than localhost, any console error, or any Streamlit exception box.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from sitrep import PROJECT_ROOT
from tools.screenshot import screenshot

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


def test_home_page_makes_no_request_off_the_machine(server, tmp_path):
    url, log = server
    off_machine, console_errors, exceptions = screenshot(url, str(tmp_path / "home.png"))
    assert exceptions == []
    assert off_machine == []
    assert console_errors == []
    assert log.read_text() == "", "the server tried to reach another host"
    assert (tmp_path / "home.png").stat().st_size > 10_000
