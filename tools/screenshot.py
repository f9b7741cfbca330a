"""Screenshot a page of the running app in headless Chromium (Debian's /usr/bin/chromium).

    python tools/screenshot.py http://localhost:8501/ docs/screenshot-home.png

Waits until Streamlit has finished running the script, then records any request that left
the machine (there must be none) and any console error.
"""

import sys
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def screenshot(url: str, out: str, width: int = 1400, height: int = 1000) -> tuple[list[str], list[str], list[str]]:
    """Returns (requests off the machine, console errors, texts of Streamlit exception boxes)."""
    off_machine, console_errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-quic",
                                          "--disable-background-networking", "--disable-component-update",
                                          "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("request", lambda r: None if urlparse(r.url).hostname in LOCAL_HOSTS
                or urlparse(r.url).scheme in ("data", "blob") else off_machine.append(r.url))
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
        page.wait_for_timeout(1500)  # let charts draw
        page.screenshot(path=out, full_page=True)
        exceptions = page.locator("[data-testid='stException']").all_inner_texts()
        browser.close()
    return off_machine, console_errors, exceptions


if __name__ == "__main__":
    off, errors, exceptions = screenshot(sys.argv[1], sys.argv[2])
    print("requests off the machine:", off or "none")
    print("console errors:", errors or "none")
    print("exceptions shown:", exceptions or "none")
    sys.exit(1 if off or errors or exceptions else 0)
