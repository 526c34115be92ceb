"""Every page starts with ``page_setup()``: page config, first-run data, the menu, the shared sidebar,
presentation mode.
"""

from __future__ import annotations

import atexit
import gc
import sys
from pathlib import Path

import streamlit as st

from geo.constants import POLICE_CATEGORIES
from geo.errors import HotspotsError
from hotspots.tasks.basemaps import ALIASES
from hotspots.tasks.sample import prepare_sample
from pages._ui import cache
from pages._ui.db import ROOT, db_path, sample_dir
from pages._ui.errors import show_error
from pages._ui.state import (BASEMAPS, DATASETS, RESOLUTIONS, WHOLE_STORE, WIDGET_KEYS, Settings, leave_presentation,
                             on_widget_change, settings, sidebar_widget, store_settings)

__all__ = ["ICON", "PAGES", "apply_presentation", "configure_page", "ensure_data", "freeze_long_lived", "page_title",
           "presentation_toggle",
           "page_setup", "sidebar"]

#: The app's pages, in menu order: (file, title, icon). app.py builds st.navigation from it.
PAGES = (
    ("pages/map.py", "Hotspot map", ":material/map:"),
    ("pages/trends.py", "Trends", ":material/trending_up:"),
    ("pages/accuracy.py", "Accuracy", ":material/target:"),
    ("pages/overlay.py", "Police and A&E", ":material/local_hospital:"),
    ("pages/cctv.py", "Mobile CCTV", ":material/videocam:"),
    ("pages/patrol.py", "Patrol planner", ":material/directions_walk:"),
    ("pages/sweeps.py", "Knife-sweep areas", ":material/search:"),
    ("pages/briefing.py", "JAG briefing", ":material/co_present:"),
    ("pages/data.py", "Data", ":material/database:"),
    ("pages/overview.py", "Store overview", ":material/dashboard:"),
)
ICON = str(ROOT / "static" / "hotspots-icon.png")


def configure_page(title: str = "Hotspots") -> None:
    """Page title, icon and wide layout (a local icon: a material-icon favicon is fetched from Google)."""
    st.set_page_config(page_title=title, page_icon=ICON, layout="wide")


def page_title(script) -> str:
    """The browser tab's title for a page script: its menu title, then the app's name ("Trends · Hotspots").

    >>> page_title(ROOT / "pages" / "overview.py"), page_title("elsewhere.py")
    ('Store overview · Hotspots', 'Hotspots')
    """
    here = Path(script).resolve()
    return next((f"{title} · Hotspots" for path, title, _ in PAGES if (ROOT / path).resolve() == here), "Hotspots")


def ensure_data() -> None:
    """On first run (no store, or an empty one), write the synthetic sample and load it."""
    path = db_path()
    if Path(path).exists():
        try:
            info = cache.summary()  # cached: no store opened on every page run
            # real data, or a store the user has loaded and emptied: never (re)load the sample into it;
            # a sample load cut short (the app stopped mid-load) is finished: reloading changes nothing
            if (info["rows"] > 0 or info["has_loads"]) and not (info["synthetic"] and not info["sample_loaded"]):
                return
        except HotspotsError as err:
            show_error(err)
            st.stop()
        except Exception:  # a file without the tables yet: load the sample into it below
            pass
    bar = st.progress(0.0, text="First run: writing the synthetic sample data...")
    try:
        prepare_sample(sample_dir(), path, progress=lambda f, m: bar.progress(f, text=m))
    except HotspotsError as err:
        show_error(err)
        st.stop()
    bar.empty()


def sidebar() -> Settings:
    """The shared sidebar: data set, period, area, crime types, counts or harm, grid, basemap."""
    s = settings()
    info = cache.summary()
    datasets = [d for d, src in DATASETS.items() if any(x in info["months_by_source"] for x in src)] or list(DATASETS)
    with st.sidebar:
        st.header("What to show")
        dataset = st.radio("Data", datasets, **sidebar_widget("dataset", s.dataset if s.dataset in datasets else datasets[0]),
                           help="police.uk gives the month of each crime; force records give the time too.")
        months = sorted({m for src in DATASETS[dataset] for m in info["months_by_source"].get(src, [])}) or ["2021-01"]
        lo = s.date_from if s.date_from in months else months[max(0, len(months) - 12)]
        hi = s.date_to if s.date_to in months else months[-1]
        lo, hi = min(lo, hi), max(lo, hi)
        if len(months) > 1:
            # a range slider must be given its (from, to) value: without it Streamlit makes a
            # single-value slider, whatever the session state holds; the callback keeps it current
            st.session_state.pop(WIDGET_KEYS["period"], None)
            date_from, date_to = st.select_slider("Period (months)", options=months, value=(lo, hi),
                                                  key=WIDGET_KEYS["period"], on_change=on_widget_change, args=("period",))
        else:
            date_from = date_to = months[0]
            st.caption(f"Period: {months[0]} (the only month loaded)")
        areas = [WHOLE_STORE] + [f"{layer}: {name}" for layer, name in info["areas"]]
        area = st.selectbox("Area", areas, **sidebar_widget("area", s.area if s.area in areas else WHOLE_STORE),
                            help="Districts and any boundary loaded on the Data page.")
        categories = st.multiselect("Crime types", list(POLICE_CATEGORIES), placeholder="All crime types",
                                    **sidebar_widget("categories", [c for c in s.categories if c in POLICE_CATEGORIES]))
        value = st.radio("Measure", ["Counts", "Harm"], horizontal=True,
                         **sidebar_widget("measure", "Harm" if s.harm else "Counts"),
                         help="Harm weighs each crime by the approximate Cambridge Crime Harm Index "
                              "(days of imprisonment), an approximation by police.uk category.")
        harm = value == "Harm"
        exclude = st.checkbox("Leave out drugs and weapon possession", disabled=not harm,
                              **sidebar_widget("exclude", s.exclude_police_generated),
                              help="They are found mostly by police activity, so they measure patrol effort as "
                                   "much as harm.")
        res = st.selectbox("Hexagon size", list(RESOLUTIONS), format_func=RESOLUTIONS.get,
                           **sidebar_widget("res", s.res if s.res in RESOLUTIONS else 9))
        choices = cache.basemap_choices()
        chosen = ALIASES.get(s.basemap, s.basemap)
        basemap = st.selectbox("Basemap", choices, **sidebar_widget("basemap", chosen if chosen in choices else BASEMAPS[0]),
                               help="Offline draws outlines with names and street names: nothing is fetched. "
                                    "OpenStreetMap is fetched from the internet; your partnership's tile servers "
                                    "and tile files are added on the Data page (Map backgrounds).")
        presentation = s.presentation  # the toggle is above, under the menu (presentation_toggle)
    new = Settings(dataset, date_from, date_to, area, tuple(categories), harm, exclude and harm, int(res),
                   basemap, presentation, info["shown_forces"])
    store_settings(new)
    return new


#: Presentation mode: large type (nothing under 20 px), high contrast, no sidebar, little padding, so a
#: page reads from the back of a room on a 1280x720 projector. Our own constant CSS, no data in it.
PRESENTATION_CSS = """<style>
    section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none !important;}
    .stApp, .stMarkdown, p, li, label, .stCaption {font-size: 1.35rem !important; color: #000 !important;}
    [data-testid="stMainBlockContainer"] {padding-top: 2.5rem !important; padding-bottom: 2rem !important;}
    h1 {font-size: 2.6rem !important;} h2 {font-size: 2.2rem !important;} h3 {font-size: 1.8rem !important;}
    [data-testid="stMetricValue"], [data-testid="stMetricValue"] * {font-size: 3.2rem !important;
        font-weight: 700 !important; line-height: 1.2 !important;}
    [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {font-size: 1.5rem !important;
        white-space: normal !important; overflow: visible !important; text-overflow: clip !important;}
    [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {font-size: 1.25rem !important;
        color: #222 !important; opacity: 1 !important;}
    [data-testid="stMain"] button p, [data-testid="stMain"] button div, [data-testid="stMain"] button span,
    [data-testid="stMain"] [data-baseweb="select"] *, [data-testid="stMain"] input,
    [data-testid="stMain"] [data-testid="stWidgetLabel"] *, [data-testid="stMain"] [data-testid="stAlert"] *,
    [data-testid="stMain"] [data-testid="stExpander"] summary * {font-size: 1.25rem !important;}
    [data-testid="stMain"] [data-testid="stIconMaterial"] {font-size: 1.5rem !important;}
    .stApp {background: #fff !important;}
    </style>"""


def presentation_toggle() -> None:
    """The sidebar's "Presentation mode (projector)" toggle, under the menu on every page: off unless the user
    turns it on (or a shared link says ``present=1``); in presentation mode the sidebar is hidden and every
    page shows "Leave presentation mode" instead."""
    with st.sidebar:
        st.toggle("Presentation mode (projector)", **sidebar_widget("presentation", settings().presentation),
                  help="Large type (nothing under 20 px), high contrast, no sidebar: for projecting at a meeting "
                       "(each JAG briefing section fits one 16:9 screen). Every page shows a button to leave it.")


def apply_presentation(s: Settings) -> None:
    """Large type, high contrast and no sidebar, readable from the back of a room."""
    if not s.presentation:
        return
    st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)  # our own constant CSS, no data in it
    st.button("Leave presentation mode", on_click=leave_presentation, icon=":material/close_fullscreen:")


#: sys.modules' size at the last freeze (see _freeze_long_lived).
_FROZEN_AT = [0]


def freeze_long_lived() -> None:
    """Keep Streamlit's garbage collection after each run cheap.

    Streamlit runs a full ``gc.collect()`` after every script run (``runner.postScriptGC``),
    holding the interpreter lock: with pandas, geopandas, DuckDB and the rest imported that is
    some 200,000 objects and 0.2-0.5 s, during which the server sends nothing, so the browser
    waits for "script finished" (bench/dashboard.py measured it). The imported libraries live
    as long as the process: ``gc.freeze()`` moves them out of the collector's way (Python
    docs, ``gc.freeze``), after one collection so no garbage is frozen. Done again only when
    libraries were imported since (a method used for the first time); objects made by runs
    are still collected after each run, and frozen ones are still freed by reference counting.
    """
    n = len(sys.modules)
    if n <= _FROZEN_AT[0] + 20:
        return
    if not _FROZEN_AT[0]:
        atexit.register(gc.unfreeze)  # let the interpreter clean up at exit as usual
    gc.collect()
    gc.freeze()
    _FROZEN_AT[0] = n


def page_setup() -> Settings:
    """Every page starts here: first-run data, the shared sidebar, presentation mode.

    Pages call it themselves (app.py only configures and navigates), so a page is whole
    however Streamlit started it: Streamlit runs a page without app.py on a deep link to a
    fresh server, and AppTest does after switch_page, because app.py sits beside pages/.
    """
    # again, with the page's own title: app.py's call is skipped when Streamlit runs the page alone
    configure_page(page_title(sys._getframe(1).f_code.co_filename))
    ensure_data()
    with st.sidebar:  # the menu, drawn here so it is the same however the page was started
        for path, title, icon in PAGES:
            st.page_link(path, label=title, icon=icon)
        st.divider()
    presentation_toggle()
    s = sidebar()
    apply_presentation(s)
    freeze_long_lived()  # libraries imported by earlier runs: keep the post-run collection cheap
    return s
