"""What the local statistics share: k-ring weights on the H3 lattice, p-values, the Benjamini-Hochberg
false discovery rate, Gi* classes, and the checks of their parameters.

``gistar`` and ``emerging`` read these; each statistic's own module holds only the statistic (as esda keeps
``crand``, ``significance`` and ``fdr`` apart from ``getisord``).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
from scipy import sparse, special

from geo.errors import SettingError
from geo.grid import cells_to_uint64, grid_disk, grid_disk_lists, positions_in, single_resolution, unique_in_order  # noqa: F401 - the doctests use them
from hotspots.defaults import FDR_ALPHA, GISTAR_CONFIDENCE, GISTAR_K, PERMUTATIONS, SPECS

__all__ = ["NOT_SIGNIFICANT", "benjamini_hochberg", "cached_kring_weights", "check_alpha", "check_confidence",
           "check_k", "check_permutations", "classify_z", "is_int", "kring_weights", "level_label", "make_rng",
           "two_sided_p"]


#: Class of a cell that is neither a significant hot nor cold spot.
NOT_SIGNIFICANT = "Not significant"


# --------------------------------------------------------------------------- #
# Parameter checks (scikit-learn style sentences)                             #
# --------------------------------------------------------------------------- #
def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_k(k) -> int:
    """The k-ring radius, checked against its spec (``hotspots.defaults.SPECS["k"]``)."""
    if not SPECS["k"].contains(k):
        raise SettingError(
            f"k must be an integer of at least 1 (the k-ring radius in cells: k=1 is a "
            f"cell and its 6 neighbours, k=2 adds the next ring of 12); got {k!r}.",
            f"Use k={GISTAR_K} (the default) or k=2 for a wider neighbourhood.",
        )
    return int(k)


def check_permutations(permutations) -> int:
    """The number of permutations, checked against its spec (``SPECS["permutations"]``)."""
    if not SPECS["permutations"].contains(permutations):
        raise SettingError(
            "permutations must be a non-negative integer (0 skips the permutation test; "
            f"esda uses {PERMUTATIONS}); got {permutations!r}.",
            f"Use permutations=0 or permutations={PERMUTATIONS}.",
        )
    return int(permutations)


def check_alpha(value, name: str, *, allow_none: bool, default: float = FDR_ALPHA) -> float | None:
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 < float(value) < 1.0
    ):
        allowed = "a float strictly between 0 and 1" + (" or None" if allow_none else "")
        raise SettingError(
            f"{name} must be {allowed}; got {value!r}.",
            f"Use {name}={default}" + (" (None turns the correction off)." if allow_none else "."),
        )
    return float(value)


def check_confidence(confidence) -> tuple[float, ...]:
    fix = f"Use confidence={GISTAR_CONFIDENCE} (the ArcGIS 90/95/99 % classes)."
    try:
        levels = tuple(confidence)
    except TypeError:
        raise SettingError(
            f"confidence must be a sequence of confidence levels such as (0.90, 0.95, 0.99); "
            f"got {confidence!r}.",
            fix,
        ) from None
    if (
        not levels
        or any(isinstance(c, bool) or not isinstance(c, numbers.Real) for c in levels)
        or any(not 0.0 < float(c) < 1.0 for c in levels)
        or len(set(float(c) for c in levels)) != len(levels)
    ):
        raise SettingError(
            "confidence must be a non-empty sequence of distinct levels strictly between "
            f"0 and 1, such as (0.90, 0.95, 0.99); got {confidence!r}.",
            fix,
        )
    return tuple(sorted(float(c) for c in levels))


def make_rng(seed) -> np.random.Generator:
    if isinstance(seed, bool):
        seed = "bool"  # rejected below with the same message as other bad seeds
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise SettingError(
            "seed must be None, a non-negative integer or a numpy.random.Generator; "
            f"got {seed!r}.",
            "Pass seed=0 (any fixed integer) for results that repeat exactly.",
        ) from None


def level_label(level: float) -> str:
    return f"{round(level * 100, 6):g}%"


# --------------------------------------------------------------------------- #
# Weights                                                                     #
# --------------------------------------------------------------------------- #
@functools.lru_cache(maxsize=8)
def cached_kring_weights(key: bytes, k: int) -> sparse.csr_array:
    cells = np.frombuffer(key, dtype=np.uint64)
    n = cells.size
    offsets, neighbours = grid_disk_lists(cells, k)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    cols = positions_in(cells, neighbours)
    inside = cols >= 0
    w = sparse.csr_array(
        (np.ones(int(inside.sum())), (rows[inside], cols[inside])), shape=(n, n)
    )
    w.sum_duplicates()
    w.data[:] = 1.0
    w.sort_indices()
    return w


def kring_weights(cells, k: int = GISTAR_K) -> sparse.csr_array:
    """Binary k-ring weights between H3 cells, each cell its own neighbour.

    ``w[i, j] = 1`` when cell ``j`` is within ``k`` grid steps of cell ``i``
    (h3 ``grid_disk(cells[i], k)``) *and* ``j`` is one of ``cells``; otherwise 0.
    The diagonal is 1: the Gi* (star) neighbourhood includes the cell itself. Cells
    near the edge of the window have fewer neighbours (rows sum to less than
    ``1 + 3k(k+1)``). The matrix is symmetric.

    Results are cached on the cells' bytes and ``k`` (8 most recent windows), so
    re-fitting on the same window, for example once per month in
    :class:`hotspots.methods.emerging.EmergingHotspots`, builds the weights once. A copy is
    returned, so changing it does not change the cache.

    Parameters
    ----------
    cells : array-like of str or int
        The window: distinct H3 cells of one resolution, as strings or integers.
        Rows and columns follow this order.
    k : int, default GISTAR_K
        The k-ring radius in cells (at least 1).

    Returns
    -------
    scipy.sparse.csr_array of shape (n, n)
        Float weights, 1.0 for neighbours (self included), in CSR form.

    Raises
    ------
    SettingError
        If ``k`` is not an integer of at least 1, if ``cells`` are not valid H3
        cells of one resolution, or if a cell is repeated.

    References
    ----------
    Uber Technologies. H3: a hexagonal hierarchical geospatial indexing system,
    ``gridDisk``. https://h3geo.org/docs/api/traversal

    Examples
    --------
    >>> import h3
    >>> window = grid_disk("89195da182bffff", 2)        # 19 cells
    >>> w = kring_weights(window, k=1)
    >>> w.shape, int(w.sum(axis=1).max()), float(w.diagonal().min())
    ((19, 19), 7, 1.0)
    >>> bool((w != w.T).nnz == 0)
    True
    """
    k = check_k(k)
    u = cells_to_uint64(cells, name="cells")
    single_resolution(u, name="cells")
    _, repeated = unique_in_order(u)
    if repeated:
        raise SettingError(
            "cells repeats some H3 cells; a weights matrix needs each cell once.",
            "Pass the distinct cells of the window (for example pandas.unique(cells)).",
        )
    return cached_kring_weights(np.ascontiguousarray(u).tobytes(), k).copy()


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini-Hochberg false-discovery-rate adjusted p-values.

    For the ``m`` p-values sorted ascending, ``p_(i)``, the adjusted value is
    ``min over j >= i of (m / j) p_(j)``, capped at 1; a test is significant at
    false discovery rate ``q`` when its adjusted p is at most ``q``. NaN p-values
    (cells where Gi* is undefined) are left out of ``m`` and stay NaN. Equal to
    ``scipy.stats.false_discovery_control(p, method='bh')`` when there are no NaNs.

    Parameters
    ----------
    p : array-like of float
        p-values in [0, 1], any shape (the correction is over all of them).

    Returns
    -------
    numpy.ndarray
        The adjusted p-values, same shape as ``p``.

    Raises
    ------
    SettingError
        If a p-value is outside [0, 1].

    References
    ----------
    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a
    practical and powerful approach to multiple testing. Journal of the Royal
    Statistical Society B 57(1), 289-300.

    Caldas de Castro, M. & Singer, B. H. (2006). Controlling the false discovery
    rate: a new application to account for multiple and dependent tests in local
    statistics of spatial association. Geographical Analysis 38(2), 180-208.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.20]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    flat = p.ravel()
    finite = ~np.isnan(flat)
    q = flat[finite]
    if q.size and (q.min() < 0 or q.max() > 1):
        raise SettingError(
            "p-values must lie between 0 and 1; got values from "
            f"{q.min():g} to {q.max():g}.",
            "Pass p-values, not z-scores or test statistics.",
        )
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        ranked = q[order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(ranked, 1.0)
        flat_out = out.ravel()
        flat_out[finite] = adjusted
        out = flat_out.reshape(p.shape)
    return out


def two_sided_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * special.ndtr(-np.abs(z))  # the normal's survival function, as scipy.stats.norm.sf computes it


def classify_z(z: np.ndarray, p_decide: np.ndarray, levels: tuple[float, ...]) -> np.ndarray:
    """Hot/cold class from the sign of z and the highest level p_decide reaches."""
    labels = np.full(z.shape, NOT_SIGNIFICANT, dtype=object)
    with np.errstate(invalid="ignore"):
        for level in levels:  # ascending, so a higher level overwrites a lower one
            alpha = round(1.0 - level, 12)
            sig = p_decide <= alpha
            name = level_label(level)
            labels[sig & (z > 0)] = f"Hot spot {name}"
            labels[sig & (z < 0)] = f"Cold spot {name}"
    return labels
