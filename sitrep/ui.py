"""Streamlit glue shared by the pages: the database and its readers, the global controls (as-of,
place, language) kept in the URL, and the pieces every page draws the same way: a metric with
its definition, a table with its CSV download.

This is the only module of the package that imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
import inspect
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from sitrep import database_path, registry
from sitrep.db import ReadPool, dataset_info
from sitrep.export import csv_bytes, file_name
from sitrep.formatting import format_threshold, format_value
from sitrep.i18n import CATALOGUE, name_of, t
from sitrep import queries
from sitrep import redlist as redlist_module
from sitrep.settings import current as current_settings


@st.cache_resource(show_spinner=False)
def _build_once(path: str) -> None:
    """Build the demo database; cached so concurrent sessions wait for one build."""
    from sitrep.scenario.build import build_database

    bar = st.progress(0.0, text="首次启动：正在生成重庆演示数据 · First run: building the demo database")

    def progress(label: str, fraction: float) -> None:
        bar.progress(fraction, text=f"首次启动：正在生成演示数据 · Building the demo database: {label}")

    build_database(path, progress=progress)
    bar.empty()


class _Pools:
    """One ReadPool per version of the database file. An import replaces the file (sitrep.intake.run):
    a new version gets a new pool, and a page run keeps the version it started with, so its
    numbers all come from one file. The two newest versions are kept; an older pool is dropped, and
    DuckDB closes it (releasing the replaced file) once no running query holds a cursor of it."""

    KEEP = 2

    def __init__(self):
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, int], ReadPool] = {}

    def latest(self, path: Path) -> tuple[int, ReadPool]:
        with self._lock:
            while True:
                version = file_version(path)
                pool = self._pools.get((str(path), version))
                if pool is not None:
                    return version, pool
                pool = ReadPool(path)
                if file_version(path) == version:   # not replaced while opening: the pool is that version
                    break
                pool.close()
            self._pools[(str(path), version)] = pool
            mine = sorted(v for p, v in self._pools if p == str(path))
            for old in mine[:-self.KEEP]:
                del self._pools[(str(path), old)]
            return version, pool

    def get(self, path: Path, version: int) -> ReadPool | None:
        with self._lock:
            return self._pools.get((str(path), version))


@st.cache_resource(show_spinner=False)
def _pools() -> _Pools:
    return _Pools()


def file_version(path: Path | None = None) -> int:
    """The database file's modification time in ns: changes whenever it is rebuilt or replaced."""
    path = path or database_path()
    return path.stat().st_mtime_ns if path.exists() else 0


def pin_version() -> int:
    """Called once at the start of every page run (ui.controls): the run reads this version."""
    path = database_path()
    if not path.exists():
        _build_once(str(path))
    version, _ = _pools().latest(path)
    st.session_state["pinned_version"] = version
    return version


def data_version() -> int:
    """The version this page run reads (pinned by ui.controls), else the file's current one."""
    return st.session_state.get("pinned_version") or file_version()


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


# --- the view: as-of, place and language, kept in the URL ----------------------------------

@dataclass(frozen=True)
class View:
    as_of: pd.Timestamp
    newest: pd.Timestamp          # the newest moment the data reaches
    following: bool               # True: as_of follows the newest data; False: pinned
    district_code: str | None
    township_code: str | None
    lang: str

    @property
    def place(self) -> dict:
        return {"district_code": self.district_code, "township_code": self.township_code}


def _parse_time(text: str | None) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(text) if text else None
    except ValueError:
        return None


def controls() -> View:
    """Sidebar controls, initialised from the URL and written back to it, so a copied link
    reproduces the exact view. Called once per run, from app.py, before the page."""
    pin_version()
    con = reader()
    info = dataset_info(con)
    newest = pd.Timestamp(info["data_as_of"])
    qp = st.query_params
    state = st.session_state
    if "view_ready" not in state:
        pinned = _parse_time(qp.get("as_of"))
        state["lang"] = qp.get("lang", "zh") if qp.get("lang") in ("zh", "en") else "zh"
        state["follow"] = pinned is None
        moment = pinned or newest
        state["as_of_date"], state["as_of_time"] = moment.date(), moment.time()
        state["district"] = qp.get("district", "")
        state["township"] = qp.get("township", "")
        state["view_ready"] = True

    districts = districts_frame()
    with st.sidebar:
        lang = st.radio("语言 Language", ["zh", "en"], key="lang", horizontal=True,
                        format_func=lambda code: {"zh": "中文", "en": "English"}[code])
        st.toggle(t("follow_newest", lang), key="follow")
        if state["follow"]:
            as_of = newest
        else:
            day = st.date_input(t("date", lang), key="as_of_date")
            moment = st.time_input(t("time", lang), key="as_of_time", step=dt.timedelta(minutes=30))
            as_of = pd.Timestamp(dt.datetime.combine(day, moment))
        names = dict(zip(districts["district_code"], districts["name_zh" if lang == "zh" else "name_en"]))
        if state["district"] not in names:
            state["district"] = ""
        district = st.selectbox(t("district", lang), [""] + list(names), key="district",
                                format_func=lambda c: names.get(c, t("whole_city", lang)))
        township = ""
        if district:
            towns = con.execute("select township_code, name_zh from townships where district_code = ? "
                                "order by township_code", [district]).df()
            town_names = dict(zip(towns["township_code"], towns["name_zh"]))
            if state["township"] not in town_names:
                state["township"] = ""
            township = st.selectbox(t("township", lang), [""] + list(town_names), key="township",
                                    format_func=lambda c: town_names.get(c, t("whole_district", lang)))
        else:
            state["township"] = ""

    wanted = {"lang": lang if lang != "zh" else None,
              "as_of": None if state["follow"] else as_of.strftime("%Y-%m-%dT%H:%M"),
              "district": district or None, "township": township or None}
    for key, value in wanted.items():
        if value is None and key in qp:
            del qp[key]
        elif value is not None and qp.get(key) != value:
            qp[key] = value
    view = View(as_of=as_of, newest=newest, following=bool(state["follow"]),
                district_code=district or None, township_code=township or None, lang=lang)
    state["view"] = view
    return view


def current_view() -> View:
    """The view app.py set up for this run. On a fresh server whose first request is a page
    link, Streamlit runs that page alone (pages/ reads as an old-style page folder until
    app.py has called st.navigation once): go through app.py and come back to this page."""
    if "view" not in st.session_state:
        caller = Path(inspect.stack()[1].filename).resolve()
        st.session_state["return_to"] = str(caller.relative_to(Path(__file__).resolve().parent.parent))
        st.switch_page("app.py")
    return st.session_state["view"]


def as_of_caption(view: View) -> None:
    """Every page says which moment its numbers are for, and how old the data is."""
    age = pd.Timestamp.now() - pd.Timestamp(data_version(), unit="ns").tz_localize(None)
    mode = t("following", view.lang) if view.following else t("pinned", view.lang)
    st.caption(f"{t('as_of', view.lang)} **{view.as_of:%Y-%m-%d %H:%M}** (Asia/Shanghai) · {mode} · "
               f"{t('data_as_of', view.lang)} {view.newest:%Y-%m-%d %H:%M} · "
               f"{t('data_age', view.lang, age=_age_text(age, view.lang))} · {t('synthetic', view.lang)}")


def _age_text(age: pd.Timedelta, lang: str) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} 分钟" if lang == "zh" else f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} 小时" if lang == "zh" else f"{hours} h"
    return f"{hours // 24} 天" if lang == "zh" else f"{hours // 24} days"


# --- cached reads: the same question on the same data is answered once ----------------------
# Keyed by the data version, so new data is never served from an old answer.

@st.cache_data(max_entries=4000, show_spinner=False)
def _run_cached(version: int, name: str, params: dict) -> pd.DataFrame:
    return queries.run(reader(), name, **params)


@st.cache_data(max_entries=4000, show_spinner=False)
def _run_metric_cached(version: int, metric_id: str, params: dict) -> pd.DataFrame:
    return queries.run_metric(reader(), metric_id, **params)


@st.cache_data(max_entries=500, show_spinner=False)
def _red_list_cached(version: int, as_of: pd.Timestamp, district_code, township_code) -> pd.DataFrame:
    return redlist_module.red_list(reader(), as_of, district_code=district_code, township_code=township_code)


@st.cache_data(max_entries=20, show_spinner=False)
def _districts_cached(version: int) -> pd.DataFrame:
    return reader().execute("select district_code, name_zh, name_en from districts order by district_code").df()


def districts_frame() -> pd.DataFrame:
    """The 38 units' codes and names, read once per data version (every page and table uses them)."""
    return _districts_cached(data_version())


def run(con, name: str, **params) -> pd.DataFrame:
    """sitrep.queries.run through the cache (con is accepted for the same call shape)."""
    return _run_cached(data_version(), name, params)


def run_metric(con, metric_id: str, **params) -> pd.DataFrame:
    """sitrep.queries.run_metric through the cache."""
    return _run_metric_cached(data_version(), metric_id, params)


def red_list(con, as_of: pd.Timestamp, district_code=None, township_code=None) -> pd.DataFrame:
    return _red_list_cached(data_version(), as_of, district_code, township_code)


# --- drawing metrics and tables the same way everywhere -------------------------------------

def metric_frame(metric_id: str, view: View, as_of: pd.Timestamp | None = None, **extra) -> pd.DataFrame:
    return run_metric(reader(), metric_id, as_of=as_of if as_of is not None else view.as_of, **view.place, **extra)


def query_frame(name: str, view: View, **extra) -> pd.DataFrame:
    return run(reader(), name, as_of=view.as_of, **view.place, **extra)


def scope_row(frame: pd.DataFrame, view: View) -> pd.Series | None:
    """The row for the place the viewer chose: the district's, or the city row."""
    if frame.empty:
        return None
    if view.district_code and (frame["district_code"] == view.district_code).any():
        return frame[frame["district_code"] == view.district_code].iloc[0]
    city = frame[frame["district_code"].isna()]
    return city.iloc[0] if len(city) else None


def definition_text(metric_id: str, lang: str) -> str:
    m = registry.metric(metric_id)
    definition = m.definition_zh if lang == "zh" else m.definition_en
    parts = [f"**{m.id} {name_of(m, lang)}**: {definition}"]
    if m.threshold:
        setting = current_settings()[m.threshold]
        parts.append(f"{t('threshold', lang)}: {format_threshold(setting.value, setting.unit, lang)}"
                     + (f" ({m.red_when_zh if lang == 'zh' else m.red_when})" if m.red_when else ""))
    parts.append(f"{t('source', lang)}: {m.source}")
    return "  \n".join(parts)


def definition(metric_id: str, view: View) -> None:
    st.caption(definition_text(metric_id, view.lang) + f"  \n{t('as_of', view.lang)} {view.as_of:%Y-%m-%d %H:%M}")


def kpi(column, label: str, metric_id: str, value, unit: str, previous_day=None, previous_week=None,
        view: View | None = None) -> None:
    """A number with its change against the previous day and week, the arrow coloured by
    whether the change is good (registry `good`), and its definition on hover."""
    m = registry.metric(metric_id)
    lang = view.lang if view else "zh"
    delta, delta_text = None, ""
    if previous_day is not None and value is not None and not pd.isna(previous_day) and not pd.isna(value):
        delta = value - previous_day
        delta_text = f"{format_delta(delta, unit)} {t('vs_day', lang)}"
    week = ""
    if previous_week is not None and value is not None and not pd.isna(previous_week) and not pd.isna(value):
        week = f"{format_delta(value - previous_week, unit)} {t('vs_week', lang)}"
    colour = {"down": "inverse", "up": "normal"}.get(m.good, "off") if delta else "off"
    column.metric(label, format_value(value, unit, lang), delta=delta_text or None, delta_color=colour,
                  help=definition_text(metric_id, lang) + (f"  \n{week}" if week else ""))
    if week:
        column.caption(week)


def format_delta(delta, unit: str) -> str:
    if unit == "share":
        return f"{delta * 100:+.1f} pp"
    if float(delta).is_integer():
        return f"{int(delta):+,}"
    return f"{delta:+,.1f}"


def table(frame: pd.DataFrame, name: str, view: View, key: str | None = None, height: int | None = None) -> None:
    """A table with its CSV download (UTF-8 with BOM, stamped with the as-of time)."""
    st.dataframe(frame, hide_index=True, width="stretch", height=height or "auto")
    st.download_button(f"⬇ {t('download_csv', view.lang)}", data=csv_bytes(frame),
                       file_name=file_name(name, view.as_of), mime="text/csv", key=key or f"csv-{name}")


# --- helpers shared by the pages ------------------------------------------------------------

def district_names(view: View) -> dict:
    """District code -> district name in the view's language."""
    frame = districts_frame()
    return dict(zip(frame["district_code"], frame["name_zh" if view.lang == "zh" else "name_en"]))


def readable(frame: pd.DataFrame, view: View) -> pd.DataFrame:
    """District names beside codes, column headers from the catalogue (ids, codes, times only)."""
    out = frame.copy()
    if "district_code" in out.columns:
        out.insert(out.columns.get_loc("district_code") + 1, "district_name",
                   out["district_code"].map(district_names(view)).fillna(t("whole_city", view.lang)))
    return out.rename(columns={c: t(f"field_{c}", view.lang) for c in out.columns if f"field_{c}" in CATALOGUE})


def metric_label(metric_id: str, view: View) -> str:
    """The metric's id and its name in the view's language."""
    return f"{metric_id} {name_of(registry.metric(metric_id), view.lang)}"


def scoped(metric_id: str, view: View, at: pd.Timestamp | None = None, **extra) -> pd.Series | None:
    """The metric's row for the chosen place, at the view's as-of unless `at` is given."""
    return scope_row(metric_frame(metric_id, view, as_of=at, **extra), view)


def field(row: pd.Series | None, column: str):
    """The row's value in the column, None when there is no row or the value is missing."""
    if row is None:
        return None
    value = row[column]
    return None if pd.isna(value) else value


def is_red(row: pd.Series | None) -> bool:
    """Red only when known to be red (is_red is null where the value is unknown)."""
    return row is not None and not pd.isna(row["is_red"]) and bool(row["is_red"])


def red_note(row: pd.Series | None, text: str | None, view: View) -> None:
    """Say so when the scoped row is red, and since when."""
    if is_red(row):
        since = row["red_since"]
        extra = t("cci_red_since", view.lang, time=f"{since:%Y-%m-%d %H:%M}") if not pd.isna(since) else ""
        st.error(" · ".join(part for part in (f"🔴 {text}" if text else "🔴", extra) if part))


def when(column: pd.Series) -> pd.Series:
    """Times as YYYY-MM-DD HH:MM text, empty where missing."""
    return pd.to_datetime(column).dt.strftime("%Y-%m-%d %H:%M").fillna("")
