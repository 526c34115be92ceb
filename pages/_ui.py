"""The only home of Streamlit caching, session-state keys and shared widgets.

Pages call these functions; the functions call the library. Cached functions take
hashable arguments only (paths as strings, plus the store file's modification time so
a load invalidates the cache).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from geo.constants import SYNTHETIC_MARK
from geo.errors import HotspotsError
from geo.store import Store, resolve_db_path

log = logging.getLogger("hotspots.app")

ROOT = Path(__file__).resolve().parents[1]
#: Where the synthetic sample is written on first run (env HOTSPOTS_SAMPLE_DIR overrides).
SAMPLE_DIR = Path(os.environ.get("HOTSPOTS_SAMPLE_DIR", ROOT / "sample_data"))


def db_path() -> str:
    """The store the app reads ($HOTSPOTS_DB, else data/hotspots.duckdb under the project)."""
    p = resolve_db_path()
    return str(p if p.is_absolute() or os.environ.get("HOTSPOTS_DB") else ROOT / p)


def _mtime(path: str) -> float:
    p = Path(path)
    wal = Path(path + ".wal")
    return max(p.stat().st_mtime if p.exists() else 0.0, wal.stat().st_mtime if wal.exists() else 0.0)


def ensure_data() -> None:
    """On first run (no store, or an empty one), write the synthetic sample and load it."""
    path = db_path()
    if Path(path).exists():
        try:
            with Store(path, read_only=True) as s:
                if s.count() > 0:
                    return
        except HotspotsError:
            return  # another process is loading it; the pages will say so
    from geo.ingest import ingest_sample
    from geo.sample import write_sample

    bar = st.progress(0.0, text="First run: writing the synthetic sample data...")
    try:
        if not (SAMPLE_DIR / ".generated").exists():
            write_sample(SAMPLE_DIR, progress=lambda f, m: bar.progress(0.5 * f, text=f"Writing sample: {m}"))
        with Store(path) as s:
            ingest_sample(SAMPLE_DIR, s, progress=lambda f, m: bar.progress(0.5 + 0.5 * f, text=f"Loading: {m}"))
    except HotspotsError as err:
        show_error(err)
        st.stop()
    bar.empty()


@st.cache_data(show_spinner=False)
def store_summary(path: str, mtime: float) -> dict:
    """Counts by source and month, and whether the data is the synthetic sample."""
    with Store(path, read_only=True) as s:
        status = s.status()
        forces = sorted(status["force"].unique()) if len(status) else []
        return {
            "rows": int(status["rows"].sum()) if len(status) else 0,
            "rejected": int(status["rejected"].sum()) if len(status) else 0,
            "status": status,
            "months": sorted(status["month"].unique()) if len(status) else [],
            "forces": forces,
            "synthetic": any(SYNTHETIC_MARK in f for f in forces),
        }


def summary() -> dict:
    path = db_path()
    return store_summary(path, _mtime(path))


def synthetic_banner(is_synthetic: bool) -> None:
    if is_synthetic:
        st.warning("**SYNTHETIC DATA.** This is the generated Hertfordshire-like sample, not real crime. "
                   "Load real police.uk files with `python -m hotspots ingest police FOLDER`.", icon=":material/science:")


def show_error(err: HotspotsError) -> None:
    """An expected problem: its sentence and its fix, never a traceback."""
    st.error(err.message + (f"\n\n**How to fix it:** {err.fix}" if err.fix else ""), icon=":material/error:")
