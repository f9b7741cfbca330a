"""Streamlit glue, the video wall (指挥大屏, issue 14 #6): `?screen=wall` on any page address.

Full screen, dark, no sidebar, type readable at 5 m; a bar that always shows the data time and its
age, the alerts by status, and one of the views below in turn, changing every
`wall_rotate_seconds` (settings.toml). app.py's follow_new_data fragment runs the whole script again
when a newer data version is ready, so the wall refreshes itself as data lands.

Type size: nothing on the wall is smaller than MIN_TEXT_VW of the screen's width, i.e. 32 px on a
1920-px-wide wall (64 px at 3840). Why 32 px: a character should subtend at least 20 minutes of arc
(ISO 9241-303's preferred minimum), which at 5 m is 5000 mm x tan(20') = 29 mm. A 1920 x 1080 picture
on a typical command-hall wall of 2 x 2 55-inch panels (2.4 m wide) is 1.26 mm per pixel, so 29 mm
is 23 px of glyph height: CJK glyphs fill about 0.8 em and Latin capitals 0.7 em, which asks for a
font size of about 30-33 px. A larger wall of the same resolution makes pixels bigger, so it only
reads better.

Everything is drawn as HTML and one inline SVG map (sitrep.maps.district_svg): it scales with the
screen, needs no WebGL, and fetches nothing (no fonts, no tiles).
"""

from __future__ import annotations

import html
import time

import pandas as pd
import streamlit as st

from sitrep import alerts, leadership, maps, registry
from sitrep.formatting import format_value
from sitrep.i18n import t
from sitrep.settings import current as current_settings
from sitrep.ui import leadership as lead
from sitrep.ui.data import data_version, district_outlines, metric_frame, query_frame, red_list_frame, timed_out
from sitrep.frames import CITY, scope_row

# The wall's views, in turn; each names its words.
VIEWS = (("alerts", "wall_view_alerts"), ("headline", "wall_view_headline"), ("isolation", "wall_view_isolation"))
MIN_TEXT_VW = 100 * 32 / 1920          # 32 px at 1920 px wide (see the module docstring)
RANKED_ON_WALL = 7     # what fits under the bar and the strip at 16:9


def _e(text) -> str:
    return html.escape(str(text))


def _vw(px_at_1920: float) -> str:
    return f"{100 * px_at_1920 / 1920:.3f}vw"


CSS = f"""
<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stHeader"],
[data-testid="stToolbar"],[data-testid="stDecoration"],[data-testid="stStatusWidget"],
[data-testid="stMain"] [data-testid="stElementContainer"]:has(.stMarkdownBadge){{display:none !important}}
.stApp,[data-testid="stAppViewContainer"],[data-testid="stMain"]{{background:#060a13 !important;color:#e9eef7}}
[data-testid="stMainBlockContainer"],.block-container{{padding:0 !important;max-width:100% !important}}
[data-testid="stMain"] [data-testid="stVerticalBlock"]{{gap:0 !important}}
.sr-wall{{height:100vh;width:100vw;box-sizing:border-box;padding:{_vw(18)} {_vw(28)};display:flex;
 flex-direction:column;gap:{_vw(14)};font-size:{_vw(32)};line-height:1.25;color:#e9eef7;overflow:hidden;
 font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif}}
.sr-wall *{{box-sizing:border-box}}
.sr-wbar{{display:flex;align-items:baseline;gap:{_vw(28)};border-bottom:{_vw(3)} solid #24324a;padding-bottom:{_vw(8)}}}
.sr-wtitle{{font-size:{_vw(46)};font-weight:800;letter-spacing:.04em;flex:1;white-space:nowrap;min-width:0;overflow:hidden;text-overflow:ellipsis}}
.sr-wdemo{{color:#ffb066;white-space:nowrap}}
.sr-wtime{{font-size:{_vw(40)};font-weight:800;color:#ffd166;white-space:nowrap}}
.sr-wage{{white-space:nowrap;color:#9fb3d1}}
.sr-wage.sr-stale{{color:#ff6b6b;font-weight:800}}
.sr-wfoot{{display:flex;justify-content:flex-end}}
.sr-wtabs{{display:flex;gap:{_vw(10)};white-space:nowrap}}
.sr-wtab{{padding:0 {_vw(12)};border-radius:{_vw(8)};color:#7d8fab;border:{_vw(2)} solid #24324a}}
.sr-wtab.sr-on{{color:#060a13;background:#e9eef7;border-color:#e9eef7;font-weight:800}}
.sr-wstrip{{display:flex;gap:{_vw(16)}}}
.sr-wtile{{flex:1;border-radius:{_vw(10)};padding:{_vw(6)} {_vw(16)};background:#111a2b;border-left:{_vw(12)} solid #56657d}}
.sr-wtile .sr-n{{font-size:{_vw(72)};font-weight:800;line-height:1.05}}
.sr-wtile.sr-overdue{{border-color:#ff3b3b}}.sr-wtile.sr-overdue .sr-n{{color:#ff5a5a}}
.sr-wtile.sr-new{{border-color:#c0304f}}.sr-wtile.sr-new .sr-n{{color:#ff8fa3}}
.sr-wtile.sr-ack,.sr-wtile.sr-hand{{border-color:#f0a830}}.sr-wtile.sr-ack .sr-n,.sr-wtile.sr-hand .sr-n{{color:#ffc857}}
.sr-wtile.sr-closed{{border-color:#3fbf6f}}.sr-wtile.sr-closed .sr-n{{color:#6fe09a}}
.sr-wbody{{flex:1;min-height:0;display:flex;gap:{_vw(28)}}}
.sr-wmap{{flex:0 0 40%;min-height:0;display:flex;flex-direction:column}}
.sr-wmap img{{flex:1 1 0;min-height:0;width:100%;object-fit:contain}}
.sr-wlegend{{display:flex;flex-wrap:wrap;gap:{_vw(8)} {_vw(20)};white-space:nowrap}}
.sr-wlegend i{{display:inline-block;width:.8em;height:.8em;border-radius:.15em;margin-right:.3em;vertical-align:-.05em}}
.sr-wlist{{flex:1;min-width:0;display:flex;flex-direction:column;gap:{_vw(10)};overflow:hidden}}
.sr-witem{{background:#0f1828;border-radius:{_vw(10)};padding:{_vw(6)} {_vw(16)};border-left:{_vw(14)} solid #56657d;
 white-space:nowrap;overflow:hidden;text-overflow:ellipsis}}
.sr-witem.sr-overdue{{border-color:#ff3b3b}}.sr-witem.sr-new{{border-color:#c0304f}}
.sr-witem.sr-ack,.sr-witem.sr-hand{{border-color:#f0a830}}
.sr-witem .sr-l1{{font-weight:800;overflow:hidden;text-overflow:ellipsis}}
.sr-witem .sr-l2{{color:#b8c6dc;overflow:hidden;text-overflow:ellipsis}}
.sr-witem .sr-v{{color:#ff6b6b}}.sr-witem .sr-a{{color:#ffc857}}
.sr-wbadge{{display:inline-block;border-radius:{_vw(6)};padding:0 {_vw(10)};font-weight:800}}
.sr-wbadge.sr-overdue{{background:#ff3b3b;color:#fff}}.sr-wbadge.sr-new{{background:#c0304f;color:#fff}}
.sr-wbadge.sr-ack,.sr-wbadge.sr-hand{{background:#f0a830;color:#1b1200}}.sr-wbadge.sr-fresh{{background:#2f7bf5;color:#fff}}
.sr-wgrid{{flex:1;display:grid;grid-template-columns:repeat(3,1fr);gap:{_vw(20)};align-content:start}}
.sr-wkpi{{background:#0f1828;border-radius:{_vw(12)};padding:{_vw(14)} {_vw(20)}}}
.sr-wkpi .sr-n{{font-size:{_vw(96)};font-weight:800;line-height:1.1;color:#fff}}
.sr-wkpi .sr-d{{color:#9fb3d1}}
.sr-wkpi.sr-red .sr-n{{color:#ff5a5a}}
.sr-wempty{{font-size:{_vw(56)};color:#6fe09a;padding:{_vw(40)}}}
</style>
"""

STATE_SWATCHES = (("overdue", "lead_status_overdue"), ("new", "lead_status_new"), ("open", "wall_legend_open"),
                  ("", "wall_legend_none"))


def _rgb(colour) -> str:
    return f"rgb({colour[0]},{colour[1]},{colour[2]})"


def rotate_seconds() -> float:
    return float(current_settings()["wall_rotate_seconds"].value)


def _age(lang: str) -> tuple[str, bool]:
    """How old the data file is, and whether that is older than an hour (said in red)."""
    age = pd.Timestamp.now() - pd.Timestamp(data_version(), unit="ns").tz_localize(None)
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        text = f"{minutes} {t('unit_min', lang)}"
    elif minutes < 48 * 60:
        text = f"{minutes // 60} {t('unit_h', lang)}"
    else:
        text = f"{minutes // 1440} {t('wall_days', lang)}"
    return t("wall_data_age", lang, age=text), minutes >= 60


def _bar(view, slot: int, demo: bool) -> str:
    lang = view.lang
    age, stale = _age(lang)
    mark = f'<div class="sr-wdemo">{_e(t("auth_demo_banner", lang))}</div>' if demo else ""
    return (f'<div class="sr-wbar"><div class="sr-wtitle">{_e(t("wall_title", lang))}</div>{mark}'
            f'<div class="sr-wtime" data-testid="wall-data-time">{_e(t("wall_data_time", lang))} '
            f'{view.as_of:%Y-%m-%d %H:%M}</div>'
            f'<div class="sr-wage{" sr-stale" if stale else ""}" data-testid="wall-data-age">{_e(age)}</div></div>')


def _footer(slot: int, lang: str) -> str:
    """Which view is on, and which come next."""
    tabs = "".join(f'<span class="sr-wtab{" sr-on" if i == slot else ""}" data-view="{name}">{_e(t(key, lang))}</span>'
                   for i, (name, key) in enumerate(VIEWS))
    return f'<div class="sr-wfoot"><div class="sr-wtabs">{tabs}</div></div>'


def _strip(board: lead.Board, lang: str) -> str:
    tiles = [(leadership.OVERDUE, "lead_status_overdue", board.strip[leadership.OVERDUE]),
             (alerts.NEW, "lead_status_new", board.strip[alerts.NEW]),
             (alerts.ACK, "lead_status_ack", board.strip[alerts.ACK]),
             (alerts.HAND, "lead_status_in_hand", board.strip[alerts.HAND]),
             ("closed", "lead_closed_since", board.strip["closed_since"])]
    return '<div class="sr-wstrip">' + "".join(
        f'<div class="sr-wtile {lead.STATUS_CLASS.get(s, "sr-closed")}"><div class="sr-n">{"—" if n is None else n}</div>'
        f'<div>{_e(t(key, lang))}</div></div>' for s, key, n in tiles) + "</div>"


def _state_map(board: lead.Board, lang: str) -> str:
    districts = district_outlines()
    colours = {code: maps.state_colour(state) for code, state in board.worst.items()}
    colours.update({code: maps.GREEN for code in districts["district_code"] if code not in board.worst})
    legend = "".join(f'<span><i style="background:{_rgb(maps.state_colour(state or None))}"></i>{_e(t(key, lang))}</span>'
                     for state, key in STATE_SWATCHES)
    return (f'<div class="sr-wmap" data-testid="wall-map">'
            f'{maps.svg_image(maps.district_svg(districts, colours), t("wall_view_alerts", lang))}'
            f'<div class="sr-wlegend">{legend}</div></div>')


def _ranked(board: lead.Board, lang: str) -> str:
    shown = lead.described(board, leadership.decisions(board.ranked, RANKED_ON_WALL), lang)
    if not shown:
        return f'<div class="sr-wlist"><div class="sr-wempty">{_e(t("lead_no_alerts", lang))}</div></div>'
    items = []
    for rank, d in enumerate(shown, 1):
        versus = f" / {_e(d.threshold)}" if d.threshold else ""
        badges = f'<span class="sr-wbadge {lead.STATUS_CLASS[d.status]}">{_e(d.status_text)}</span>'
        if d.overdue_for:
            badges += f' <span class="sr-wbadge sr-overdue">{_e(t("lead_overdue_by", lang, duration=d.overdue_for))}</span>'
        if d.new:
            badges += f' <span class="sr-wbadge sr-fresh">{_e(t("lead_new_mark", lang))}</span>'
        items.append(
            f'<div class="sr-witem {lead.STATUS_CLASS[d.status]}" data-alert="{d.alert_id}">'
            f'<div class="sr-l1">{rank}. {_e(d.place)} · {_e(d.rule)} <span class="sr-v">{_e(d.value)}{versus}</span></div>'
            f'<div class="sr-l2">{badges} {_e(d.since)} · {_e(d.acting_unit)}'
            f'{" · " + _e(d.owner) if d.owner else ""}</div></div>')
    return f'<div class="sr-wlist" data-testid="wall-ranked">{"".join(items)}</div>'


def _headline_value(h: registry.Headline, view):
    if h.metric == "TEST-ROUND":       # the latest round of the place, as on the overview
        rounds = metric_frame(h.metric, view)
        mine = rounds[rounds["district_code"].isna()] if not view.district_code else \
            rounds[rounds["district_code"] == view.district_code]
        return None if mine.empty else mine.sort_values("started_at").iloc[-1][h.column]
    frame = query_frame(h.query, view) if h.query else metric_frame(h.metric, view)
    row = scope_row(frame, view)
    return None if row is None else row[h.column]


def _headlines(board: lead.Board, view) -> str:
    lang = view.lang
    cards = []
    for h in registry.headlines("overview"):
        value = _headline_value(h, view)
        shown = "—" if value is None or pd.isna(value) else format_value(value, h.unit, lang)
        cards.append(f'<div class="sr-wkpi"><div class="sr-n">{_e(shown)}</div>'
                     f'<div>{_e(h.card(lang))}</div></div>')
    items = red_list_frame(view)
    red = "—" if timed_out(items) else len(items)
    cards.append(f'<div class="sr-wkpi sr-red"><div class="sr-n">{red}</div><div>{_e(t("red_list", lang))}</div></div>')
    cards.append(f'<div class="sr-wkpi sr-red"><div class="sr-n">{board.strip["open"]}</div>'
                 f'<div>{_e(t("wall_open_alerts", lang))}</div></div>')
    return f'<div class="sr-wgrid" data-testid="wall-headline">{"".join(cards)}</div>'


def _isolation(view) -> str:
    """The rooms: the map by room usage against the trigger, and the fullest districts."""
    lang = view.lang
    metric = registry.metric("ISO-USE")
    values = metric_frame("ISO-USE", view, **CITY)
    values = values[values["district_code"].notna()].drop_duplicates("district_code")
    threshold = float(values["threshold"].dropna().iloc[0]) if values["threshold"].notna().any() else None
    colours = {}
    for row in values.itertuples():
        near = threshold is not None and pd.notna(row.value) and row.value >= 0.9 * threshold
        colours[row.district_code] = maps.colour(row.value, row.is_red, near)
    districts = district_outlines()
    names = dict(zip(districts["district_code"], districts["name_zh" if lang == "zh" else "name_en"]))
    fullest = values.sort_values("value", ascending=False).head(RANKED_ON_WALL)
    items = "".join(
        f'<div class="sr-witem {"sr-overdue" if bool(r.is_red) else "sr-hand"}"><div class="sr-l1">'
        f'{_e(names.get(r.district_code, r.district_code))} <span class="{"sr-v" if bool(r.is_red) else "sr-a"}">'
        f'{_e(format_value(r.value, metric.unit, lang))}'
        f'</span></div></div>' for r in fullest.itertuples())
    trigger = "" if threshold is None else format_value(threshold, metric.unit, lang)
    title = f'{_e(metric.name_zh if lang == "zh" else metric.name_en)} · {_e(t("wall_trigger", lang, trigger=trigger))}'
    return (f'<div class="sr-wmap" data-testid="wall-map">'
            f'{maps.svg_image(maps.district_svg(districts, colours), title)}'
            f'<div>{title}</div></div><div class="sr-wlist" data-testid="wall-isolation">{items}</div>')


def _slot(interval: float) -> int:
    """The view to show on this run: the next one once the current one has been up for its interval
    (less a little: the fragment's timer is not exact), so a whole-script run in between (new data,
    a reconnect) does not skip a view."""
    now = time.monotonic()
    slot, since = st.session_state.get("wall_slot", (-1, 0.0))
    if slot < 0 or now - since >= 0.8 * interval:
        slot, since = (slot + 1) % len(VIEWS), now
        st.session_state["wall_slot"] = (slot, since)
    return slot


def show(view, demo: bool = False) -> None:
    """The wall, in turn through VIEWS every wall_rotate_seconds."""
    st.html(CSS)
    interval = rotate_seconds()

    @st.fragment(run_every=f"{interval:g}s")
    def wall_view() -> None:
        slot = _slot(interval)
        board = lead.board(view)
        name = VIEWS[slot][0]
        if name == "alerts":
            body = _state_map(board, view.lang) + _ranked(board, view.lang)
        elif name == "headline":
            body = _headlines(board, view)
        else:
            body = _isolation(view)
        st.html(f'<div class="sr-wall" data-view="{name}">{_bar(view, slot, demo)}{_strip(board, view.lang)}'
                f'<div class="sr-wbody">{body}</div>{_footer(slot, view.lang)}</div>')

    wall_view()
