"""Streamlit glue, leadership's first screen (pages/overview.py) and the video wall (sitrep/ui/wall.py):
the alerts as they stood at the view's moment for the session's districts, ranked worst first, and
the HTML that shows them (the strip, the three cards, the ranked lines). The logic is
sitrep/leadership.py; the words sitrep/words/overview.toml."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from sitrep import alerts, database_path, leadership
from sitrep.briefing import store as briefing_store
from sitrep.frames import CITY
from sitrep.i18n import t
from sitrep.ui.data import data_version, reading_scope, red_list_frame, timed_out

# Alerts change when someone acknowledges them, not only with the data: read again after this long.
ALERTS_FRESH_SECONDS = 10


@st.cache_data(ttl=ALERTS_FRESH_SECONDS, max_entries=200, show_spinner=False)
def _states(path: str, at: pd.Timestamp, version: int) -> pd.DataFrame:
    return alerts.states(path, at)


@st.cache_data(ttl=60, show_spinner=False)
def _issued_as_ofs(_version: int) -> list[str]:
    return [issued.meta.get("as_of") for issued in briefing_store.list_issued()]


@dataclass
class Board:
    """What the leadership screen and the wall show at the view's moment."""
    at: pd.Timestamp
    since: pd.Timestamp | None          # the last issued briefing's as-of
    states: pd.DataFrame                # every alert the user may see, for the place picked
    ranked: pd.DataFrame                # the same, worst first
    strip: dict
    by_rule: pd.DataFrame
    worst: dict[str, str]               # district -> worst state


def board(view) -> Board:
    """The alerts at the view's moment (a pinned past moment: as they stood then), for the
    session's districts and the place picked."""
    version = data_version()
    frame = leadership.visible(_states(str(database_path()), view.as_of, version), reading_scope(),
                               view.district_code)
    items = red_list_frame(view, **CITY)
    ranked = alerts.ranked(frame, None if timed_out(items) else items)
    since = leadership.since_briefing(_issued_as_ofs(version), view.as_of)
    return Board(view.as_of, since, frame, ranked, leadership.strip(frame, since), leadership.by_rule(frame),
                 leadership.worst_by_district(frame))


def _e(text) -> str:
    return html.escape(str(text))


STATUS_CLASS = {leadership.OVERDUE: "sr-overdue", alerts.NEW: "sr-new", alerts.ACK: "sr-ack",
                alerts.HAND: "sr-hand", alerts.DONE: "sr-closed"}

CSS = """
<style>
.sr-strip{display:flex;flex-wrap:wrap;gap:.5rem;margin:.25rem 0 .75rem 0;align-items:stretch}
.sr-tile{border-radius:.5rem;padding:.35rem .8rem;min-width:7.5rem;border:1px solid rgba(128,128,128,.35)}
.sr-tile .sr-n{font-size:2rem;font-weight:700;line-height:1.1}
.sr-tile .sr-l{font-size:.85rem;opacity:.85}
.sr-tile.sr-overdue{background:#c81e1e;color:#fff;border-color:#c81e1e}
.sr-tile.sr-new{background:#fde8e8;color:#7a0f1c;border-color:#e8a0a0}
.sr-tile.sr-ack{background:#fff4dc;color:#6b4500}
.sr-tile.sr-hand{background:#fff4dc;color:#6b4500}
.sr-tile.sr-closed{background:#e6f4ea;color:#1e5631}
.sr-rules{display:flex;flex-wrap:wrap;gap:.35rem;align-items:center;margin-bottom:.5rem;font-size:.9rem}
.sr-chip{border:1px solid rgba(128,128,128,.45);border-radius:1rem;padding:.1rem .6rem}
.sr-chip b{color:#c81e1e}
.sr-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:.8rem;margin:.25rem 0 1rem 0}
.sr-card{border-radius:.6rem;padding:.8rem 1rem;border:2px solid #d0d0d0;border-left:.6rem solid #999;
 background:rgba(128,128,128,.06)}
.sr-card.sr-overdue{border-color:#c81e1e}.sr-card.sr-new{border-color:#8c1c2c}
.sr-card.sr-ack,.sr-card.sr-hand{border-color:#e0a030}
.sr-card .sr-rank{font-size:2.2rem;font-weight:800;float:right;opacity:.35;line-height:1}
.sr-card .sr-rule{font-size:1.25rem;font-weight:700}
.sr-card .sr-place{font-size:1.2rem;font-weight:600}
.sr-card .sr-value{font-size:1.7rem;font-weight:800;color:#c81e1e;margin:.2rem 0}
.sr-card .sr-value span{font-size:1rem;font-weight:500;color:inherit;opacity:.8}
.sr-card .sr-row{font-size:1rem;margin:.1rem 0}
.sr-badge{display:inline-block;border-radius:.3rem;padding:0 .45rem;font-weight:700;font-size:.9em}
.sr-badge.sr-overdue{background:#c81e1e;color:#fff}.sr-badge.sr-new{background:#8c1c2c;color:#fff}
.sr-badge.sr-ack,.sr-badge.sr-hand{background:#e0a030;color:#231500}.sr-badge.sr-closed{background:#3c9650;color:#fff}
.sr-badge.sr-fresh{background:#1f5fbf;color:#fff}
.sr-lines{width:100%;border-collapse:collapse;font-size:.95rem}
.sr-lines td{padding:.25rem .5rem;white-space:nowrap;border-bottom:1px solid rgba(128,128,128,.25);vertical-align:top}
.sr-lines td.sr-num{text-align:right;white-space:nowrap;font-weight:700}
.sr-lines tr.sr-overdue td:first-child{border-left:.35rem solid #c81e1e}
.sr-lines tr.sr-new td:first-child{border-left:.35rem solid #8c1c2c}
.sr-lines tr.sr-ack td:first-child,.sr-lines tr.sr-hand td:first-child{border-left:.35rem solid #e0a030}
</style>
"""


def strip_html(b: Board, lang: str, rules: int = 8) -> str:
    """The strip: open alerts by status, closed since the briefing, and the worst rules."""
    tiles = [(leadership.OVERDUE, "lead_status_overdue"), (alerts.NEW, "lead_status_new"),
             (alerts.ACK, "lead_status_ack"), (alerts.HAND, "lead_status_in_hand")]
    parts = [f'<div class="sr-tile {STATUS_CLASS[s]}" data-status="{s}"><div class="sr-n">{b.strip[s]}</div>'
             f'<div class="sr-l">{_e(t(key, lang))}</div></div>' for s, key in tiles]
    closed = b.strip["closed_since"]
    since = (t("lead_since_briefing", lang, moment=f"{b.since:%m-%d %H:%M}") if b.since is not None
             else t("lead_no_briefing", lang))
    parts.append(f'<div class="sr-tile sr-closed" data-status="closed_since"><div class="sr-n">'
                 f'{"—" if closed is None else closed}</div><div class="sr-l">{_e(t("lead_closed_since", lang))}'
                 f' · {_e(since)}</div></div>')
    chips = "".join(f'<span class="sr-chip">{_e(r.rule_id)} {r.open}'
                    + (f' · <b>{r.overdue} {_e(t("lead_status_overdue", lang))}</b>' if r.overdue else "")
                    + "</span>" for r in b.by_rule.head(rules).itertuples())
    return (f'<div class="sr-strip">{"".join(parts)}</div>'
            f'<div class="sr-rules"><span>{_e(t("lead_worst_rules", lang))}:</span>{chips}</div>')


def _badges(d: leadership.Described, lang: str) -> str:
    out = f'<span class="sr-badge {STATUS_CLASS[d.status]}">{_e(d.status_text)}</span>'
    if d.overdue_for:
        out += f' <span class="sr-badge sr-overdue">{_e(t("lead_overdue_by", lang, duration=d.overdue_for))}</span>'
    if d.new:
        out += f' <span class="sr-badge sr-fresh">{_e(t("lead_new_mark", lang))}</span>'
    return out


def described(b: Board, frame: pd.DataFrame, lang: str) -> list[leadership.Described]:
    return [leadership.describe(row, b.at, b.since, lang) for _, row in frame.iterrows()]


def cards_html(b: Board, lang: str) -> str:
    """The three things that need a decision, as large cards in ranked order."""
    top = described(b, leadership.decisions(b.ranked, 3), lang)
    if not top:
        return f'<div class="sr-cards-empty">{_e(t("lead_no_alerts", lang))}</div>'
    cards = []
    for rank, d in enumerate(top, 1):
        versus = f' <span>/ {_e(d.threshold)}</span>' if d.threshold else ""
        cards.append(
            f'<div class="sr-card {STATUS_CLASS[d.status]}" data-alert="{d.alert_id}" data-rank="{rank}">'
            f'<div class="sr-rank">{rank}</div><div class="sr-rule">{_e(d.rule_id)} {_e(d.rule)}</div>'
            f'<div class="sr-place">{_e(d.place)}</div><div class="sr-value">{_e(d.value)}{versus}</div>'
            f'<div class="sr-row">{_badges(d, lang)}</div>'
            f'<div class="sr-row">{_e(t("lead_since", lang, moment=d.since, duration=d.open_for))}</div>'
            f'<div class="sr-row">{_e(t("lead_acting", lang))}: <b>{_e(d.acting_unit)}</b></div>'
            f'<div class="sr-row">{_e(t("lead_owner", lang))}: {_e(d.owner or t("lead_nobody", lang))}</div>'
            f'</div>')
    return f'<div class="sr-cards">{"".join(cards)}</div>'


def lines_html(b: Board, lang: str, n: int = 15, css_class: str = "sr-lines") -> str:
    """The ranked open alerts, one line each (the first `n`)."""
    rows = []
    for rank, d in enumerate(described(b, b.ranked[leadership.is_open(b.ranked)].head(n), lang), 1):
        versus = f" / {_e(d.threshold)}" if d.threshold else ""
        rows.append(
            f'<tr class="{STATUS_CLASS[d.status]}" data-alert="{d.alert_id}"><td class="sr-num">{rank}</td>'
            f'<td><b>{_e(d.rule_id)}</b> {_e(d.rule)}</td><td><b>{_e(d.place)}</b></td>'
            f'<td class="sr-num">{_e(d.value)}{versus}</td><td>{_badges(d, lang)}</td>'
            f'<td>{_e(t("lead_since", lang, moment=d.since, duration=d.open_for))}</td>'
            f'<td>{_e(d.acting_unit)}</td><td>{_e(d.owner or "—")}</td></tr>')
    return f'<table class="{css_class}">{"".join(rows)}</table>'


def full_frame(b: Board, lang: str) -> pd.DataFrame:
    """Every alert the user may see, worst first, as a table (open and closed)."""
    ds = described(b, b.ranked, lang)
    return pd.DataFrame({
        "#": range(1, len(ds) + 1),
        t("rule", lang): [f"{d.rule_id} {d.rule}" for d in ds],
        t("district", lang): [d.place for d in ds],
        t("value", lang): [d.value for d in ds],
        t("threshold", lang): [d.threshold for d in ds],
        t("lead_open", lang): [t("lead_since", lang, moment=d.since, duration=d.open_for) for d in ds],
        t("field_status", lang): [("★ " if d.new else "") + d.status_text
                                     + (f" · {t('lead_overdue_by', lang, duration=d.overdue_for)}" if d.overdue_for else "")
                                     for d in ds],
        t("lead_acting", lang): [d.acting_unit for d in ds],
        t("lead_owner", lang): [d.owner for d in ds],
    })


def link_to_inbox(lang: str) -> None:
    """A link to the alerts inbox (pages/alerts.py, url path "alerts") when the app lists it."""
    try:
        st.page_link("pages/alerts.py", label=t("lead_inbox_link", lang))
    except Exception:  # noqa: BLE001 -- StreamlitAPIException when no such page is registered for this user: no link shown
        pass
