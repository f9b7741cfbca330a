"""风险区 Risk areas: areas in force on the district map and in a list, staffing and supplies of
high-risk areas, and vaccination of people aged 60+."""

import pandas as pd
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import format_value
from sitrep.i18n import t
from sitrep.maps import LAYER_ID, district_map

view = ui.current_view()
lang = view.lang
st.title(t("page_risk_areas", lang))
ui.as_of_caption(view)

_districts = ui.district_outlines()


def number(row, field):
    if row is None:
        return None
    value = row[field]
    return None if pd.isna(value) else float(value)


areas = ui.metric_frame("RISK-AREAS", view)
row = ui.scope_row(areas, view)
if row is None:  # no area in force in the chosen place: that is a known zero, not unknown
    row = pd.Series({"value": 0, "high_areas": 0, "medium_areas": 0, "low_areas": 0, "lifted_in_window": 0,
                     "residents": 0})
columns = st.columns(5)
ui.kpi(columns[0], t("kpi_areas_in_force", lang), "RISK-AREAS", number(row, "value"), "count", view=view)
for column, (text, field, unit) in zip(
        columns[1:], registry.columns_of("RISK-AREAS", ["high_areas", "medium_areas", "low_areas", "lifted_in_window"], lang)):
    ui.kpi(column, text, "RISK-AREAS", number(row, field), unit, view=view)

# --- the map: the whole city for context; a click picks the district --------------------------------
left, right = st.columns([3, 2])
with left:
    city = ui.metric_frame("RISK-AREAS", view, **ui.CITY)
    city = city[city["district_code"].notna()].drop_duplicates("district_code")
    values = pd.DataFrame({"district_code": _districts["district_code"]}).merge(
        city[["district_code", "value", "high_areas"]], on="district_code", how="left")
    values[["value", "high_areas"]] = values[["value", "high_areas"]].fillna(0)  # none in force: 0, known
    # Red: a high-risk area in force; amber (threshold 1 area): medium or low areas only; green: none.
    values["is_red"] = values["high_areas"] > 0
    deck = district_map(_districts, values, "count", lang, threshold=1.0, good="down")
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="risk_map", height=460)
    picked = (event.selection.objects.get(LAYER_ID) or []) if event and event.selection else []
    if picked and picked[0].get("district_code") != view.district_code:
        ui.pick_place("district", picked[0]["district_code"])
    st.caption(t("risk_map_legend", lang))
    ui.definition("RISK-AREAS", view)
with right:
    st.markdown(f"**{ui.metric_label('RISK-AREAS', view)}**")
    ui.table(ui.readable(areas, view, "RISK-AREAS"), "RISK-AREAS", view, key="risk-areas-csv", height=460)

st.subheader(t("areas_in_force", lang))
ui.table(ui.readable(ui.query_frame("details/risk_areas_in_force", view), view), "risk_areas_in_force", view,
         key="risk-areas-in-force-csv")
ui.definition("RISK-AREAS", view)

# --- staffing and supplies of high-risk areas --------------------------------------------------------
left, right = st.columns(2)
CARD_WORDS = {"RISK-STAFF": t("kpi_risk_staff", lang), "RISK-SUPPLY": t("kpi_risk_supply", lang)}
for column, metric_id, key in ((left, "RISK-STAFF", "risk-staff-csv"), (right, "RISK-SUPPLY", "risk-supply-csv")):
    with column:
        st.subheader(ui.metric_label(metric_id, view))
        frame = ui.metric_frame(metric_id, view)
        scoped = ui.scope_row(frame, view)
        ui.kpi(st, CARD_WORDS[metric_id], metric_id,
               0.0 if scoped is None else number(scoped, "value"), "count", view=view)
        ui.table(ui.readable(frame, view, metric_id), metric_id, view, key=key)
        ui.definition(metric_id, view)

# --- vaccination of people aged 60+: unknown population reads unknown, never 0 ------------------------
st.subheader(ui.metric_label("VAC-60", view))
vac = ui.metric_frame("VAC-60", view)
scoped = ui.scope_row(vac, view)
columns = st.columns(3)
ui.kpi(columns[0], t("kpi_vac60", lang), "VAC-60", number(scoped, "value"), "share", view=view)
ui.kpi(columns[1], registry.column_label("VAC-60", "booster_share", lang), "VAC-60", number(scoped, "booster_share"), "share", view=view)
if scoped is not None and "districts_unknown" in scoped and not pd.isna(scoped["districts_unknown"]):
    ui.kpi(columns[2], registry.column_label("VAC-60", "districts_unknown", lang), "VAC-60", number(scoped, "districts_unknown"), "count",
           view=view)
vac_shown = vac.copy()
for field, unit in (("value", "share"), ("booster_share", "share"), ("numerator", "count"),
                    ("denominator", "count"), ("vaccinated_booster", "count")):
    if field in vac_shown.columns:
        vac_shown[field] = [format_value(None if pd.isna(v) else float(v), unit, lang) for v in vac_shown[field]]
vac_shown["is_red"] = [t("unknown", lang) if pd.isna(v) else t("cci_yes" if v else "cci_no", lang) for v in vac_shown["is_red"]]
ui.table(ui.readable(vac_shown, view, "VAC-60"), "VAC-60", view, key="risk-vac60-csv")
ui.definition("VAC-60", view)
