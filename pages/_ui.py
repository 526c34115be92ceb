"""The only home of Streamlit caching, session-state keys and shared widgets.

Pages call these functions; the functions call the library. Cached functions take
hashable arguments only: the store's path and modification time (so a load
invalidates every cache), and a frozen ``Settings``.

The shared sidebar settings live in ``st.session_state`` and in the URL query string,
so a view can be shared as a link.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from geo.constants import POLICE_CATEGORIES, SOURCE_AE, SOURCE_POLICE, SOURCE_RMS, SYNTHETIC_MARK
from geo.errors import HotspotsError
from geo.store import Store, resolve_db_path
from hotspots.tasks.query import IncidentFilter
from geo.grid import cell_resolution, is_valid_cell

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("hotspots.app")

ROOT = Path(__file__).resolve().parents[1]
def sample_dir() -> Path:
    """Where the synthetic sample is written on first run (env HOTSPOTS_SAMPLE_DIR overrides).

    Read on every call, not at import: tests (and a second app in one process) set it late.
    """
    return Path(os.environ.get("HOTSPOTS_SAMPLE_DIR", ROOT / "sample_data"))

#: Data sources a user can pick, in plain words.
DATASETS = {"police.uk street crime": (SOURCE_POLICE,), "Force records (with times)": (SOURCE_RMS,)}
#: Basemap choices (hotspots.outputs.webmap.TILES keys).
BASEMAPS = ("OpenStreetMap", "Offline (boundaries only)")
WHOLE_STORE = "Everything in the store"
RESOLUTIONS = {8: "Large (res 8, ~0.74 km²)", 9: "Patrol areas (res 9, ~0.1 km²)", 10: "Street level (res 10, ~0.015 km²)"}


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


def configure_page() -> None:
    """Page title, icon and wide layout (a local icon: a material-icon favicon is fetched from Google)."""
    st.set_page_config(page_title="Hotspots", page_icon=ICON, layout="wide")


# -- the store -----------------------------------------------------------------------
def db_path() -> str:
    """The store the app reads ($HOTSPOTS_DB, else data/hotspots.duckdb under the project)."""
    p = resolve_db_path()
    return str(p if p.is_absolute() or os.environ.get("HOTSPOTS_DB") else ROOT / p)


def _mtime(path: str) -> float:
    p, wal = Path(path), Path(path + ".wal")
    return max(p.stat().st_mtime if p.exists() else 0.0, wal.stat().st_mtime if wal.exists() else 0.0)


def store_version() -> float:
    """Changes whenever the store is written: part of every cache key."""
    return _mtime(db_path())


def open_store() -> Store:
    """A short-lived connection (read-write: DuckDB will not mix modes in one process)."""
    return Store(db_path(), create=False)


def ensure_data() -> None:
    """On first run (no store, or an empty one), write the synthetic sample and load it."""
    path = db_path()
    if Path(path).exists():
        try:
            info = summary()  # cached: no store opened on every page run
            # real data, or a store the user has loaded and emptied: never (re)load the sample into it;
            # a sample load cut short (the app stopped mid-load) is finished: reloading changes nothing
            if (info["rows"] > 0 or info["has_loads"]) and not (info["synthetic"] and not info["sample_loaded"]):
                return
        except HotspotsError as err:
            show_error(err)
            st.stop()
        except Exception:  # a file without the tables yet: load the sample into it below
            pass
    from geo.ingest.pipeline import ingest_sample
    from geo.sample import write_sample

    bar = st.progress(0.0, text="First run: writing the synthetic sample data...")
    try:
        folder = sample_dir()
        if not (folder / ".generated").exists():
            write_sample(folder, progress=lambda f, m: bar.progress(min(0.5 * f, 0.5), text=f"Writing sample: {m}"))
        with Store(path) as s:
            ingest_sample(folder, s, progress=lambda f, m: bar.progress(min(0.5 + 0.5 * f, 1.0),
                                                                            text=f"Loading: {m[-80:]}"))
    except HotspotsError as err:
        show_error(err)
        st.stop()
    bar.empty()


@st.cache_data(show_spinner=False)
def store_summary(path: str, version: float) -> dict:
    """Counts by source and month, areas, and whether the data is the synthetic sample."""
    with Store(path, create=False) as s:
        status = s.status()
        forces = sorted(status["force"].unique()) if len(status) else []
        # real vs synthetic is decided by the police forces (police.uk, stop and search, force
        # records): A&E "forces" are hospital sites, and the overlay page filters them itself
        police_forces = sorted(status.loc[status["source"] != SOURCE_AE, "force"].unique()) if len(status) else []
        real = [f for f in police_forces if SYNTHETIC_MARK not in f]
        stored = status.loc[status["rows"] > 0]  # a month with only rejected rows has nothing to show
        if real:  # once real data is loaded, the synthetic sample is left out of every view
            stored = _without_sample(stored, real)
        months = {src: sorted(stored.loc[stored.source == src, "month"].unique()) for src in stored["source"].unique()}
        return {
            "rows": int(status["rows"].sum()) if len(status) else 0,
            "rejected": int(status["rejected"].sum()) if len(status) else 0,
            "status": status,
            "months": sorted(status["month"].unique()) if len(status) else [],
            "months_by_source": months,
            "forces": forces,
            "shown_forces": tuple(real),  # empty: every force (only the sample is loaded)
            "areas": s.area_names(),
            "synthetic": bool(police_forces) and not real,
            "has_loads": bool(s.con.execute("SELECT count(*) FROM loads").fetchall()[0][0]),
            "read_only": s.read_only_reason if s.read_only else None,
            "sample_loaded": bool(s.con.execute("SELECT count(*) FROM meta WHERE key = 'sample_loaded'")
                                  .fetchall()[0][0]),
        }


def summary() -> dict:
    return store_summary(db_path(), store_version())


def shown_data(summary: dict) -> pd.DataFrame:
    """The status rows the views show: all of them on the sample alone; once real data is loaded, the real
    police forces' and the real A&E sites' (the synthetic sample is left out, as every page leaves it out)."""
    status = summary["status"]
    if not len(status) or not summary["shown_forces"]:
        return status
    return _without_sample(status, summary["shown_forces"]).reset_index(drop=True)


def _without_sample(status: pd.DataFrame, real_forces) -> pd.DataFrame:
    """Status rows of the real police forces and of real (not sample-marked) A&E sites."""
    real_ae = (status["source"] == SOURCE_AE) & ~status["force"].str.contains(SYNTHETIC_MARK, regex=False)
    return status.loc[status["force"].isin(list(real_forces)) | real_ae]


@st.cache_data(show_spinner=False)
def load_area(path: str, version: float, layer: str, name: str):
    with Store(path, create=False) as s:
        return s.area(layer, name)


# -- shared settings -------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """What every page shows: the sidebar's choices. Hashable, so a cache key."""

    dataset: str = "police.uk street crime"
    date_from: str | None = None
    date_to: str | None = None
    area: str = WHOLE_STORE           # "layer: name" or WHOLE_STORE
    categories: tuple[str, ...] = ()  # empty: all
    harm: bool = False
    exclude_police_generated: bool = False
    res: int = 9
    basemap: str = "OpenStreetMap"
    presentation: bool = False
    forces: tuple[str, ...] = ()      # set from the store, not the sidebar: real forces once loaded

    @property
    def sources(self) -> tuple[str, ...]:
        return DATASETS[self.dataset]

    def filter(self) -> IncidentFilter:
        return IncidentFilter(self.date_from, self.date_to, self.categories, self.sources, self.forces)

    def analysis(self) -> "Settings":
        """The settings that change results (the cache key): display-only ones at their defaults,
        so switching presentation mode or the basemap recomputes nothing."""
        return replace(self, basemap=Settings.basemap, presentation=False)

    def area_key(self) -> tuple[str, str] | None:
        if self.area == WHOLE_STORE or ": " not in self.area:
            return None
        layer, name = self.area.split(": ", 1)
        return layer, name

    def describe(self) -> str:
        types = ", ".join(self.categories) if self.categories else "all crime types"
        value = "harm (approximate CCHI days)" if self.harm else "counts"
        area = md_escape(self.area) if self.area != WHOLE_STORE else "the whole store"
        return f"{self.dataset}, {self.date_from} to {self.date_to}, {area}, {types}, {value}"


#: Query-string keys of the settings (short, stable: shared links use them).
_QS = {"dataset": "src", "date_from": "from", "date_to": "to", "area": "area", "categories": "types",
       "harm": "harm", "exclude_police_generated": "nopg", "res": "res", "basemap": "map", "presentation": "present"}
_STATE = "settings"


def _from_query() -> dict:
    q = st.query_params
    out: dict = {}
    for field, key in _QS.items():
        if key not in q:
            continue
        v = q[key]
        if field == "categories":
            out[field] = tuple(c for c in v.split("|") if c)
        elif field in ("harm", "exclude_police_generated", "presentation"):
            out[field] = v in ("1", "true", "yes")
        elif field == "res":
            out[field] = int(v) if v.isdigit() else 9
        else:
            out[field] = v
    return out


def _to_query(s: Settings) -> None:
    default = Settings()
    for field, key in _QS.items():
        v = getattr(s, field)
        if v == getattr(default, field):
            st.query_params.pop(key, None)
            continue
        st.query_params[key] = "|".join(v) if field == "categories" else ("1" if v is True else str(v))


def settings() -> Settings:
    """The current settings (from session state, else the URL, else defaults)."""
    if _STATE not in st.session_state:
        try:
            st.session_state[_STATE] = Settings(**_from_query())
        except TypeError:
            st.session_state[_STATE] = Settings()
    return st.session_state[_STATE]


#: Session-state keys of the sidebar's widgets. Stable keys matter: a widget whose
#: arguments change between runs is a new widget to Streamlit, and the change the user
#: just made is thrown away.
_W = {f: f"sidebar_{f}" for f in ("dataset", "period", "area", "categories", "measure", "exclude", "res",
                                  "basemap", "presentation")}


def _changed(field: str) -> None:
    """A sidebar widget's callback: copy its new value into the shared settings (before the rerun)."""
    v = st.session_state[_W[field]]
    s = settings()
    if field == "period":
        s = replace(s, date_from=v[0], date_to=v[1])
    elif field == "measure":
        s = replace(s, harm=(v == "Harm"))
    elif field == "exclude":
        s = replace(s, exclude_police_generated=bool(v))
    elif field == "categories":
        s = replace(s, categories=tuple(v))
    else:
        s = replace(s, **{field: v})
    st.session_state[_STATE] = s


def _widget(field: str, value):
    """Give a sidebar widget its value from the settings; returns its keyword arguments.

    The settings are the truth and each widget only shows them: a page switch can make
    Streamlit forget a widget's own state, so the state is written from the settings on
    every run, and the widget's callback writes changes back first.
    """
    st.session_state[_W[field]] = value
    return {"key": _W[field], "on_change": _changed, "args": (field,)}


def sidebar() -> Settings:
    """The shared sidebar: data set, period, area, crime types, counts or harm, grid, basemap."""
    s = settings()
    info = summary()
    datasets = [d for d, src in DATASETS.items() if any(x in info["months_by_source"] for x in src)] or list(DATASETS)
    with st.sidebar:
        st.header("What to show")
        dataset = st.radio("Data", datasets, **_widget("dataset", s.dataset if s.dataset in datasets else datasets[0]),
                           help="police.uk gives the month of each crime; force records give the time too.")
        months = sorted({m for src in DATASETS[dataset] for m in info["months_by_source"].get(src, [])}) or ["2021-01"]
        lo = s.date_from if s.date_from in months else months[max(0, len(months) - 12)]
        hi = s.date_to if s.date_to in months else months[-1]
        lo, hi = min(lo, hi), max(lo, hi)
        if len(months) > 1:
            # a range slider must be given its (from, to) value: without it Streamlit makes a
            # single-value slider, whatever the session state holds; the callback keeps it current
            st.session_state.pop(_W["period"], None)
            date_from, date_to = st.select_slider("Period (months)", options=months, value=(lo, hi),
                                                  key=_W["period"], on_change=_changed, args=("period",))
        else:
            date_from = date_to = months[0]
            st.caption(f"Period: {months[0]} (the only month loaded)")
        areas = [WHOLE_STORE] + [f"{layer}: {name}" for layer, name in info["areas"]]
        area = st.selectbox("Area", areas, **_widget("area", s.area if s.area in areas else WHOLE_STORE),
                            help="Districts and any boundary loaded on the Data page.")
        categories = st.multiselect("Crime types", list(POLICE_CATEGORIES), placeholder="All crime types",
                                    **_widget("categories", [c for c in s.categories if c in POLICE_CATEGORIES]))
        value = st.radio("Measure", ["Counts", "Harm"], horizontal=True,
                         **_widget("measure", "Harm" if s.harm else "Counts"),
                         help="Harm weighs each crime by the approximate Cambridge Crime Harm Index "
                              "(days of imprisonment), an approximation by police.uk category.")
        harm = value == "Harm"
        exclude = st.checkbox("Leave out drugs and weapon possession", disabled=not harm,
                              **_widget("exclude", s.exclude_police_generated),
                              help="They are found mostly by police activity, so they measure patrol effort as "
                                   "much as harm.")
        res = st.selectbox("Hexagon size", list(RESOLUTIONS), format_func=RESOLUTIONS.get,
                           **_widget("res", s.res if s.res in RESOLUTIONS else 9))
        basemap = st.selectbox("Basemap", BASEMAPS, **_widget("basemap", s.basemap if s.basemap in BASEMAPS else BASEMAPS[0]),
                               help="Offline shows boundaries only: nothing is fetched from the internet.")
        presentation = st.toggle("Presentation mode", **_widget("presentation", s.presentation),
                                 help="Large type, high contrast, no sidebar: for projecting at a meeting.")
    new = Settings(dataset, date_from, date_to, area, tuple(categories), harm, exclude and harm, int(res),
                   basemap, presentation, info["shown_forces"])
    if new != s:
        st.session_state[_STATE] = new
    _to_query(new)
    return new


def page_setup() -> Settings:
    """Every page starts here: first-run data, the shared sidebar, presentation mode.

    Pages call it themselves (app.py only configures and navigates), so a page is whole
    however Streamlit started it: Streamlit runs a page without app.py on a deep link to a
    fresh server, and AppTest does after switch_page, because app.py sits beside pages/.
    """
    configure_page()  # again: app.py's call is skipped when Streamlit runs the page alone
    ensure_data()
    with st.sidebar:  # the menu, drawn here so it is the same however the page was started
        for path, title, icon in PAGES:
            st.page_link(path, label=title, icon=icon)
        st.divider()
    s = sidebar()
    apply_presentation(s)
    _freeze_long_lived()  # libraries imported by earlier runs: keep the post-run collection cheap
    return s


def use_dataset(dataset: str) -> None:
    """Switch the shared settings to another data set (e.g. to data with times). A callback."""
    st.session_state[_STATE] = replace(settings(), dataset=dataset)


def leave_presentation() -> None:
    """Back to the normal layout. A callback."""
    st.session_state[_STATE] = replace(settings(), presentation=False)


def enter_presentation() -> None:
    """Large type, high contrast, no sidebar (e.g. the briefing page on its first visit). A callback."""
    st.session_state[_STATE] = replace(settings(), presentation=True)


def apply_presentation(s: Settings) -> None:
    """Large type, high contrast and no sidebar, readable from the back of a room."""
    if not s.presentation:
        return
    st.markdown("""<style>
        section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none !important;}
        .stApp, .stMarkdown, p, li, label, .stCaption {font-size: 1.35rem !important; color: #000 !important;}
        h1 {font-size: 3rem !important;} h2 {font-size: 2.4rem !important;} h3 {font-size: 2rem !important;}
        [data-testid="stMetricValue"], [data-testid="stMetricValue"] * {font-size: 3.2rem !important;
            font-weight: 700 !important; line-height: 1.2 !important;}
        [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {font-size: 1.5rem !important;}
        .stApp {background: #fff !important;}
        </style>""", unsafe_allow_html=True)  # our own constant CSS, no data in it
    st.button("Leave presentation mode", on_click=leave_presentation, icon=":material/close_fullscreen:")


# -- messages ------------------------------------------------------------------------
#: What needs write access to the store (said when it is read-only).
WRITE_ACTIONS = ("loading files", "removing data", "adding boundaries", "saving column mappings",
                 "placing A&E descriptions")


def read_only_banner(info: dict) -> None:
    """Say that the store is read-only, and which actions need write access (everything else works)."""
    if info.get("read_only"):
        st.info(f"The store is read-only ({md_escape(info['read_only'])}): every page and download works, but "
                f"{', '.join(WRITE_ACTIONS[:-1])} and {WRITE_ACTIONS[-1]} need write access.",
                icon=":material/lock:")


def synthetic_banner(is_synthetic: bool) -> None:
    if is_synthetic:
        st.warning("**SYNTHETIC DATA.** This is the generated Hertfordshire-like sample, not real crime. "
                   "Load real police.uk files on the Data page.", icon=":material/science:")


#: Characters that Markdown (and Streamlit's extensions: :colour[...] directives, $LaTeX$) read.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md_escape(text) -> str:
    r"""Text from data, shown as typed inside Markdown: no link, image, HTML, colour, maths or entity.

    The one escaper of the app: every page quoting a file name, an area or a value uses it.

    >>> md_escape("![x](http://a.b/c.png) :red[y] <b>")
    '\\!\\[x\\]\\(http\\://a\\.b/c\\.png\\) \\:red\\[y\\] \\<b\\>'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def show_error(err: HotspotsError) -> None:
    """An expected problem: its sentence and its fix, never a traceback. File names and values
    in the sentence come from files, so they are escaped."""
    st.error(md_escape(err.message) + (f"\n\n**How to fix it:** {md_escape(err.fix)}" if err.fix else ""),
             icon=":material/error:")


def run_safely(fn, *args, **kwargs):
    """Call fn; a HotspotsError becomes its sentence and stops the page; anything else is a bug."""
    try:
        return fn(*args, **kwargs)
    except HotspotsError as err:
        show_error(err)
        st.stop()
    except Exception:  # a bug: log it with its traceback, show a sentence
        log.exception("unexpected error in %s", getattr(fn, "__name__", fn))
        st.error("Something went wrong that should not have. It has been logged; please report what you "
                 "were doing.", icon=":material/bug_report:")
        st.stop()


# -- cached library calls ----------------------------------------------------------------
@st.cache_data(show_spinner="Finding hotspots...", max_entries=32)
def _detection(path: str, version: float, s: Settings, method: str, params: tuple):
    from hotspots.tasks.detect import detect

    area = load_area(path, version, *s.area_key()) if s.area_key() else None
    with Store(path, create=False) as store:
        return detect(store, method, s.filter(), res=s.res, area=area, harm=s.harm,
                      exclude_police_generated=s.exclude_police_generated, **dict(params))


def detection(s: Settings, method: str, **params):
    """A hotspot method's result for the current settings (cached)."""
    return run_safely(_detection, db_path(), store_version(), s.analysis(), method, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False, max_entries=64)
def _profile(path: str, version: float, s: Settings, cell: str):
    from hotspots.methods.harm import harm_weights
    from hotspots.tasks.profile import cell_profile

    area = load_area(path, version, *s.area_key()) if s.area_key() else None
    with Store(path, create=False) as store:
        return cell_profile(store, s.filter(), cell, s.res, area,
                            weights=harm_weights(s.exclude_police_generated))


def cell_profile(s: Settings, cell: str):
    return run_safely(_profile, db_path(), store_version(), s.analysis(), cell)


@st.cache_data(show_spinner=False, max_entries=16)
def _incidents(path: str, version: float, s: Settings, columns: tuple):
    from hotspots.tasks.query import select_incidents

    area = load_area(path, version, *s.area_key()) if s.area_key() else None
    with Store(path, create=False) as store:
        return select_incidents(store, s.filter(), area, columns=columns)


def incidents(s: Settings, columns: tuple[str, ...]):
    """The selected incidents (cached), with the given columns."""
    return run_safely(_incidents, db_path(), store_version(), s, tuple(columns))


@st.cache_data(show_spinner=False)
def _boundaries_geojson(path: str, version: float, layer: str | None) -> dict:
    import json

    import geopandas as gpd

    with Store(path, create=False) as store:
        names = [(lay, n) for lay, n in store.area_names() if layer is None or lay == layer]
        if not names:
            return {"type": "FeatureCollection", "features": []}
        areas = [store.area(lay, n) for lay, n in names]
    gdf = gpd.GeoDataFrame({"name": [a.name for a in areas]}, geometry=[a.geometry for a in areas], crs=27700)
    # outlines for orientation: 100 m simplification and ~1 m coordinates keep them light
    gdf["geometry"] = gdf.geometry.simplify(100)
    gdf = gdf.to_crs(4326)
    gdf["geometry"] = gdf.geometry.set_precision(1e-5)
    return json.loads(gdf.to_json(drop_id=True))


def boundaries(s: Settings) -> dict:
    """Outlines to draw: the chosen area's layer (or the districts) as GeoJSON."""
    key = s.area_key()
    return _boundaries_geojson(db_path(), store_version(), key[0] if key else "district")




# -- the map -------------------------------------------------------------------------------
#: Never send more hexagons than this to the browser (the busiest are kept, and the page says so).
MAX_CELLS = 6000
#: KDE hexagons below this share of the peak density are not drawn.
KDE_MIN_SHARE = 0.02
SELECTED = "selected_cell"

EMERGING_COLOURS = {
    "New hot spot": "#fee0d2", "Consecutive hot spot": "#fcbba1", "Intensifying hot spot": "#a50f15",
    "Persistent hot spot": "#de2d26", "Diminishing hot spot": "#fc9272", "Sporadic hot spot": "#fb6a4a",
    "Oscillating hot spot": "#ef3b2c", "Historical hot spot": "#cb181d",
    "New cold spot": "#deebf7", "Consecutive cold spot": "#c6dbef", "Intensifying cold spot": "#08519c",
    "Persistent cold spot": "#3182bd", "Diminishing cold spot": "#9ecae1", "Sporadic cold spot": "#6baed6",
    "Oscillating cold spot": "#4292c6", "Historical cold spot": "#2171b5",
}


def map_layers(det, s: Settings) -> dict:
    """What the map draws for a detection: cells, colours, labels, legend, overlays, a note.

    Labels are plain text (the map component shows them as text); ``overlays`` are
    ``{"name", "geojson"}`` dicts as ``hotspots.outputs.webmap.hexmap_args`` takes them.
    """
    import json

    import numpy as np
    import pandas as pd

    from hotspots.outputs import webmap

    t, unit = det.table, ("days of harm" if s.harm else "incidents")
    note = ""
    overlays: list = []
    if det.method == "count":
        value = t["harm" if s.harm else "count"].to_numpy(dtype=float)
        keep = t.head(MAX_CELLS)
        if len(t) > MAX_CELLS:
            note = f"The {MAX_CELLS:,} busiest of {len(t):,} hexagons are drawn."
        colours, legend = webmap.sequential_style(value[: len(keep)], f"{'Harm' if s.harm else 'Incidents'} per hexagon", unit)
        labels = [f"{c:,} incidents, harm {h:,.0f} days ({p:.1f}% of the total)"
                  for c, h, p in zip(keep["count"], keep["harm"], keep["share_pct"])]
        return {"cells": keep, "colours": colours, "labels": labels, "legend": legend, "note": note, "overlays": overlays}
    if det.method == "forecast":
        keep = t.loc[t["cum_area_pct"] <= 10.0].head(MAX_CELLS)
        note = (f"The top 10 % of the study area ({len(keep):,} hexagons) is drawn; darkest first to patrol. "
                f"Forecast for {det.summary['forecast_month']}.")
        colours, legend = webmap.sequential_style(keep["score"].to_numpy(), "Forecast, next month", "(score)")
        legend.note = "Relative score: higher means more incidents expected. Rank is what counts."
        labels = [f"Rank {r:,} (top {a:.1f}% of the area); {c:,} incidents in the period"
                  for r, a, c in zip(keep["rank"], keep["cum_area_pct"], keep["count"])]
        return {"cells": keep, "colours": colours, "labels": labels, "legend": legend, "note": note, "overlays": overlays}
    if det.method == "kde":
        peak = float(t["density"].max()) if len(t) else 0.0
        keep = t.loc[t["density"] >= KDE_MIN_SHARE * peak].head(MAX_CELLS)
        note = f"Hexagons below {KDE_MIN_SHARE:.0%} of the peak density are not drawn."
        du = "days of harm per km²" if s.harm else "incidents per km²"
        colours, legend = webmap.sequential_style(keep["density"].to_numpy(), f"Density ({du})", "per km²")
        legend.note = f"Quartic kernel, bandwidth {det.summary.get('bandwidth_m', 0):,.0f} m."
        labels = [f"{d:,.1f} {du}; {c:,} incidents in the hexagon" for d, c in zip(keep["density"], keep["count"])]
        return {"cells": keep, "colours": colours, "labels": labels, "legend": legend, "note": note, "overlays": overlays}
    if det.method in ("gistar", "emerging"):
        palette = webmap.GISTAR_COLOURS if det.method == "gistar" else EMERGING_COLOURS
        keep = t.loc[t["class"].isin(palette)].head(MAX_CELLS)
        hidden = len(t) - len(keep)
        note = f"{hidden:,} hexagons with no significant pattern are not drawn."
        colours = [palette[c] for c in keep["class"]]
        present = [c for c in palette if c in set(keep["class"])]
        title = "Gi* hot and cold spots (FDR-corrected)" if det.method == "gistar" else "Emerging hot spots"
        legend = webmap.Legend(title, [(palette[c], c) for c in present] or [("#ffffff", "No significant hexagons")])
        if det.method == "gistar":
            labels = [f"{c}: {n:,} incidents, z = {z:.1f}" for c, n, z in zip(keep["class"], keep["count"], keep["z"])]
        else:
            labels = [f"{c}: {n:,} incidents; trend z = {z:.1f}" for c, n, z in zip(keep["class"], keep["count"], keep["trend_z"])]
        return {"cells": keep, "colours": colours, "labels": labels, "legend": legend, "note": note, "overlays": overlays}
    # clusters: outlines, coloured by size class; labels are plain text (the map shows them as text)
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame(t, geometry="geometry", crs=27700).to_crs(4326)
    colours, legend = webmap.sequential_style(gdf["count"].to_numpy(dtype=float), "Cluster size", "incidents")
    gdf["fill"] = colours
    gdf["label"] = [f"Cluster {int(k) + 1}: {n:,} incidents, {a:.2f} km²; {loc}"
                    for k, n, a, loc in zip(gdf["cluster"], gdf["count"], gdf["area_km2"], gdf["top_locations"])]
    gdf["geometry"] = shapely.transform(gdf.geometry.values, lambda xy: np.round(xy, webmap.COORD_DECIMALS))
    overlays.append({"name": "Clusters", "geojson": json.loads(gdf[["fill", "label", "geometry"]].to_json(drop_id=True))})
    note = f"{det.summary.get('noise', 0):,} incidents are not in any cluster ({100 - det.summary.get('clustered_pct', 0):.0f}%)."
    return {"cells": pd.DataFrame({"cell": []}), "colours": [], "labels": [], "legend": legend, "note": note,
            "overlays": overlays, "n_clusters": int(np.size(gdf, 0))}


def _map_clicked(key: str) -> None:
    """The map's callback, run before the rerun a click causes: the clicked hexagon becomes the
    selection, so this very run outlines it and opens its drill-down."""
    value = st.session_state.get(key)
    cell = value.get("cell") if isinstance(value, dict) else None
    if isinstance(cell, str) and is_valid_cell(cell) and cell_resolution(cell) == settings().res:
        st.session_state[SELECTED] = cell


#: sys.modules' size at the last freeze (see _freeze_long_lived).
_FROZEN_AT = [0]


def _freeze_long_lived() -> None:
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
    import atexit
    import gc
    import sys

    n = len(sys.modules)
    if n <= _FROZEN_AT[0] + 20:
        return
    if not _FROZEN_AT[0]:
        atexit.register(gc.unfreeze)  # let the interpreter clean up at exit as usual
    gc.collect()
    gc.freeze()
    _FROZEN_AT[0] = n


def show_map(det, s: Settings, key: str = "map", height_px: int = 620) -> str | None:
    """Draw a detection on the map; return the H3 cell the user clicked (or None).

    The map is the app's own component (pages/_hexmap.py): one iframe kept across reruns
    (``key``), sent only the cells, colours, labels, legend and outlines on each run.
    """
    import functools

    from hotspots.outputs.webmap import hexmap_args, hexmap_payload_bytes
    from pages import _hexmap

    layers = map_layers(det, s)
    selected = st.session_state.get(SELECTED)
    if selected and not (is_valid_cell(selected) and cell_resolution(selected) == s.res):
        st.session_state.pop(SELECTED)  # the hexagon size changed
        selected = None
    args = run_safely(hexmap_args, layers["cells"], colours=layers["colours"], labels=layers["labels"],
                      legend=layers["legend"], res=s.res, boundaries=boundaries(s), tiles=s.basemap,
                      overlays=layers["overlays"], selected=selected, view_key=s.area, height_px=height_px)
    _hexmap.hexmap(args, key=key, on_click=functools.partial(_map_clicked, key))
    mb = hexmap_payload_bytes(args) / 1e6
    st.caption(f"{layers['note']} Map data sent to the browser: about {mb:.1f} MB. {basemap_note(s)}")
    _freeze_long_lived()
    return selected


def basemap_note(s: Settings) -> str:
    """What the map's background is, and what to do when a closed network blocks it."""
    if s.basemap == BASEMAPS[0]:
        return ("Background: OpenStreetMap, fetched by your browser from the internet; if it stays grey, the "
                f"network blocks it: choose Basemap \"{BASEMAPS[1]}\" in the sidebar.")
    return "Background: boundaries only (nothing is fetched from the internet)."
