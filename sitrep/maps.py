"""The district map, offline: outlines from data/reference, no basemap, no tiles.

pydeck with map_provider=None and no map_style draws only our layers with Streamlit's own
bundled deck.gl, so nothing is fetched from the internet (../shared/reference/README.md).
"""

from __future__ import annotations

import json

import pandas as pd
import pydeck as pdk

from sitrep.formatting import format_value

RED = [200, 30, 30, 210]
GREEN = [60, 150, 90, 170]
AMBER = [235, 160, 40, 190]
GREY = [170, 170, 170, 140]
LAYER_ID = "districts"


def colour(value, is_red, near_threshold: bool) -> list[int]:
    if is_red is None or (isinstance(is_red, float) and pd.isna(is_red)) or pd.isna(value):
        return GREY
    if bool(is_red):
        return RED
    return AMBER if near_threshold else GREEN


def district_map(districts: pd.DataFrame, values: pd.DataFrame, unit: str, lang: str = "zh",
                 threshold: float | None = None, good: str = "down") -> pdk.Deck:
    """districts: district_code, name_zh, name_en, outline_geojson; values: district_code, value, is_red."""
    merged = districts.merge(values[["district_code", "value", "is_red"]], on="district_code", how="left")
    rows = []
    for row in merged.itertuples():
        near = False
        if threshold and pd.notna(row.value):
            ratio = row.value / threshold
            near = ratio >= 0.9 if good == "down" else ratio <= 1.1
        is_red = None if pd.isna(row.is_red) else bool(row.is_red)
        geometry = json.loads(row.outline_geojson)
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        # One row per polygon, fields at the top level: pydeck tooltips read only those.
        for polygon in polygons:
            rows.append({
                "district_code": row.district_code,
                "name": row.name_zh if lang == "zh" else row.name_en,
                "value_text": format_value(None if pd.isna(row.value) else float(row.value), unit, lang),
                "color": colour(row.value, is_red, near),
                "polygon": polygon,
            })
    layer = pdk.Layer(
        "PolygonLayer", pd.DataFrame(rows), id=LAYER_ID, pickable=True, stroked=True, filled=True,
        get_polygon="polygon", get_fill_color="color", get_line_color=[255, 255, 255],
        line_width_min_pixels=1, auto_highlight=True,
    )
    view = pdk.ViewState(longitude=107.75, latitude=30.05, zoom=6.2)
    return pdk.Deck(layers=[layer], initial_view_state=view, map_provider=None,
                    tooltip={"html": "<b>{name}</b><br/>{value_text}"})
