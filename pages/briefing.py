"""日报与快报 Briefing and bulletin: the daily briefing and the 2-hour testing bulletin of the chosen
moment, downloadable as Markdown, DOCX and PDF; issuing a briefing keeps it (data/briefings/), to
be re-opened exactly as issued and compared with today's data for the same moment."""

import time

import pandas as pd
import streamlit as st

from sitrep import access, audit, database_path, ui
from sitrep.briefing import store
from sitrep.briefing.bulletin import build_bulletin
from sitrep.briefing.compose import compose_briefing, compose_bulletin, stamp_line
from sitrep.briefing.document import Image
from sitrep.briefing.fonts import FontMissing, cjk_font
from sitrep.briefing.render import FORMATS, MIME, render, to_markdown
from sitrep.briefing.snapshot import build_snapshot, snapshot_sha256
from sitrep.i18n import t

view = ui.current_view()
lang = view.lang
st.title(t("brief_page_title", lang))
ui.as_of_caption(view)
if view.district_code:
    st.info(t("brief_city_scope", lang))
user = ui.current_user()
scope = ui.reading_scope()      # a district account's briefing covers its districts only
if scope is not None:
    st.warning(t("brief_scope_note", lang, districts="、".join(scope)))
if view.as_of > view.newest:
    st.warning(t("brief_after_newest", lang, newest=f"{view.newest:%Y-%m-%d %H:%M}"))


# Keyed by the reader's scope too: a district account's snapshot is never served to another scope.
@st.cache_data(max_entries=50, show_spinner=False)
def _snapshot(version: int, scope, as_of: pd.Timestamp) -> tuple[dict, float]:
    started = time.perf_counter()
    return build_snapshot(ui.reader(), as_of), time.perf_counter() - started


@st.cache_data(max_entries=50, show_spinner=False)
def _bulletin(version: int, scope, as_of: pd.Timestamp) -> dict:
    return build_bulletin(ui.reader(), as_of)


# The PDF and the charts need a CJK font on the server (fonts-noto-cjk). Without one the page
# still gives the briefing, as Markdown and DOCX without charts, and says what to install.
try:
    cjk_font()
    font_problem = None
except FontMissing as missing:
    font_problem = str(missing)
    st.warning(t("brief_font_missing", lang, hint=font_problem))
formats = FORMATS if font_problem is None else tuple(f for f in FORMATS if f != "pdf")


@st.cache_data(max_entries=50, show_spinner=False)
def _files(kind: str, sha: str, snapshot: dict, lang: str, stamp_at: pd.Timestamp, charts: bool = True) -> dict:
    """Markdown, DOCX and PDF of a snapshot; keyed by its SHA-256 (same numbers, same files)."""
    doc = compose_briefing(snapshot, lang, with_charts=charts) if kind == "briefing" \
        else compose_bulletin(snapshot, lang)
    doc.stamp = stamp_line(stamp_at, lang)
    return {fmt: render(doc, fmt) for fmt in (FORMATS if charts else ("md", "docx"))}


@st.cache_data(max_entries=20, show_spinner=False)
def _reopened_same(issue_id: str, sha: str) -> bool:
    """Whether rendering the stored snapshot again gives the stored files byte for byte."""
    return store.reopen(store.load(issue_id))[1]


def _preview(doc) -> None:
    """The document without its charts as Markdown, the charts as images beside it."""
    with st.container(border=True):
        st.markdown(to_markdown(doc, images="omit"))
    for block in doc.blocks:
        if isinstance(block, Image):
            st.image(block.png, caption=block.caption)


def _downloads(files: dict, stem: str, key: str) -> None:
    shown = [fmt for fmt in FORMATS if fmt in files]
    for column, fmt in zip(st.columns(len(shown)), shown):
        column.download_button(f"⬇ {t('brief_download', lang, fmt=fmt.upper())}", data=files[fmt],
                               file_name=f"{stem}.{fmt}", mime=MIME[fmt], key=f"{key}-{fmt}")


version = ui.data_version()
# The generation stamp of downloads made on this page: the minute they were built.
stamp_at = pd.Timestamp.now().floor("min")
briefing_tab, bulletin_tab, issued_tab = st.tabs([t("brief_tab_briefing", lang), t("brief_tab_bulletin", lang),
                                                  t("brief_tab_issued", lang)])

with briefing_tab:
    snapshot, seconds = _snapshot(version, scope, view.as_of)
    sha = snapshot_sha256(snapshot)
    st.caption(t("brief_footer_sha", lang, sha=sha) + " · " + t("brief_generation_seconds", lang, s=f"{seconds:.1f}"))
    files = _files("briefing", sha, snapshot, lang, stamp_at, charts=font_problem is None)
    _downloads(files, f"sitrep_briefing_asof_{view.as_of:%Y%m%d-%H%M}", "briefing")
    # Issued under the logged-in user's name: only a role that may issue, and only a city snapshot.
    if access.can(user, access.ISSUE_BRIEFING) and scope is None:
        with st.form("issue"):
            st.markdown(f"**{t('brief_issue_title', lang)}**")
            issuer = user.display_name or user.login
            st.caption(t("brief_issue_as", lang, name=issuer, login=user.login))
            if st.form_submit_button(t("brief_issue_button", lang), disabled=font_problem is not None):
                issued = store.issue(snapshot, issuer, lang=lang)
                audit.record(database_path(), audit.BRIEFING_ISSUED, user=user, object=issued.id, scope=scope,
                             details={"as_of": snapshot["as_of"], "snapshot_sha256": sha, "lang": lang})
                st.success(t("brief_issued_ok", lang, id=issued.id, sha=sha[:16]))
    st.subheader(t("brief_preview", lang))
    _preview(compose_briefing(snapshot, lang, with_charts=font_problem is None))

with bulletin_tab:
    bulletin = _bulletin(version, scope, view.as_of)
    bulletin_sha = snapshot_sha256(bulletin)
    st.caption(t("brief_footer_sha", lang, sha=bulletin_sha))
    _downloads(_files("bulletin", bulletin_sha, bulletin, lang, stamp_at, charts=font_problem is None),
               f"sitrep_bulletin_asof_{view.as_of:%Y%m%d-%H%M}", "bulletin")
    _preview(compose_bulletin(bulletin, lang))

with issued_tab:
    issued_list = store.list_issued() if scope is None else []
    if scope is not None:       # issued briefings are city-wide: not a district account's to read
        st.info(t("brief_issued_city_only", lang))
    elif not issued_list:
        st.info(t("brief_issued_none", lang))
    else:
        st.dataframe(pd.DataFrame({
            t("brief_icol_id", lang): [i.id for i in issued_list],
            t("brief_icol_issued_at", lang): [i.meta["issued_at"].replace("T", " ") for i in issued_list],
            t("brief_icol_issued_by", lang): [i.meta["issued_by"] for i in issued_list],
            t("as_of", lang): [i.meta["as_of"].replace("T", " ")[:16] for i in issued_list],
            t("language", lang): [i.meta["lang"] for i in issued_list],
            t("brief_icol_sha", lang): [i.meta["snapshot_sha256"][:16] for i in issued_list],
        }), hide_index=True, width="stretch")
        ids = [i.id for i in issued_list]
        picked = st.selectbox(t("brief_issued_pick", lang), ids, key="brief_issued_pick")
        issued = store.load(picked)
        if font_problem is None:   # re-rendering the PDF to compare needs the font
            same = _reopened_same(issued.id, issued.meta["snapshot_sha256"])
            st.caption(t("brief_reopened", lang, same=t("cci_yes" if same else "cci_no", lang)))
        _downloads({fmt: issued.file(fmt) for fmt in FORMATS}, f"sitrep_briefing_issued_{issued.id}", "issued")
        if st.toggle(t("brief_compare", lang), key="brief_compare"):
            current, _ = _snapshot(version, scope, pd.Timestamp(issued.meta["as_of"]))
            differences = store.compare(issued.snapshot, current)
            if not differences:
                st.success(t("brief_compare_same", lang, sha=snapshot_sha256(current)[:16]))
            else:
                st.warning(t("brief_compare_diff", lang, n=len(differences)))
                st.dataframe(pd.DataFrame({
                    t("brief_ccol_where", lang): [d["where"] for d in differences],
                    t("brief_ccol_field", lang): [d["field"] for d in differences],
                    t("brief_ccol_issued", lang): [str(d["issued"]) for d in differences],
                    t("brief_ccol_now", lang): [str(d["current"]) for d in differences],
                }), hide_index=True, width="stretch")
        with st.container(border=True):
            st.markdown(to_markdown(compose_briefing(issued.snapshot, issued.meta["lang"], with_charts=False),
                                    images="omit"))
