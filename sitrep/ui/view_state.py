"""Streamlit glue, the view: as-of, place and language, chosen in the sidebar and kept in the URL,
so that a copied link reproduces the exact view; and the caption that says what moment a page
shows and how old its data is."""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from sitrep import PROJECT_ROOT
from sitrep.db import dataset_info
from sitrep.i18n import t
from sitrep import queries
from sitrep.ui.data import (data_version, districts_frame, newer_version_preparing, pin_version, reader, reading_scope,
                            reference_frame, townships_frame, whole_city_label)

# The five levels (003 #64) as the URL names them, coarsest first, with the View field of each.
LEVELS = ("district", "township", "community", "grid", "building")

@dataclass(frozen=True)
class View:
    as_of: pd.Timestamp
    newest: pd.Timestamp          # the newest moment the data reaches
    following: bool               # True: as_of follows the newest data; False: pinned
    district_code: str | None
    township_code: str | None
    lang: str
    community_code: str | None = None
    grid_code: str | None = None
    building_code: str | None = None

    @property
    def place(self) -> dict:
        return {"district_code": self.district_code, "township_code": self.township_code,
                "community_code": self.community_code, "grid_code": self.grid_code,
                "building_code": self.building_code}

    @property
    def level(self) -> str | None:
        """The finest level chosen (district ... building), None for the whole city."""
        return queries.place_level(self.place)


def _parse_time(text: str | None) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(text) if text else None
    except ValueError:
        return None


def chosen_language() -> str:
    """The language of this run, from the session (the sidebar's choice) or the URL, without
    touching the database: app.py needs it for the page titles before anything can be read or built."""
    lang = st.session_state.get("lang") or st.query_params.get("lang")
    return lang if lang in ("zh", "en") else "zh"


def _refuse_places_out_of_scope(qp, lang: str) -> None:
    """A link naming a place of any level outside the user's districts is refused outright: the
    page says so and stops before reading anything (not quietly shown the user's own total).
    District, township, community and grid codes begin with their district's; a building's code is
    the district's own numbering, so a building is looked up through the user's scope, which sees
    only their districts' buildings."""
    allowed = reading_scope()
    if allowed is None:
        return
    for key in LEVELS:
        place = qp.get(key)
        if not place:
            continue
        if key == "building":
            found = queries.run(reader(), "reference/building_place", building_code=place)
            inside = len(found) > 0 and found["district_code"].iloc[0] in allowed
        else:
            inside = place[:6] in allowed
        if not inside:
            st.error(t("out_of_scope", lang, place=place, districts="、".join(allowed)))
            st.stop()


def _place_from_link(qp) -> dict[str, str]:
    """The levels a link names, each coarser level filled in from the finer code where the link
    leaves it out (a community's code begins with its township's 9 digits and its district's 6, a
    grid's with its community's 12), so ?community= alone reproduces the view."""
    place = {key: qp.get(key, "") for key in LEVELS}
    if place["grid"] and not place["community"]:
        place["community"] = place["grid"][:12]
    if place["community"] and not place["township"]:
        place["township"] = place["community"][:9]
    if place["township"] and not place["district"]:
        place["district"] = place["township"][:6]
    return place


def _pick_below(level: str, frame: pd.DataFrame, code_column: str, whole: str, lang: str) -> str:
    """The sidebar's selectbox of one level under a chosen parent ("" for the whole parent); a
    code the parent does not hold (a stale link) falls back to the whole parent."""
    state = st.session_state
    names = dict(zip(frame[code_column], frame["name_zh"]))
    if state.get(level) not in names:
        state[level] = ""
    return st.selectbox(t(level, lang), [""] + list(names), key=level,
                        format_func=lambda c: names.get(c, t(whole, lang)))


def pick_place(level: str, code: str) -> None:
    """Choose a place from the page (a click on the map): the sidebar's selectbox of that level
    already stands in this run, and Streamlit refuses to change a widget's value once drawn, so
    the choice is kept for the next run, which controls() applies before drawing the sidebar."""
    if level not in LEVELS:
        raise ValueError(f"no place level {level!r}; one of {', '.join(LEVELS)}")
    st.session_state["place_picked"] = (level, code)
    st.rerun()


def _apply_picked_place(state) -> None:
    picked = state.pop("place_picked", None)
    if picked:
        level, code = picked
        state[level] = code
        for finer in LEVELS[LEVELS.index(level) + 1:]:
            state[finer] = ""


def controls(newest_file: bool = False) -> View:
    """Sidebar controls, initialised from the URL and written back to it, so a copied link
    reproduces the exact view. Called once per run, from app.py, before the page. `newest_file`:
    read the file's current version, not the newest whose latest picture is ready (ui.pin_version)."""
    _refuse_places_out_of_scope(st.query_params, chosen_language())
    pin_version(newest_file)
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
        for level, code in _place_from_link(qp).items():
            state[level] = code
        state["view_ready"] = True
    _apply_picked_place(state)

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
        everywhere = whole_city_label(lang)    # read here: a widget's format_func runs outside the page run too
        district = st.selectbox(t("district", lang), [""] + list(names), key="district",
                                format_func=lambda c: names.get(c, everywhere))
        # Each level's selectbox appears once the level above is chosen (003 #64's five levels).
        # A level not shown (its parent not chosen) is reset, so a stale choice never lingers.
        township = community = grid = building = ""
        if district:
            township = _pick_below("township", townships_frame(district), "township_code", "whole_district", lang)
        else:
            state["township"] = ""
        if township:
            community = _pick_below("community", reference_frame("communities", township_code=township),
                                    "community_code", "whole_township", lang)
        else:
            state["community"] = ""
        if community:
            grid = _pick_below("grid", reference_frame("grids", community_code=community), "grid_code",
                               "whole_community", lang)
        else:
            state["grid"] = ""
        buildings = reference_frame("buildings", grid_code=grid) if grid else None
        if buildings is not None and not buildings.empty:
            building = _pick_below("building", buildings, "building_code", "whole_grid", lang)
        else:
            if grid:
                st.caption(t("no_buildings", lang))
            state["building"] = ""

    wanted = {"lang": lang if lang != "zh" else None,
              "as_of": None if state["follow"] else as_of.strftime("%Y-%m-%dT%H:%M"),
              "district": district or None, "township": township or None, "community": community or None,
              "grid": grid or None, "building": building or None}
    for key, value in wanted.items():
        if value is None and key in qp:
            del qp[key]
        elif value is not None and qp.get(key) != value:
            qp[key] = value
    view = View(as_of=as_of, newest=newest, following=bool(state["follow"]),
                district_code=district or None, township_code=township or None, lang=lang,
                community_code=community or None, grid_code=grid or None, building_code=building or None)
    state["view"] = view
    return view


def current_view() -> View:
    """The view app.py set up for this run. On a fresh server whose first request is a page
    link, Streamlit runs that page alone (pages/ reads as an old-style page folder until
    app.py has called st.navigation once): go through app.py and come back to this page."""
    if "view" not in st.session_state:
        caller = Path(inspect.stack()[1].filename).resolve()
        st.session_state["return_to"] = str(caller.relative_to(PROJECT_ROOT))
        st.switch_page("app.py")
    return st.session_state["view"]


def as_of_caption(view: View) -> None:
    """Every page says which moment its numbers are for, and how old the data is."""
    age = pd.Timestamp.now() - pd.Timestamp(data_version(), unit="ns").tz_localize(None)
    mode = t("following", view.lang) if view.following else t("pinned", view.lang)
    st.caption(f"{t('as_of', view.lang)} **{view.as_of:%Y-%m-%d %H:%M}** (Asia/Shanghai) · {mode} · "
               f"{t('data_as_of', view.lang)} {view.newest:%Y-%m-%d %H:%M} · "
               f"{t('data_age', view.lang, age=_age_text(age, view.lang))} · {t('synthetic', view.lang)}")
    preparing = newer_version_preparing()
    if preparing:
        when = pd.Timestamp(preparing, unit="ns").tz_localize("UTC").tz_convert("Asia/Shanghai")
        st.info(t("newer_data_preparing", view.lang, when=f"{when:%H:%M:%S}"))


def _age_text(age: pd.Timedelta, lang: str) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} 分钟" if lang == "zh" else f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} 小时" if lang == "zh" else f"{hours} h"
    return f"{hours // 24} 天" if lang == "zh" else f"{hours // 24} days"
