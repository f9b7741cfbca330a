"""流调与报告时效 Investigation and reporting: the clock rules (2 / 4 / 24 h investigation, 2 h assist
letters, 2 h reporting, 5 h publication, 8 h / 24 h screening lists), the screening-outcome review
backlog and unregistered arrivals."""

import pandas as pd
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import format_threshold, format_value, lateness_texts
from sitrep.i18n import name_of, t

view = ui.current_view()
lang = view.lang
st.title(t("page_timeliness", lang))
ui.as_of_caption(view)


CLOCK_RULES = registry.timeliness_rules(page="timeliness")  # CON-TRANSFER shows on the contacts page


# --- the clock rules: one card each, then one table --------------------------------------------
st.subheader(t("clock_rules", lang))
frames = {rule: ui.metric_frame(rule, view) for rule in CLOCK_RULES}
summary = []
for start in range(0, len(CLOCK_RULES), 4):
    columns = st.columns(4)
    for column, rule in zip(columns, CLOCK_RULES[start:start + 4]):
        row = ui.scope_row(frames[rule], view)
        name = name_of(registry.metric(rule), lang)
        if row is None:
            column.metric(name, "—", help=ui.definition_text(rule, lang))
            column.caption(t("no_items_in_window", lang))
            continue
        counts = t("clock_counts", lang, late=int(row["late"]), open=int(row["open_overdue"]),
                   pending=int(row["pending"]))
        if pd.isna(row["value"]) and int(row["denominator"] or 0) == 0:  # nothing due in the window
            column.metric(name, "—", help=ui.definition_text(rule, lang))
            column.caption(f"{t('no_items_in_window', lang)} · {counts}")
        else:
            ui.kpi(column, name, rule, row["value"], "share", view=view)
            column.caption(counts)
        summary.append({
            "rule_id": rule, "rule_name": name,
            "value": "—" if pd.isna(row["value"]) and int(row["denominator"] or 0) == 0
            else format_value(row["value"], "share", lang),
            "on_time": int(row["on_time"]), "late": int(row["late"]), "pending": int(row["pending"]),
            "open_overdue": int(row["open_overdue"]),
            "median_minutes": None if pd.isna(row["median_minutes"]) else float(row["median_minutes"]),
            "threshold": format_threshold(row["threshold"], "hours", lang),
            "is_red": None if pd.isna(row["is_red"]) else bool(row["is_red"]),
            "red_since": row["red_since"],
        })
if summary:
    ui.table(ui.readable(pd.DataFrame(summary), view), "timeliness_summary", view, key="timeliness-summary-csv")
st.caption(t("timeliness_window_note", lang))

# --- per rule: its districts and the items that make it red ---------------------------------------
for rule in CLOCK_RULES:
    frame = frames[rule]
    with st.expander(f"{ui.metric_label(rule, view)} · {t('late_and_open_items', lang)}"):
        if frame.empty:
            st.info(t("no_items_in_window", lang))
        else:
            ui.table(ui.readable(frame, view, rule), rule, view, key=f"timeliness-{rule}-csv")
        items = ui.metric_frame(rule, view, query="details/timeliness_items")
        st.markdown(f"**{t('late_and_open_items', lang)}** · {len(items)}")
        if items.empty:
            st.success(t("no_late_items", lang))
        else:
            items = items.assign(minutes_late=lateness_texts(items, view.as_of, lang)).rename(
                columns={"minutes_late": "late"})  # to the second, as judged
            ui.table(ui.readable(items, view), f"{rule}_items", view, key=f"timeliness-{rule}-items-csv")
        ui.definition(rule, view)

# --- screening outcomes and the police review backlog ----------------------------------------------
st.subheader(ui.metric_label("SCR-OUTCOME", view))
outcome = ui.metric_frame("SCR-OUTCOME", view)
row = ui.scope_row(outcome, view)
columns = st.columns(4)
ui.kpi(columns[0], t("kpi_review_backlog", lang), "SCR-OUTCOME", None if row is None else row["value"], "count",
       view=view)
for column, (text, field, unit) in zip(
        columns[1:], registry.columns_of("SCR-OUTCOME", ["verified", "unverifiable", "not_in_chongqing"], lang)):
    ui.kpi(column, text, "SCR-OUTCOME", None if row is None else row[field], unit, view=view)
ui.table(ui.readable(outcome, view, "SCR-OUTCOME"), "SCR-OUTCOME", view, key="timeliness-scr-outcome-csv")
with st.expander(f"{t('review_backlog', lang)} · {t('rows_behind', lang)}"):
    ui.table(ui.readable(ui.query_frame("details/scr_outcome_backlog", view), view), "scr_outcome_backlog", view,
             key="timeliness-scr-backlog-csv")
ui.definition("SCR-OUTCOME", view)

# --- arrivals not registered ------------------------------------------------------------------------
st.subheader(ui.metric_label("SCR-ARRIVAL", view))
arrival = ui.metric_frame("SCR-ARRIVAL", view)
row = ui.scope_row(arrival, view)
columns = st.columns(4)
ui.kpi(columns[0], t("kpi_arrivals_unregistered", lang), "SCR-ARRIVAL", None if row is None else row["value"],
       "count", view=view)
for column, (text, field, unit) in zip(
        columns[1:], registry.columns_of("SCR-ARRIVAL", ["arrivals", "registered_late", "within_grace"], lang)):
    ui.kpi(column, text, "SCR-ARRIVAL", None if row is None else row[field], unit, view=view)
ui.table(ui.readable(arrival, view, "SCR-ARRIVAL"), "SCR-ARRIVAL", view, key="timeliness-scr-arrival-csv")
with st.expander(f"{t('arrivals_unregistered', lang)} · {t('rows_behind', lang)}"):
    unregistered = ui.query_frame("details/scr_arrival_unregistered", view)
    ui.people_table("SCR-ARRIVAL", unregistered, ui.readable(unregistered, view), "scr_arrival_unregistered", view,
                    key="timeliness-scr-arrival-items-csv")
ui.definition("SCR-ARRIVAL", view)
