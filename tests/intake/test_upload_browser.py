"""In a real browser: a duty officer uploads files on the Data page. A bad file shows its report
and writes nothing; a good one is imported, appears in the import log, and the running app moves
to the new data (its as-of time advances) without a restart."""

from playwright.sync_api import expect, sync_playwright

from sitrep import PROJECT_ROOT
from sitrep.intake.values import id_card_with_check_digit
from tests.intake.helpers import csv_bytes, file_digest, import_log, query
from tests.login import log_in_browser
from tools.screenshot import CHROMIUM_ARGS, DONE

HEADER = ["密接编号", "姓名", "身份证号", "类别", "关联病例编号", "区县", "判定时间", "转运到隔离点时间"]
SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


def test_a_duty_officer_uploads_a_bad_file_then_a_good_one(app_on_copy, tmp_path):
    url, db = app_on_copy
    person = id_card_with_check_digit("50010519900307001")
    bad = tmp_path / "密接_bad.csv"
    bad.write_bytes(csv_bytes([[990001, "张三", person, "密接", 1, "江北", "07/08/2022 10:00", ""]], HEADER, "gb18030"))
    good = tmp_path / "密接_0806.csv"
    good.write_bytes(csv_bytes([[990001, "张三", person, "密接", 1, "江北", "2022-08-06 07:00", "2022-08-06 09:30"]],
                               HEADER, "gb18030"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in_browser(page, url, "demo-duty")     # the copy's store is new: the app gives it the demo accounts
        page.goto(url + "data")
        page.wait_for_selector(DONE, timeout=120_000)
        expect(page.get_by_text("2022-08-05 18:00").first).to_be_visible()
        page.get_by_label("导入到").first.click()
        page.get_by_role("option", name="密接与次密接 · contacts").click()

        untouched = file_digest(db)
        page.locator("input[type=file]").set_input_files(str(bad))
        expect(page.get_by_text("文件未通过校验，未写入任何数据")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("日月顺序不明确").first).to_be_attached()  # a grid cell (drawn on canvas)
        page.screenshot(path=str(SHOTS / "data-upload-rejected.png"), full_page=True)
        assert query(db, "select count(*) as n from contacts where contact_id = 990001")["n"].iloc[0] == 0
        assert file_digest(db) == untouched          # the refusal is logged in the store, not the database

        page.locator("input[type=file]").set_input_files(str(good))
        expect(page.get_by_text("校验通过：1 行（gb18030）")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("导入人：demo-duty").first).to_be_visible()   # who is logged in, not a typed name
        page.get_by_role("button", name="导入到“密接与次密接”").click()
        expect(page.get_by_text("已导入 密接_0806.csv")).to_be_visible(timeout=60_000)
        # The page now reads the new file: the data reach the transfer time just loaded.
        expect(page.get_by_text("2022-08-06 09:30").first).to_be_visible(timeout=60_000)
        page.screenshot(path=str(SHOTS / "data-upload-applied.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
    log = import_log(db)[["imported_by", "via", "file_name", "status", "rows_inserted"]]
    # Newest first: the good file, and the bad one the page refused, both under the logged-in account.
    assert log.values.tolist() == [["demo-duty", "upload", "密接_0806.csv", "applied", 1],
                                   ["demo-duty", "upload", "密接_bad.csv", "rejected", 0]]
    assert query(db, "select count(*) as n from contacts where contact_id = 990001")["n"].iloc[0] == 1
