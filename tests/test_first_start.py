"""A fresh clone's first visit: the demo database is built while the reader waits, and the
sidebar already shows the real pages under their titles (not the raw files of pages/), because
app.py sets up navigation before anything can stop or delay the run. In headless Chromium."""

from playwright.sync_api import sync_playwright

from sitrep import PROJECT_ROOT
from sitrep.i18n import t
from tests.app_server import running_app
from tools.screenshot import CHROMIUM_ARGS, DONE

TITLES = [t(key, "zh") for key in ("page_overview", "page_cases", "page_contacts", "page_isolation", "page_testing",
                                    "page_timeliness", "page_risk_areas", "brief_page_title", "page_data")]
RAW_FILES = {p.stem for p in (PROJECT_ROOT / "pages").glob("*.py")} | {"app"}
LINKS = "[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']"


def test_the_first_visit_shows_the_real_pages_while_the_demo_database_is_built(tmp_path):
    db = tmp_path / "sitrep.duckdb"      # does not exist: the first visit builds it
    assert len(set(TITLES)) == 9 and not RAW_FILES & set(TITLES)
    with running_app(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("[data-testid='stProgress']", timeout=60_000)   # the build is under way
        page.wait_for_function(f"document.querySelectorAll({LINKS!r}).length >= {len(TITLES)}", timeout=30_000)
        links = [text.strip() for text in page.locator(LINKS).all_inner_texts()]
        building = page.locator("[data-testid='stProgress']").count() == 1 and not db.exists()
        assert building, "the build finished before the sidebar was read: the test saw nothing"
        assert links == TITLES
        assert not RAW_FILES & {link.lower() for link in links}

        # The build finishes and the overview shows, under the same navigation.
        page.wait_for_selector(DONE, timeout=400_000)
        assert db.exists()
        assert page.locator("h1").first.inner_text().strip() == t("app_title", "zh")
        assert [x.strip() for x in page.locator(LINKS).all_inner_texts()] == TITLES
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
