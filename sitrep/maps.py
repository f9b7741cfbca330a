"""The district map and its drill-down to townships, offline: outlines from data/reference, township
centroids from the database, no basemap, no tiles.

pydeck with map_provider=None and no map_style draws only our layers with Streamlit's own
bundled deck.gl, so nothing is fetched from the internet (../shared/reference/README.md).
"""

from __future__ import annotations

import json
import math

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


TOWNSHIP_LAYER_ID = "townships"


def township_map(outline_geojson: str, townships: pd.DataFrame, unit: str, lang: str = "zh",
                 threshold: float | None = None, good: str = "down", chosen: str | None = None) -> pdk.Deck:
    """The second level of the drill-down (003 #64): one district's outline, its townships as points
    (townships carry centroids, no outlines, offline) coloured by the metric as district_map colours
    districts, the chosen township ringed. townships: township_code, name_zh, centroid_lon,
    centroid_lat, value, is_red (value and is_red null where the metric has no township figure)."""
    rows = []
    for row in townships.itertuples():
        near = False
        if threshold and pd.notna(row.value):
            ratio = row.value / threshold
            near = ratio >= 0.9 if good == "down" else ratio <= 1.1
        is_red = None if pd.isna(row.is_red) else bool(row.is_red)
        rows.append({
            "township_code": row.township_code,
            "name": row.name_zh,
            "value_text": format_value(None if pd.isna(row.value) else float(row.value), unit, lang),
            "color": colour(row.value, is_red, near),
            "line": [20, 20, 20, 255] if row.township_code == chosen else [255, 255, 255, 255],
            "line_width": 250 if row.township_code == chosen else 40,     # metres, clamped in pixels below
            "position": [row.centroid_lon, row.centroid_lat],
        })
    geometry = json.loads(outline_geojson)
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    outline = pdk.Layer(
        "PolygonLayer", pd.DataFrame({"polygon": polygons}), id="district_outline", pickable=False, stroked=True,
        filled=True, get_polygon="polygon", get_fill_color=[235, 235, 235, 120], get_line_color=[120, 120, 120],
        line_width_min_pixels=1,
    )
    points = pdk.Layer(
        "ScatterplotLayer", pd.DataFrame(rows), id=TOWNSHIP_LAYER_ID, pickable=True, stroked=True, filled=True,
        # Sizes in metres, clamped to pixels: pydeck reads a string argument (radius_units="pixels")
        # as a column expression, not a constant.
        get_position="position", get_fill_color="color", get_line_color="line", get_line_width="line_width",
        line_width_min_pixels=1, line_width_max_pixels=4, get_radius=600, radius_min_pixels=6,
        radius_max_pixels=16, auto_highlight=True,
    )
    lons = [lon for polygon in polygons for ring in polygon for lon, _ in ring]
    lats = [lat for polygon in polygons for ring in polygon for _, lat in ring]
    span = max(max(lons) - min(lons), max(lats) - min(lats), 0.05)
    zoom = max(6.0, min(12.0, 9.6 - math.log2(span / 0.5)))   # a district ~0.5 degrees across fills the frame at 9.6
    view = pdk.ViewState(longitude=(min(lons) + max(lons)) / 2, latitude=(min(lats) + max(lats)) / 2, zoom=zoom)
    return pdk.Deck(layers=[outline, points], initial_view_state=view, map_provider=None,
                    tooltip={"html": "<b>{name}</b><br/>{value_text}"})


# --- the alerts' worst state per district (sitrep.leadership.worst_by_district) ----------------------
OVERDUE_RED = [220, 20, 20, 230]
NEW_RED = [140, 20, 45, 220]
STATE_COLOURS = {"overdue": OVERDUE_RED, "new": NEW_RED, "open": AMBER}


def state_colour(state: str | None) -> list[int]:
    """overdue red > new red (darker) > acknowledged / in hand amber > none green."""
    return STATE_COLOURS.get(state, GREEN)


def _polygons(outline_geojson: str) -> list:
    geometry = json.loads(outline_geojson)
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def district_state_map(districts: pd.DataFrame, worst: dict[str, str], state_words: dict[str, str],
                       lang: str = "zh", zoom: float = 6.2) -> pdk.Deck:
    """The districts coloured by their worst alert state; `state_words`: state -> its words (the
    tooltip), '' for no open alert."""
    rows = []
    for row in districts.itertuples():
        state = worst.get(row.district_code)
        for polygon in _polygons(row.outline_geojson):
            rows.append({"district_code": row.district_code, "name": row.name_zh if lang == "zh" else row.name_en,
                         "value_text": state_words.get(state or "", ""), "color": state_colour(state),
                         "polygon": polygon})
    layer = pdk.Layer(
        "PolygonLayer", pd.DataFrame(rows), id=LAYER_ID, pickable=True, stroked=True, filled=True,
        get_polygon="polygon", get_fill_color="color", get_line_color=[255, 255, 255],
        line_width_min_pixels=1, auto_highlight=True,
    )
    view = pdk.ViewState(longitude=107.75, latitude=30.05, zoom=zoom)
    return pdk.Deck(layers=[layer], initial_view_state=view, map_provider=None,
                    tooltip={"html": "<b>{name}</b><br/>{value_text}"})


def _rgb(colour: list[int]) -> str:
    return f"rgba({colour[0]},{colour[1]},{colour[2]},{colour[3] / 255:.2f})"


def district_svg(districts: pd.DataFrame, colours: dict[str, list[int]], labels: dict[str, str] | None = None,
                 stroke: str = "#0b1220", width: int = 1000, label_size: float = 40) -> str:
    """The districts as one SVG document (the video wall shows it as an image: it scales to any
    screen, needs no WebGL and fetches nothing). `colours`: district -> RGBA (absent: grey);
    `labels`: district -> text drawn at its centre (only those given), `label_size` high in the
    picture's units (it is `width` wide). Longitude is scaled by cos(latitude) so the city keeps
    its shape."""
    import html
    import math

    shapes = [(row.district_code, [ring for polygon in _polygons(row.outline_geojson) for ring in polygon[:1]])
              for row in districts.itertuples()]
    points = [p for _, rings in shapes for ring in rings for p in ring]
    if not points:
        return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>'
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    x0, x1, y0, y1 = min(lons) * k, max(lons) * k, min(lats), max(lats)
    scale = width / (x1 - x0)
    height = int((y1 - y0) * scale) + 1

    def xy(p) -> tuple[float, float]:
        return (p[0] * k - x0) * scale, (y1 - p[1]) * scale

    paths, texts = [], []
    for code, rings in shapes:
        d = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, ring)) + " Z" for ring in rings)
        fill = _rgb(colours.get(code, GREY))
        paths.append(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="1.5" data-district="{code}"/>')
        if labels and code in labels:
            biggest = max(rings, key=len)
            cx = sum(xy(p)[0] for p in biggest) / len(biggest)
            cy = sum(xy(p)[1] for p in biggest) / len(biggest)
            texts.append(f'<text x="{cx:.0f}" y="{cy:.0f}" text-anchor="middle" dominant-baseline="middle" '
                         f'font-size="{label_size:g}" font-weight="800" fill="#ffffff" stroke="#060a13" '
                         f'stroke-width="{label_size / 6:.1f}" paint-order="stroke" '
                         f'font-family="Noto Sans CJK SC, Source Han Sans SC, sans-serif">'
                         f'{html.escape(labels[code])}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'preserveAspectRatio="xMidYMid meet">{"".join(paths)}{"".join(texts)}</svg>')


def svg_image(svg: str, alt: str = "") -> str:
    """An SVG document as an <img> with a data: URI (Streamlit's st.html strips inline SVG)."""
    import base64
    import html

    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}"/>'
