"""Streamlit glue, the drill-down map (003 #64): the whole city's districts; once a district is
chosen, its townships as points coloured by the metric. A click picks the place (the sidebar and
the URL follow). Communities, grids and buildings carry no coordinates: they are chosen in the
sidebar, and the map says so."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sitrep import queries, registry
from sitrep.frames import CITY, scope_row
from sitrep.i18n import t
from sitrep.maps import LAYER_ID, TOWNSHIP_LAYER_ID, district_map, township_map
from sitrep.ui.data import district_names, district_outlines, metric_frame, reference_frame
from sitrep.ui.view_state import View, pick_place


def _threshold(frame: pd.DataFrame) -> float | None:
    return float(frame["threshold"].dropna().iloc[0]) if "threshold" in frame and frame["threshold"].notna().any() else None


def _picked(event, layer_id: str) -> list[dict]:
    return (event.selection.objects.get(layer_id) or []) if event and event.selection else []


def township_values(metric_id: str, view: View) -> pd.DataFrame:
    """The chosen district's townships with the metric's figure for each (one read per township,
    cached as every read is); value and is_red null where the metric does not narrow to townships."""
    points = reference_frame("township_points", district_code=view.district_code)
    values, reds = [], []
    narrows = queries.finest_level(registry.metric(metric_id).query) not in ("city", "district")
    for code in points["township_code"]:
        row = None
        if narrows:
            row = scope_row(metric_frame(metric_id, view, **{**CITY, "district_code": view.district_code,
                                                               "township_code": code}), view)
        values.append(None if row is None else row["value"])
        reds.append(None if row is None else row["is_red"])
    return points.assign(value=pd.to_numeric(pd.Series(values, dtype="object")), is_red=reds)


def place_map(metric_id: str, view: View, key: str = "district_map", height: int = 460) -> None:
    """The map of the view's level for the metric: districts for the whole city (a click picks
    one), a district's townships once a district is chosen (a click picks one)."""
    metric, lang = registry.metric(metric_id), view.lang
    if not view.district_code:
        values = metric_frame(metric_id, view, **CITY)
        values = values[values["district_code"].notna()].drop_duplicates("district_code")
        deck = district_map(district_outlines(), values, metric.unit, lang, _threshold(values), metric.good)
        event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key=key, height=height)
        picked = _picked(event, LAYER_ID)
        if picked and picked[0].get("district_code"):
            pick_place("district", picked[0]["district_code"])
        return
    outlines = district_outlines()
    outline = outlines.loc[outlines["district_code"] == view.district_code, "outline_geojson"]
    if outline.empty:
        return
    townships = township_values(metric_id, view)
    threshold = _threshold(metric_frame(metric_id, view, **CITY))
    st.caption(t("map_townships", lang, district=district_names(view).get(view.district_code, view.district_code)))
    deck = township_map(outline.iloc[0], townships, metric.unit, lang, threshold, metric.good,
                        chosen=view.township_code)
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key=f"{key}-townships",
                            height=height)
    picked = _picked(event, TOWNSHIP_LAYER_ID)
    if picked and picked[0].get("township_code") and picked[0]["township_code"] != view.township_code:
        pick_place("township", picked[0]["township_code"])
    if queries.finest_level(metric.query) in ("city", "district"):
        st.caption(t("finest_level", lang, level=t("level_district", lang), chosen=t("level_township", lang)))
    if view.township_code:
        st.caption(t("map_finer_levels", lang))
