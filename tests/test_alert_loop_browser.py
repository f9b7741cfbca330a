"""In a real browser, the follow-through loop (issue 14): an alert opens at an import, 江北's officer
acknowledges it in the inbox and records the action, leadership sees it move from overdue to in
hand, the data turns it green and it closes.

The data: 江北's testing team starts a new round R500105-09 at 2022-08-05 18:30 (76,000 people, the
24 h deadline), loaded before the app starts. While the app runs, its progress reports are imported
one by one (through sitrep.intake.run.import_file, what `python -m sitrep import` and the Data page
call); each import is a new data version, on which the app's watcher (serve.py) syncs the alerts:

  20:30  5,000 sampled in 2 h   -> projected finish 18:30 + 2 h x 76,000 / 5,000 = 08-07 00:54,
                                   past the 08-06 18:30 deadline: TEST-ROUND red, the alert OPENS
  22:30  12,000 in 4 h          -> still red; 90 min past the 60 min acknowledgement deadline
                                   (ack_minutes_test_round): overdue
         (the officer acknowledges and records the action; the demo's clock is its data time, 22:30)
  00:30  60,000 in 6 h          -> projected 08-06 02:06, before the deadline: green
  06:30  76,000 (done)          -> green for 6 h = alert_settle_hours (the setting in force, no
                                   override): closed by the data

Screenshots of each step: artifacts/screenshots/alert_loop_*.png."""

import shutil
import time

import pandas as pd
from playwright.sync_api import expect, sync_playwright

from sitrep import PROJECT_ROOT, alerts
from sitrep.intake.run import import_file
from tests.app_server import running_app
from tests.intake.helpers import csv_bytes
from tests.login import log_in_browser
from tools.screenshot import CHROMIUM_ARGS, DONE

SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
ROUND = "R500105-09"
KEY = ("TEST-ROUND", "500105", ROUND)
OFFICER, LEADER = "demo-jiangbei", "demo-leader"
REPORT = ["轮次编号", "区县", "报告时间", "已采样人数", "已检测人数", "已检测管数", "阳性管数"]
BEFORE = [("江北_轮次.csv", "testing_rounds", ["轮次编号", "轮次名称", "检测范围", "启动时间", "完成时限"],
           [[ROUND, "江北区第9轮全员核酸检测", "区县全域", "2022-08-05 18:30", "2022-08-06 18:30"]]),
          ("江北_目标.csv", "testing_round_targets", ["轮次编号", "区县", "乡镇街道编码", "风险等级", "混采比例", "应检人数"],
           [[ROUND, "江北区", "500105001", "低风险", "10混1", 76000]])]


def report(moment: str, sampled: int) -> tuple[str, bytes]:
    name = f"江北_进度_{moment[-5:].replace(':', '')}.csv"
    return name, csv_bytes([[ROUND, "江北", moment, sampled, int(sampled * 0.8), sampled // 10, 0]], REPORT, "gbk")


def load(db, name: str, data: bytes, table: str = "testing_progress_reports") -> None:
    result = import_file(db, data, name, table, by="demo-duty")
    assert result.status == "applied", result


def the_alert(db) -> pd.Series | None:
    frame = alerts.states(db, alerts.clock(db))
    found = frame[(frame.rule_id == KEY[0]) & (frame.district_code == KEY[1]) & (frame.round_id == KEY[2])]
    return found.iloc[0] if len(found) else None


def test_an_alert_opens_at_an_import_is_acknowledged_acted_on_and_closed_by_the_data(demo_db_path, tmp_path):
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    for name, table, header, rows in BEFORE:
        load(db, name, csv_bytes(rows, header, "gbk"), table)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = []

    def shoot(page, name: str) -> None:
        shot = SHOTS / f"alert_loop_{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        shots.append(shot)

    def step(what: str) -> None:
        print(f"{time.perf_counter() - started:6.1f} s  {what}")

    def at_moment(page, moment: str) -> None:
        """Wait for the page to show the data at `moment` (it follows new versions by itself once
        their alerts are synced), and for the run to finish."""
        caption = page.locator("[data-testid='stCaptionContainer']").first
        expect(caption).to_contain_text(f"数据时点 {moment}", timeout=300_000)   # a loaded machine: minutes per version
        page.wait_for_selector(DONE, timeout=60_000)

    started = time.perf_counter()
    with running_app(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        leader = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        officer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        log_in_browser(officer, url, OFFICER)
        officer.goto(url + "alerts")
        at_moment(officer, "2022-08-05 18:30")
        assert the_alert(db) is None

        step('# 1. An import')
        # 1. An import makes the round red: the watcher opens the alert.
        load(db, *report("2022-08-05 20:30", 5000))
        at_moment(officer, "2022-08-05 20:30")
        alert = the_alert(db)
        assert alert is not None and alert.status == alerts.NEW and alert.opened_at == pd.Timestamp("2022-08-05 20:30")
        card = officer.locator(f".st-key-mine-alert-{alert.alert_id}")
        expect(card).to_contain_text(f"#{alert.alert_id} · TEST-ROUND")
        expect(card).to_contain_text("24小时内完成一轮核酸检测")           # what to do, from the registry
        expect(card).to_contain_text("须于 08-05 21:30 前确认")
        card.scroll_into_view_if_needed()
        shoot(officer, "1_opened")

        step('# 2. The next')
        # 2. The next report is still behind: the alert, still new, is past its deadline.
        load(db, *report("2022-08-05 22:30", 12000))
        log_in_browser(leader, url, LEADER)
        leader.goto(url + f"alerts?alert={alert.alert_id}")
        at_moment(leader, "2022-08-05 22:30")
        picked = leader.locator(f".st-key-picked-alert-{alert.alert_id}")
        expect(picked).to_contain_text("新发")
        expect(picked).to_contain_text("确认已超时 1 小时")
        assert leader.locator("button", has_text="确认收到").count() == 0    # leadership reads, does not act
        picked.scroll_into_view_if_needed()
        shoot(leader, "2_overdue_leader")

        step('# 3. The officer')
        # 3. The officer acknowledges and records the action taken.
        at_moment(officer, "2022-08-05 22:30")
        number = alert.alert_id
        officer.locator(f".st-key-ack-text-{number} input").fill("已收到，区专班增派采样队")
        officer.locator(f".st-key-ack-button-{number} button").click()
        expect(officer.get_by_text(f"督办事项 #{number} 现为：已确认")).to_be_visible(timeout=60_000)
        officer.wait_for_selector(DONE, timeout=60_000)
        officer.locator(f".st-key-hand-text-{number} input").fill("增派 40 个采样队，开放 12 个夜间采样点")
        officer.locator(f".st-key-hand-button-{number} button").click()
        expect(officer.get_by_text(f"督办事项 #{number} 现为：处置中")).to_be_visible(timeout=60_000)
        officer.wait_for_selector(DONE, timeout=60_000)
        card = officer.locator(f".st-key-mine-alert-{alert.alert_id}")
        card.scroll_into_view_if_needed()
        shoot(officer, "3_acknowledged_in_hand")
        state = the_alert(db)
        assert (state.status, state.owner, state.acknowledged_by) == (alerts.HAND, OFFICER, OFFICER)

        step('# 4. Leadership')
        # 4. Leadership sees it in hand: no longer overdue, acknowledged late, with the action.
        leader.reload()
        leader.wait_for_selector(DONE, timeout=60_000)
        picked = leader.locator(f".st-key-picked-alert-{alert.alert_id}")
        expect(picked).to_contain_text("处置中")
        expect(picked).to_contain_text("确认超时")
        expect(picked).to_contain_text("增派 40 个采样队")
        expect(picked).not_to_contain_text("确认已超时")
        picked.scroll_into_view_if_needed()
        shoot(leader, "4_in_hand_leader")

        step('# 5. The data')
        # 5. The data turn it green; 6 h of data time later it closes.
        load(db, *report("2022-08-06 00:30", 60000))
        at_moment(leader, "2022-08-06 00:30")
        assert the_alert(db).green_since == pd.Timestamp("2022-08-06 00:30")
        assert the_alert(db).status == alerts.HAND                       # green, not yet settled
        load(db, *report("2022-08-06 06:30", 76000))
        at_moment(leader, "2022-08-06 06:30")
        picked = leader.locator(f".st-key-picked-alert-{alert.alert_id}")
        expect(picked).to_contain_text("已关闭")
        expect(picked).to_contain_text("数据持续转绿，自动关闭")
        picked.get_by_text("处置记录").click()
        expect(picked.locator("[data-testid='stDataFrame']")).to_be_visible()
        picked.scroll_into_view_if_needed()
        shoot(leader, "5_closed_by_the_data")
        step('for page in (leader,')
        for page in (leader, officer):
            assert page.locator("[data-testid='stException']").count() == 0
        browser.close()

    closed = the_alert(db)
    assert (closed.status, closed.closed_by, closed.closed_at) == \
        (alerts.DONE, "", pd.Timestamp("2022-08-06 06:30"))
    kinds = alerts.history(db, closed.alert_id)["kind"].tolist()
    assert kinds == [alerts.OPENED, alerts.ACKNOWLEDGED, alerts.IN_HAND, alerts.GREEN, alerts.CLOSED]
    for shot in shots:
        print(shot)
    print(f"alert loop: {time.perf_counter() - started:.1f} s")
