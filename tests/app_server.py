"""Start `streamlit run serve.py` (the app with its login routes) on a free local port for browser tests, and stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from sitrep import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(db: Path, env: dict[str, str] | None = None, start_seconds: float = 60, port: int | None = None,
                args: tuple[str, ...] = ()):
    """The app on the database `db` (on `port`, else a free one; `args`: more options for
    `streamlit run`); yields its base URL. Its pages need a login: tests/login.py."""
    port = port or free_port()
    environment = {**os.environ, "SITREP_DB": str(db), "PYTHONPATH": str(PROJECT_ROOT), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", *args],
                            cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + start_seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
