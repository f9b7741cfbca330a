"""病例 Cases: the epidemic curve, social-surface positives, suspected cases, outcomes, transfer of
the infected and re-tests after discharge (rulebook §3)."""

import pandas as pd
import plotly.express as px
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import format_value
from sitrep.i18n import name_of, t

view = ui.current_view()
lang = view.lang
st.title(t("page_cases", lang))
ui.as_of_caption(view)

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)


NAMES = ui.district_names(view)
CLASSES = {"confirmed": t("cases_class_confirmed", lang), "asymptomatic": t("cases_class_asymptomatic", lang)}
SOURCES = {k: registry.column_label("CASE-SOURCE", k, lang) for k in ("abroad", "other_province", "local")}


def metric_name(metric_id: str) -> str:
    """A metric's name from the registry."""
    return name_of(registry.metric(metric_id), lang)


def label(metric_id: str, column: str) -> str:
    """One of a metric's own columns, as the registry names it."""
    return registry.column_label(metric_id, column, lang)


# --- new cases -----------------------------------------------------------------------------------
st.subheader(metric_name("CASE-NEW"))
now, day_before, week_before = ui.scoped("CASE-NEW", view), ui.scoped("CASE-NEW", view, view.as_of - DAY), ui.scoped("CASE-NEW", view, view.as_of - WEEK)
cards = registry.columns_of("CASE-NEW", ["new_confirmed", "new_asymptomatic", "avg_7d", "cumulative", "active"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "CASE-NEW", ui.field(now, name), unit, previous_day=ui.field(day_before, name),
           previous_week=ui.field(week_before, name), view=view)
if now is not None:
    trend = t("cases_trend", lang, last=int(now["last_7d"]), previous=int(now["previous_7d"]))
    if ui.is_red(now):
        ui.red_note(now, f"{t('cci_rising', lang)}: {trend}", view)
    else:
        st.caption(trend)
ui.definition("CASE-NEW", view)

# --- epidemic curve ---------------------------------------------------------------------------
st.subheader(t("cases_curve", lang))
daily = ui.query_frame("details/case_daily", view)
if daily.empty:
    st.info(t("cci_no_rows", lang))
else:
    daily["confirmed_on"] = pd.to_datetime(daily["confirmed_on"])
    labels = {"confirmed_on": t("cases_day", lang), "new_positives": t("cases_positives", lang)}
    left, right = st.columns(2)
    for column, by, names, title, key in ((left, "classification", CLASSES, "cases_curve_class", "cases_curve_class"),
                                          (right, "source", SOURCES, "cases_curve_source", "cases_curve_source")):
        frame = daily.groupby(["confirmed_on", by], as_index=False)["new_positives"].sum()
        frame[by] = frame[by].map(names).fillna(frame[by])
        fig = px.bar(frame, x="confirmed_on", y="new_positives", color=by, title=t(title, lang),
                     labels={**labels, by: ""}, category_orders={by: list(names.values())})
        fig.update_layout(legend=dict(orientation="h"), margin=dict(t=40, b=10, l=10, r=10), height=380)
        column.plotly_chart(fig, width="stretch", key=key)
ui.definition("CASE-NEW", view)

# --- source of cases -------------------------------------------------------------------------
st.subheader(metric_name("CASE-SOURCE"))
source = ui.scoped("CASE-SOURCE", view)
cards = registry.columns_of("CASE-SOURCE", ["abroad", "other_province", "local", "local_share"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "CASE-SOURCE", ui.field(source, name), unit, view=view)
ui.definition("CASE-SOURCE", view)

# --- social surface ----------------------------------------------------------------------------
st.subheader(metric_name("CASE-SOCIAL"))
social = ui.scoped("CASE-SOCIAL", view)
social_day = ui.scoped("CASE-SOCIAL", view, view.as_of - DAY)
social_week = ui.scoped("CASE-SOCIAL", view, view.as_of - WEEK)
cards = registry.columns_of("CASE-SOCIAL", ["new_social", "social_share", "new_under_control", "new_total"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "CASE-SOCIAL", ui.field(social, name), unit, previous_day=ui.field(social_day, name),
           previous_week=ui.field(social_week, name), view=view)
ui.red_note(social, label("CASE-SOCIAL", "new_social"), view)
ui.definition("CASE-SOCIAL", view)
with st.expander(f"{t('cases_social_list', lang)} · {t('rows_behind', lang)}"):
    rows = ui.query_frame("details/case_social_new", view)
    shown = pd.DataFrame({
        t("cases_col_case_id", lang): rows["case_id"],
        t("district", lang): rows["district_code"].map(NAMES).fillna(rows["district_code"]),
        t("field_township_code", lang): rows["township_code"],
        t("field_community_code", lang): rows["community_code"],
        t("cases_col_grid_code", lang): rows["grid_code"],
        t("cases_col_classification", lang): rows["classification"].map(CLASSES).fillna(rows["classification"]),
        t("cases_col_source", lang): rows["source"].map(SOURCES).fillna(rows["source"]),
        t("cases_col_cluster", lang): rows["cluster_code"],
        t("cases_col_infector", lang): rows["infector_case_id"],
        t("cases_col_sampled_at", lang): ui.when(rows["sampled_at"]),
        t("cases_col_prelim_at", lang): ui.when(rows["prelim_positive_at"]),
        t("cases_col_confirmed_at", lang): ui.when(rows["confirmed_at"]),
        t("cases_col_hospital_at", lang): ui.when(rows["hospital_transfer_at"]),
    })
    ui.table(shown, "case_social_new", view, key="cases-csv-social")

# --- suspected cases -----------------------------------------------------------------------------
st.subheader(metric_name("CASE-SUSPECT"))
suspect = ui.scoped("CASE-SUSPECT", view)
cards = registry.columns_of("CASE-SUSPECT", ["new_suspected", "suspected_total", "converted", "conversion_share",
                                             "pending", "excluded"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    previous = ui.field(suspect, "previous_24h") if name == "new_suspected" else None
    ui.kpi(column, text, "CASE-SUSPECT", ui.field(suspect, name), unit, previous_day=previous, view=view)
ui.red_note(suspect, f"{label('CASE-SUSPECT', 'new_suspected')} {t('cci_rising', lang)}", view)
ui.definition("CASE-SUSPECT", view)

# --- outcomes ------------------------------------------------------------------------------------
st.subheader(metric_name("CASE-OUTCOME"))
outcome = ui.scoped("CASE-OUTCOME", view)
outcome_week = ui.scoped("CASE-OUTCOME", view, view.as_of - WEEK)
cards = registry.columns_of("CASE-OUTCOME", ["cure_rate", "fatality_rate", "admission_rate", "recovered", "died",
                                             "in_treatment"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "CASE-OUTCOME", ui.field(outcome, name), unit,
           previous_week=ui.field(outcome_week, name), view=view)
ui.definition("CASE-OUTCOME", view)

# --- transfer of the infected -------------------------------------------------------------------
st.subheader(metric_name("CASE-TRANSFER"))
transfer = ui.scoped("CASE-TRANSFER", view)
cards = registry.columns_of("CASE-TRANSFER", ["median_hours", "p90_hours", "arrivals", "not_moved",
                                              "longest_wait_hours"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    value = ui.field(transfer, name)
    if value is None and transfer is None and unit == "count":
        value = 0  # no arrivals and nobody waiting in the window: a true zero
    ui.kpi(column, text, "CASE-TRANSFER", value, unit, view=view)
ui.definition("CASE-TRANSFER", view)

# --- re-tests after discharge ----------------------------------------------------------------------
st.subheader(metric_name("CASE-RETEST"))
retest = ui.scoped("CASE-RETEST", view)
retest_day = ui.scoped("CASE-RETEST", view, view.as_of - DAY)
cards = registry.columns_of("CASE-RETEST", ["missing", "due", "done", "awaiting"], lang)
for column, (text, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "CASE-RETEST", ui.field(retest, name), unit,
           previous_day=ui.field(retest_day, name), view=view)
ui.red_note(retest, label("CASE-RETEST", "missing"), view)
ui.definition("CASE-RETEST", view)
with st.expander(f"{t('cases_retest_list', lang)} · {t('rows_behind', lang)}"):
    rows = ui.query_frame("details/case_retest_missing", view)
    shown = pd.DataFrame({
        t("cases_col_case_id", lang): rows["case_id"],
        t("district", lang): rows["district_code"].map(NAMES).fillna(rows["district_code"]),
        t("field_township_code", lang): rows["township_code"],
        t("cases_col_discharged_at", lang): ui.when(rows["discharged_at"]),
        t("cases_col_retest_number", lang): rows["retest_number"],
        t("cases_col_retest_day", lang): rows["retest_day"],
        t("cases_col_due_at", lang): ui.when(rows["due_at"]),
        t("cases_col_deadline", lang): ui.when(rows["deadline"]),
        t("cases_col_hours_overdue", lang): rows["hours_overdue"].round(1),
    })
    ui.people_table("CASE-RETEST", rows, shown, "case_retest_missing", view, key="cases-csv-retest")

# --- by district -------------------------------------------------------------------------------
with st.expander(t("cci_by_district", lang)):
    new = ui.metric_frame("CASE-NEW", view)
    social_all = ui.metric_frame("CASE-SOCIAL", view)[["district_code", "new_social"]]
    outcome_all = ui.metric_frame("CASE-OUTCOME", view)[["district_code", "cure_rate", "fatality_rate"]]
    merged = (new.merge(social_all, on="district_code", how="left")
                 .merge(outcome_all, on="district_code", how="left"))
    merged = merged[merged["district_code"].notna()] if merged["district_code"].notna().any() else merged
    shown = pd.DataFrame({
        t("district", lang): merged["district_code"].map(NAMES).fillna(t("cci_city_row", lang) if ui.reading_scope() is None
                                                              else t("scope_total", lang)),
        label("CASE-NEW", "new_confirmed"): merged["new_confirmed"],
        label("CASE-NEW", "new_asymptomatic"): merged["new_asymptomatic"],
        label("CASE-SOCIAL", "new_social"): merged["new_social"].fillna(0).astype(int),
        label("CASE-NEW", "avg_7d"): merged["avg_7d"].round(1),
        label("CASE-NEW", "cumulative"): merged["cumulative"],
        label("CASE-NEW", "active"): merged["active"],
        label("CASE-OUTCOME", "cure_rate"): [format_value(v, "share", lang) for v in merged["cure_rate"]],
        label("CASE-OUTCOME", "fatality_rate"): [format_value(v, "share", lang) for v in merged["fatality_rate"]],
    })
    ui.table(shown, "case_by_district", view, key="cases-csv-districts")
    ui.definition("CASE-NEW", view)
