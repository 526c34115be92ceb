"""Hotspots: the dashboard. Run with ``python -m streamlit run app.py``.

Page config, theme and navigation live here; each page under pages/ reads its
settings, calls the library through pages/_ui.py (the only place that caches), and
renders.
"""

from pathlib import Path

import streamlit as st

# a local icon: a material-icon favicon would be fetched from Google's font servers
ICON = str(Path(__file__).resolve().parent / "static" / "hotspots-icon.png")
st.set_page_config(page_title="Hotspots", page_icon=ICON, layout="wide")

from pages import _ui  # noqa: E402  (after set_page_config, which must come first)

_ui.ensure_data()
page = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
])
page.run()
