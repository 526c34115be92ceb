"""Cached library calls for the Knife-sweep page.

Same pattern as ``pages/_ui.py``; an uploaded green-space layer comes in as a
``(name, bytes)`` pair and is read from a private temporary folder.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geo.store import Store
from hotspots import defaults
from pages import _ui


@dataclass(frozen=True)
class SweepSettings:
    """The page's own settings (hashable: part of the cache key)."""

    weights: tuple[tuple[str, float], ...] = tuple(defaults.SWEEP_WEIGHTS.items())
    flag_extra: float = defaults.SWEEP_WEAPON_FLAG_EXTRA
    n_areas: int = defaults.SWEEP_AREAS
    with_ae: bool = True
    green: tuple[str, bytes] | None = None


def _green(upload):
    if upload is None:
        return None
    from geo.boundaries import read_area

    name, data = upload
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / Path(name).name
        p.write_bytes(data)
        return read_area(p, name="green space").geometry


@st.cache_data(show_spinner=False, max_entries=16)
def _plan(path: str, version: float, s: _ui.Settings, w: SweepSettings):
    from geo.constants import SOURCE_AE
    from hotspots.tasks.sweeps import plan_sweeps

    area = _ui.load_area(path, version, *s.area_key()) if s.area_key() else None
    sources = tuple(s.sources) + ((SOURCE_AE,) if w.with_ae else ())
    # the bar is made inside the cached function, so a cache hit replays it whole (and empties it)
    bar = st.progress(0.0, text="Ranking sweep areas...")

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"Ranking sweep areas: {message}")

    try:
        with Store(path, create=False) as store:
            # real data is never mixed with the sample: the real forces the sidebar shows (empty: only the
            # sample is loaded), and synthetic A&E left out once real forces are shown (as on the Overlay page)
            return plan_sweeps(store, s.date_from, s.date_to, sources=sources, area=area, res=defaults.SWEEP_RES,
                               weights=dict(w.weights), n_areas=w.n_areas, green=_green(w.green),
                               flag_extra=w.flag_extra, police_forces=tuple(s.forces),
                               exclude_synthetic_ae=bool(s.forces), progress=update)
    finally:
        bar.empty()


def plan(s: _ui.Settings, w: SweepSettings):
    """The sweep plan for the current settings (cached; a progress bar while it is made)."""
    return _ui.run_safely(_plan, _ui.db_path(), _ui.store_version(), s.analysis(), w)


@st.cache_data(show_spinner=False, max_entries=16)
def _pdf(path: str, version: float, s: _ui.Settings, w: SweepSettings, large: bool) -> bytes:
    from hotspots.tasks.sweeps import sweep_pdf

    return sweep_pdf(_plan(path, version, s, w), large=large)


def pdf(s: _ui.Settings, w: SweepSettings) -> bytes:
    return _ui.run_safely(_pdf, _ui.db_path(), _ui.store_version(), s.analysis(), w, s.presentation)


@st.cache_data(show_spinner=False, max_entries=16)
def _map_png(path: str, version: float, s: _ui.Settings, w: SweepSettings) -> bytes:
    from hotspots.tasks.sweeps import sweep_map_png

    return sweep_map_png(_plan(path, version, s, w), width_px=1500, height_px=1000)


def map_png(s: _ui.Settings, w: SweepSettings) -> bytes:
    return _ui.run_safely(_map_png, _ui.db_path(), _ui.store_version(), s.analysis(), w)


def ae_loaded() -> bool:
    """Whether the store holds A&E records."""
    from geo.constants import SOURCE_AE

    return SOURCE_AE in _ui.summary()["months_by_source"]
