"""Sitrep served as an ASGI app: `streamlit run serve.py` (what scripts/run-app starts).

app.py is the Streamlit script; this wraps it in `st.App` with the two routes that give a local
login its session cookie (sitrep/ui/session_routes.py), so that a login survives a page refresh,
and a lifespan that starts the latest-picture watcher (sitrep/latest.py): the newest data's red
list, metrics and cards are computed once per version of the database, in the background, from
the start and whenever an import or a build replaces the file; the follow-through alerts
(sitrep/alerts.py) open and close on each new version's red list before pages show it. `streamlit run app.py` still runs
the dashboard, but a local login then lasts only until the page is reloaded, and each version's
latest picture is computed by the first page that needs it.
"""

import threading
from contextlib import asynccontextmanager

import streamlit as st

from sitrep import database_path, latest
from sitrep.ui.session_routes import routes


def _import_what_pages_use() -> None:
    # A first page visit after a start would otherwise pay for importing the chart and map
    # libraries (seconds on 2 cores); done here, beside the first picture.
    import importlib
    for module in ("plotly.express", "pydeck"):
        importlib.import_module(module)


@asynccontextmanager
async def lifespan(app):
    # The demo database is built by the first page visit (it shows the progress); the watcher
    # waits for the file and computes its picture as soon as it appears.
    watcher = latest.pictures(database_path())
    watcher.on_ready(latest.alerts_listener(database_path()))   # alerts open and close with the data
    watcher.watch()
    threading.Thread(target=_import_what_pages_use, name="sitrep-imports", daemon=True).start()
    try:
        yield None
    finally:
        watcher.stop()


app = st.App("app.py", routes=routes(), lifespan=lifespan)
