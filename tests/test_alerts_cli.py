"""`python -m sitrep alerts`: the same alerts as the pages, from a terminal (sync, list, ack, act, close)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from sitrep import PROJECT_ROOT, users


def sitrep(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitrep", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


@pytest.fixture()
def db(demo_db_path, tmp_path):
    path = tmp_path / "sitrep.duckdb"
    shutil.copy(demo_db_path, path)
    users.add_user(path, "zhang.san", "district_officer", districts=("500105",), unit="江北区疫情防控领导小组",
                   password=None, by="test")
    return path


def test_sync_list_acknowledge_act_and_close_from_the_terminal(db):
    done = sitrep("alerts", "sync", "--db", str(db), "--as-of", "2022-07-24 18:00")
    assert done.returncode == 0, done.stderr
    assert "opened 185" in done.stdout                       # the peak's red list: 185 items

    listed = sitrep("alerts", "--db", str(db), "--as-of", "2022-07-24 18:00", "--district", "500105",
                    "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert rows and {r["district_code"] for r in rows} == {"500105"} and {r["status"] for r in rows} == {"new"}
    severities = [r["severity"] for r in rows]
    assert severities == sorted(severities)                  # worst first
    mine = rows[0]["alert_id"]

    other = json.loads(sitrep("alerts", "--db", str(db), "--as-of", "2022-07-24 18:00", "--district", "500112",
                              "--format", "json").stdout)[0]["alert_id"]
    refused = sitrep("alerts", "ack", str(other), "--note", "收到", "--by", "zhang.san", "--db", str(db))
    assert refused.returncode != 0 and "not zhang.san's" in refused.stderr and "Traceback" not in refused.stderr

    for step, flag, text, status in (("ack", "--note", "收到，正在调度", "acknowledged"),
                                     ("act", "--action", "已从渝北区调入 120 间", "in_hand"),
                                     ("close", "--reason", "已核实处置完毕", "closed")):
        done = sitrep("alerts", step, str(mine), flag, text, "--by", "zhang.san", "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert f": {status} (by zhang.san)" in done.stdout
    history = sitrep("alerts", "history", str(mine), "--db", str(db))
    assert [line.split()[2] for line in history.stdout.splitlines()[1:]] == ["opened", "acknowledged", "in_hand", "closed"]
    unknown = sitrep("alerts", "ack", str(mine), "--note", "x", "--by", "nobody", "--db", str(db))
    assert unknown.returncode != 0 and "no enabled Sitrep account" in unknown.stderr
