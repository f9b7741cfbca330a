"""Streamlit glue, the drill-through lists that name people (sitrep.reveal): masked by default; a
user whose role may reveal personal data (sitrep.access.REVEAL_PERSONAL) picks a reason, writes a
few words, and sees that list's rows in full for `reveal_minutes`; the reveal is audited.

What is revealed is the set of rows listed at that moment (their ids): a row that appears later is
masked until the next reveal. CSV downloads of these lists hold ids only, never a name.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sitrep import access, audit, database_path, reveal
from sitrep.i18n import t
from sitrep.settings import current as current_settings
from sitrep.ui.data import reader, reading_scope, session_user
from sitrep.ui.view_state import View
from sitrep.ui.widgets import table

_STATE = "reveals"      # session: rule_id -> {"ids": frozenset, "until": Timestamp, "reason": str}


def _revealed_ids(rule_id: str) -> frozenset[int]:
    entry = st.session_state.get(_STATE, {}).get(rule_id)
    if entry is None or pd.Timestamp.now() >= entry["until"]:
        return frozenset()
    return entry["ids"]


def people_table(rule_id: str, items: pd.DataFrame, shown: pd.DataFrame, name: str, view: View,
                 key: str) -> None:
    """`shown` (the page's readable frame of `items`, one row per item, same order) with the
    people's name, ID-card number and phone beside the id column: masked, or revealed."""
    plist = reveal.PEOPLE_LISTS[rule_id]
    lang = view.lang
    ids = items[plist.id_column]
    people = reveal.people_of(reader(), plist, ids) if len(items) else pd.DataFrame(
        columns=[plist.id_column, "full_name", "id_card_number", "phone"])
    revealed = _revealed_ids(rule_id)
    named = reveal.with_people(items[[plist.id_column]], people, plist, revealed)
    display = shown.copy()
    for offset, (column, words) in enumerate(reveal.PEOPLE_HEADERS.items(), start=1):
        display.insert(offset, t(words, lang), named[column].to_numpy())
    table(shown, name, view, key=key, display=display)
    _reveal_controls(rule_id, plist, ids, revealed, view)


def _reveal_controls(rule_id: str, plist: reveal.PeopleList, ids: pd.Series, revealed: frozenset[int],
                     view: View) -> None:
    lang = view.lang
    user = session_user()
    if revealed:
        entry = st.session_state[_STATE][rule_id]
        st.warning(t("reveal_active", lang, until=f"{entry['until']:%H:%M}", reason=entry["reason"]))
        if st.button(t("reveal_hide", lang), key=f"hide-{rule_id}"):
            st.session_state[_STATE].pop(rule_id, None)
            st.rerun()
        return
    if not access.can(user, access.REVEAL_PERSONAL):
        st.caption(t("reveal_masked_no_right", lang))
        return
    if ids.empty:
        return
    with st.popover(t("reveal_open", lang)):
        with st.form(f"reveal-{rule_id}", clear_on_submit=False):
            reason = st.selectbox(t("reveal_reason", lang), list(reveal.REVEAL_REASONS),
                                  format_func=lambda r: t(reveal.REVEAL_REASONS[r], lang))
            detail = st.text_input(t("reveal_detail", lang), max_chars=200)
            go = st.form_submit_button(t("reveal_submit", lang, rows=len(ids)))
        if go:
            problem = reveal.check_reason(reason, detail)
            if problem:
                st.error(t(problem, lang, chars=reveal.MIN_DETAIL_CHARS))
                return
            minutes = int(current_settings()["reveal_minutes"].value)
            wanted = frozenset(int(i) for i in ids.dropna())
            why = f"{t(reveal.REVEAL_REASONS[reason], lang)}: {detail.strip()}"
            audit.record(database_path(), audit.REVEAL, user=user, object=f"{rule_id} {plist.query}",
                         scope=reading_scope(),
                         details={"rule_id": rule_id, "as_of": f"{view.as_of:%Y-%m-%d %H:%M}",
                                  "reason": reason, "detail": detail.strip(), "rows": len(wanted),
                                  plist.id_column + "s": sorted(wanted), "minutes": minutes})
            st.session_state.setdefault(_STATE, {})[rule_id] = {
                "ids": wanted, "until": pd.Timestamp.now() + pd.Timedelta(minutes=minutes), "reason": why}
            st.rerun()
