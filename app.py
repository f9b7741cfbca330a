"""Sitrep: the Streamlit script. scripts/run-app serves it through serve.py (`streamlit run serve.py`),
which adds the routes that keep a login across a page refresh; `streamlit run app.py` runs it alone."""

import logging
import uuid

import streamlit as st

from sitrep import access, ui
from sitrep.i18n import t
from sitrep.queries import QueryTimeout
from sitrep.ui import auth, wall

st.set_page_config(page_title="Sitrep 疫情态势感知", page_icon="🛡️", layout="wide")

# Each page, the words of its title, and the permission (sitrep.access) that lists it. The first
# page a role may open is its default.
PAGES = [
    ("pages/overview.py", "page_overview", access.VIEW_DATA),
    ("pages/alerts.py", "inbox_page_title", access.VIEW_DATA),     # acting on them needs ACT_ON_ALERTS
    ("pages/cases.py", "page_cases", access.VIEW_DATA),
    ("pages/contacts.py", "page_contacts", access.VIEW_DATA),
    ("pages/isolation.py", "page_isolation", access.VIEW_DATA),
    ("pages/testing.py", "page_testing", access.VIEW_DATA),
    ("pages/timeliness.py", "page_timeliness", access.VIEW_DATA),
    ("pages/risk_areas.py", "page_risk_areas", access.VIEW_DATA),
    ("pages/briefing.py", "brief_page_title", access.VIEW_DATA),
    ("pages/data.py", "page_data", access.VIEW_DATA),
    ("pages/admin.py", "page_admin", access.MANAGE_USERS),
]
# Navigation first, before anything can stop or delay the run (the first visit builds the demo
# database on the login page): until st.navigation is called, Streamlit lists the files of pages/.
# The titles' language comes from the session or the URL, not the database.
# No icons: emoji need a font the server-side screenshots lack, and material icons load a web font.
lang = ui.chosen_language()
user = auth.resolve_user()        # the session's, the single sign-on's or the proxy's user; None: nobody yet
if user is None:                  # nobody: every page's address shows the login page, which then goes there
    asked = st.navigation([st.Page(auth.login_page, title=t("auth_sign_in", lang), default=number == 0,
                                   url_path=path.removeprefix("pages/").removesuffix(".py"))
                           for number, (path, _, _) in enumerate(PAGES)], position="hidden")
    st.session_state["login_next"] = asked.url_path
    asked.run()
    st.stop()
st.session_state["user"] = user   # pages read it with ui.current_user()
reads_data = access.can(user, access.VIEW_DATA)
# Pages where someone is in the middle of a form (an upload being checked, an account being
# edited): no automatic rerun on new data there (it would close an open list under their cursor),
# and they read the newest file at once rather than the last computed picture. (The alert inbox
# does follow new data: a new alert must appear without a reload.)
WORKING_PAGES = ("data", "admin")
# The video wall (指挥大屏): `?screen=wall` on any page's address, for a role that views data; still
# behind the login above. Full screen, no sidebar (sitrep/ui/wall.py).
on_wall = st.query_params.get("screen") == "wall" and reads_data
visible = [(path, key) for path, key, permission in PAGES if access.can(user, permission)]
pages = [st.Page(path, title=t(key, lang), default=number == 0,
                 url_path=path.removeprefix("pages/").removesuffix(".py"))
         for number, (path, key) in enumerate(visible)]
navigation = st.navigation(pages, position="hidden" if on_wall else "sidebar")
auth.sidebar(user, lang)          # who is logged in, the demo mark, logout
auth.demo_mark(user, lang)
if st.query_params.get("screen") == "wall" and not reads_data:
    st.warning(t("wall_needs_data", lang))
if reads_data:
    # The sidebar's view; a page reads it with ui.current_view(). A working page reads the newest
    # file at once (the duty officer sees what they just imported), not the last computed picture.
    ui.controls(newest_file=navigation.url_path in WORKING_PAGES)


@st.fragment(run_every="5s")
def follow_new_data() -> None:
    """New data appears without a reload: when a newer version's latest picture is ready (or, with
    no watcher, when the file changed), run the page again on it."""
    pinned = st.session_state.get("pinned_version")
    if pinned and ui.version_to_show() != pinned:
        st.rerun()


if reads_data and navigation.url_path not in WORKING_PAGES:     # see WORKING_PAGES
    follow_new_data()
return_to = st.session_state.pop("return_to", None)
if return_to:  # a page link opened before app.py had run once (see ui.current_view)
    st.switch_page(return_to)
try:
    if on_wall:
        wall.show(ui.current_view(), demo=user.demo)
    else:
        navigation.run()
except QueryTimeout as timeout:  # a read outside ui's cached reads (the briefing's snapshot): say so, no traceback
    ui.say_timeout(timeout, lang)
except Exception:  # noqa: BLE001 -- anything else: a friendly error with an id; the traceback goes to the server log only
    error_id = uuid.uuid4().hex[:12]
    logging.getLogger("sitrep").exception("page error %s", error_id)
    st.error(t("unexpected_error", lang, id=error_id))
