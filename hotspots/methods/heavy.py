"""The one loader of heavy optional third-party modules: imported the first time a method needs them.

Why: ``scipy.stats`` and scikit-learn's clustering take one to two seconds to import, and every command
(``python -m hotspots status`` too) and every page start would pay for them; only Knox-free clustering and
the briefing's exact tests use them. Each function imports its module once (Python caches it) and returns it.
"""

from __future__ import annotations

import importlib

__all__ = ["scipy_stats", "sklearn_cluster", "sklearn_neighbors"]


def scipy_stats():
    """``scipy.stats`` (exact binomial tests)."""
    return importlib.import_module("scipy.stats")


def sklearn_cluster():
    """``sklearn.cluster`` (DBSCAN)."""
    return importlib.import_module("sklearn.cluster")


def sklearn_neighbors():
    """``sklearn.neighbors`` (KD-trees for HDBSCAN's core distances)."""
    return importlib.import_module("sklearn.neighbors")
