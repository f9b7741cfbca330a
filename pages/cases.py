"""病例 Cases: the epidemic curve, social-surface positives, suspected cases, outcomes, transfer of
the infected and re-tests after discharge (rulebook §3)."""

import pandas as pd
import plotly.express as px
import streamlit as st

from sitrep import ui
from sitrep.formatting import format_value
from sitrep.i18n import t

view = ui.current_view()
lang = view.lang
st.title(t("page_cases", lang))
ui.as_of_caption(view)

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)


NAMES = ui.district_names(view)
CLASSES = {"confirmed": t("cases_class_confirmed", lang), "asymptomatic": t("cases_class_asymptomatic", lang)}
SOURCES = {"abroad": t("cases_src_abroad", lang), "other_province": t("cases_src_other_province", lang),
           "local": t("cases_src_local", lang)}

# --- new cases -----------------------------------------------------------------------------------
st.subheader(t("cases_new", lang))
now, day_before, week_before = ui.scoped("CASE-NEW", view), ui.scoped("CASE-NEW", view, view.as_of - DAY), ui.scoped("CASE-NEW", view, view.as_of - WEEK)
cards = [("cases_new_confirmed", "new_confirmed", "count"), ("cases_new_asymptomatic", "new_asymptomatic", "count"),
         ("cases_avg_7d", "avg_7d", "count"), ("cases_cumulative", "cumulative", "count"),
         ("cases_active", "active", "count")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, t(label, lang), "CASE-NEW", ui.field(now, name), unit, previous_day=ui.field(day_before, name),
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
st.subheader(t("cases_source", lang))
source = ui.scoped("CASE-SOURCE", view)
cards = [("cases_src_abroad", "abroad", "count"), ("cases_src_other_province", "other_province", "count"),
         ("cases_src_local", "local", "count"), ("cases_local_share", "local_share", "share")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, t(label, lang), "CASE-SOURCE", ui.field(source, name), unit, view=view)
ui.definition("CASE-SOURCE", view)

# --- social surface ----------------------------------------------------------------------------
st.subheader(t("cases_social", lang))
social = ui.scoped("CASE-SOCIAL", view)
social_day = ui.scoped("CASE-SOCIAL", view, view.as_of - DAY)
social_week = ui.scoped("CASE-SOCIAL", view, view.as_of - WEEK)
cards = [("cases_social_count", "new_social", "count"), ("cases_social_share", "social_share", "share"),
         ("cases_under_control", "new_under_control", "count"), ("cases_new_total", "new_total", "count")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, t(label, lang), "CASE-SOCIAL", ui.field(social, name), unit, previous_day=ui.field(social_day, name),
           previous_week=ui.field(social_week, name), view=view)
ui.red_note(social, t("cases_social_count", lang), view)
ui.definition("CASE-SOCIAL", view)
with st.expander(f"{t('cases_social_list', lang)} · {t('rows_behind', lang)}"):
    rows = ui.query_frame("details/case_social_new", view)
    shown = pd.DataFrame({
        t("cases_col_case_id", lang): rows["case_id"],
        t("cci_col_district", lang): rows["district_code"].map(NAMES).fillna(rows["district_code"]),
        t("cci_col_township_code", lang): rows["township_code"],
        t("cases_col_community_code", lang): rows["community_code"],
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
st.subheader(t("cases_suspect", lang))
suspect = ui.scoped("CASE-SUSPECT", view)
cards = [("cases_new_suspected", "new_suspected", "count"), ("cases_suspected_total", "suspected_total", "count"),
         ("cases_converted", "converted", "count"), ("cases_conversion", "conversion_share", "share"),
         ("cases_pending", "pending", "count"), ("cases_excluded", "excluded", "count")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    previous = ui.field(suspect, "previous_24h") if name == "new_suspected" else None
    ui.kpi(column, t(label, lang), "CASE-SUSPECT", ui.field(suspect, name), unit, previous_day=previous, view=view)
ui.red_note(suspect, f"{t('cases_new_suspected', lang)} {t('cci_rising', lang)}", view)
ui.definition("CASE-SUSPECT", view)

# --- outcomes ------------------------------------------------------------------------------------
st.subheader(t("cases_outcome", lang))
outcome = ui.scoped("CASE-OUTCOME", view)
outcome_week = ui.scoped("CASE-OUTCOME", view, view.as_of - WEEK)
cards = [("cases_cure_rate", "cure_rate", "share"), ("cases_fatality_rate", "fatality_rate", "share"),
         ("cases_admission_rate", "admission_rate", "share"), ("cases_recovered", "recovered", "count"),
         ("cases_died", "died", "count"), ("cases_in_treatment", "in_treatment", "count")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, t(label, lang), "CASE-OUTCOME", ui.field(outcome, name), unit,
           previous_week=ui.field(outcome_week, name), view=view)
ui.definition("CASE-OUTCOME", view)

# --- transfer of the infected -------------------------------------------------------------------
st.subheader(t("cases_transfer", lang))
transfer = ui.scoped("CASE-TRANSFER", view)
cards = [("cases_median_hours", "median_hours", "hours"), ("cases_p90_hours", "p90_hours", "hours"),
         ("cases_arrivals", "arrivals", "count"), ("cases_not_moved", "not_moved", "count"),
         ("cases_longest_wait", "longest_wait_hours", "hours")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    value = ui.field(transfer, name)
    if value is None and transfer is None and unit == "count":
        value = 0  # no arrivals and nobody waiting in the window: a true zero
    ui.kpi(column, t(label, lang), "CASE-TRANSFER", value, unit, view=view)
ui.definition("CASE-TRANSFER", view)

# --- re-tests after discharge ----------------------------------------------------------------------
st.subheader(t("cases_retest", lang))
retest = ui.scoped("CASE-RETEST", view)
retest_day = ui.scoped("CASE-RETEST", view, view.as_of - DAY)
cards = [("cases_retest_missing", "missing", "count"), ("cases_retest_due", "due", "count"),
         ("cases_retest_done", "done", "count"), ("cases_retest_awaiting", "awaiting", "count")]
for column, (label, name, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, t(label, lang), "CASE-RETEST", ui.field(retest, name), unit,
           previous_day=ui.field(retest_day, name), view=view)
ui.red_note(retest, t("cases_retest_missing", lang), view)
ui.definition("CASE-RETEST", view)
with st.expander(f"{t('cases_retest_list', lang)} · {t('rows_behind', lang)}"):
    rows = ui.query_frame("details/case_retest_missing", view)
    shown = pd.DataFrame({
        t("cases_col_case_id", lang): rows["case_id"],
        t("cci_col_district", lang): rows["district_code"].map(NAMES).fillna(rows["district_code"]),
        t("cci_col_township_code", lang): rows["township_code"],
        t("cases_col_discharged_at", lang): ui.when(rows["discharged_at"]),
        t("cases_col_retest_number", lang): rows["retest_number"],
        t("cases_col_retest_day", lang): rows["retest_day"],
        t("cases_col_due_at", lang): ui.when(rows["due_at"]),
        t("cases_col_deadline", lang): ui.when(rows["deadline"]),
        t("cases_col_hours_overdue", lang): rows["hours_overdue"].round(1),
    })
    ui.table(shown, "case_retest_missing", view, key="cases-csv-retest")

# --- by district -------------------------------------------------------------------------------
with st.expander(t("cci_by_district", lang)):
    new = ui.metric_frame("CASE-NEW", view)
    social_all = ui.metric_frame("CASE-SOCIAL", view)[["district_code", "new_social"]]
    outcome_all = ui.metric_frame("CASE-OUTCOME", view)[["district_code", "cure_rate", "fatality_rate"]]
    merged = (new.merge(social_all, on="district_code", how="left")
                 .merge(outcome_all, on="district_code", how="left"))
    merged = merged[merged["district_code"].notna()] if merged["district_code"].notna().any() else merged
    shown = pd.DataFrame({
        t("cci_col_district", lang): merged["district_code"].map(NAMES).fillna(t("cci_city_row", lang)),
        t("cases_new_confirmed", lang): merged["new_confirmed"],
        t("cases_new_asymptomatic", lang): merged["new_asymptomatic"],
        t("cases_social_count", lang): merged["new_social"].fillna(0).astype(int),
        t("cases_avg_7d", lang): merged["avg_7d"].round(1),
        t("cases_cumulative", lang): merged["cumulative"],
        t("cases_active", lang): merged["active"],
        t("cases_cure_rate", lang): [format_value(v, "share", lang) for v in merged["cure_rate"]],
        t("cases_fatality_rate", lang): [format_value(v, "share", lang) for v in merged["fatality_rate"]],
    })
    ui.table(shown, "case_by_district", view, key="cases-csv-districts")
    ui.definition("CASE-NEW", view)
