"""The incident store: the only owner of SQL and database connections.

``Store`` (``geo.store.core``) holds incidents, outcomes, rejections, loads, areas and mappings in one DuckDB
file; the A&E companion tables (records, fixes, venues) are its ``geo.store.ae`` methods. Readers and the
load pipeline hand it Arrow tables (``LoadUnit``); queries get plain DataFrames back.
"""

from geo.store.core import DiskFullError, LoadUnit, Store, StoreBusyError, incident_ddl, resolve_db_path

__all__ = ["DiskFullError", "LoadUnit", "Store", "StoreBusyError", "incident_ddl", "resolve_db_path"]
