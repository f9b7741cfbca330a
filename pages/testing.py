"""核酸检测 Testing: each active round by district against its deadline, the 2-hour report cadence,
pooling, turnaround, occupational testing and sampling sites."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import format_threshold, format_value
from sitrep.i18n import t

view = ui.current_view()
lang = view.lang
st.title(t("page_testing", lang))
ui.as_of_caption(view)

NAMES = ui.district_names(view)


def scoped_value(frame: pd.DataFrame, column: str = "value"):
    row = ui.scope_row(frame, view)
    return None if row is None else row[column]


rounds = ui.metric_frame("TEST-ROUND", view)
cadence = ui.metric_frame("TEST-CADENCE", view)
pool = ui.metric_frame("TEST-POOL", view)
tat = ui.metric_frame("TEST-TAT", view)
occup = ui.metric_frame("TEST-OCCUP", view)
sites = ui.metric_frame("TEST-SITES", view)

# --- headline numbers -------------------------------------------------------------------------
columns = st.columns(5)
cadence_hours = cadence["value"].max() if len(cadence) else None
ui.kpi(columns[0], t("kpi_cadence_worst", lang), "TEST-CADENCE",
       None if cadence_hours is None or pd.isna(cadence_hours) else float(cadence_hours), "hours", view=view)
ui.kpi(columns[1], t("kpi_pool_breaches", lang), "TEST-POOL", scoped_value(pool), "count", view=view)
ui.kpi(columns[2], t("kpi_tat", lang), "TEST-TAT", scoped_value(tat), "hours", view=view)
ui.kpi(columns[3], t("kpi_occup_missed", lang), "TEST-OCCUP", scoped_value(occup), "count", view=view)
ui.kpi(columns[4], t("kpi_sites_missing", lang), "TEST-SITES", scoped_value(sites), "count", view=view)

# --- rounds against their deadline -----------------------------------------------------------------
st.subheader(ui.metric_label("TEST-ROUND", view))
by_district = rounds[rounds["district_code"].notna()] if len(rounds) else rounds
if by_district.empty:
    st.info(t("no_active_round", lang))
for round_id, part in by_district.groupby("round_id", sort=False):
    part = part.sort_values("district_code")
    city = rounds[(rounds["round_id"] == round_id) & rounds["district_code"].isna()]
    head = city.iloc[0] if len(city) else part.iloc[0]
    st.markdown(f"**{round_id}** · {t('sampled_share', lang)} {format_value(head['value'], 'share', lang)}"
                f" · {t('field_started_at', lang)} {head['started_at']:%m-%d %H:%M}"
                f" · {t('field_deadline_at', lang)} {head['deadline_at']:%m-%d %H:%M}"
                f" ({format_threshold(head['threshold'], 'hours', lang)})")
    fig = go.Figure()
    late_text, on_time_text = t("projected_late", lang), t("projected_on_time", lang)
    for is_late, colour, legend in ((True, "#c81e1e", late_text), (False, "#3c965a", on_time_text)):
        rows = part[part["is_red"].fillna(False).astype(bool) == is_late]
        if rows.empty:
            continue
        finish = rows["projected_finish_at"].fillna(rows["deadline_at"])
        fig.add_trace(go.Bar(
            y=[NAMES.get(c, c) for c in rows["district_code"]],
            x=(finish - rows["started_at"]).dt.total_seconds() * 1000,
            base=rows["started_at"], orientation="h", marker_color=colour, name=legend,
            text=[format_value(v, "share", lang) for v in rows["value"]], textposition="inside",
            customdata=[[f"{f:%m-%d %H:%M}" if pd.notna(f) else t("unknown", lang)]
                        for f in rows["projected_finish_at"]],
            hovertemplate="%{y}: %{text}<br>" + registry.column_label("TEST-ROUND", "projected_finish_at", lang) + " %{customdata[0]}<extra></extra>",
        ))
    fig.add_vline(x=head["deadline_at"], line_dash="dash", line_color="#c81e1e")
    fig.add_vline(x=view.as_of, line_dash="dot", line_color="#555555")
    fig.update_xaxes(type="date")
    fig.update_layout(barmode="overlay", height=120 + 40 * len(part), margin=dict(t=30, b=10, l=10, r=10),
                      legend=dict(orientation="h"),
                      title=dict(text=t("round_chart_title", lang), font=dict(size=13)))
    st.plotly_chart(fig, width="stretch", key=f"round-chart-{round_id}")
    st.caption(t("round_chart_legend", lang))
if len(rounds):
    ui.table(ui.readable(rounds.drop(columns=["scope"], errors="ignore"), view, "TEST-ROUND"), "TEST-ROUND", view, key="testing-round-csv")
ui.definition("TEST-ROUND", view)

# --- 2-hour progress reports ---------------------------------------------------------------------
st.subheader(ui.metric_label("TEST-CADENCE", view))
if cadence.empty:
    st.info(t("no_active_round", lang))
else:
    ui.table(ui.readable(cadence.drop(columns=["scope"], errors="ignore"), view, "TEST-CADENCE"), "TEST-CADENCE", view, key="testing-cadence-csv")
ui.definition("TEST-CADENCE", view)

# --- pooling -------------------------------------------------------------------------------------
st.subheader(ui.metric_label("TEST-POOL", view))
left, right = st.columns(2)
with left:
    ui.table(ui.readable(pool, view, "TEST-POOL"), "TEST-POOL", view, key="testing-pool-csv")
with right:
    st.markdown(f"**{t('pool_mismatches', lang)}**")
    ui.table(ui.readable(ui.query_frame("details/test_pool_mismatches", view), view), "test_pool_mismatches", view,
             key="testing-pool-mismatch-csv")
ui.definition("TEST-POOL", view)

# --- turnaround ----------------------------------------------------------------------------------
st.subheader(ui.metric_label("TEST-TAT", view))
ui.table(ui.readable(tat, view, "TEST-TAT"), "TEST-TAT", view, key="testing-tat-csv")
ui.definition("TEST-TAT", view)

# --- occupational testing --------------------------------------------------------------------------
st.subheader(ui.metric_label("TEST-OCCUP", view))
ui.table(ui.readable(occup, view, "TEST-OCCUP"), "TEST-OCCUP", view, key="testing-occup-csv")
ui.definition("TEST-OCCUP", view)

# --- sampling sites --------------------------------------------------------------------------------
st.subheader(ui.metric_label("TEST-SITES", view))
left, right = st.columns(2)
with left:
    ui.table(ui.readable(sites, view, "TEST-SITES"), "TEST-SITES", view, key="testing-sites-csv")
with right:
    st.markdown(f"**{t('sites_missing', lang)}**")
    ui.table(ui.readable(ui.query_frame("details/test_sites_missing", view), view), "test_sites_missing", view,
             key="testing-sites-missing-csv")
ui.definition("TEST-SITES", view)

with st.expander(t("round_progress_details", lang)):
    ui.table(ui.readable(ui.query_frame("details/test_round_progress", view), view, "TEST-ROUND"), "test_round_progress", view,
             key="testing-round-progress-csv")
    ui.definition("TEST-ROUND", view)
