"""Hotspots: the dashboard. Run with ``python -m streamlit run app.py``.

Page config and navigation live here. Each page under pages/ starts with
pages/_ui.py's page_setup() (page config, first-run data, the menu, the shared sidebar,
presentation mode), calls the library through pages/_ui.py (the only place that
caches), and renders. The menu is drawn by page_setup, not by st.navigation, because
Streamlit runs a page without this file on a deep link to a fresh server (app.py sits
beside a pages/ folder), and the page must look the same either way.
"""

import streamlit as st

from pages import _ui

_ui.configure_page()
page = st.navigation([st.Page(path, title=title, icon=icon, default=(i == 0))
                      for i, (path, title, icon) in enumerate(_ui.PAGES)], position="hidden")
page.run()
