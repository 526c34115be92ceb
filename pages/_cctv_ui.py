"""Cached library calls for the Mobile CCTV page (camera siting and "did it work?").

Same pattern as ``pages/_ui.py``: every cached function takes the store's path and
version (so a load invalidates it), the frozen ``Settings`` and hashable page settings;
uploaded files come in as ``(name, bytes)`` pairs and are read from a private temporary
folder. Pages call the uncached wrappers, which turn a ``HotspotsError`` into its sentence
through ``_ui.run_safely``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geo.store import Store
from pages import _ui

#: The sample's existing static cameras (written by the sample generator).
SAMPLE_CAMERAS = "cctv/existing_cctv_synthetic.csv"

Upload = tuple[str, bytes] | None


@dataclass(frozen=True)
class CctvSettings:
    """The page's own settings (hashable: part of the cache key)."""

    cameras: int = 8
    radius_m: float = 100.0
    min_spacing_m: float = 0.0
    existing: Upload = None
    candidates: Upload = None
    exclude: Upload = None


def sample_cameras() -> Upload:
    """The sample's existing cameras as an upload, when the sample folder has them."""
    p = _ui.sample_dir() / SAMPLE_CAMERAS
    return (p.name, p.read_bytes()) if p.exists() else None


def _with_file(upload: Upload, fn, *args):
    """Call ``fn(path, *args, name=...)`` on an uploaded file written to a private temporary folder."""
    if upload is None:
        return None
    name, data = upload
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / Path(name).name
        p.write_bytes(data)
        return fn(p, *args, name=name)


def _read_area(path, name):
    from geo.boundaries import read_area

    return read_area(path, name=Path(name).stem)


def _area(path: str, version: float, s: _ui.Settings):
    key = s.area_key()
    return _ui.load_area(path, version, *key) if key else None


@st.cache_data(show_spinner="Finding the best camera sites (proven optimal)...", max_entries=16)
def _plan(path: str, version: float, s: _ui.Settings, c: CctvSettings):
    from hotspots.tasks.cctv import read_points, site_cameras
    from hotspots.methods.harm import harm_weights

    existing = _with_file(c.existing, read_points, "existing cameras")
    candidates = _with_file(c.candidates, read_points, "candidate sites")
    exclude = _with_file(c.exclude, _read_area)
    with Store(path, create=False) as store:
        return site_cameras(store, s.filter(), _area(path, version, s), cameras=c.cameras, radius_m=c.radius_m,
                            harm=s.harm, weights=harm_weights(s.exclude_police_generated), existing=existing,
                            candidates=candidates, exclude=exclude, min_spacing_m=c.min_spacing_m)


def plan(s: _ui.Settings, c: CctvSettings):
    """The camera plan for the current settings (cached)."""
    return _ui.run_safely(_plan, _ui.db_path(), _ui.store_version(), s.analysis(), c)


@st.cache_data(show_spinner="Drawing the printable plan...", max_entries=8)
def _pdf(path: str, version: float, s: _ui.Settings, c: CctvSettings) -> bytes:
    from hotspots.tasks.cctv import plan_pdf

    p = _plan(path, version, s, c)
    area = _area(path, version, s)
    if area is not None:
        outlines = [area.geometry]
    else:
        with Store(path, create=False) as store:
            outlines = [store.area(layer, name).geometry for layer, name in store.area_names() if layer == "district"]
    return plan_pdf(p, outlines)


def pdf(s: _ui.Settings, c: CctvSettings) -> bytes:
    """The printable plan (PDF bytes, cached)."""
    return _ui.run_safely(_pdf, _ui.db_path(), _ui.store_version(), s.analysis(), c)


@st.cache_data(show_spinner="Comparing before and after...", max_entries=8)
def _evaluation(path: str, version: float, s: _ui.Settings, deployment: Upload, sites: tuple, months: tuple,
                radius_m: float, buffer_m: float, control: Upload):
    import pandas as pd

    from hotspots.tasks.did_it_work import evaluate_deployment, read_deployment
    from hotspots.methods.harm import harm_weights

    if deployment is not None:
        dep = _with_file(deployment, read_deployment)
    else:
        dep = pd.DataFrame([{"site": name, "easting": e, "northing": n, "from": months[0], "to": months[1]}
                            for name, e, n in sites])
    ctrl = _with_file(control, _read_area)
    with Store(path, create=False) as store:
        return evaluate_deployment(store, dep, s.filter(), _area(path, version, s), ctrl, radius_m=radius_m,
                                   buffer_m=buffer_m,
                                   weights=harm_weights(s.exclude_police_generated) if s.harm else None)


def evaluation(s: _ui.Settings, *, deployment: Upload = None, sites: tuple = (), months: tuple = (),
               radius_m: float = 100.0, buffer_m: float = 200.0, control: Upload = None):
    """Before/after and the WDQ for a deployment file, or for given sites over given months (cached)."""
    return _ui.run_safely(_evaluation, _ui.db_path(), _ui.store_version(), s.analysis(), deployment, tuple(sites),
                          tuple(months), float(radius_m), float(buffer_m), control)


def upload(file) -> Upload:
    """A Streamlit UploadedFile as a hashable (name, bytes) pair."""
    return None if file is None else (file.name, file.getvalue())
