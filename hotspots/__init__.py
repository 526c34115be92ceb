"""Hotspots: find, rank, plan, evaluate and report crime hotspots on an H3 grid.

The public API, one import away (``from hotspots import detect, Selection``); the command line is
``python -m hotspots``. No Streamlit here (tests/unit/test_architecture.py).

Which incidents: ``Selection`` (period, crime types, sources, forces, area, harm); the store: ``Store``.
Tasks, each ``(store, Selection, settings) -> result``: ``detect`` (any method in ``METHODS``; add one with
``register``), ``evaluate`` (how well each method's map predicts the next months), ``plan_patrol``,
``plan_sweeps``, ``site_cameras`` and ``evaluate_deployment`` (mobile CCTV), ``overlay`` (police violence x
A&E, published with small counts hidden), ``build_briefing`` (the JAG pack; ``briefing_pdf`` /
``briefing_pptx``). Settings and their ranges: ``SPECS``.
"""

from geo.errors import HotspotsError, InputFileError, SchemaError, SettingError, StoreError
from geo.query import Selection, study_area
from geo.store import Store
from hotspots.briefing.pdf import briefing_pdf
from hotspots.briefing.pptx import briefing_pptx
from hotspots.briefing.sections import build_briefing
from hotspots.defaults import SPECS
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.detect import detect
from hotspots.tasks.did_it_work import evaluate_deployment
from hotspots.tasks.evaluate import evaluate
from hotspots.tasks.overlay import overlay
from hotspots.tasks.patrol import plan_patrol
from hotspots.tasks.registry import METHODS, CellScores, Method, register
from hotspots.tasks.sweeps import plan_sweeps

__all__ = ["METHODS", "SPECS", "CellScores", "HotspotsError", "InputFileError", "Method", "SchemaError",
           "Selection", "SettingError", "Store", "StoreError", "briefing_pdf", "briefing_pptx", "build_briefing",
           "detect", "evaluate", "evaluate_deployment", "overlay", "plan_patrol", "plan_sweeps", "register",
           "site_cameras", "study_area"]
__version__ = "0.1.0"
