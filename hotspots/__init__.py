"""Hotspots: find, rank, plan, evaluate and report crime hotspots on an H3 grid.

No Streamlit here (checked by tests/unit/test_architecture.py). The command line
is ``python -m hotspots``.
"""

from geo.errors import HotspotsError, InputFileError, SchemaError, SettingError, StoreError

__all__ = ["HotspotsError", "InputFileError", "SchemaError", "SettingError", "StoreError"]
__version__ = "0.1.0"
