"""日报与快报 Briefing and bulletin: the daily briefing and the 2-hour testing bulletin of the chosen
moment, previewed at once from the snapshot, and downloadable as Markdown, DOCX and PDF made when
asked for; issuing a briefing keeps it (data/briefings/), to be re-opened exactly as issued and
compared with today's data for the same moment."""

import time

import pandas as pd
import streamlit as st

from sitrep import access, audit, database_path, ui
from sitrep.briefing import store
from sitrep.briefing.bulletin import build_bulletin
from sitrep.briefing.charts import BLUE, ORANGE, RED
from sitrep.briefing.compose import chart_data, compose_briefing, compose_bulletin, stamp_line
from sitrep.briefing.document import Document
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


def _snapshot_of(as_of: pd.Timestamp) -> tuple[dict, float | None]:
    """The briefing's snapshot: the newest moment's comes from the latest picture (computed once per
    data version, sitrep/latest.py; no generation time to show), any other is computed here."""
    if view.following and as_of == view.newest:
        return ui.newest_read("briefing_snapshot", "briefing", {"as_of": as_of}, view,
                              lambda: build_snapshot(ui.reader(), as_of)), None
    return _snapshot(ui.data_version(), scope, as_of)


def _bulletin_of(as_of: pd.Timestamp) -> dict:
    if view.following and as_of == view.newest:
        return ui.newest_read("bulletin", "bulletin", {"as_of": as_of}, view, lambda: build_bulletin(ui.reader(), as_of))
    return _bulletin(ui.data_version(), scope, as_of)


# The PDF and the charts need a CJK font on the server (fonts-noto-cjk). Without one the page
# still gives the briefing, as Markdown and DOCX without charts, and says what to install.
try:
    cjk_font()
    font_problem = None
except FontMissing as missing:
    font_problem = str(missing)
    st.warning(t("brief_font_missing", lang, hint=font_problem))
formats = FORMATS if font_problem is None else tuple(f for f in FORMATS if f != "pdf")


# The files are made only when asked for: charts, DOCX and PDF take seconds at city scale, the
# preview above them needs none of it. Cached by the snapshot's SHA-256 (same numbers, same
# document), so a second ask, by anyone, is instant; the stamp says the minute they were first made.
@st.cache_data(max_entries=50, show_spinner=False)
def _document(kind: str, sha: str, lang: str, charts: bool, _snapshot: dict) -> Document:
    doc = compose_briefing(_snapshot, lang, with_charts=charts) if kind == "briefing" \
        else compose_bulletin(_snapshot, lang)
    doc.stamp = stamp_line(pd.Timestamp.now().floor("min"), lang)
    return doc


@st.cache_data(max_entries=150, show_spinner=False)
def _file(kind: str, sha: str, lang: str, charts: bool, stamp: str, fmt: str, _doc: Document) -> bytes:
    # The stamp is in the key: should the document leave the cache and be made again in another
    # minute, its files are made again too, so the three offered together always carry one stamp.
    return render(_doc, fmt)


@st.cache_data(max_entries=20, show_spinner=False)
def _reopened_same(issue_id: str, sha: str) -> bool:
    """Whether rendering the stored snapshot again gives the stored files byte for byte."""
    return store.reopen(store.load(issue_id))[1]


def _make_files(kind: str, sha: str, snapshot: dict, progress=None) -> dict[str, bytes]:
    """The document's files in `formats`; `progress`, a st.progress bar, is moved along the steps."""
    steps = 1 + len(formats)
    if progress is not None:
        progress.progress(0.0, text=t("brief_step_document", lang))
    doc = _document(kind, sha, lang, font_problem is None, snapshot)
    files = {}
    for done, fmt in enumerate(formats, start=1):
        if progress is not None:
            progress.progress(done / steps, text=t("brief_step_format", lang, fmt=fmt.upper()))
        files[fmt] = _file(kind, sha, lang, font_problem is None, doc.stamp, fmt, doc)
    if progress is not None:
        progress.progress(1.0)
    return files


def _offer_files(kind: str, sha: str, snapshot: dict, stem: str) -> None:
    """A button that makes the files, with a progress bar, then their download buttons. Once
    asked for in this session they are offered on every rerun for the same snapshot."""
    asked = f"brief_files_asked_{kind}"
    if st.session_state.get(asked) != (sha, lang):
        label = t("brief_prepare_files", lang, formats=" / ".join(fmt.upper() for fmt in formats))
        if not st.button(label, key=f"{kind}-prepare", icon=":material/description:"):
            st.caption(t("brief_files_on_request", lang))
            return
        started = time.perf_counter()
        with st.status(t("brief_preparing", lang), expanded=True) as status:
            files = _make_files(kind, sha, snapshot, progress=st.progress(0.0))
            status.update(label=t("brief_prepared", lang, s=f"{time.perf_counter() - started:.1f}"),
                          state="complete", expanded=False)
        st.session_state[asked] = (sha, lang)
    else:
        files = _make_files(kind, sha, snapshot)
    _downloads(files, stem, kind)


def _preview(doc) -> None:
    """The document without its charts, as Markdown."""
    with st.container(border=True):
        st.markdown(to_markdown(doc, images="omit"))


def _preview_charts(snapshot: dict) -> None:
    """The briefing's two charts drawn by the browser from the snapshot's numbers (the files'
    PNG charts are drawn only with the files)."""
    data = chart_data(snapshot, lang)
    epi = data["epi_curve"]
    st.bar_chart(epi, x="date", y=list(epi.columns[1:]), x_label="", y_label="", color=[RED, ORANGE],
                 stack=True, sort=False, height=260)
    st.caption(t("brief_chart_epi_caption", lang))
    usage = data["room_usage"]
    trigger = snapshot["settings"]["room_usage_trigger"]
    st.vega_lite_chart(usage, {
        "height": 24 * max(len(usage), 1),
        "layer": [
            {"mark": "bar", "encoding": {
                "y": {"field": "district", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "usage", "type": "quantitative", "title": None, "axis": {"format": ".0%"},
                      "scale": {"domainMin": 0}},
                "color": {"field": "red", "type": "nominal", "legend": None,
                          "scale": {"domain": [True, False], "range": [RED, BLUE]}},
                "tooltip": [{"field": "district", "type": "nominal"},
                            {"field": "usage", "type": "quantitative", "format": ".1%"}]}},
            {"mark": {"type": "rule", "color": RED, "strokeDash": [4, 3]}, "encoding": {"x": {"datum": trigger}}},
        ]})
    st.caption(t("brief_chart_usage_caption", lang, n=len(usage)))


def _downloads(files: dict, stem: str, key: str) -> None:
    shown = [fmt for fmt in FORMATS if fmt in files]
    for column, fmt in zip(st.columns(len(shown)), shown):
        column.download_button(f"⬇ {t('brief_download', lang, fmt=fmt.upper())}", data=files[fmt],
                               file_name=f"{stem}.{fmt}", mime=MIME[fmt], key=f"{key}-{fmt}")


version = ui.data_version()
briefing_tab, bulletin_tab, issued_tab = st.tabs([t("brief_tab_briefing", lang), t("brief_tab_bulletin", lang),
                                                  t("brief_tab_issued", lang)])

with briefing_tab:
    snapshot, seconds = _snapshot_of(view.as_of)
    sha = snapshot_sha256(snapshot)
    st.caption(t("brief_footer_sha", lang, sha=sha)
               + ("" if seconds is None else " · " + t("brief_generation_seconds", lang, s=f"{seconds:.1f}")))
    _offer_files("briefing", sha, snapshot, f"sitrep_briefing_asof_{view.as_of:%Y%m%d-%H%M}")
    # Issued under the logged-in user's name: only a role that may issue, and only a city snapshot.
    if access.can(user, access.ISSUE_BRIEFING) and scope is None:
        with st.form("issue"):
            st.markdown(f"**{t('brief_issue_title', lang)}**")
            issuer = user.display_name or user.login
            st.caption(t("brief_issue_as", lang, name=issuer, login=user.login))
            if st.form_submit_button(t("brief_issue_button", lang), disabled=font_problem is not None):
                with st.spinner(t("brief_preparing", lang)):     # issuing renders and keeps all three files
                    issued = store.issue(snapshot, issuer, lang=lang)
                audit.record(database_path(), audit.BRIEFING_ISSUED, user=user, object=issued.id, scope=scope,
                             details={"as_of": snapshot["as_of"], "snapshot_sha256": sha, "lang": lang})
                st.success(t("brief_issued_ok", lang, id=issued.id, sha=sha[:16]))
    st.subheader(t("brief_preview", lang))
    _preview(compose_briefing(snapshot, lang, with_charts=False))
    _preview_charts(snapshot)

with bulletin_tab:
    bulletin = _bulletin_of(view.as_of)
    bulletin_sha = snapshot_sha256(bulletin)
    st.caption(t("brief_footer_sha", lang, sha=bulletin_sha))
    _offer_files("bulletin", bulletin_sha, bulletin, f"sitrep_bulletin_asof_{view.as_of:%Y%m%d-%H%M}")
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
        # Re-rendering the PDF to check it needs the font, and seconds: done when asked for.
        if font_problem is None and st.toggle(t("brief_reopen_check", lang), key="brief_reopen_check"):
            with st.spinner(t("brief_preparing", lang)):
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
