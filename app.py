"""Sitrep: the entry point. `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="Sitrep 疫情态势感知", page_icon="🛡️", layout="wide")

pages = [st.Page("pages/home.py", title="总览 Overview", icon="🏠", default=True)]
st.navigation(pages).run()
