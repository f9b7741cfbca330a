"""The briefing page shows the query layer's numbers at the chosen moment, offers the three
downloads, issues a briefing into the briefings folder, and re-opens and compares it."""

import pandas as pd
from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT, audit
from sitrep.briefing import store
from sitrep.briefing.fonts import cjk_font
from sitrep.briefing.snapshot import build_snapshot, snapshot_sha256
from sitrep.personal import PERSONAL_COLUMNS
from sitrep.queries import run_metric
from tests.login import account_of, app_test

APP = str(PROJECT_ROOT / "app.py")
AS_OF = pd.Timestamp("2022-07-24 18:00")
PERSONAL = set(PERSONAL_COLUMNS)


def _open(as_of: pd.Timestamp) -> AppTest:
    """The app with the as-of pinned in Session State before the first run, then the page (as in
    tests/test_pages_testing_timeliness_risk_data.py)."""
    at = app_test(APP, default_timeout=180)
    state = at.session_state
    state["view_ready"] = True
    state["lang"] = "zh"
    state["follow"] = False
    state["as_of_date"], state["as_of_time"] = as_of.date(), as_of.time()
    state["district"] = ""
    state["township"] = ""
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/briefing.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_briefing_page_previews_issues_reopens_and_compares(demo_db_path, demo, monkeypatch, tmp_path):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    monkeypatch.setenv("SITREP_BRIEFINGS_DIR", str(tmp_path))
    at = _open(AS_OF)
    assert at.title[0].value == "日报与快报"
    text = "\n".join(m.value for m in at.markdown)
    new = run_metric(demo, "CASE-NEW", as_of=AS_OF)
    city = new[new["district_code"].isna()].iloc[0]
    assert f"新增确诊病例{city['new_confirmed']}例" in text and "江北区 98.7%" in text
    assert "进度滞后" not in text and "无进行中的区域核酸检测轮次" in text   # bulletin tab: no round at 18:00
    sha = snapshot_sha256(build_snapshot(demo, AS_OF))
    assert any(sha in c.value for c in at.caption)
    labels = [b.proto.label for b in at.get("download_button")]
    assert sum("PDF" in label for label in labels) == 2 and sum("DOCX" in label for label in labels) == 2
    for frame in at.dataframe:
        assert not PERSONAL & {str(c) for c in frame.value.columns}

    # Issue it: under the logged-in duty officer's name (no name to type), and audited.
    user = account_of("duty_officer")
    assert not at.text_input          # the issuer is who is logged in
    issued_before = len(audit.entries(demo_db_path, event=audit.BRIEFING_ISSUED))
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    issued = store.list_issued()
    assert len(issued) == 1 and issued[0].meta["issued_by"] == user.display_name
    assert issued[0].meta["snapshot_sha256"] == sha
    assert any(issued[0].id in s.value for s in at.success)
    entries = audit.entries(demo_db_path, event=audit.BRIEFING_ISSUED)
    assert len(entries) == issued_before + 1
    assert entries.iloc[0]["login"] == user.login and entries.iloc[0]["object"] == issued[0].id

    # The issued tab re-opens it exactly as issued and finds today's data the same for that moment.
    at.toggle(key="brief_compare").set_value(True)
    at.run()
    assert not at.exception, at.exception
    assert any("逐字节一致：是" in c.value for c in at.caption)
    assert any("完全一致" in s.value for s in at.success)


def test_without_a_cjk_font_the_page_still_gives_the_briefing_and_says_what_to_install(
        demo_db_path, monkeypatch, tmp_path):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    monkeypatch.setenv("SITREP_BRIEFINGS_DIR", str(tmp_path))
    monkeypatch.setenv("SITREP_CJK_FONT", str(tmp_path / "no-such-font.ttc"))
    cjk_font.cache_clear()         # the font is looked for once per process
    try:
        at = _open(AS_OF)
    finally:
        cjk_font.cache_clear()
    assert any("fonts-noto-cjk" in w.value for w in at.warning)
    labels = [b.proto.label for b in at.get("download_button")]
    assert not any("PDF" in label for label in labels)
    assert sum("DOCX" in label for label in labels) == 2 and sum("MD" in label for label in labels) == 2
    assert "江北区 98.7%" in "\n".join(m.value for m in at.markdown)
