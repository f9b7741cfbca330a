"""The video wall (?screen=wall, sitrep/ui/wall.py) in headless Chromium at 1920x1080 and 3840x2160:
behind the login; no sidebar; the map, the ranked alerts and the data time with its age on screen;
no text smaller than 32 px per 1920 px of width (the module docstring says why: 5 m viewing); the
views change in turn every wall_rotate_seconds."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright

from sitrep import alerts
from tests.app_server import running_app
from tests.login import log_in_browser
from tools.screenshot import CHROMIUM_ARGS, DONE

AT = pd.Timestamp("2022-07-24 18:00")
ROTATE_SECONDS = 4
MIN_TEXT_PX_AT_1920 = 32

# The smallest font size of any visible text inside the wall.
SMALLEST_TEXT = """() => {
  const walker = document.createTreeWalker(document.querySelector('.sr-wall'), NodeFilter.SHOW_TEXT);
  let smallest = Infinity, what = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const el = node.parentElement, box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest) { smallest = size; what = node.textContent.trim(); }
  }
  return [smallest, what];
}"""


@pytest.fixture()
def wall_db(demo_db_path, tmp_path):
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    red = pd.DataFrame([{"rule_id": "ISO-USE", "district_code": "500105", "round_id": None, "value": 0.98, "threshold": 0.75},
                        {"rule_id": "SCR-8H", "district_code": "500108", "round_id": None, "value": 3, "threshold": 0}])
    alerts.sync(db, red, AT - pd.Timedelta(hours=6))
    settings = tmp_path / "settings.toml"
    settings.write_text(f"wall_rotate_seconds = {ROTATE_SECONDS}\n", encoding="utf-8")
    return db, settings, tmp_path / "briefings"


def test_the_wall_at_1920_and_3840(wall_db):
    db, settings, briefings = wall_db
    env = {"SITREP_SETTINGS": str(settings), "SITREP_BRIEFINGS_DIR": str(briefings)}
    with running_app(db, env=env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width, height in ((1920, 1080), (3840, 2160)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(url + "?screen=wall")                     # behind the login like every page
            page.wait_for_selector("[data-testid='stForm']", timeout=120_000)
            assert page.locator(".sr-wall").count() == 0
            log_in_browser(page, url, "demo-leader")
            page.goto(url + "?as_of=2022-07-24T18:00&screen=wall")
            page.wait_for_timeout(300)
            page.wait_for_selector(DONE, timeout=120_000)
            page.wait_for_selector(".sr-wall[data-view='alerts']", timeout=60_000)

            assert not page.locator("[data-testid='stSidebar']").is_visible()
            assert not page.locator("[data-testid='stSidebarCollapsedControl']").is_visible()
            wall = page.locator(".sr-wall").bounding_box()
            assert wall["width"] >= width - 1 and wall["height"] >= height - 1            # full screen
            map_box = page.locator("[data-testid='wall-map'] img").bounding_box()
            assert map_box["width"] >= 0.3 * width and map_box["height"] >= 0.4 * height
            ranked = page.locator("[data-testid='wall-ranked'] .sr-witem")
            assert ranked.count() == 2 and ranked.first.is_visible()
            assert "江北区" in ranked.first.inner_text()             # ISO-USE, severity 1, first
            assert "2022-07-24 18:00" in page.locator("[data-testid='wall-data-time']").inner_text()
            assert page.locator("[data-testid='wall-data-age']").is_visible()
            last_item = ranked.last.bounding_box()
            assert last_item["y"] + last_item["height"] <= height              # nothing below the fold
            smallest, what = page.evaluate(SMALLEST_TEXT)
            assert smallest >= MIN_TEXT_PX_AT_1920 * width / 1920 - 0.5, (smallest, what)
            background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
            assert background == "rgb(6, 10, 19)"                                 # dark

            # It turns: the next views in order, the data time on every one.
            seen = ["alerts"]
            for expected in ("headline", "isolation", "alerts"):
                page.wait_for_selector(f".sr-wall[data-view='{expected}']", timeout=4 * ROTATE_SECONDS * 1000)
                seen.append(expected)
                assert "2022-07-24 18:00" in page.locator("[data-testid='wall-data-time']").inner_text()
                smallest, what = page.evaluate(SMALLEST_TEXT)
                assert smallest >= MIN_TEXT_PX_AT_1920 * width / 1920 - 0.5, (expected, smallest, what)
            assert seen == ["alerts", "headline", "isolation", "alerts"]
            context.close()
        browser.close()
