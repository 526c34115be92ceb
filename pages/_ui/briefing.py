"""The JAG briefing page's pieces: its own area and month pickers, the layout of each section, on a
screen and on a projector (presentation mode).

The page, the PDF and the deck all come from one ``hotspots.briefing.model.Briefing`` (``cache.briefing``).
Text from data files reaches the page only through ``st.metric`` values built from numbers, ``md_escape``,
or tables built here with ``html.escape`` on every header and cell: never as markup.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

import streamlit as st

from geo.constants import SOURCE_POLICE
from hotspots.outputs.sheets import column_text
from pages._ui import cache
from pages._ui.db import ROOT, sample_dir
from pages._ui.errors import md_escape
from pages._ui.setup import PAGES
from pages._ui.state import WHOLE_STORE, Settings, enter_presentation, settings

#: The page's own choices (the sidebar is hidden while presenting).
AREA_KEY, MONTH_KEY = "briefing_area", "briefing_month"

#: Our own constant CSS (no data in it). Tables are real HTML tables that wrap long names, never cut them.
TABLE_CSS = """<style>
table.brief-table {border-collapse: collapse; width: 100%; margin: 0 0 0.4rem 0; table-layout: auto;}
table.brief-table th, table.brief-table td {padding: 0.2rem 0.5rem; border-bottom: 1px solid #c8c8c8;
    text-align: left; vertical-align: top; white-space: normal; overflow-wrap: normal; word-break: normal;}
table.brief-table th {background: #1f3b5a; color: #fff; font-weight: 700;}
table.brief-table th.num {text-align: right;}
table.brief-table td.num {text-align: right; white-space: nowrap;}
table.brief-table tbody tr:nth-child(even) td {background: #f0f0f0;}
</style>"""

#: Each section one screen: on a projector every section starts a new screen and fits it (1280x720 and
#: up, 16:9). Type scales with the screen's height from 20 px at 720 px (the unit ``--u``; never under
#: 20 px), so a bigger screen shows the same slide larger; a map is as tall as the screen leaves room for.
#: Our own constant CSS (no data in it); the whole app's presentation mode is in pages/_ui/setup.py.
PRESENT_CSS = """<style>
[class*="st-key-brief-sec-"] {--u: max(20px, 2.8vh); min-height: 100vh; border-top: 3px solid #000;
    padding-top: calc(var(--u) * 0.4); gap: calc(var(--u) * 0.5) !important; scroll-snap-align: start;}
[data-testid="stMain"] {scroll-snap-type: y proximity;}
[class*="st-key-brief-sec-"] h2 {font-size: calc(var(--u) * 1.7) !important; padding: 0 !important;
    line-height: 1.2 !important;}
[class*="st-key-brief-sec-"] [data-testid="stHeading"] [data-testid="stMarkdownContainer"] {margin-bottom: 0 !important;}
[class*="st-key-brief-sec-"] [data-testid="stHorizontalBlock"] {gap: calc(var(--u) * 1.2) !important;
    flex-wrap: nowrap !important;}
[class*="st-key-brief-sec-"] [data-testid="stColumn"] {min-width: 0 !important;}
[class*="st-key-brief-sec-"] [data-testid="stMetricValue"],
[class*="st-key-brief-sec-"] [data-testid="stMetricValue"] * {font-size: calc(var(--u) * 2.1) !important;
    line-height: 1.3 !important;}
[class*="st-key-brief-sec-"] [data-testid="stMetricLabel"],
[class*="st-key-brief-sec-"] [data-testid="stMetricLabel"] * {font-size: calc(var(--u) * 1.05) !important;
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
    height: auto !important; line-height: 1.25 !important;}
[class*="st-key-brief-sec-"] [data-testid="stCaptionContainer"],
[class*="st-key-brief-sec-"] [data-testid="stCaptionContainer"] * {font-size: var(--u) !important;
    line-height: 1.3 !important; color: #222 !important; opacity: 1 !important;}
[class*="st-key-brief-sec-"] li, [class*="st-key-brief-sec-"] p, [class*="st-key-brief-sec-"] [data-testid="stPageLink"] *
    {font-size: calc(var(--u) * 1.05) !important; line-height: 1.35 !important;}
[class*="st-key-brief-sec-"] [data-testid="stMetricValue"] p {font-size: calc(var(--u) * 2.1) !important;}
[class*="st-key-brief-sec-"] li {margin: 0 0 calc(var(--u) * 0.15) 0 !important;}
[class*="st-key-brief-sec-"] table.brief-table th, [class*="st-key-brief-sec-"] table.brief-table td {
    font-size: var(--u) !important; line-height: 1.3 !important; padding: calc(var(--u) * 0.15) calc(var(--u) * 0.4)
    !important; color: #000;}
[class*="st-key-brief-sec-"] table.brief-table th {color: #fff !important;}
[class*="st-key-brief-sec-"] [data-testid="stImage"] img {max-height: calc(100vh - var(--u) * 10); width: auto !important;
    max-width: 100%; object-fit: contain;}
[class*="st-key-brief-map-"] [data-testid="stImage"] img {max-height: calc(100vh - var(--u) * 8.8);}
[class*="st-key-brief-sec-"] [data-testid="stIconMaterial"] {font-size: calc(var(--u) * 1.2) !important;}
</style>"""

#: Outside presentation mode each section is a block with a rule above it.
SCREEN_CSS = """<style>
[class*="st-key-brief-sec-"] {border-top: 3px solid #000; padding-top: 0.6rem; margin-bottom: 1.5rem;}
</style>"""


def page_css(presentation: bool) -> str:
    """The page's constant CSS for the chosen mode."""
    return TABLE_CSS + (PRESENT_CSS if presentation else SCREEN_CSS)


def present() -> None:
    """A callback: into presentation mode (the user chose it; leaving is one click on every page)."""
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
    return cache.briefing(area, month, tuple(cache.summary()["shown_forces"]), cameras_file(),
                          cache.basemap(settings()).name)


def briefing_file(kind: str, area: str, month: str) -> bytes:
    """The briefing as ``pdf`` or ``pptx`` bytes (cached)."""
    return cache.briefing_file(kind, area, month, tuple(cache.summary()["shown_forces"]), cameras_file(),
                               cache.basemap(settings()).name)


def file_stem(b) -> str:
    """A file name for the downloads: letters, digits and dashes only."""
    return re.sub(r"[^A-Za-z0-9]+", "-", f"jag-briefing-{b.area_name}-{b.month}").strip("-").lower()


def page_in_menu(page: str) -> bool:
    return any(p == page for p, _, _ in PAGES)


def _is_number(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def table_html(df: pd.DataFrame) -> str:
    """A table as HTML whose every header and cell is escaped text: numbers right-aligned with thousands
    separators (as printed in the PDF), long names wrapped between words, nothing cut.

    >>> table_html(pd.DataFrame({"Place": ["<b>Market</b>"], "Dec 2021": [1234]}))
    '<table class="brief-table"><thead><tr><th>Place</th><th class="num">Dec 2021</th></tr></thead><tbody><tr><td>&lt;b&gt;Market&lt;/b&gt;</td><td class="num">1,234</td></tr></tbody></table>'
    """
    num = [_is_number(df[c]) for c in df.columns]
    cls = [' class="num"' if n else "" for n in num]
    head = "".join(f"<th{k}>{html.escape(str(c))}</th>" for c, k in zip(df.columns, cls))
    cols = [column_text(df[c]) for c in df.columns]
    rows = "".join("<tr>" + "".join(f"<td{k}>{html.escape(str(v))}</td>" for v, k in zip(cells, cls)) + "</tr>"
                   for cells in zip(*cols))
    return f'<table class="brief-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _table(where, df) -> None:
    """A table as escaped HTML text (``table_html``): readable projected, long names wrapped, never cut."""
    where.markdown(table_html(df), unsafe_allow_html=True)  # every header and cell is html.escape'd


def _metrics(sec) -> None:
    cols = st.columns(len(sec.metrics))
    for col, (label, value, note) in zip(cols, sec.metrics):
        col.metric(md_escape(label), value)
        if note:  # may name the area, which comes from a loaded file: escaped
            col.caption(md_escape(note))


def _words(sec, note: bool = True) -> None:
    if note and sec.table_note:
        st.caption(md_escape(sec.table_note))
    if sec.text:
        st.markdown("\n".join(f"- {md_escape(t)}" for t in sec.text))


def _links(sec) -> None:
    """Where to act on the section: the app's page (the commands that reproduce it are in the PDF's data notes)."""
    for link in sec.links:
        if page_in_menu(link.page) and Path(ROOT / link.page).exists():
            st.page_link(link.page, label=f"Open {link.title}", icon=":material/arrow_forward:")


def show_section(sec, presentation: bool = False) -> None:
    """One section as one block: heading, big numbers, map, table, text, the page to act on it.

    In presentation mode the block is one 16:9 screen: a map with a table sits beside it (the map as
    tall as the screen allows), the words under both; a map alone spans the width above its words.
    """
    with st.container(key=f"brief-sec-{sec.key}"):
        st.header(md_escape(sec.heading))
        if sec.missing:
            st.warning(md_escape(sec.missing), icon=":material/info:")
        if sec.metrics:
            _metrics(sec)
        if sec.image is not None and sec.table is not None:
            left, right = st.columns([4, 5] if presentation else [3, 2])
            left.image(sec.image, caption=sec.image_caption or None, width="content" if presentation else "stretch")
            _table(right, sec.table)
            if presentation and sec.table_note:
                right.caption(md_escape(sec.table_note))
            _words(sec, note=not presentation)
        elif sec.image is not None:
            with st.container(key=f"brief-map-{sec.key}", horizontal_alignment="center"):
                st.image(sec.image, caption=sec.image_caption or None,
                         width="content" if presentation else "stretch")
            _words(sec)
        else:
            if sec.table is not None:
                _table(st, sec.table)
            _words(sec)
        _links(sec)


def commands(b) -> list[str]:
    """Every command that reproduces a section of ``b`` (for analysts; never on the projected screen)."""
    return [f"{s.heading}: {link.command}" for s in b.sections for link in s.links]
