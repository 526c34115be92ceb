"""Hotspots: the dashboard. Run with ``python -m streamlit run app.py``.

Page config and navigation live here. Each page under pages/ starts with
pages/_ui/setup.py's page_setup() (page config, first-run data, the menu, the shared sidebar,
presentation mode), calls the library through pages/_ui/cache.py (the only place that
caches), and renders. The menu is drawn by page_setup, not by st.navigation, because
Streamlit runs a page without this file on a deep link to a fresh server (app.py sits
beside a pages/ folder), and the page must look the same either way.
"""

import streamlit as st

from pages._ui.setup import PAGES, configure_page

configure_page()
page = st.navigation([st.Page(path, title=title, icon=icon, default=(i == 0))
                      for i, (path, title, icon) in enumerate(PAGES)], position="hidden")
page.run()
