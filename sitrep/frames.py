"""Small pure helpers over query results, shared by the pages and the briefing: the row of the
chosen place, a cell that may be missing, red only when known to be red, times as text."""

from __future__ import annotations

import pandas as pd

# The place filter for the whole city, whatever place the view has chosen (all five levels).
CITY = {"district_code": None, "township_code": None, "community_code": None, "grid_code": None,
        "building_code": None}
FINER_PLACES = ("community_code", "grid_code", "building_code")


def without_unset_finer_places(params: dict) -> dict:
    """The parameters less the levels below the township left unset: a read names them only when
    chosen, so it is the same read (and the same cached answer, sitrep.latest's picture included)
    as before the five levels existed; queries bind a missing level to null, no filter."""
    return {k: v for k, v in params.items() if not (k in FINER_PLACES and v is None)}


def scope_row(frame: pd.DataFrame, view) -> pd.Series | None:
    """The row for the place the viewer chose (view.district_code): the district's, or the city row."""
    if frame.empty:
        return None
    if view.district_code and (frame["district_code"] == view.district_code).any():
        return frame[frame["district_code"] == view.district_code].iloc[0]
    city = frame[frame["district_code"].isna()]
    return city.iloc[0] if len(city) else None


def field(row: pd.Series | None, column: str):
    """The row's value in the column, None when there is no row or the value is missing."""
    if row is None:
        return None
    value = row[column]
    return None if pd.isna(value) else value


def is_red(row: pd.Series | None) -> bool:
    """Red only when known to be red (is_red is null where the value is unknown)."""
    return row is not None and not pd.isna(row["is_red"]) and bool(row["is_red"])


def when(column: pd.Series) -> pd.Series:
    """Times as YYYY-MM-DD HH:MM text, empty where missing."""
    return pd.to_datetime(column).dt.strftime("%Y-%m-%d %H:%M").fillna("")


def head_rows(frame: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, int]:
    """The first `limit` rows to show, and how many rows there are (a screen shows no more than
    settings.toml display_row_limit; the CSV download holds them all)."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"display_row_limit must be a whole number of rows, 1 or more; got {limit!r}")
    return frame.head(limit), len(frame)
