"""Streamlit glue shared by the pages: the database, built on first run, and its readers.

This is the only module of the package that imports Streamlit.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from sitrep import DEFAULT_DB_PATH
from sitrep.db import ReadPool


def database_path() -> Path:
    return Path(os.environ.get("SITREP_DB", DEFAULT_DB_PATH))


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
def _read_pool(path: str, modified_ns: int) -> ReadPool:
    return ReadPool(path)


def reader():
    """A cursor of this thread on the current database, building it first if missing."""
    path = database_path()
    if not path.exists():
        _build_once(str(path))
    return _read_pool(str(path), path.stat().st_mtime_ns).cursor()
