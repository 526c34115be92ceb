"""The JAG briefing page's pieces: its own area and month pickers, the presentation layout of each section.

The page, the PDF and the deck all come from one ``hotspots.briefing.model.Briefing`` (``cache.briefing``).
Text from data files reaches the page only through ``st.dataframe``, ``st.metric`` values built from
numbers, or ``md_escape``: never as HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import streamlit as st

from geo.constants import SOURCE_POLICE
from pages._ui import cache
from pages._ui.db import ROOT, sample_dir
from pages._ui.errors import md_escape
from pages._ui.setup import PAGES
from pages._ui.state import WHOLE_STORE, Settings, enter_presentation

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
        enter_presentation()


def present() -> None:
    """A callback: back into presentation mode."""
    enter_presentation()


def choices(s: Settings) -> tuple[str, str | None]:
    """The area ("layer: name" or the whole store) and month pickers, on the page itself."""
    info = cache.summary()
    areas = [WHOLE_STORE] + [f"{layer}: {name}" for layer, name in info["areas"]]
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


def cameras_file() -> str | None:
    """The sample's existing cameras, when the sample is what is shown (real data: none is known)."""
    if not cache.summary()["synthetic"]:
        return None
    p = sample_dir() / "cctv" / "existing_cctv_synthetic.csv"
    return str(p) if p.exists() else None


def briefing(area: str, month: str):
    """The briefing for an area and month (cached; a progress bar while it is made)."""
    return cache.briefing(area, month, tuple(cache.summary()["shown_forces"]), cameras_file())


def briefing_file(kind: str, area: str, month: str) -> bytes:
    """The briefing as ``pdf`` or ``pptx`` bytes (cached)."""
    return cache.briefing_file(kind, area, month, tuple(cache.summary()["shown_forces"]), cameras_file())


def file_stem(b) -> str:
    """A file name for the downloads: letters, digits and dashes only."""
    return re.sub(r"[^A-Za-z0-9]+", "-", f"jag-briefing-{b.area_name}-{b.month}").strip("-").lower()


def page_in_menu(page: str) -> bool:
    return any(p == page for p, _, _ in PAGES)


def _table(where, df) -> None:
    """A table as data (never HTML); numbers with thousands separators."""
    cfg = {c: st.column_config.NumberColumn(str(c), format="localized") for c in df.columns
           if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    where.dataframe(df, hide_index=True, width="stretch", column_config=cfg)


def show_section(sec) -> None:
    """One section as one screen-height block: heading, big numbers, map, table, text, links."""
    with st.container(key=f"brief-sec-{sec.key}"):
        st.header(md_escape(sec.heading))
        if sec.missing:
            st.warning(md_escape(sec.missing), icon=":material/info:")
        if sec.metrics:
            cols = st.columns(len(sec.metrics))
            for col, (label, value, note) in zip(cols, sec.metrics):
                col.metric(md_escape(label), value)
                if note:  # may name the area, which comes from a loaded file: escaped
                    col.caption(md_escape(note))
        if sec.image is not None and sec.table is not None:
            left, right = st.columns([3, 2])
            left.image(sec.image, caption=sec.image_caption or None, width="stretch")
            _table(right, sec.table)
        elif sec.image is not None:
            st.image(sec.image, caption=sec.image_caption or None, width="stretch")
        elif sec.table is not None:
            _table(st, sec.table)
        if sec.table_note:
            st.caption(md_escape(sec.table_note))
        if sec.text:
            st.markdown("\n".join(f"- {md_escape(t)}" for t in sec.text))
        for link in sec.links:
            if page_in_menu(link.page) and Path(ROOT / link.page).exists():
                st.page_link(link.page, label=f"Open {link.title}", icon=":material/arrow_forward:")
            st.caption("Reproduce: " + md_escape(link.command))
