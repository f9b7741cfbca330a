"""A fresh clone's first visit: the demo database is built while the reader waits, the sidebar never
lists the raw files of pages/ (app.py sets up navigation before anything can stop or delay the run:
the login page alone, hidden, until somebody has logged in), and after the build the login form
takes a demo account of the README and shows the real pages under their titles. In headless Chromium."""

from playwright.sync_api import sync_playwright

from sitrep import PROJECT_ROOT
from sitrep.i18n import t
from tests.app_server import running_app
from tests.login import DEMO_PASSWORDS
from tools.screenshot import CHROMIUM_ARGS, log_in

TITLES = [t(key, "zh") for key in ("page_overview", "inbox_page_title", "page_cases", "page_contacts",
                                    "page_isolation", "page_testing", "page_timeliness", "page_risk_areas",
                                    "brief_page_title", "page_data")]
RAW_FILES = {p.stem for p in (PROJECT_ROOT / "pages").glob("*.py")} | {"app"}
LINKS = "[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']"


def test_the_first_visit_builds_the_demo_database_then_the_demo_login_shows_the_real_pages(tmp_path):
    db = tmp_path / "sitrep.duckdb"      # does not exist: the first visit builds it
    assert len(set(TITLES)) == 10 and not RAW_FILES & set(TITLES)
    with running_app(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("[data-testid='stProgress']", timeout=60_000)   # the build is under way
        page.wait_for_timeout(1000)
        sidebar = " ".join(page.locator("[data-testid='stSidebar']").all_inner_texts()).lower()
        building = page.locator("[data-testid='stProgress']").count() == 1 and not db.exists()
        assert building, "the build finished before the sidebar was read: the test saw nothing"
        assert page.locator(LINKS).count() == 0 and not any(raw in sidebar.split() for raw in RAW_FILES)

        # The build finishes (with the demo accounts), the login form shows, a demo account logs in.
        page.wait_for_selector("[data-testid='stForm']", timeout=400_000)
        assert db.exists()
        log_in(page, None, "demo-leader", DEMO_PASSWORDS["demo-leader"])
        assert page.locator("h1").first.inner_text().strip() == t("app_title", "zh")
        links = [x.strip() for x in page.locator(LINKS).all_inner_texts()]
        assert links == TITLES
        assert not RAW_FILES & {link.lower() for link in links}
        assert page.get_by_text(t("auth_demo_account", "zh"), exact=True).count() == 1
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
