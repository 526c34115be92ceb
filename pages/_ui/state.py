"""Settings and session state: what every page shows (the sidebar's choices, shared as a URL), and each
planner page's own frozen settings. Every one is hashable, so it is part of a cache key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from geo.boundaries import Area
from geo.constants import SOURCE_POLICE, SOURCE_RMS
from geo.query import Selection
from hotspots import defaults
from hotspots.tasks.basemaps import BUILT_IN as BUILT_IN_BASEMAPS
from hotspots.tasks.basemaps import OFFLINE as OFFLINE_BASEMAP
from pages._ui.errors import md_escape

__all__ = ["BASEMAPS", "DATASETS", "RESOLUTIONS", "WHOLE_STORE", "CctvSettings", "PatrolSettings", "Settings",
           "SweepSettings", "Upload", "WIDGET_KEYS", "enter_presentation", "leave_presentation", "on_widget_change", "settings", "sidebar_widget",
           "store_settings", "upload", "use_area_from", "use_dataset"]

#: Data sources a user can pick, in plain words.
DATASETS = {"police.uk street crime": (SOURCE_POLICE,), "Force records (with times)": (SOURCE_RMS,)}
#: The built-in basemap choices (hotspots.tasks.basemaps): offline (the default: outlines and street names,
#: nothing fetched), then OpenStreetMap; the partnership's servers and installed files follow in the sidebar.
BASEMAPS = BUILT_IN_BASEMAPS
WHOLE_STORE = "Everything in the store"
RESOLUTIONS = {8: "Large (res 8, ~0.74 km²)", 9: "Patrol areas (res 9, ~0.1 km²)", 10: "Street level (res 10, ~0.015 km²)"}

#: An uploaded file as a hashable (name, bytes) pair.
Upload = tuple[str, bytes] | None


def upload(file) -> Upload:
    """A Streamlit UploadedFile as a hashable (name, bytes) pair."""
    return None if file is None else (file.name, file.getvalue())


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
    basemap: str = OFFLINE_BASEMAP
    presentation: bool = False
    forces: tuple[str, ...] = ()      # set from the store, not the sidebar: real forces once loaded

    @property
    def sources(self) -> tuple[str, ...]:
        return DATASETS[self.dataset]

    def selection(self, area: Area | None = None) -> Selection:
        """The incidents these settings choose (``area``: the loaded ``area_key`` boundary)."""
        return Selection(self.date_from, self.date_to, self.categories, self.sources, self.forces, area,
                         self.harm, self.exclude_police_generated and self.harm)

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
QUERY_KEYS = {"dataset": "src", "date_from": "from", "date_to": "to", "area": "area", "categories": "types",
       "harm": "harm", "exclude_police_generated": "nopg", "res": "res", "basemap": "map", "presentation": "present"}
STATE = "settings"


def _from_query() -> dict:
    q = st.query_params
    out: dict = {}
    for field, key in QUERY_KEYS.items():
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
    for field, key in QUERY_KEYS.items():
        v = getattr(s, field)
        if v == getattr(default, field):
            st.query_params.pop(key, None)
            continue
        st.query_params[key] = "|".join(v) if field == "categories" else ("1" if v is True else str(v))


def settings() -> Settings:
    """The current settings (from session state, else the URL, else defaults)."""
    if STATE not in st.session_state:
        try:
            st.session_state[STATE] = Settings(**_from_query())
        except TypeError:
            st.session_state[STATE] = Settings()
    return st.session_state[STATE]


#: Session-state keys of the sidebar's widgets. Stable keys matter: a widget whose
#: arguments change between runs is a new widget to Streamlit, and the change the user
#: just made is thrown away.
WIDGET_KEYS = {f: f"sidebar_{f}" for f in ("dataset", "period", "area", "categories", "measure", "exclude", "res",
                                  "basemap", "presentation")}


def on_widget_change(field: str) -> None:
    """A sidebar widget's callback: copy its new value into the shared settings (before the rerun)."""
    v = st.session_state[WIDGET_KEYS[field]]
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
    st.session_state[STATE] = s


def sidebar_widget(field: str, value):
    """Give a sidebar widget its value from the settings; returns its keyword arguments.

    The settings are the truth and each widget only shows them: a page switch can make
    Streamlit forget a widget's own state, so the state is written from the settings on
    every run, and the widget's callback writes changes back first.
    """
    st.session_state[WIDGET_KEYS[field]] = value
    return {"key": WIDGET_KEYS[field], "on_change": on_widget_change, "args": (field,)}




def store_settings(new: Settings) -> None:
    """Make ``new`` the shared settings (and the URL's query string)."""
    if new != settings():
        st.session_state[STATE] = new
    _to_query(new)


def use_dataset(dataset: str) -> None:
    """Switch the shared settings to another data set (e.g. to data with times). A callback."""
    st.session_state[STATE] = replace(settings(), dataset=dataset)


def use_area_from(widget_key: str, layer: str = "district") -> None:
    """Make the area chosen in the widget ``widget_key`` (a name of ``layer``) the shared area (the sidebar
    shows it from the next run). A callback: the planners' district prompt."""
    name = st.session_state.get(widget_key)
    if name:
        st.session_state[STATE] = replace(settings(), area=f"{layer}: {name}")


def leave_presentation() -> None:
    """Back to the normal layout. A callback."""
    st.session_state[STATE] = replace(settings(), presentation=False)


def enter_presentation() -> None:
    """Large type, high contrast, no sidebar: only when the user asks (the sidebar's toggle, the briefing
    page's button). A callback."""
    st.session_state[STATE] = replace(settings(), presentation=True)


# -- each planner page's own settings ------------------------------------------------------------------------
@dataclass(frozen=True)
class PatrolSettings:
    """The Patrol planner's own settings. One of budget_pct / n_areas is None."""

    budget_pct: float | None = defaults.PATROL_BUDGET_PCT
    n_areas: int | None = None
    shift: str = defaults.PATROL_DEFAULT_SHIFT
    visit_min: float = defaults.PATROL_VISIT_MIN
    seed: int = 0
    max_area_km2: float = defaults.PATROL_MAX_AREA_KM2
    max_walk_m: float = defaults.PATROL_MAX_WALK_M
    include_artefacts: bool = False


@dataclass(frozen=True)
class SweepSettings:
    """The Knife-sweep page's own settings."""

    weights: tuple[tuple[str, float], ...] = tuple(defaults.SWEEP_WEIGHTS.items())
    flag_extra: float = defaults.SWEEP_WEAPON_FLAG_EXTRA
    n_areas: int = defaults.SWEEP_AREAS
    with_ae: bool = True
    green: Upload = None
    include_artefacts: bool = False


@dataclass(frozen=True)
class CctvSettings:
    """The Mobile CCTV page's own settings."""

    cameras: int = defaults.CCTV_CAMERAS
    radius_m: float = defaults.CCTV_RADIUS_M
    min_spacing_m: float = 0.0
    existing: Upload = None
    candidates: Upload = None
    exclude: Upload = None
    include_artefacts: bool = False
