"""Issue 11, item 7: the watched drop folder (sitrep/intake/watch.py, `python -m sitrep watch`).

Files are built in each test and dropped into a folder beside the small database."""

import json
import threading
import time

import pandas as pd
import pytest

from sitrep.intake import watch
from tests.intake.helpers import cli, csv_bytes, import_log, query

PROGRESS_HEADER = ["轮次编号", "区县", "报告时间", "已采样人数", "已检测人数", "已检测管数", "阳性管数"]
GOOD = [["R1", "江北", "2022-08-05 10:00", 1000, 800, 80, 0], ["R1", "南岸", "2022-08-05 10:00", 500, 400, 40, 0]]
BAD = [["R1", "江北", "2022-08-05 10:00", -5, 800, 80, 0]]
RISK_HEADER = ["风险区编号", "区县", "乡镇街道编码", "风险区名称", "风险等级", "涉及人数", "划定时间"]
RISK = [["H1", "江北", "500105001", "某小区3栋", "高风险", 1200, "2022-08-05 10:00"]]


@pytest.fixture
def drop(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    return watch.prepare(folder)


def _once(drop, db, **kw):
    return watch.once(drop, db, settle=0.05, **kw)


def _report(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str)


def test_a_good_file_is_imported_and_moved_to_done_by_the_cli(small_db, drop):
    (drop / "testing_progress_reports_0805-1000.csv").write_bytes(csv_bytes(GOOD, PROGRESS_HEADER))
    result = cli("watch", str(drop), "--db", str(small_db), "--by", "值班员甲", "--once")
    assert result.returncode == 0, result.stderr
    assert "testing_progress_reports_0805-1000.csv → testing_progress_reports: imported" in result.stdout
    assert not (drop / "testing_progress_reports_0805-1000.csv").exists()
    assert (drop / "done" / "testing_progress_reports_0805-1000.csv").read_bytes() == csv_bytes(GOOD, PROGRESS_HEADER)
    assert "2 new" in (drop / "done" / "testing_progress_reports_0805-1000.csv.result.txt").read_text(encoding="utf-8")
    stored = query(small_db, "select district_code, people_sampled from testing_progress_reports order by 1")
    assert stored.values.tolist() == [["500105", 1000], ["500108", 500]]
    log = import_log(small_db)
    assert log[["via", "imported_by", "status", "table_name", "rows_inserted"]].values.tolist() == [
        ["watch", "值班员甲", "applied", "testing_progress_reports", 2]]


def test_a_bad_file_goes_to_refused_with_a_report_that_names_the_problem(small_db, drop):
    (drop / "核酸检测进度0805.csv").write_bytes(csv_bytes(BAD, PROGRESS_HEADER))
    handled = _once(drop, small_db)
    assert [(h.name, h.result, h.table) for h in handled] == [("核酸检测进度0805.csv", "rejected",
                                                                "testing_progress_reports")]
    assert (drop / "refused" / "核酸检测进度0805.csv").exists() and list((drop / "done").iterdir()) == []
    report = _report(drop / "refused" / "核酸检测进度0805.csv.report.csv")
    # The value as every report shows it: '-5, neutralised so Excel does not read a formula.
    assert report[["行 row", "列 column", "值 value", "代码 code"]].values.tolist() == [
        ["2", "已采样人数", "'-5", "negative"]]
    assert query(small_db, "select count(*) n from testing_progress_reports")["n"][0] == 0
    log = import_log(small_db)
    assert log[["via", "imported_by", "status"]].values.tolist() == [["watch", "watch", "rejected"]]


def test_the_same_bytes_dropped_again_are_not_imported_twice(small_db, drop):
    data = csv_bytes(GOOD, PROGRESS_HEADER)
    (drop / "testing_progress_reports_1000.csv").write_bytes(data)
    first = _once(drop, small_db)
    (drop / "testing_progress_reports_1000.csv").write_bytes(data)            # the same name again
    (drop / "testing_progress_reports_copy.csv").write_bytes(data)            # and under another name
    again = _once(drop, small_db)
    assert [h.result for h in first] == ["applied"]
    assert sorted((h.name, h.result, h.duplicate_of) for h in again) == [
        ("testing_progress_reports_1000.csv", "duplicate", first[0].import_id),
        ("testing_progress_reports_copy.csv", "duplicate", first[0].import_id)]
    log = import_log(small_db)
    assert log["status"].tolist() == ["applied"]                               # one row, applied once
    done = sorted(p.name for p in (drop / "done").iterdir())
    assert done == ["testing_progress_reports_1000-2.csv", "testing_progress_reports_1000-2.csv.result.txt",
                    "testing_progress_reports_1000.csv", "testing_progress_reports_1000.csv.result.txt",
                    "testing_progress_reports_copy.csv", "testing_progress_reports_copy.csv.result.txt"]
    note = (drop / "done" / "testing_progress_reports_copy.csv.result.txt").read_text(encoding="utf-8")
    assert f"import #{first[0].import_id}" in note and "not imported again" in note
    # Different bytes under a name already used are a new delivery: imported.
    changed = [[*GOOD[0][:3], 1100, 900, 90, 0]]
    (drop / "testing_progress_reports_1000.csv").write_bytes(csv_bytes(changed, PROGRESS_HEADER))
    assert [h.result for h in _once(drop, small_db)] == ["applied"]
    assert import_log(small_db)["status"].tolist() == ["applied", "applied"]


def test_a_file_whose_name_names_no_table_is_refused_with_a_reason(small_db, drop):
    (drop / "daily_numbers_0805.csv").write_bytes(csv_bytes(GOOD, PROGRESS_HEADER))
    (drop / "casesx.csv").write_bytes(csv_bytes(GOOD, PROGRESS_HEADER))       # a name must end where a table's does
    (drop / "notes.pdf").write_bytes(b"%PDF-1.4")
    handled = _once(drop, small_db)
    assert sorted((h.name, h.result, h.code) for h in handled) == [
        ("casesx.csv", "refused", "no_table"), ("daily_numbers_0805.csv", "refused", "no_table"),
        ("notes.pdf", "refused", "not_a_data_file")]
    report = _report(drop / "refused" / "daily_numbers_0805.csv.report.csv")
    assert report["代码 code"].tolist() == ["no_table"]
    assert "cannot tell the table from the file name" in report["reason"][0]
    assert "testing_progress_reports (核酸检测进度)" in report["reason"][0] and "无法从文件名判断" in report["原因"][0]
    assert _report(drop / "refused" / "notes.pdf.report.csv")["代码 code"].tolist() == ["not_a_data_file"]
    assert len(import_log(small_db)) == 0                    # no table: nothing to log an import of
    result = cli("watch", str(drop), "--db", str(small_db), "--once")
    assert result.returncode == 0 and result.stdout == ""  # the folder is empty now


def test_a_sidecar_names_the_table(small_db, drop):
    (drop / "export (3).csv").write_bytes(csv_bytes(RISK, RISK_HEADER))
    (drop / "export (3).csv.table").write_text("风险区\n", encoding="utf-8")
    (drop / "cases_but_really_risk.csv").write_bytes(csv_bytes([["H2", *RISK[0][1:]]], RISK_HEADER))
    (drop / "cases_but_really_risk.csv.json").write_text(json.dumps({"table": "risk_areas"}), encoding="utf-8")
    (drop / "other.csv").write_bytes(csv_bytes(RISK, RISK_HEADER))
    (drop / "other.csv.table").write_text("risky_areas", encoding="utf-8")
    handled = _once(drop, small_db)
    assert sorted((h.name, h.result, h.table or h.code) for h in handled) == [
        ("cases_but_really_risk.csv", "applied", "risk_areas"), ("export (3).csv", "applied", "risk_areas"),
        ("other.csv", "refused", "unknown_table")]
    assert query(small_db, "select risk_area_id from risk_areas order by 1")["risk_area_id"].tolist() == ["H1", "H2"]
    assert (drop / "done" / "export (3).csv.table").exists()                  # the sidecar moves with its file
    assert (drop / "refused" / "other.csv.table").exists()
    assert "risky_areas" in _report(drop / "refused" / "other.csv.report.csv")["reason"][0]


def test_a_file_still_being_written_is_not_picked_up(small_db, drop):
    (drop / "testing_progress_reports_1200.csv.part").write_bytes(csv_bytes(GOOD, PROGRESS_HEADER))
    (drop / "~$testing_progress_reports.xlsx").write_bytes(b"lock")
    growing = drop / "testing_progress_reports_1400.csv"
    growing.write_bytes(csv_bytes(GOOD[:1], PROGRESS_HEADER))
    look = watch.Settle()
    assert look.look(drop) == []                             # first sighting: not yet
    with open(growing, "ab") as f:                          # the sender is still writing
        f.write("R1,南岸,2022-08-05 10:00,500,400,40,0\n".encode())
    assert look.look(drop) == []                             # it changed since the last look
    assert look.look(drop) == [growing]                      # the same twice in a row: settled

    # --once: a file growing during the settle interval is left for the next run, .part files always.
    writer_done = threading.Event()

    def keep_writing():
        with open(growing, "ab") as f:
            for _ in range(10):
                time.sleep(0.05)
                f.write(b"\n")
                f.flush()
        writer_done.set()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    handled = watch.once(drop, small_db, settle=0.3)
    thread.join()
    assert handled == [] and growing.exists() and len(import_log(small_db)) == 0
    assert (drop / "testing_progress_reports_1200.csv.part").exists()
    # Renamed when complete, as a sender should: both are taken.
    (drop / "testing_progress_reports_1200.csv.part").rename(drop / "testing_progress_reports_1200.csv")
    assert sorted(h.name for h in _once(drop, small_db)) == ["testing_progress_reports_1200.csv",
                                                              "testing_progress_reports_1400.csv"]
    assert (drop / "~$testing_progress_reports.xlsx").exists()


def test_the_loop_imports_what_lands_and_stops_when_asked(small_db, drop):
    stop = threading.Event()
    seen = []
    thread = threading.Thread(target=watch.watch, args=(drop, small_db),
                              kwargs={"poll": 0.05, "stop": stop, "told": seen.append})
    thread.start()
    try:
        (drop / "risk_areas_0805.csv").write_bytes(csv_bytes(RISK, RISK_HEADER))
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(RuntimeError, match="another watcher"):          # one watcher per folder
            watch.once(drop, small_db, settle=0)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert [(h.name, h.result) for h in seen] == [("risk_areas_0805.csv", "applied")]
    assert (drop / "done" / "risk_areas_0805.csv").exists()


def test_the_poll_interval_is_a_setting():
    from sitrep.settings import OPERATIONAL, load_settings

    setting = load_settings(overrides=None)["watch_poll_seconds"]
    assert setting.value > 0 and setting.unit == "seconds" and "watch_poll_seconds" in OPERATIONAL
    assert watch.poll_seconds() == float(setting.value)


def test_the_cli_watcher_imports_in_its_loop_and_ctrl_c_stops_it_cleanly(small_db, drop):
    import os
    import signal
    import subprocess
    import sys

    from sitrep import PROJECT_ROOT

    watcher = subprocess.Popen([sys.executable, "-m", "sitrep", "watch", str(drop), "--db", str(small_db)],
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "SITREP_SETTINGS": str(_fast_poll(drop.parent))})
    try:
        (drop / "risk_areas_0805.csv").write_bytes(csv_bytes(RISK, RISK_HEADER))
        deadline = time.monotonic() + 120
        while not (drop / "done" / "risk_areas_0805.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, err
    assert "risk_areas_0805.csv → risk_areas: imported" in out and out.rstrip().endswith("stopped 已停止")
    assert "Traceback" not in err and import_log(small_db)["via"].tolist() == ["watch"]


def _fast_poll(folder):
    local = folder / "settings.local.toml"
    local.write_text("watch_poll_seconds = 0.2\n", encoding="utf-8")
    return local


def test_a_file_that_cannot_be_moved_is_reported_and_left_and_the_rest_go_on(small_db, drop, monkeypatch):
    import shutil

    real = shutil.move

    def refuse_one(source, target):
        if str(source).endswith("risk_areas_a.csv"):
            raise PermissionError(13, "Permission denied")
        return real(source, target)

    monkeypatch.setattr(shutil, "move", refuse_one)
    (drop / "risk_areas_a.csv").write_bytes(csv_bytes(RISK, RISK_HEADER))
    (drop / "risk_areas_b.csv").write_bytes(csv_bytes([["H2", *RISK[0][1:]]], RISK_HEADER))
    handled = _once(drop, small_db)
    assert [(h.name, h.result, h.code) for h in handled] == [
        ("risk_areas_a.csv", "error", "PermissionError: Permission denied"), ("risk_areas_b.csv", "applied", None)]
    assert "could not be handled" in handled[0].line() and (drop / "risk_areas_a.csv").exists()
