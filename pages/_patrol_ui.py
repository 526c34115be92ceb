"""Cached library calls for the Patrol planner page.

Same pattern as ``pages/_ui.py``: every cached function takes the store's path and
version (so a load invalidates it), the frozen ``Settings`` and the page's own frozen
settings, and opens its own short-lived ``Store``. Pages call the uncached wrappers,
which show a progress bar and turn a ``HotspotsError`` into its sentence through
``_ui.run_safely``.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geo.store import Store
from hotspots import defaults
from pages import _ui


@dataclass(frozen=True)
class PatrolSettings:
    """The page's own settings (hashable: part of the cache key). One of budget_pct / n_areas is None."""

    budget_pct: float | None = defaults.PATROL_BUDGET_PCT
    n_areas: int | None = None
    shift: str = defaults.PATROL_DEFAULT_SHIFT
    visit_min: float = defaults.PATROL_VISIT_MIN
    seed: int = 0


@st.cache_data(show_spinner=False, max_entries=16)
def _plan(path: str, version: float, s: _ui.Settings, p: PatrolSettings):
    from hotspots.tasks.patrol import plan_patrol

    area = _ui.load_area(path, version, *s.area_key()) if s.area_key() else None
    # the bar is made inside the cached function, so a cache hit replays it whole (and empties it)
    bar = st.progress(0.0, text="Planning patrols...")

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"Planning patrols: {message}")

    try:
        with Store(path, create=False) as store:
            return plan_patrol(store, s.filter(), area=area, res=s.res, harm=s.harm,
                               exclude_police_generated=s.exclude_police_generated, budget_pct=p.budget_pct,
                               n_areas=p.n_areas, shift=p.shift, visit_min=p.visit_min, seed=p.seed,
                               progress=update)
    finally:
        bar.empty()


def plan(s: _ui.Settings, p: PatrolSettings):
    """The patrol plan for the current settings (cached; a progress bar while it is made)."""
    return _ui.run_safely(_plan, _ui.db_path(), _ui.store_version(), s.analysis(), p)


@st.cache_data(show_spinner=False, max_entries=16)
def _pdf(path: str, version: float, s: _ui.Settings, p: PatrolSettings, large: bool) -> bytes:
    from hotspots.tasks.patrol import plan_pdf

    return plan_pdf(_plan(path, version, s, p), large=large)


def pdf(s: _ui.Settings, p: PatrolSettings) -> bytes:
    """The printable patrol sheet (cached); projector type in presentation mode."""
    return _ui.run_safely(_pdf, _ui.db_path(), _ui.store_version(), s.analysis(), p, s.presentation)


@st.cache_data(show_spinner=False, max_entries=16)
def _map_png(path: str, version: float, s: _ui.Settings, p: PatrolSettings) -> bytes:
    from hotspots.tasks.patrol import plan_map_png

    return plan_map_png(_plan(path, version, s, p), width_px=1500, height_px=1000)


def map_png(s: _ui.Settings, p: PatrolSettings) -> bytes:
    """The patrol areas as a static map (PNG, drawn on the server: nothing fetched)."""
    return _ui.run_safely(_map_png, _ui.db_path(), _ui.store_version(), s.analysis(), p)
