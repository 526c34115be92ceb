"""The app's only Streamlit helper package: page setup and menu, settings and state, the cache (every
``st.cache_data``), errors and messages, widgets, the Data page's forms, and the map component.

Pages import its modules (``from pages._ui import cache, setup``); a sub-folder, so Streamlit's page
discovery never lists it. Nothing outside ``pages/`` and ``app.py`` imports it.
"""
