"""A scripted session in Chromium leaves its trace (issue 12): a district officer reveals an overdue
transfer list for a reason, a duty officer downloads a CSV and issues the briefing (then asks for
its files and downloads the PDF, which is no audit event, as before), and each of
these leaves exactly one audit entry naming who, what, which scope and (for the reveal) which rows
and why. The entries are written to artifacts/audit_session.txt for the closing note."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from sitrep import PROJECT_ROOT, audit
from tests.app_server import running_app
from tests.login import log_in_browser
from tools.screenshot import CHROMIUM_ARGS, DONE

OUT = PROJECT_ROOT / "artifacts"
PEAK = "as_of=2022-07-24T18:00"


@pytest.fixture()
def app_on_copy(demo_db_path, tmp_path):
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    with running_app(db, env={"SITREP_BRIEFINGS_DIR": str(tmp_path / "briefings")}) as url:
        yield url, db


def _count(db, event) -> int:
    return len(audit.entries(db, event=event))


def test_a_reveal_an_export_and_an_issue_each_leave_one_entry(app_on_copy):
    url, db = app_on_copy
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        # A district officer of 江北 opens the overdue transfers: names masked, then revealed with a reason.
        officer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        log_in_browser(officer, url, "demo-jiangbei")
        officer.goto(f"{url}contacts?{PEAK}")
        officer.wait_for_selector(DONE, timeout=120_000)
        reveal_button = officer.get_by_text("🔓 查看个人信息（须说明理由）")
        if not reveal_button.is_visible():      # the list opens by itself only while the rule is red
            officer.get_by_text("超时明细").first.click()
        expect(reveal_button).to_be_visible(timeout=60_000)
        before = _count(db, audit.REVEAL)
        reveal_button.click()
        officer.get_by_label("说明（如：联系转运专班，工单号）").fill("联系转运专班 工单 0724-17")
        officer.get_by_role("button", name="查看本列表").click()
        expect(officer.get_by_text("正在显示个人信息").first).to_be_visible(timeout=60_000)
        assert _count(db, audit.REVEAL) == before + 1
        reveal = audit.entries(db, event=audit.REVEAL).iloc[0]
        assert (reveal["login"], reveal["role"], reveal["scope"]) == ("demo-jiangbei", "district_officer", "500105")
        assert reveal["details"]["reason"] == "transfer_follow_up" and "0724-17" in reveal["details"]["detail"]
        assert reveal["details"]["rows"] == len(reveal["details"]["item_ids"]) > 0

        # A duty officer downloads the red list as CSV, then issues the briefing.
        duty = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
        log_in_browser(duty, url, "demo-duty")
        duty.goto(f"{url}?{PEAK}")
        duty.wait_for_selector(DONE, timeout=120_000)
        exports = _count(db, audit.EXPORT)
        with duty.expect_download(timeout=60_000) as download:
            duty.get_by_role("button", name="下载 CSV").first.click()
        assert download.value.suggested_filename.endswith(".csv")
        for _ in range(50):                      # the file is made (and audited) as the browser fetches it
            if _count(db, audit.EXPORT) > exports:
                break
            duty.wait_for_timeout(100)
        assert _count(db, audit.EXPORT) == exports + 1
        export = audit.entries(db, event=audit.EXPORT).iloc[0]
        assert (export["login"], export["scope"]) == ("demo-duty", audit.CITY) and export["details"]["rows"] > 0

        issues = _count(db, audit.BRIEFING_ISSUED)
        duty.goto(f"{url}briefing?{PEAK}")
        duty.wait_for_selector(DONE, timeout=180_000)
        duty.get_by_role("button", name="签发本期日报").click()
        expect(duty.get_by_text("已签发：").first).to_be_visible(timeout=120_000)
        assert _count(db, audit.BRIEFING_ISSUED) == issues + 1
        # The page offers the briefing's files only when asked for, then as downloads.
        duty.get_by_role("button", name="生成下载文件（MD / DOCX / PDF）").first.click()
        expect(duty.get_by_text("下载文件已生成").first).to_be_visible(timeout=120_000)
        with duty.expect_download(timeout=60_000) as download:
            duty.get_by_role("button", name="⬇ 下载 PDF").first.click()
        assert download.value.suggested_filename == "sitrep_briefing_asof_20220724-1800.pdf"
        assert open(download.value.path(), "rb").read(5) == b"%PDF-"
        browser.close()

    OUT.mkdir(exist_ok=True)
    log = audit.entries(db)
    (OUT / "audit_session.txt").write_text(
        log[["audit_id", "at", "login", "role", "via", "event", "object", "scope", "outcome"]].to_string(index=False)
        + "\n", encoding="utf-8")
    assert {"login", "reveal", "export", "briefing_issued"} <= set(log["event"])
