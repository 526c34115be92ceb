"""Which store the app reads, its version (part of every cache key), short-lived connections, writes.

The store's path and version are read on every call, not at import: tests (and a second app in one
process) set $HOTSPOTS_DB and $HOTSPOTS_SAMPLE_DIR late.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.store import Store, resolve_db_path

__all__ = ["ROOT", "after_write", "db_path", "open_store", "sample_dir", "store_version"]

ROOT = Path(__file__).resolve().parents[2]


def sample_dir() -> Path:
    """Where the synthetic sample is written on first run (env HOTSPOTS_SAMPLE_DIR overrides)."""
    return Path(os.environ.get("HOTSPOTS_SAMPLE_DIR", ROOT / "sample_data"))


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


def after_write(store: Store) -> None:
    """Fold the WAL into the store file after a write.

    The cache key (``store_version``) already moves when a commit appends to the WAL; the checkpoint also
    makes the main file hold the change, so a copy of the file, or a read-only reader in another process
    (the CLI), sees it too.
    """
    store.checkpoint()
