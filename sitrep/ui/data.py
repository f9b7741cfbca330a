"""Streamlit glue, data access: the database version a page run reads, and cached reads.

Every read has one call shape: what to read, the view it is for, and what differs from the view
(`as_of=`, a place, `query=` for a drill-through). Answers are cached per data version, so new
data is never served from an old answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from sitrep import database_path, queries
from sitrep import redlist as redlist_module
from sitrep.db import VersionedPools, file_version
from sitrep.frames import scope_row

if TYPE_CHECKING:
    from sitrep.ui.view_state import View


@st.cache_resource(show_spinner=False)
def _build_once(path: str) -> None:
    """Build the demo database; cached so concurrent sessions wait for one build."""
    from sitrep.scenario.build import build_database

    bar = st.progress(0.0, text="首次启动：正在生成重庆演示数据 · First run: building the demo database")

    def progress(label: str, fraction: float) -> None:
        bar.progress(fraction, text=f"首次启动：正在生成演示数据 · Building the demo database: {label}")

    build_database(path, progress=progress)
    bar.empty()


@st.cache_resource(show_spinner=False)
def _pools() -> VersionedPools:
    return VersionedPools(keep=2)


def current_file_version() -> int:
    return file_version(database_path())


def pin_version() -> int:
    """Called once at the start of every page run (view_state.controls): the run reads this version."""
    path = database_path()
    if not path.exists():
        _build_once(str(path))
    version, _ = _pools().latest(path)
    st.session_state["pinned_version"] = version
    return version


def data_version() -> int:
    """The version this page run reads (pinned by view_state.controls), else the file's current one."""
    return st.session_state.get("pinned_version") or current_file_version()


def reader():
    """A cursor of this thread on the database version this run reads, building it first if missing."""
    path = database_path()
    if not path.exists():
        _build_once(str(path))
    pinned = st.session_state.get("pinned_version")
    pool = _pools().get(path, pinned) if pinned else None
    if pool is None:
        _, pool = _pools().latest(path)
    return pool.cursor()


@st.cache_data(max_entries=4000, show_spinner=False)
def _query_cached(version: int, name: str, params: dict) -> pd.DataFrame:
    return queries.run(reader(), name, **params)


@st.cache_data(max_entries=4000, show_spinner=False)
def _metric_cached(version: int, metric_id: str, params: dict) -> pd.DataFrame:
    return queries.run_metric(reader(), metric_id, **params)


@st.cache_data(max_entries=500, show_spinner=False)
def _red_list_cached(version: int, as_of: pd.Timestamp, district_code, township_code) -> pd.DataFrame:
    return redlist_module.red_list(reader(), as_of, district_code=district_code, township_code=township_code)


@st.cache_data(max_entries=20, show_spinner=False)
def _districts_cached(version: int) -> pd.DataFrame:
    return reader().execute("select district_code, name_zh, name_en from districts order by district_code").df()


def _params(view: View, params: dict) -> dict:
    # The view's moment and place, unless the caller names another.
    return {"as_of": view.as_of, **view.place, **{k: v for k, v in params.items() if k != "as_of" or v is not None}}


def metric_frame(metric_id: str, view: View, **params) -> pd.DataFrame:
    """A registry metric's rows (or, with query=, its drill-through's) for the view."""
    return _metric_cached(data_version(), metric_id, _params(view, params))


def query_frame(name: str, view: View, **params) -> pd.DataFrame:
    """The rows of queries/NAME.sql for the view."""
    return _query_cached(data_version(), name, _params(view, params))


def red_list_frame(view: View, **place) -> pd.DataFrame:
    """The red list at the view's moment, for the view's place unless another is given."""
    place = {**view.place, **place}
    return _red_list_cached(data_version(), view.as_of, place["district_code"], place["township_code"])


def districts_frame() -> pd.DataFrame:
    """The 38 units' codes and names, read once per data version (every page and table uses them)."""
    return _districts_cached(data_version())


def district_names(view: View) -> dict:
    """District code -> district name in the view's language."""
    frame = districts_frame()
    return dict(zip(frame["district_code"], frame["name_zh" if view.lang == "zh" else "name_en"]))


def scoped(metric_id: str, view: View, at: pd.Timestamp | None = None, **params) -> pd.Series | None:
    """The metric's row for the chosen place, at the view's as-of unless `at` is given."""
    return scope_row(metric_frame(metric_id, view, as_of=at, **params), view)
