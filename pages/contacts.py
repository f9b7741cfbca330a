"""密接 Close contacts: the funnel, moves within 8 hours and the overdue list, centralized vs home
isolation, and joint transport of the infected with contacts (rulebook §4)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import lateness_texts
from sitrep.i18n import name_of, t

view = ui.current_view()
lang = view.lang
st.title(t("page_contacts", lang))
ui.as_of_caption(view)

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)


NAMES = ui.district_names(view)


def metric_name(metric_id: str) -> str:
    """A metric's name from the registry."""
    return name_of(registry.metric(metric_id), lang)


def label(metric_id: str, column: str) -> str:
    """One of a metric's own columns, as the registry names it."""
    return registry.column_label(metric_id, column, lang)

# --- the funnel ------------------------------------------------------------------------------------
st.subheader(metric_name("CON-FLOW"))
flow = ui.scoped("CON-FLOW", view)
STAGES = ["identified", "reached", "transferred", "tested", "released", "turned_positive"]
kinds = {"all": "", "close": "close_", "secondary": "secondary_"}
KIND_WORDS = {"all": t("con_kind_all", lang), "close": t("page_contacts", lang), "secondary": t("con_kind_secondary", lang)}
kind = st.radio(t("con_people", lang), list(kinds), horizontal=True, key="contacts_funnel_kind",
                format_func=KIND_WORDS.get, label_visibility="collapsed")
counts = [ui.field(flow, kinds[kind] + stage) or 0 for stage in STAGES]
labels = [label("CON-FLOW", stage) for stage in STAGES]
left, right = st.columns([3, 2])
with left:
    fig = go.Figure(go.Funnel(y=labels, x=counts, textinfo="value+percent initial"))
    fig.update_layout(margin=dict(t=10, b=10, l=10, r=10), height=360)
    st.plotly_chart(fig, width="stretch", key="contacts_funnel")
with right:
    stages = pd.DataFrame({t("con_stage", lang): labels,
                           KIND_WORDS["close"]: [ui.field(flow, "close_" + s) or 0 for s in STAGES],
                           KIND_WORDS["secondary"]: [ui.field(flow, "secondary_" + s) or 0 for s in STAGES],
                           KIND_WORDS["all"]: [ui.field(flow, s) or 0 for s in STAGES]})
    ui.table(stages, "con_flow", view, key="contacts-csv-flow")
ui.definition("CON-FLOW", view)

# --- moved within 8 hours -------------------------------------------------------------------------
st.subheader(metric_name("CON-TRANSFER"))
transfer = ui.scoped("CON-TRANSFER", view)
transfer_day = ui.scoped("CON-TRANSFER", view, view.as_of - DAY)
transfer_week = ui.scoped("CON-TRANSFER", view, view.as_of - WEEK)
cards = registry.columns_of("CON-TRANSFER", ["value", "on_time", "late", "pending", "open_overdue"], lang)
columns = st.columns(len(cards) + 1)
for column, (text, name, unit) in zip(columns, cards):
    ui.kpi(column, text, "CON-TRANSFER", ui.field(transfer, name), unit,
           previous_day=ui.field(transfer_day, name), previous_week=ui.field(transfer_week, name), view=view)
median = ui.field(transfer, "median_minutes")
ui.kpi(columns[-1], label("CON-TRANSFER", "median_minutes"), "CON-TRANSFER", None if median is None else median / 60,
       "hours", view=view)
ui.red_note(transfer, metric_name("CON-TRANSFER"), view)
ui.definition("CON-TRANSFER", view)
with st.expander(f"{t('con_overdue_list', lang)} · {t('rows_behind', lang)}", expanded=ui.is_red(transfer)):
    items = ui.metric_frame("CON-TRANSFER", view, query="details/timeliness_items")
    statuses = {"done_late": t("con_status_done_late", lang), "open_overdue": t("con_status_open_overdue", lang)}
    shown = pd.DataFrame({
        t("con_col_contact_id", lang): items["item_id"],
        t("district", lang): items["district_code"].map(NAMES).fillna(items["district_code"]),
        t("field_township_code", lang): items["township_code"],
        t("con_col_started_at", lang): ui.when(items["started_at"]),
        t("field_deadline", lang): ui.when(items["deadline"]),
        t("con_col_done_at", lang): ui.when(items["done_at"]),
        t("field_status", lang): items["status"].map(statuses).fillna(items["status"]),
        t("field_late", lang): lateness_texts(items, view.as_of, lang),
    })
    ui.people_table("CON-TRANSFER", items, shown, "con_transfer_overdue", view, key="contacts-csv-overdue")

# --- centralized vs home ----------------------------------------------------------------------------
st.subheader(metric_name("CON-MODE"))
mode = ui.scoped("CON-MODE", view)
before_columns = {"value": "value_24h_ago", "centralized": "centralized_24h_ago", "home": None,
                  "in_quarantine": "in_quarantine_24h_ago"}
cards = [(text, name, unit, before_columns[name])
         for text, name, unit in registry.columns_of("CON-MODE", list(before_columns), lang)]
columns = st.columns([1, 1, 1, 1, 2])
for column, (text, name, unit, before) in zip(columns, cards):
    previous = ui.field(mode, before) if before else None
    if name == "home" and mode is not None:
        previous = ui.field(mode, "in_quarantine_24h_ago") - ui.field(mode, "centralized_24h_ago")
    ui.kpi(column, text, "CON-MODE", ui.field(mode, name), unit, previous_day=previous, view=view)
if mode is not None:
    centralized_before = ui.field(mode, "centralized_24h_ago") or 0
    home_before = (ui.field(mode, "in_quarantine_24h_ago") or 0) - centralized_before
    bars = pd.DataFrame({
        "when": [t("con_mode_24h", lang)] * 2 + [t("con_mode_now", lang)] * 2,
        "mode": [label("CON-MODE", "centralized"), label("CON-MODE", "home")] * 2,
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
        t("district", lang): frame["district_code"].map(NAMES).fillna(frame["district_code"]),
        label("CON-MODE", "value"): frame["value"].round(3),
        f"{label('CON-MODE', 'value')} · {t('con_mode_24h', lang)}": frame["value_24h_ago"].round(3),
        label("CON-MODE", "centralized"): frame["centralized"],
        label("CON-MODE", "home"): frame["home"],
        label("CON-MODE", "in_quarantine"): frame["in_quarantine"],
        t("field_is_red", lang): frame["is_red"].map({True: t("cci_yes", lang), False: t("cci_no", lang)})
                                                  .fillna(t("unknown", lang)),
    })
    ui.table(shown, "con_mode_by_district", view, key="contacts-csv-mode")

# --- joint transport -------------------------------------------------------------------------------
st.subheader(metric_name("CON-SEPARATE"))
separate = ui.scoped("CON-SEPARATE", view)
cards = registry.columns_of("CON-SEPARATE", ["mixed_runs", "runs", "case_passengers", "contact_passengers"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "CON-SEPARATE", ui.field(separate, name) if separate is not None else 0, unit, view=view)
ui.red_note(separate, metric_name("CON-SEPARATE"), view)
ui.definition("CON-SEPARATE", view)
with st.expander(f"{t('con_runs_list', lang)} · {t('rows_behind', lang)}", expanded=ui.is_red(separate)):
    runs = ui.query_frame("details/con_separate_runs", view)
    kinds_shown = {"case": t("cci_kind_case", lang), "contact": t("cci_kind_contact", lang)}
    shown = pd.DataFrame({
        t("con_col_run_id", lang): runs["transport_run_id"],
        t("district", lang): runs["district_code"].map(NAMES).fillna(runs["district_code"]),
        t("con_col_departed_at", lang): ui.when(runs["departed_at"]),
        t("con_col_arrived_at", lang): ui.when(runs["arrived_at"]),
        t("con_col_passenger_kind", lang): runs["passenger_kind"].map(kinds_shown).fillna(runs["passenger_kind"]),
        t("cases_col_case_id", lang): runs["case_id"],
        t("con_col_contact_id", lang): runs["contact_id"],
    })
    ui.table(shown, "con_separate_runs", view, key="contacts-csv-runs")
