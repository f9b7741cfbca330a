"""In a real browser, a duty officer's run (issue 11): Shapingba's testing team sends, in GBK as
their spreadsheets save it, a new round starting just after the data's newest moment, its targets
per township and risk level, and two 2-hourly progress reports. The officer loads the four files
through the Data page in order, then opens the 2-hour bulletin: the new round is there with the
latest report's figures, and the page follows the data to the latest report's time."""

import time

from playwright.sync_api import expect, sync_playwright

from sitrep import PROJECT_ROOT
from tests.intake.helpers import csv_bytes, import_log
from tests.login import log_in_browser
from tools.screenshot import CHROMIUM_ARGS, DONE

SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
OFFICER = "demo-duty"       # the demo duty officer, logged in through the form
ROUND = "R500106-01"
ROUND_NAME = "沙坪坝区第1轮全员核酸检测"

# The demo's data reach 2022-08-05 18:00; the round starts half an hour later, deadline 24 h on.
FILES = [
    ("沙坪坝_轮次.csv", "testing_rounds", "核酸检测轮次",
     ["轮次编号", "轮次名称", "检测范围", "启动时间", "完成时限"],
     [[ROUND, ROUND_NAME, "区县全域", "2022-08-05 18:30", "2022-08-06 18:30"]]),
    ("沙坪坝_目标.csv", "testing_round_targets", "核酸检测轮次目标",
     ["轮次编号", "区县", "乡镇街道编码", "风险等级", "混采比例", "应检人数"],
     [[ROUND, "沙坪坝区", "500106001", "低风险", "10混1", 40000],     # 水桂街道
      [ROUND, "沙坪坝区", "500106002", "中风险", "5混1", 5000],       # 玉家街道
      [ROUND, "沙坪坝区", "500106002", "低风险", "10混1", 30000],
      [ROUND, "沙坪坝区", "500106003", "高风险", "单采", 1000]]),     # 鸳礼街道
    ("沙坪坝_进度_2030.csv", "testing_progress_reports", "核酸检测进度",
     ["轮次编号", "区县", "报告时间", "已采样人数", "已检测人数", "已检测管数", "阳性管数"],
     [[ROUND, "沙坪坝", "2022-08-05 20:30", 15200, 9120, 1000, 0]]),
    ("沙坪坝_进度_2230.csv", "testing_progress_reports", "核酸检测进度",
     ["轮次编号", "区县", "报告时间", "已采样人数", "已检测人数", "已检测管数", "阳性管数"],
     [[ROUND, "沙坪坝", "2022-08-05 22:30", 38000, 28500, 3100, 0]]),
]

# By hand, from the files above, at the latest report (22:30, which the data now reach):
#   target  = 40,000 + 5,000 + 30,000 + 1,000 = 76,000 (the district's townships and levels summed)
#   sampled = 38,000 -> 38,000 / 76,000 = 50.0 %;  resulted 28,500 / 38,000 = 75.0 %
#   elapsed = 18:30 -> 22:30 = 4 h, 20 h left to the 08-06 18:30 deadline
#   projected finish = start + 4 h x 76,000 / 38,000 = 18:30 + 8 h = 08-06 02:30 (before the deadline)
ROUND_LINE = ("08-05 18:30 开始，08-06 18:30 截止（时限 24 小时），已用 4 小时、剩余 20 小时。"
              "已采样 38,000 人 / 目标 76,000 人（50.0%），已出结果 28,500 人（75.0%），阳性管 0 管；"
              "按目前进度预计 08-06 02:30 完成采样。")


def _upload(page, path, table: str, zh: str, rows: int) -> None:
    page.wait_for_selector(DONE, timeout=60_000)
    page.get_by_label("导入到").first.click()
    page.get_by_role("option", name=f"{zh} · {table}", exact=True).click()
    # Choosing the table reruns the page: give it the file once that run is over (a file handed to
    # the uploader of the run being replaced is dropped with it; seen on a loaded machine).
    page.wait_for_timeout(300)
    page.wait_for_selector(DONE, timeout=60_000)
    page.locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_text(f"校验通过：{rows} 行（gb18030）")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(f"导入人：{OFFICER}").first).to_be_visible()   # the account logged in
    page.get_by_role("button", name=f"导入到“{zh}”", exact=True).click()
    expect(page.get_by_text(f"已导入 {path.name}")).to_be_visible(timeout=60_000)
    page.wait_for_selector(DONE, timeout=60_000)


def test_a_duty_officer_loads_a_new_round_and_sees_it_in_the_bulletin(app_on_copy, tmp_path):
    url, db = app_on_copy
    started = time.perf_counter()
    paths = []
    for name, table, zh, header, rows in FILES:
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, header, "gbk"))
        paths.append((path, table, zh, len(rows)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = []

    def shoot(page, name: str) -> None:
        """The whole page: Streamlit scrolls inside its main section, which a full-page shot of the
        window does not reach, so the window is made as tall as that section for the shot."""
        shot = SHOTS / f"duty-round-{name}.png"
        height = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
                               "[data-testid=stAppViewContainer], [data-testid=stSidebarContent]')]"
                               ".map(e => e.scrollHeight))")
        page.set_viewport_size({"width": 1400, "height": max(1000, min(int(height), 12000))})
        page.wait_for_timeout(500)
        page.screenshot(path=str(shot), full_page=True)
        page.set_viewport_size({"width": 1400, "height": 1000})
        shots.append(shot)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in_browser(page, url, OFFICER)     # the copy's store is new: the app gives it the demo accounts
        page.goto(url + "data")
        page.wait_for_selector(DONE, timeout=120_000)
        expect(page.get_by_text("2022-08-05 18:00").first).to_be_visible()
        # Each file moves the data's newest moment, and the page, following it, says so: the
        # round's start (18:30), the targets (no time of their own), then each report's time.
        moments = ["2022-08-05 18:30", "2022-08-05 18:30", "2022-08-05 20:30", "2022-08-05 22:30"]
        for step, ((path, table, zh, rows), moment) in enumerate(zip(paths, moments), start=1):
            _upload(page, path, table, zh, rows)
            caption = page.locator("[data-testid='stCaptionContainer']").first
            expect(caption).to_contain_text(f"数据时点 {moment}", timeout=60_000)
            expect(caption).to_contain_text(f"数据截至 {moment}")
            shoot(page, f"{step}-{table}")

        page.get_by_role("link", name="日报与快报").click()
        page.wait_for_selector(DONE, timeout=120_000)
        # Away from the data page the view reads the newest version whose latest picture is ready:
        # until the last import's is computed it shows the one before, then moves on by itself.
        expect(page.locator("[data-testid='stCaptionContainer']").first).to_contain_text(
            "数据时点 2022-08-05 22:30", timeout=180_000)
        page.wait_for_selector(DONE, timeout=120_000)
        page.get_by_role("tab", name="2小时核酸快报").click()
        bulletin = page.get_by_role("tabpanel", name="2小时核酸快报")
        expect(bulletin.get_by_text(ROUND_NAME).first).to_be_visible(timeout=60_000)
        expect(bulletin.get_by_text("数据时点：2022年8月5日22:30").first).to_be_attached()
        expect(bulletin.get_by_text(ROUND_LINE)).to_be_visible()
        # The round's table: one row, the district's, with the latest report's figures.
        row = bulletin.locator("tr", has_text="沙坪坝区").filter(has_text="76,000")
        expect(row).to_have_count(1)
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert cells == ["沙坪坝区", "76,000", "38,000 (50.0%)", "28,500 (75.0%)", "0", "08-05 22:30",
                         "08-06 18:30", "08-06 02:30", "正常"], cells
        expect(bulletin.get_by_text("15,200")).to_have_count(0)      # the 20:30 report is superseded
        # The demo's joint round, with no report since 18:00, is overdue everywhere at 22:30: its
        # leads read bold, without Markdown's asterisks.
        expect(bulletin.locator("strong", has_text="通报超时")).to_have_count(1)
        assert "**" not in bulletin.inner_text()
        shoot(page, "5-bulletin")
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
    log = import_log(db)[["imported_by", "via", "file_name", "status", "rows_inserted"]]
    assert log.values.tolist() == [[OFFICER, "upload", name, "applied", len(rows)]
                                   for name, _, _, _, rows in reversed(FILES)]
    for shot in shots:
        print(shot)
    print(f"duty officer's run: {time.perf_counter() - started:.1f} s")
