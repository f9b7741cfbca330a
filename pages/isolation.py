"""隔离房间 Isolation rooms: usage against the dispatch line, the reserve per 10,000 residents, the
dispatch plan, days to the trigger, single occupancy and rooms used before assessment (rulebook §1)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import format_value
from sitrep.i18n import name_of, t

view = ui.current_view()
lang = view.lang
st.title(t("page_isolation", lang))
ui.as_of_caption(view)

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)


def known(value):
    """None for every flavour of missing (None, NaN, pd.NA, NaT)."""
    return None if value is None or pd.isna(value) else value


def fmt(values, unit: str) -> list[str]:
    """Readable values; unknown reads 未知 / unknown, never 0."""
    return [format_value(known(v), unit, lang) for v in values]


def red_flags(column: pd.Series) -> list[str]:
    return ["🔴" if (not pd.isna(v) and bool(v)) else ("" if not pd.isna(v) else t("unknown", lang)) for v in column]


def districts_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["district_code"].notna()].reset_index(drop=True)


NAMES = ui.district_names(view)


def name(codes: pd.Series) -> pd.Series:
    return codes.map(NAMES).fillna(codes)


FACILITY_KINDS = {"hotel": t("cci_facility_hotel", lang), "purpose_built": t("cci_facility_purpose_built", lang),
                  "dormitory": t("cci_facility_dormitory", lang), "shelter": t("cci_facility_shelter", lang)}
PERSON_KINDS = {"case": t("cci_kind_case", lang), "close_contact": t("cci_kind_close_contact", lang),
                "secondary_contact": t("cci_kind_secondary_contact", lang), "other": t("cci_kind_other", lang)}


def metric_name(metric_id: str) -> str:
    """A metric's name from the registry."""
    return name_of(registry.metric(metric_id), lang)


def label(metric_id: str, column: str) -> str:
    """One of a metric's own columns, as the registry names it."""
    return registry.column_label(metric_id, column, lang)


# --- usage against the dispatch line -----------------------------------------------------------------
st.subheader(metric_name("ISO-USE"))
use = ui.metric_frame("ISO-USE", view)
use_row = ui.scope_row(use, view)
use_day, use_week = ui.scoped("ISO-USE", view, view.as_of - DAY), ui.scoped("ISO-USE", view, view.as_of - WEEK)
cards = registry.columns_of("ISO-USE", ["value", "rooms_occupied", "rooms"], lang)
for column, (text, col, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "ISO-USE", ui.field(use_row, col), unit, previous_day=ui.field(use_day, col),
           previous_week=ui.field(use_week, col), view=view)
ui.red_note(use_row, metric_name("ISO-USE"), view)
per_district = districts_only(use).sort_values("value", ascending=False)
if per_district.empty:
    st.info(t("cci_no_rows", lang))
else:
    threshold = known(per_district["threshold"].dropna().iloc[0]) if per_district["threshold"].notna().any() else None
    colours = ["#d62728" if (not pd.isna(r) and bool(r)) else "#1f77b4" for r in per_district["is_red"]]
    fig = go.Figure(go.Bar(x=name(per_district["district_code"]), y=per_district["value"], marker_color=colours,
                           customdata=per_district[["rooms_occupied", "rooms"]].to_numpy(),
                           hovertemplate="%{x}<br>%{y:.1%}<br>%{customdata[0]:,.0f} / %{customdata[1]:,.0f}"
                                         "<extra></extra>"))
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dash", line_color="#d62728",
                      annotation_text=t("iso_threshold_line", lang, value=format_value(threshold, "share", lang)),
                      annotation_position="top left")
    fig.update_layout(yaxis_tickformat=".0%", margin=dict(t=20, b=10, l=10, r=10), height=380,
                      yaxis_title=label("ISO-USE", "value"))
    st.plotly_chart(fig, width="stretch", key="iso_use_chart")
ui.definition("ISO-USE", view)

# --- the dispatch plan -----------------------------------------------------------------------------
st.subheader(metric_name("ISO-DISPATCH"))
plan = ui.metric_frame("ISO-DISPATCH", view)
if plan.empty:
    st.success(t("iso_no_dispatch", lang))
else:
    yes_no = {True: t("cci_yes", lang), False: t("cci_no", lang)}
    shown = pd.DataFrame({
        label("ISO-DISPATCH", "needy_district_code"): name(plan["needy_district_code"]),
        label("ISO-DISPATCH", "need_rooms"): plan["need_rooms"],
        label("ISO-DISPATCH", "lender_rank"): plan["lender_rank"],
        label("ISO-DISPATCH", "lender_district_code"): name(plan["lender_district_code"]).fillna(""),
        label("ISO-DISPATCH", "distance_km"): plan["distance_km"].round(1),
        label("ISO-DISPATCH", "spare_rooms"): plan["spare_rooms"],
        label("ISO-DISPATCH", "cumulative_spare_rooms"): plan["cumulative_spare_rooms"],
        label("ISO-DISPATCH", "covers_need"): plan["covers_need"].map(yes_no).fillna(""),
        label("ISO-DISPATCH", "need_covered"): plan["need_covered"].map(yes_no).fillna(""),
    })
    ui.table(shown, "iso_dispatch", view, key="iso-csv-dispatch")
ui.definition("ISO-DISPATCH", view)

# --- reserve per 10,000 residents ----------------------------------------------------------------
st.subheader(metric_name("ISO-RESERVE"))
reserve = ui.metric_frame("ISO-RESERVE", view)
reserve_row = ui.scope_row(reserve, view)
cards = registry.columns_of("ISO-RESERVE", ["value", "rooms", "population", "shortfall_rooms"], lang)
for column, (text, col, unit) in zip(st.columns(len(cards)), cards):
    ui.kpi(column, text, "ISO-RESERVE", ui.field(reserve_row, col), unit, view=view)
ui.red_note(reserve_row, metric_name("ISO-RESERVE"), view)
rows = districts_only(reserve)
shown = pd.DataFrame({
    t("district", lang): name(rows["district_code"]),
    label("ISO-RESERVE", "value"): fmt(rows["value"], "per_10k"),
    label("ISO-RESERVE", "rooms"): rows["rooms"],
    label("ISO-RESERVE", "population"): fmt(rows["population"], "count"),
    label("ISO-RESERVE", "shortfall_rooms"): fmt(rows["shortfall_rooms"], "count"),
    t("field_is_red", lang): red_flags(rows["is_red"]),
})
ui.table(shown, "iso_reserve", view, key="iso-csv-reserve", height=min(420, 38 + 35 * max(len(shown), 1)))
ui.definition("ISO-RESERVE", view)

# --- days to the trigger ------------------------------------------------------------------------
st.subheader(metric_name("ISO-RUNWAY"))
runway = ui.metric_frame("ISO-RUNWAY", view)
runway_row = ui.scope_row(runway, view)


def days_text(days, net) -> str:
    if known(days) is None and known(net) is not None and net <= 0:
        return t("iso_not_rising", lang)
    return format_value(known(days), "days", lang)


columns = st.columns(3)
ui.kpi(columns[0], label("ISO-RUNWAY", "value"), "ISO-RUNWAY", ui.field(runway_row, "value"), "days", view=view)
ui.kpi(columns[1], label("ISO-RUNWAY", "days_to_full"), "ISO-RUNWAY", ui.field(runway_row, "days_to_full"), "days", view=view)
ui.kpi(columns[2], label("ISO-RUNWAY", "net_rooms_per_day"), "ISO-RUNWAY", ui.field(runway_row, "net_rooms_per_day"), "count", view=view)
if runway_row is not None and ui.field(runway_row, "value") is None and (ui.field(runway_row, "net_rooms_per_day") or 0) <= 0:
    st.caption(t("iso_not_rising", lang))
ui.red_note(runway_row, metric_name("ISO-RUNWAY"), view)
rows = districts_only(runway).sort_values("value", na_position="last")
shown = pd.DataFrame({
    t("district", lang): name(rows["district_code"]),
    label("ISO-RUNWAY", "value"): [days_text(d, n) for d, n in zip(rows["value"], rows["net_rooms_per_day"])],
    label("ISO-RUNWAY", "days_to_full"): [days_text(d, n) for d, n in zip(rows["days_to_full"], rows["net_rooms_per_day"])],
    label("ISO-RUNWAY", "net_rooms_per_day"): rows["net_rooms_per_day"].round(1),
    label("ISO-RUNWAY", "rooms_occupied"): rows["rooms_occupied"],
    label("ISO-RUNWAY", "rooms"): rows["rooms"],
    t("field_is_red", lang): red_flags(rows["is_red"]),
})
ui.table(shown, "iso_runway", view, key="iso-csv-runway", height=min(420, 38 + 35 * max(len(shown), 1)))
ui.definition("ISO-RUNWAY", view)

# --- single occupancy ----------------------------------------------------------------------------
st.subheader(metric_name("ISO-SINGLE"))
single = ui.scoped("ISO-SINGLE", view)
columns = st.columns(2)
ui.kpi(columns[0], label("ISO-SINGLE", "rooms_shared"), "ISO-SINGLE", ui.field(single, "rooms_shared"), "count",
       previous_day=ui.field(ui.scoped("ISO-SINGLE", view, view.as_of - DAY), "rooms_shared"), view=view)
ui.kpi(columns[1], label("ISO-SINGLE", "people"), "ISO-SINGLE", ui.field(single, "people"), "count", view=view)
ui.red_note(single, metric_name("ISO-SINGLE"), view)
ui.definition("ISO-SINGLE", view)
with st.expander(f"{t('iso_single_list', lang)} · {t('rows_behind', lang)}", expanded=ui.is_red(single)):
    rows = ui.query_frame("details/iso_single_rooms", view)
    shown = pd.DataFrame({
        t("district", lang): name(rows["district_code"]),
        t("field_township_code", lang): rows["township_code"],
        t("iso_col_facility", lang): rows["facility_id"],
        t("iso_col_room", lang): rows["room_id"],
        t("iso_col_people_in_room", lang): rows["people_in_room"],
        t("iso_col_stay", lang): rows["stay_id"],
        t("iso_col_person_kind", lang): rows["person_kind"].map(PERSON_KINDS).fillna(rows["person_kind"]),
        t("iso_col_check_in", lang): ui.when(rows["check_in_at"]),
    })
    ui.table(shown, "iso_single_rooms", view, key="iso-csv-single")

# --- rooms used before assessment ---------------------------------------------------------------
st.subheader(metric_name("ISO-COMMISSION"))
commission = ui.scoped("ISO-COMMISSION", view)
columns = st.columns(3)
for column, (text, col, _unit) in zip(
        columns, registry.columns_of("ISO-COMMISSION", ["rooms_in_use", "facilities", "people"], lang)):
    ui.kpi(column, text, "ISO-COMMISSION", ui.field(commission, col), "count", view=view)
ui.red_note(commission, metric_name("ISO-COMMISSION"), view)
ui.definition("ISO-COMMISSION", view)
with st.expander(f"{t('iso_commission_list', lang)} · {t('rows_behind', lang)}", expanded=ui.is_red(commission)):
    rows = ui.query_frame("details/iso_commission_rooms", view)
    shown = pd.DataFrame({
        t("district", lang): name(rows["district_code"]),
        t("field_township_code", lang): rows["township_code"],
        t("iso_col_facility", lang): rows["facility_id"],
        t("iso_col_commissioned_at", lang): ui.when(rows["commissioned_at"]),
        t("iso_col_room", lang): rows["room_id"],
        t("iso_col_people_in_room", lang): rows["people_in_room"],
        t("iso_col_earliest_check_in", lang): ui.when(rows["earliest_check_in_at"]),
    })
    ui.table(shown, "iso_commission_rooms", view, key="iso-csv-commission")

# --- rooms in use per facility ------------------------------------------------------------------
with st.expander(t("iso_in_use_list", lang)):
    rows = ui.query_frame("details/iso_rooms_in_use", view)
    shown = pd.DataFrame({
        t("district", lang): name(rows["district_code"]),
        t("field_township_code", lang): rows["township_code"],
        t("iso_col_facility", lang): rows["facility_id"],
        t("iso_col_kind", lang): rows["kind"].map(FACILITY_KINDS).fillna(rows["kind"]),
        t("iso_col_commissioned_at", lang): ui.when(rows["commissioned_at"]),
        label("ISO-USE", "rooms"): rows["rooms"],
        label("ISO-USE", "rooms_occupied"): rows["rooms_occupied"],
        t("iso_col_people", lang): rows["people"],
    })
    ui.table(shown, "iso_rooms_in_use", view, key="iso-csv-in-use")
    ui.definition("ISO-USE", view)
