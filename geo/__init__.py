"""Incidents in: read, validate, geocode, project, bin into H3 cells, store.

No Streamlit and no hotspot logic here (checked by tests/unit/test_architecture.py).
"""

from geo.errors import HotspotsError, InputFileError, SchemaError, SettingError, StoreError

__all__ = ["HotspotsError", "InputFileError", "SchemaError", "SettingError", "StoreError"]
