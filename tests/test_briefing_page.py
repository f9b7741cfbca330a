"""The briefing page shows the query layer's numbers at the chosen moment at once, makes the
three downloads only when asked for, issues a briefing into the briefings folder, and re-opens
and compares it."""

import io

import docx
import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from sitrep import PROJECT_ROOT, audit
from sitrep.briefing import charts, render as render_module, store
from sitrep.briefing.compose import compose_briefing
from sitrep.briefing.fonts import cjk_font
from sitrep.briefing.render import render
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


def _labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _button(at: AppTest, key_or_label: str):
    return next(b for b in at.button if key_or_label in (b.key, b.label))


@pytest.fixture
def made(monkeypatch) -> dict:
    """Counts of the charts, DOCX and PDF the page makes, and the bytes it offers for download by
    file name (what the browser would save)."""
    made = {"charts": 0, "docx": 0, "pdf": 0, "offered": {}}

    def counting(name, original):
        def wrapper(*args, **kwargs):
            made[name] += 1
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(charts, "epi_curve", counting("charts", charts.epi_curve))
    monkeypatch.setattr(render_module, "to_docx", counting("docx", render_module.to_docx))
    monkeypatch.setattr(render_module, "to_pdf", counting("pdf", render_module.to_pdf))
    add = MediaFileManager.add

    def offered(self, data, mimetype, coordinates, file_name=None, **kwargs):
        made["offered"][file_name] = data
        return add(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", offered)
    st.cache_data.clear()        # files cached by an earlier test would hide what this visit makes
    return made


def test_the_first_visit_shows_the_preview_and_makes_the_files_only_when_asked(demo_db_path, demo, made,
                                                                               monkeypatch, tmp_path):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    monkeypatch.setenv("SITREP_BRIEFINGS_DIR", str(tmp_path))
    at = _open(AS_OF)
    text = "\n".join(m.value for m in at.markdown)
    assert "江北区 98.7%" in text                                     # the preview, from the snapshot
    assert _labels(at) == [] and (made["charts"], made["docx"], made["pdf"]) == (0, 0, 0)
    assert _button(at, "briefing-prepare").label == "生成下载文件（MD / DOCX / PDF）"
    assert any("点击后生成" in c.value for c in at.caption)

    _button(at, "briefing-prepare").click()
    at.run()
    assert not at.exception, at.exception
    assert (made["charts"], made["docx"], made["pdf"]) == (1, 1, 1)   # the briefing's, not the bulletin's
    assert _labels(at) == ["⬇ 下载 MD", "⬇ 下载 DOCX", "⬇ 下载 PDF"]
    stem = f"sitrep_briefing_asof_{AS_OF:%Y%m%d-%H%M}"
    offered = {fmt: made["offered"][f"{stem}.{fmt}"] for fmt in ("md", "docx", "pdf")}

    # Offered again on the next run without being made again; the bulletin's only when asked.
    at.run()
    assert _labels(at) == ["⬇ 下载 MD", "⬇ 下载 DOCX", "⬇ 下载 PDF"] and made["pdf"] == 1
    _button(at, "bulletin-prepare").click()
    at.run()
    assert len(_labels(at)) == 6 and made["pdf"] == 2

    # Another session asking for the same snapshot gets the files made before, stamp and all.
    again = _open(AS_OF)
    assert _labels(again) == []
    _button(again, "briefing-prepare").click()
    again.run()
    assert not again.exception, again.exception
    assert (made["charts"], made["docx"], made["pdf"]) == (1, 2, 2)
    assert made["offered"][f"{stem}.pdf"] == offered["pdf"]

    # The files are the briefing of this moment's snapshot, charts included, stamped when made:
    # rendered again here with that stamp they are the same bytes.
    markdown = offered["md"].decode("utf-8")
    stamp = markdown.rstrip().splitlines()[-1]
    assert stamp.startswith("生成于 ") and markdown.count("data:image/png;base64,") == 2
    doc = compose_briefing(build_snapshot(demo, AS_OF), "zh")
    doc.stamp = stamp
    assert all(render(doc, fmt) == offered[fmt] for fmt in ("md", "docx", "pdf"))
    assert len(docx.Document(io.BytesIO(offered["docx"])).inline_shapes) == 2 and offered["pdf"][:5] == b"%PDF-"


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
    assert not at.get("download_button")          # made only when asked for (the test above)
    for frame in at.dataframe:
        assert not PERSONAL & {str(c) for c in frame.value.columns}

    # Issue it: under the logged-in duty officer's name (no name to type), and audited.
    user = account_of("duty_officer")
    assert not at.text_input          # the issuer is who is logged in
    issued_before = len(audit.entries(demo_db_path, event=audit.BRIEFING_ISSUED))
    _button(at, "签发本期日报").click()
    at.run()
    assert not at.exception, at.exception
    issued = store.list_issued()
    assert len(issued) == 1 and issued[0].meta["issued_by"] == user.display_name
    assert issued[0].meta["snapshot_sha256"] == sha
    assert any(issued[0].id in s.value for s in at.success)
    entries = audit.entries(demo_db_path, event=audit.BRIEFING_ISSUED)
    assert len(entries) == issued_before + 1
    assert entries.iloc[0]["login"] == user.login and entries.iloc[0]["object"] == issued[0].id

    # The issued tab offers it as issued; asked, it renders it again byte for byte, and finds
    # today's data the same for that moment.
    assert _labels(at) == ["⬇ 下载 MD", "⬇ 下载 DOCX", "⬇ 下载 PDF"]
    assert not any("逐字节一致" in c.value for c in at.caption)
    at.toggle(key="brief_reopen_check").set_value(True)
    at.toggle(key="brief_compare").set_value(True)
    at.run()
    assert not at.exception, at.exception
    assert any("逐字节一致：是" in c.value for c in at.caption)
    assert any("完全一致" in s.value for s in at.success)


def test_without_a_cjk_font_the_page_still_gives_the_briefing_and_says_what_to_install(
        demo_db_path, made, monkeypatch, tmp_path):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    monkeypatch.setenv("SITREP_BRIEFINGS_DIR", str(tmp_path))
    monkeypatch.setenv("SITREP_CJK_FONT", str(tmp_path / "no-such-font.ttc"))
    cjk_font.cache_clear()         # the font is looked for once per process
    try:
        at = _open(AS_OF)
        assert any("fonts-noto-cjk" in w.value for w in at.warning)
        assert "江北区 98.7%" in "\n".join(m.value for m in at.markdown)
        assert _labels(at) == [] and _button(at, "briefing-prepare").label == "生成下载文件（MD / DOCX）"
        _button(at, "briefing-prepare").click()
        at.run()
    finally:
        cjk_font.cache_clear()
    assert not at.exception, at.exception
    assert _labels(at) == ["⬇ 下载 MD", "⬇ 下载 DOCX"] and made["charts"] == made["pdf"] == 0
    stem = f"sitrep_briefing_asof_{AS_OF:%Y%m%d-%H%M}"
    assert "江北区 98.7%" in made["offered"][f"{stem}.md"].decode("utf-8")
    assert "data:image" not in made["offered"][f"{stem}.md"].decode("utf-8")
