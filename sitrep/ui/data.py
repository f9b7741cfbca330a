"""Streamlit glue, data access: the database version a page run reads, and cached reads.

Every read has one call shape: what to read, the view it is for, and what differs from the view
(`as_of=`, a place, `query=` for a drill-through). Answers are cached per data version, so new
data is never served from an old answer. A view that follows the newest data reads the version's
latest picture (sitrep.latest): computed once per version for every session, ahead of the first
page when the app's watcher runs (serve.py starts it); a pinned past moment is computed on demand
and cached here.

A read that runs past the query time limit (sitrep.queries.QueryTimeout) is caught here, in one
place: the page shows an error naming the query and the limit, and gets an empty frame with the
query's columns (marked: `timed_out(frame)`), so the rest of the page still draws. A page's own
reads (the briefing's snapshot) are caught around the page in app.py, with the same message.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import streamlit as st

from sitrep import access, database_path, latest, queries
from sitrep import redlist as redlist_module
from sitrep.db import VersionedPools, file_version
from sitrep.latest import Read
from sitrep.frames import scope_row, without_unset_finer_places
from sitrep.i18n import t
from sitrep.queries import QueryTimeout

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


def ensure_database():
    """The database path, after building the demo database if there is none (first start), and
    after giving a demo database built before issue 12 its demo accounts (a store with no
    account at all beside a database of the demo scenario). A database of real data is never given
    an account here: its first one comes from `python -m sitrep user add`."""
    path = database_path()
    if not path.exists():
        _build_once(str(path))            # build_database adds the demo accounts
    give_demo_accounts(path)
    return path


def give_demo_accounts(path) -> None:
    """The demo accounts for a demo database whose store has no account at all (draws nothing)."""
    from sitrep import users

    if path.exists() and users.count(path) == 0 and _is_demo(str(path), file_version(path)):
        users.seed_demo_accounts(path)


@st.cache_data(show_spinner=False, max_entries=8)
def _is_demo(path: str, version: int) -> bool:
    """Whether the database was built from the demo scenario (its dataset_info names the seed)."""
    from sitrep.db import connect_read, dataset_info

    con = connect_read(path)
    try:
        return "scenario_seed" in dataset_info(con)
    finally:
        con.close()


def _pools() -> VersionedPools:
    return latest.pools()      # shared with the latest pictures' watcher


def pictures() -> latest.Pictures:
    return latest.pictures(database_path())


def current_file_version() -> int:
    return file_version(database_path())


def pin_version(newest_file: bool = False) -> int:
    """Called once at the start of every page run (view_state.controls): the run reads this version.
    `newest_file`: the file's current version even while its picture is computed (a working page:
    the duty officer who just imported sees their data at once)."""
    path = database_path()
    if not path.exists():
        _build_once(str(path))
    current, _ = _pools().latest(path)
    # The newest version whose latest picture is ready: while the watcher computes a new one,
    # pages go on showing the previous version (its data time says which).
    version = current if newest_file else pictures().version_to_show(current)
    st.session_state["pinned_version"] = version
    st.session_state["timeouts_shown"] = set()   # say each timeout once per run
    return version


def version_to_show() -> int:
    """The version a page run starting now would read (app.py's follow_new_data compares it)."""
    return pictures().version_to_show(current_file_version())


def newer_version_preparing() -> int | None:
    """The file version being computed while this run shows an older one (None: none)."""
    computing = pictures().computing()
    return computing if computing and computing > data_version() else None


def data_version() -> int:
    """The version this page run reads (pinned by view_state.controls), else the file's current one."""
    return st.session_state.get("pinned_version") or current_file_version()


def session_user() -> access.User | None:
    """Who is logged in to this session (app.py puts them there after sitrep.ui.auth resolved
    them), or None. The one reader of that session key: auth.current_user adds the way back
    through app.py for a page opened before it ran."""
    user = st.session_state.get("user")
    return user if isinstance(user, access.User) else None


def reading_scope() -> tuple[str, ...] | None:
    """The districts every read of this session is bound to: the logged-in user's (None: the whole
    city). Only from the session, never from the URL or the view; nobody logged in reads nothing."""
    user = session_user()
    if user is None:
        raise access.AccessDenied("nobody is logged in")
    return access.scope(user)


def whole_city_label(lang: str) -> str:
    """What the place-less row is called: the whole city, or for a district-bound user the total
    of their districts (their "city" rows add up only what they may see)."""
    return t("whole_city" if reading_scope() is None else "scope_total", lang)


def scoped_label(text: str, lang: str) -> str:
    """A city-wide label (全市隔离房间使用率, City room usage) as a district-bound user reads it:
    their districts' (辖区隔离房间使用率), since their numbers add up only their districts."""
    city, mine = t("card_city_prefix", lang), t("card_scope_prefix", lang)
    if reading_scope() is None or not text.startswith(city):
        return text
    return mine + text[len(city):]


def reader():
    """A cursor of this thread on the database version this run reads, bound to the session's
    districts, building the database first if missing."""
    return _reader(reading_scope())


def _reader(scope: tuple[str, ...] | None):
    path = database_path()
    if not path.exists():
        _build_once(str(path))
    pinned = st.session_state.get("pinned_version")
    pool = _pools().get(path, pinned) if pinned else None
    if pool is None:
        _, pool = _pools().latest(path)
    return pool.cursor(scope)


# The scope is part of every cache key: one user's answer is never served to another scope.
@st.cache_data(max_entries=4000, show_spinner=False)
def _query_cached(version: int, scope, name: str, params: dict) -> pd.DataFrame:
    return queries.run(_reader(scope), name, **params)


@st.cache_data(max_entries=4000, show_spinner=False)
def _metric_cached(version: int, scope, metric_id: str, params: dict) -> pd.DataFrame:
    return queries.run_metric(_reader(scope), metric_id, **params)


@st.cache_data(max_entries=500, show_spinner=False)
def _red_list_cached(version: int, scope, as_of: pd.Timestamp, district_code, township_code,
                     **finer_place) -> pd.DataFrame:
    return redlist_module.red_list(_reader(scope), as_of, district_code=district_code, township_code=township_code,
                                   **finer_place)


def newest_read(kind: str, name: str, params: dict, view: View, compute):
    """A read at (or relative to) the newest moment: from this version's latest picture, else
    computed here and kept in the picture for every session after. The answer is a copy: a
    page may change its frame without touching what others are served."""
    version, scope = data_version(), reading_scope()
    read = Read.of(kind, name, params, scope, view.newest)
    answer = pictures().lookup(version, read)
    if answer is None:
        answer = compute()
        pictures().remember(version, view.newest, read, answer)
    return answer.copy() if isinstance(answer, pd.DataFrame) else copy.deepcopy(answer)


def _params(view: View, params: dict) -> dict:
    # The view's moment and place, unless the caller names another.
    return without_unset_finer_places(
        {"as_of": view.as_of, **view.place, **{k: v for k, v in params.items() if k != "as_of" or v is not None}})


def say_timeout(timeout: QueryTimeout, lang: str, what: str | None = None) -> None:
    """Say on the page which query ran out of time, the limit, and what to do (once per run)."""
    what = what or (f"{timeout.metric_id} (queries/{timeout.name}.sql)" if timeout.metric_id
                    else f"queries/{timeout.name}.sql")
    shown = st.session_state.setdefault("timeouts_shown", set())
    if what not in shown:
        shown.add(what)
        st.error(t("query_timeout", lang, what=what, limit=f"{timeout.limit:g}"))


def _empty(name: str, params: dict, columns: list[str] | None = None) -> pd.DataFrame:
    """An empty frame with the query's columns, marked as timed out (see timed_out)."""
    if columns is not None:
        frame = pd.DataFrame(columns=columns)
    else:
        try:
            frame = queries.empty_frame(reader(), name, **params)
        except (duckdb.Error, ValueError):
            frame = pd.DataFrame()
    frame.attrs["timed_out"] = True
    return frame


def timed_out(frame: pd.DataFrame) -> bool:
    """True for the empty stand-in of a read that ran out of time: not a known zero."""
    return bool(frame.attrs.get("timed_out"))


def metric_frame(metric_id: str, view: View, **params) -> pd.DataFrame:
    """A registry metric's rows (or, with query=, its drill-through's) for the view."""
    params = _params(view, params)
    try:
        if view.following:
            return newest_read("metric", metric_id, params, view,
                           lambda: queries.run_metric(reader(), metric_id, **params))
        return _metric_cached(data_version(), reading_scope(), metric_id, params)
    except QueryTimeout as timeout:
        say_timeout(timeout, view.lang)
        rest = {k: v for k, v in params.items() if k != "query"}
        name, bound = queries.metric_parameters(metric_id, None, params.get("query"), **rest)
        return _empty(name, bound)


def query_frame(name: str, view: View, **params) -> pd.DataFrame:
    """The rows of queries/NAME.sql for the view."""
    params = _params(view, params)
    try:
        if view.following:
            return newest_read("query", name, params, view, lambda: queries.run(reader(), name, **params))
        return _query_cached(data_version(), reading_scope(), name, params)
    except QueryTimeout as timeout:
        say_timeout(timeout, view.lang)
        return _empty(name, params)


def red_list_frame(view: View, **place) -> pd.DataFrame:
    """The red list at the view's moment, for the view's place unless another is given."""
    place = without_unset_finer_places({**view.place, **place})
    try:
        if view.following:
            return newest_read("red_list", "red_list", {"as_of": view.as_of, **place}, view,
                           lambda: redlist_module.red_list(reader(), view.as_of, **place))
        return _red_list_cached(data_version(), reading_scope(), view.as_of, **place)
    except QueryTimeout as timeout:
        say_timeout(timeout, view.lang, f"{t('red_list', view.lang)} ({timeout.metric_id}, "
                                        f"queries/{timeout.name}.sql)")
        return _empty("", {}, columns=redlist_module.COLUMNS)


def reference_frame(name: str, **params) -> pd.DataFrame:
    """Reference rows that do not depend on the view (queries/reference/NAME.sql: district names and
    outlines, a district's townships), read once per data version."""
    try:
        return _query_cached(data_version(), reading_scope(), f"reference/{name}", params)
    except QueryTimeout as timeout:
        say_timeout(timeout, st.session_state.get("lang", "zh"))
        return _empty(f"reference/{name}", params)


def districts_frame() -> pd.DataFrame:
    """The 38 units' codes and names, read once per data version (every page and table uses them)."""
    return reference_frame("district_names")


def district_outlines() -> pd.DataFrame:
    """The 38 units' codes, names and outlines (GeoJSON), for the district maps."""
    return reference_frame("district_outlines")


def townships_frame(district_code: str) -> pd.DataFrame:
    """The townships of a district: codes and Chinese names."""
    return reference_frame("townships", district_code=district_code)


def district_names(view: View) -> dict:
    """District code -> district name in the view's language."""
    frame = districts_frame()
    return dict(zip(frame["district_code"], frame["name_zh" if view.lang == "zh" else "name_en"]))


def scoped(metric_id: str, view: View, at: pd.Timestamp | None = None, **params) -> pd.Series | None:
    """The metric's row for the chosen place, at the view's as-of unless `at` is given."""
    return scope_row(metric_frame(metric_id, view, as_of=at, **params), view)
