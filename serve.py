"""Sitrep served as an ASGI app: `streamlit run serve.py` (what scripts/run-app starts).

app.py is the Streamlit script; this wraps it in `st.App` with the two routes that give a local
login its session cookie (sitrep/ui/session_routes.py), so that a login survives a page refresh.
`streamlit run app.py` still runs the dashboard, but a local login then lasts only until the
page is reloaded.
"""

import streamlit as st

from sitrep.ui.session_routes import routes

app = st.App("app.py", routes=routes())
