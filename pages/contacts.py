"""密接 Close contacts: the funnel, moves within 8 hours and the overdue list, centralized vs home
isolation, and joint transport of the infected with contacts (rulebook §4)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sitrep import ui
from sitrep.formatting import lateness_texts
from sitrep.i18n import t

view = ui.current_view()
lang = view.lang
st.title(t("page_contacts", lang))
ui.as_of_caption(view)

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)


NAMES = ui.district_names(view)

# --- the funnel ------------------------------------------------------------------------------------
st.subheader(t("con_funnel", lang))
flow = ui.scoped("CON-FLOW", view)
STAGES = ["identified", "reached", "transferred", "tested", "released", "turned_positive"]
kinds = {"all": "", "close": "close_", "secondary": "secondary_"}
kind = st.radio(t("con_people", lang), list(kinds), horizontal=True, key="contacts_funnel_kind",
                format_func=lambda k: t(f"con_kind_{k}", lang), label_visibility="collapsed")
counts = [ui.field(flow, kinds[kind] + stage) or 0 for stage in STAGES]
labels = [t(f"con_stage_{stage}", lang) for stage in STAGES]
left, right = st.columns([3, 2])
with left:
    fig = go.Figure(go.Funnel(y=labels, x=counts, textinfo="value+percent initial"))
    fig.update_layout(margin=dict(t=10, b=10, l=10, r=10), height=360)
    st.plotly_chart(fig, width="stretch", key="contacts_funnel")
with right:
    stages = pd.DataFrame({t("con_stage", lang): labels,
                           t("con_kind_close", lang): [ui.field(flow, "close_" + s) or 0 for s in STAGES],
                           t("con_kind_secondary", lang): [ui.field(flow, "secondary_" + s) or 0 for s in STAGES],
                           t("con_kind_all", lang): [ui.field(flow, s) or 0 for s in STAGES]})
    ui.table(stages, "con_flow", view, key="contacts-csv-flow")
ui.definition("CON-FLOW", view)

# --- moved within 8 hours -------------------------------------------------------------------------
st.subheader(t("con_transfer", lang))
transfer = ui.scoped("CON-TRANSFER", view)
transfer_day = ui.scoped("CON-TRANSFER", view, view.as_of - DAY)
transfer_week = ui.scoped("CON-TRANSFER", view, view.as_of - WEEK)
cards = [("con_transfer_share", "value", "share"), ("con_on_time", "on_time", "count"),
         ("con_late", "late", "count"), ("con_pending", "pending", "count"),
         ("con_open_overdue", "open_overdue", "count")]
columns = st.columns(len(cards) + 1)
for column, (label, name, unit) in zip(columns, cards):
    ui.kpi(column, t(label, lang), "CON-TRANSFER", ui.field(transfer, name), unit,
           previous_day=ui.field(transfer_day, name), previous_week=ui.field(transfer_week, name), view=view)
median = ui.field(transfer, "median_minutes")
ui.kpi(columns[-1], t("con_median", lang), "CON-TRANSFER", None if median is None else median / 60, "hours", view=view)
ui.red_note(transfer, t("con_transfer", lang), view)
ui.definition("CON-TRANSFER", view)
with st.expander(f"{t('con_overdue_list', lang)} · {t('rows_behind', lang)}", expanded=ui.is_red(transfer)):
    items = ui.metric_frame("CON-TRANSFER", view, query="details/timeliness_items")
    statuses = {"done_late": t("con_status_done_late", lang), "open_overdue": t("con_status_open_overdue", lang)}
    shown = pd.DataFrame({
        t("con_col_item_id", lang): items["item_id"],
        t("cci_col_district", lang): items["district_code"].map(NAMES).fillna(items["district_code"]),
        t("cci_col_township_code", lang): items["township_code"],
        t("con_col_started_at", lang): ui.when(items["started_at"]),
        t("con_col_deadline", lang): ui.when(items["deadline"]),
        t("con_col_done_at", lang): ui.when(items["done_at"]),
        t("con_col_status", lang): items["status"].map(statuses).fillna(items["status"]),
        t("field_late", lang): lateness_texts(items, view.as_of, lang),
    })
    ui.table(shown, "con_transfer_overdue", view, key="contacts-csv-overdue")

# --- centralized vs home ----------------------------------------------------------------------------
st.subheader(t("con_mode", lang))
mode = ui.scoped("CON-MODE", view)
cards = [("con_mode_share", "value", "share", "value_24h_ago"),
         ("con_centralized", "centralized", "count", "centralized_24h_ago"),
         ("con_home", "home", "count", None),
         ("con_in_quarantine", "in_quarantine", "count", "in_quarantine_24h_ago")]
columns = st.columns([1, 1, 1, 1, 2])
for column, (label, name, unit, before) in zip(columns, cards):
    previous = ui.field(mode, before) if before else None
    if name == "home" and mode is not None:
        previous = ui.field(mode, "in_quarantine_24h_ago") - ui.field(mode, "centralized_24h_ago")
    ui.kpi(column, t(label, lang), "CON-MODE", ui.field(mode, name), unit, previous_day=previous, view=view)
if mode is not None:
    centralized_before = ui.field(mode, "centralized_24h_ago") or 0
    home_before = (ui.field(mode, "in_quarantine_24h_ago") or 0) - centralized_before
    bars = pd.DataFrame({
        "when": [t("con_mode_24h", lang)] * 2 + [t("con_mode_now", lang)] * 2,
        "mode": [t("con_centralized", lang), t("con_home", lang)] * 2,
        "people": [centralized_before, home_before, ui.field(mode, "centralized") or 0, ui.field(mode, "home") or 0],
    })
    fig = go.Figure([go.Bar(name=m, x=part["when"], y=part["people"]) for m, part in bars.groupby("mode", sort=False)])
    fig.update_layout(barmode="stack", margin=dict(t=10, b=10, l=10, r=10), height=260,
                      legend=dict(orientation="h"), yaxis_title=t("con_people", lang))
    columns[-1].plotly_chart(fig, width="stretch", key="contacts_mode")
ui.red_note(mode, t("con_mode_falling", lang), view)
ui.definition("CON-MODE", view)
with st.expander(t("cci_by_district", lang)):
    frame = ui.metric_frame("CON-MODE", view)
    frame = frame[frame["district_code"].notna()]
    shown = pd.DataFrame({
        t("cci_col_district", lang): frame["district_code"].map(NAMES).fillna(frame["district_code"]),
        t("con_mode_share", lang): frame["value"].round(3),
        f"{t('con_mode_share', lang)} · {t('con_mode_24h', lang)}": frame["value_24h_ago"].round(3),
        t("con_centralized", lang): frame["centralized"],
        t("con_home", lang): frame["home"],
        t("con_in_quarantine", lang): frame["in_quarantine"],
        t("cci_col_is_red", lang): frame["is_red"].map({True: t("cci_yes", lang), False: t("cci_no", lang)})
                                                  .fillna(t("unknown", lang)),
    })
    ui.table(shown, "con_mode_by_district", view, key="contacts-csv-mode")

# --- joint transport -------------------------------------------------------------------------------
st.subheader(t("con_separate", lang))
separate = ui.scoped("CON-SEPARATE", view)
cards = [("con_mixed_runs", "mixed_runs", "count"), ("con_runs", "runs", "count"),
         ("con_case_passengers", "case_passengers", "count"), ("con_contact_passengers", "contact_passengers", "count")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, t(label, lang), "CON-SEPARATE", ui.field(separate, name) if separate is not None else 0, unit, view=view)
ui.red_note(separate, t("con_separate", lang), view)
ui.definition("CON-SEPARATE", view)
with st.expander(f"{t('con_runs_list', lang)} · {t('rows_behind', lang)}", expanded=ui.is_red(separate)):
    runs = ui.query_frame("details/con_separate_runs", view)
    kinds_shown = {"case": t("cci_kind_case", lang), "contact": t("cci_kind_contact", lang)}
    shown = pd.DataFrame({
        t("con_col_run_id", lang): runs["transport_run_id"],
        t("cci_col_district", lang): runs["district_code"].map(NAMES).fillna(runs["district_code"]),
        t("con_col_departed_at", lang): ui.when(runs["departed_at"]),
        t("con_col_arrived_at", lang): ui.when(runs["arrived_at"]),
        t("con_col_passenger_kind", lang): runs["passenger_kind"].map(kinds_shown).fillna(runs["passenger_kind"]),
        t("con_col_case_id", lang): runs["case_id"],
        t("con_col_contact_id", lang): runs["contact_id"],
    })
    ui.table(shown, "con_separate_runs", view, key="contacts-csv-runs")
