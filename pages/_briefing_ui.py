"""Cached library calls and the presentation layout for the JAG briefing page.

Same pattern as ``pages/_patrol_ui.py``: cached functions take the store's path and
version (a load invalidates them) and hashable choices, open their own short-lived
``Store``, and make their progress bar inside the cache (a hit replays it, emptied).
The page, the PDF and the deck all come from one ``hotspots.briefing.build.Briefing``.

Text from data files reaches the page only through ``st.dataframe``, ``st.metric``
values built from numbers, or ``_ui.md_escape``: never as HTML.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.constants import SOURCE_POLICE
from geo.store import Store
from pages import _ui

#: Session key: the briefing page has switched presentation mode on once this session.
OPENED = "briefing_opened"
#: The page's own choices (the sidebar is hidden while presenting).
AREA_KEY, MONTH_KEY = "briefing_area", "briefing_month"

#: Each section is one screen-height block (our own constant CSS: no data in it).
SECTION_CSS = """<style>
[class*="st-key-brief-sec-"] {min-height: 92vh; border-top: 3px solid #000; padding-top: 0.6rem;}
</style>"""


def open_in_presentation_mode() -> None:
    """On the first visit in a session, switch the shared presentation setting on (the page is
    made to be projected); "Leave presentation mode" switches it off as on every page."""
    if OPENED not in st.session_state:
        st.session_state[OPENED] = True
        _ui.enter_presentation()


def present() -> None:
    """A callback: back into presentation mode."""
    _ui.enter_presentation()


def choices(s: _ui.Settings) -> tuple[str, str | None]:
    """The area ("layer: name" or the whole store) and month pickers, on the page itself."""
    info = _ui.summary()
    areas = [_ui.WHOLE_STORE] + [f"{layer}: {name}" for layer, name in info["areas"]]
    months = list(info["months_by_source"].get(SOURCE_POLICE, []))
    default_area = s.area if s.area in areas else areas[0]  # the sidebar's area (default: the whole store)
    left, right = st.columns([2, 1])
    area = left.selectbox("District or area", areas, index=areas.index(default_area), key=AREA_KEY,
                          help="Districts and any boundary loaded on the Data page.")
    if not months:
        return area, None
    month = right.selectbox("Month", months[::-1], key=MONTH_KEY,
                            help="The month to brief on; compared with the month before and a year before.")
    return area, month


def _area(path: str, version: float, area: str):
    if area == _ui.WHOLE_STORE or ": " not in area:
        return None
    layer, name = area.split(": ", 1)
    return _ui.load_area(path, version, layer, name)


@st.cache_data(show_spinner=False, max_entries=8)
def _briefing(path: str, version: float, area: str, month: str, forces: tuple[str, ...], cameras: str | None):
    from hotspots.briefing.build import build_briefing, command_area_words

    a = _area(path, version, area)
    district = a.name if a is not None and area.startswith("district: ") else None
    bar = st.progress(0.0, text="Preparing the briefing...")

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"Preparing the briefing: {message}")

    try:
        with Store(path, create=False) as store:
            return build_briefing(store, month, a, forces=forces, cameras_file=cameras, district=district,
                                  command_area=command_area_words(district, None if a is None or district
                                                                  else f"{a.name}.geojson"),
                                  progress=update)
    finally:
        bar.empty()


def cameras_file() -> str | None:
    """The sample's existing cameras, when the sample is what is shown (real data: none is known)."""
    if not _ui.summary()["synthetic"]:
        return None
    p = _ui.sample_dir() / "cctv" / "existing_cctv_synthetic.csv"
    return str(p) if p.exists() else None


def briefing(area: str, month: str):
    """The briefing for an area and month (cached; a progress bar while it is made)."""
    info = _ui.summary()
    return _ui.run_safely(_briefing, _ui.db_path(), _ui.store_version(), area, month, tuple(info["shown_forces"]),
                          cameras_file())


@st.cache_data(show_spinner="Writing the PDF...", max_entries=8)
def _pdf(path: str, version: float, area: str, month: str, forces: tuple[str, ...], cameras: str | None) -> bytes:
    from hotspots.briefing.build import briefing_pdf

    return briefing_pdf(_briefing(path, version, area, month, forces, cameras))


@st.cache_data(show_spinner="Writing the PowerPoint deck...", max_entries=8)
def _pptx(path: str, version: float, area: str, month: str, forces: tuple[str, ...], cameras: str | None) -> bytes:
    from hotspots.briefing.pptx import briefing_pptx

    return briefing_pptx(_briefing(path, version, area, month, forces, cameras))


def pdf(area: str, month: str) -> bytes:
    return _ui.run_safely(_pdf, _ui.db_path(), _ui.store_version(), area, month,
                          tuple(_ui.summary()["shown_forces"]), cameras_file())


def pptx(area: str, month: str) -> bytes:
    return _ui.run_safely(_pptx, _ui.db_path(), _ui.store_version(), area, month,
                          tuple(_ui.summary()["shown_forces"]), cameras_file())


def file_stem(b) -> str:
    """A file name for the downloads: letters, digits and dashes only."""
    import re

    return re.sub(r"[^A-Za-z0-9]+", "-", f"jag-briefing-{b.area_name}-{b.month}").strip("-").lower()


def page_in_menu(page: str) -> bool:
    return any(p == page for p, _, _ in _ui.PAGES)


def _table(where, df) -> None:
    """A table as data (never HTML); numbers with thousands separators."""
    import pandas as pd

    cfg = {c: st.column_config.NumberColumn(str(c), format="localized") for c in df.columns
           if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    where.dataframe(df, hide_index=True, width="stretch", column_config=cfg)


def show_section(sec) -> None:
    """One section as one screen-height block: heading, big numbers, map, table, text, links."""
    with st.container(key=f"brief-sec-{sec.key}"):
        st.header(_ui.md_escape(sec.heading))
        if sec.missing:
            st.warning(_ui.md_escape(sec.missing), icon=":material/info:")
        if sec.metrics:
            cols = st.columns(len(sec.metrics))
            for col, (label, value, note) in zip(cols, sec.metrics):
                col.metric(_ui.md_escape(label), value)
                if note:  # may name the area, which comes from a loaded file: escaped
                    col.caption(_ui.md_escape(note))
        if sec.image is not None and sec.table is not None:
            left, right = st.columns([3, 2])
            left.image(sec.image, caption=sec.image_caption or None, width="stretch")
            _table(right, sec.table)
        elif sec.image is not None:
            st.image(sec.image, caption=sec.image_caption or None, width="stretch")
        elif sec.table is not None:
            _table(st, sec.table)
        if sec.table_note:
            st.caption(_ui.md_escape(sec.table_note))
        if sec.text:
            st.markdown("\n".join(f"- {_ui.md_escape(t)}" for t in sec.text))
        for link in sec.links:
            if page_in_menu(link.page) and Path(_ui.ROOT / link.page).exists():
                st.page_link(link.page, label=f"Open {link.title}", icon=":material/arrow_forward:")
            st.caption("Reproduce: " + _ui.md_escape(link.command))
