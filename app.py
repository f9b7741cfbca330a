"""Sitrep: the entry point. `streamlit run app.py`."""

import logging
import uuid

import streamlit as st

from sitrep import ui
from sitrep.i18n import t
from sitrep.queries import QueryTimeout

st.set_page_config(page_title="Sitrep 疫情态势感知", page_icon="🛡️", layout="wide")

PAGES = [
    ("pages/overview.py", "page_overview", True),
    ("pages/cases.py", "page_cases", False),
    ("pages/contacts.py", "page_contacts", False),
    ("pages/isolation.py", "page_isolation", False),
    ("pages/testing.py", "page_testing", False),
    ("pages/timeliness.py", "page_timeliness", False),
    ("pages/risk_areas.py", "page_risk_areas", False),
    ("pages/briefing.py", "brief_page_title", False),
    ("pages/data.py", "page_data", False),
]
# Navigation first, before anything can stop or delay the run (the first visit builds the demo
# database in ui.controls): until st.navigation is called, Streamlit lists the files of pages/.
# The titles' language comes from the session or the URL, not the database.
# No icons: emoji need a font the server-side screenshots lack, and material icons load a web font.
lang = ui.chosen_language()
pages = [st.Page(path, title=t(key, lang), default=default,
                 url_path=path.removeprefix("pages/").removesuffix(".py"))
         for path, key, default in PAGES]
navigation = st.navigation(pages)
ui.controls()  # the sidebar; a page reads the view with ui.current_view()


@st.fragment(run_every="30s")
def follow_new_data() -> None:
    """New data appears without a reload: when the database changes, run the page again."""
    version = ui.current_file_version()
    seen = st.session_state.setdefault("data_version", version)
    if version != seen:
        st.session_state["data_version"] = version
        st.rerun()


follow_new_data()
return_to = st.session_state.pop("return_to", None)
if return_to:  # a page link opened before app.py had run once (see ui.current_view)
    st.switch_page(return_to)
try:
    navigation.run()
except QueryTimeout as timeout:  # a read outside ui's cached reads (the briefing's snapshot): say so, no traceback
    ui.say_timeout(timeout, lang)
except Exception:  # noqa: BLE001 -- anything else: a friendly error with an id; the traceback goes to the server log only
    error_id = uuid.uuid4().hex[:12]
    logging.getLogger("sitrep").exception("page error %s", error_id)
    st.error(t("unexpected_error", lang, id=error_id))
