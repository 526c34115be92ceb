"""Getis-Ord Gi* hot and cold spots on an H3 grid.

One estimator, :class:`GetisOrdGiStar`, plus the pieces it is built from and that
:mod:`hotspots.methods.emerging` re-uses: :func:`kring_weights` (binary k-ring weights with
the cell itself, cached), :func:`gistar_statistic` (the statistic and its moments
for any binary weights) and :func:`benjamini_hochberg` (FDR-adjusted p-values).

The star variant includes the cell itself in its own neighbourhood; weights are
binary, not row-standardised (../shared/DOMAIN.md section 3 lists the esda
pitfalls this avoids). Significance is corrected for multiple testing with the
Benjamini-Hochberg false discovery rate, as ArcGIS's Hot Spot Analysis does.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

from geo.errors import SettingError
from geo.grid import (cells_to_uint64, grid_disk, latlng_to_cell, positions_in, single_resolution, uint64_to_strings,  # noqa: F401 - the doctests use them
                      unique_in_order)  # noqa: F401 - the doctests use them
from hotspots.defaults import FDR_ALPHA, GISTAR_CONFIDENCE, GISTAR_K
from hotspots.methods.lattice import (NOT_SIGNIFICANT, benjamini_hochberg, cached_kring_weights, check_alpha,
                                      check_confidence, check_k, check_permutations, classify_z, kring_weights,
                                      level_label, make_rng, two_sided_p)
from hotspots.methods.base import Estimator
from hotspots.methods.words import plural

__all__ = [
    "GetisOrdGiStar",
    "GiStarResult",
    "NOT_SIGNIFICANT",
    "benjamini_hochberg",
    "gistar_statistic",
    "kring_weights",
]


#: Conditional permutations are evaluated for blocks of cells of at most this many
#: (cell, permutation, neighbour) elements, to bound memory (~16 MB per array).
_PERMUTATION_BLOCK_ELEMENTS = 2_000_000


# --------------------------------------------------------------------------- #
# The statistic                                                               #
# --------------------------------------------------------------------------- #
class GiStarResult(NamedTuple):
    """Gi* for every cell: statistic, moments under the null, and z-score."""

    G: np.ndarray
    EG: np.ndarray
    VG: np.ndarray
    z: np.ndarray


def gistar_statistic(weights, values) -> GiStarResult:
    """Getis-Ord Gi* with its analytic moments, for given weights.

    With weights ``w_ij`` (diagonal included), ``n`` cells, ``W_i = sum_j w_ij``,
    ``S1_i = sum_j w_ij**2``, the mean ``xbar`` and the population standard
    deviation ``S = sqrt(sum x**2 / n - xbar**2)`` over all ``n`` cells::

        G_i  = sum_j w_ij x_j / sum_j x_j
        E[G_i] = W_i / n
        V[G_i] = (n S1_i - W_i**2) / (n - 1) * S**2 / (n xbar)**2
        z_i  = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i**2) / (n - 1)))

    which is ``(G_i - E[G_i]) / sqrt(V[G_i])`` (Ord & Getis 1995, eq. 9; for
    binary weights ``S1_i = W_i`` and these are esda's ``Gs, EGs, VGs, Zs`` with
    ``star=True, transform='B'``).

    Undefined values are NaN, not errors: every z of a column whose values are all
    equal (``S = 0``), the z of a cell whose neighbourhood is the whole window
    (``n S1_i = W_i**2``), and ``G``/``V[G]`` when the values sum to 0.

    Parameters
    ----------
    weights : scipy sparse matrix or array of shape (n, n)
        Spatial weights with the diagonal set (for Gi*, ``w_ii = 1``).
    values : array-like of shape (n,) or (n, t)
        One value per cell, or one column per time step (each column is analysed
        on its own: its own mean and S).

    Returns
    -------
    GiStarResult
        ``G, EG, VG, z``, each shaped like ``values`` (``EG`` too).

    Raises
    ------
    SettingError
        If the shapes of ``weights`` and ``values`` do not agree or ``n < 2``.

    References
    ----------
    Getis, A. & Ord, J. K. (1992). The analysis of spatial association by use of
    distance statistics. Geographical Analysis 24(3), 189-206.

    Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation statistics:
    distributional issues and an application. Geographical Analysis 27(4), 286-306.

    Examples
    --------
    The esda ``G_Local`` docstring example (six points, distance band 15), star
    variant with binary weights:

    >>> import numpy as np
    >>> from scipy import sparse
    >>> w = sparse.csr_array(np.array([
    ...     [1, 1, 0, 1, 0, 0], [1, 1, 0, 1, 1, 0], [0, 0, 1, 0, 1, 0],
    ...     [1, 1, 0, 1, 1, 0], [0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1]], dtype=float))
    >>> res = gistar_statistic(w, [2, 3, 3.2, 5, 8, 7])
    >>> np.round(res.z, 6)
    array([-1.397276, -0.289178,  0.65065 , -0.289178,  1.234521,  2.024243])
    """
    x = np.asarray(values, dtype=float)
    one_d = x.ndim == 1
    if one_d:
        x = x[:, None]
    n = x.shape[0]
    if weights.shape != (n, n):
        raise SettingError(
            f"weights has shape {weights.shape} but there are {n} values; the weights "
            "must be an n-by-n matrix over the same cells as the values.",
            "Build the weights from the same window as the values (kring_weights(window, k)).",
        )
    if n < 2:
        raise SettingError(
            f"Gi* needs at least 2 cells in the window; got {n}.",
            "Analyse a larger area, or a finer H3 resolution.",
        )
    w = sparse.csr_array(weights)
    w_sum = np.asarray(w.sum(axis=1), dtype=float).ravel()
    s1 = np.asarray(w.multiply(w).sum(axis=1), dtype=float).ravel()

    lag = np.asarray(w @ x, dtype=float)
    total = x.sum(axis=0)
    xbar = total / n
    s = x.std(axis=0)  # population SD: sqrt(sum x^2 / n - xbar^2), computed stably
    constant = np.ptp(x, axis=0) == 0
    spread = (n * s1 - w_sum**2) / (n - 1)
    spread = np.where(spread > 0, spread, np.nan)[:, None]

    with np.errstate(divide="ignore", invalid="ignore"):
        s_safe = np.where(constant, np.nan, s)
        z = (lag - xbar * w_sum[:, None]) / (s_safe * np.sqrt(spread))
        total_safe = np.where(total == 0, np.nan, total)
        g = lag / total_safe
        eg = np.broadcast_to((w_sum / n)[:, None], x.shape).copy()
        vg = spread * s**2 / (n * np.where(xbar == 0, np.nan, xbar)) ** 2
    if one_d:
        return GiStarResult(g[:, 0], eg[:, 0], vg[:, 0], z[:, 0])
    return GiStarResult(g, eg, vg, z)


def _conditional_permutation_p(
    w: sparse.csr_array, x: np.ndarray, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """esda-style conditional randomisation of binary Gi*, folded ("directed") p.

    Each cell keeps its own value; its ``W_i - 1`` neighbour slots are filled with
    values drawn without replacement from the other ``n - 1`` cells. As in esda,
    one set of draws (``permutations`` rows of ``max_card`` indices into the
    ``n - 1`` other cells) is shared by all cells.
    """
    n = x.size
    lag = w @ x
    card = np.diff(w.indptr) - 1  # neighbours other than the cell itself
    max_card = int(card.max())
    if max_card == 0:
        return np.full(n, np.nan)
    ids = np.empty((permutations, max_card), dtype=np.int64)
    for r in range(permutations):
        ids[r] = rng.choice(n - 1, size=max_card, replace=False)
    tol = 1e-10 * np.maximum(1.0, np.abs(lag))
    larger = np.empty(n, dtype=np.int64)
    slots = np.arange(max_card)
    block = max(1, _PERMUTATION_BLOCK_ELEMENTS // (permutations * max_card))
    for start in range(0, n, block):
        stop = min(start + block, n)
        cells = np.arange(start, stop)
        # index j among "the others" of cell i is j if j < i, else j + 1
        idx = ids[None, :, :] + (ids[None, :, :] >= cells[:, None, None])
        used = (slots[None, :] < card[start:stop, None])[:, None, :]
        sims = np.where(used, x[idx], 0.0).sum(axis=2) + x[cells][:, None]
        larger[start:stop] = (sims >= (lag[cells] - tol[cells])[:, None]).sum(axis=1)
    folded = np.minimum(larger, permutations - larger)
    return (folded + 1.0) / (permutations + 1.0)


def _values_array(values, n_expected: int) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise SettingError(
            "values must be numbers (a count or harm per cell).",
            "Pass a numeric array with one value per cell.",
        ) from None
    if x.ndim != 1 or x.size != n_expected:
        raise SettingError(
            f"values must hold one number per cell: {plural(n_expected, 'cell')} but values has "
            f"shape {x.shape}.",
            "Pass values aligned with cells (same length, same order).",
        )
    if not np.isfinite(x).all():
        bad = int(np.flatnonzero(~np.isfinite(x))[0])
        raise SettingError(
            f"values must be finite; position {bad} holds {x[bad]!r}.",
            "Replace missing counts with 0 (a cell with no incidents has count 0).",
        )
    if (x < 0).any():
        bad = int(np.flatnonzero(x < 0)[0])
        raise SettingError(
            f"values must be counts or harm, which are never negative; position {bad} "
            f"holds {x[bad]:g}.",
            "Pass counts or harm per cell (0 where there were none).",
        )
    return x


def _window_and_values(cells, values, window, *, cells_name="cells"):
    """Validate cells/values/window; return (window uint64, values on the window)."""
    u = cells_to_uint64(cells, name=cells_name)
    x = _values_array(values, u.size)
    _, repeated = unique_in_order(u)
    if repeated:
        raise SettingError(
            f"{cells_name} repeats some H3 cells; Gi* needs one value per cell.",
            "Add up the values of each cell first, e.g. "
            "df.groupby('cell', as_index=False)['value'].sum().",
        )
    if window is None:
        single_resolution(u, name=cells_name)
        return u, x
    win, _ = unique_in_order(cells_to_uint64(window, name="window"))
    single_resolution(win, name="window")
    pos = positions_in(win, u)
    outside = pos < 0
    if outside.any():
        first = uint64_to_strings(u[outside][:1])[0]
        raise SettingError(
            f"{int(outside.sum())} of the {cells_name} with a value lie outside the analysis "
            f"window (first: '{first}'); every cell with a value must be a window cell.",
            "Pass the whole area as window (every cell of the district, zeros "
            "included), or drop the incidents located outside it.",
        )
    full = np.zeros(win.size)
    full[pos] = x
    return win, full


# --------------------------------------------------------------------------- #
# The estimator                                                               #
# --------------------------------------------------------------------------- #
class GetisOrdGiStar(Estimator):
    """Getis-Ord Gi* hot and cold spots of counts or harm on H3 cells.

    Each cell's neighbourhood is its k-ring (h3 ``grid_disk``), the cell itself
    included (the *star* variant), with binary weights. The local sum of the
    neighbourhood is compared with what the whole analysis window would give a
    neighbourhood of that size; the z-score says how far above (hot) or below
    (cold) it is. See :func:`gistar_statistic` for the formula.

    **The analysis window is every cell of the area, zeros included**: pass the
    cells of the district (or force area) as ``window``, and the cells without a
    value count as 0. Analysing only the occupied cells would compare busy cells
    with each other and find no hot spots where crime is concentrated.

    Significance (written into ``class_``):

    * ``p_`` is the two-sided normal p-value of z: ``p = 2 * (1 - Phi(|z|))``.
    * ``p_fdr_`` is ``p_`` adjusted by Benjamini-Hochberg over all window cells
      (:func:`benjamini_hochberg`), as ArcGIS's FDR correction does.
    * A cell is ``"Hot spot 99%"`` when ``z > 0`` and ``p_fdr <= 0.01``; else
      ``"Hot spot 95%"`` when ``z > 0`` and ``p_fdr <= 0.05``; else ``"Hot spot
      90%"`` when ``z > 0`` and ``p_fdr <= 0.10``; the same with ``z < 0`` gives
      ``"Cold spot 99%"``, ``"Cold spot 95%"``, ``"Cold spot 90%"``; everything
      else is ``"Not significant"``. (In general: the highest level ``c`` of
      ``confidence`` with ``p_fdr <= 1 - c``.) Because BH-adjusted p-values are
      monotone, "p_fdr <= 1 - c" is exactly "significant when BH is run at false
      discovery rate 1 - c", the ArcGIS rule for each confidence band.
    * With ``fdr_alpha=None`` no correction is made: ``p_fdr_`` equals ``p_`` and
      the classes use the raw p-values.

    Permutation test (``permutations > 0``, optional, reported beside the analytic
    result, never used for ``class_``): esda's conditional randomisation. For each
    cell, its own value stays put and its ``W_i - 1`` neighbour slots are filled
    with values drawn without replacement from the other ``n - 1`` window cells,
    ``permutations`` times (one set of draws shared by all cells, as in esda). With
    ``L`` the number of draws whose local sum is at least the observed one,
    ``p_sim = (min(L, permutations - L) + 1) / (permutations + 1)``.
    **This is esda's folded, one-sided ("directed") pseudo p-value**: it measures
    the tail the observed value is in, lies between ``1 / (permutations + 1)`` and
    about 0.5, and is roughly half a two-sided p-value; compare it with
    ``alpha / 2``, or double it, before reading it as two-sided.

    Parameters
    ----------
    k : int, default GISTAR_K (1)
        k-ring radius in cells. At res 9 neighbouring cell centres are about 350 m
        apart, so k=1 spans about 1 km across.
    permutations : int, default 0
        Number of conditional permutations; 0 skips the permutation test.
    seed : None, int or numpy.random.Generator, default None
        Seed of the permutations (same seed, same ``p_sim_``).
    fdr_alpha : float or None, default FDR_ALPHA (0.05)
        False discovery rate of ``significant_`` (``p_fdr_ <= fdr_alpha``). None
        turns the Benjamini-Hochberg correction off.
    confidence : sequence of float, default GISTAR_CONFIDENCE (0.90, 0.95, 0.99)
        Confidence levels of the hot and cold classes.

    Attributes
    ----------
    cells_ : numpy.ndarray of uint64
        The window cells, in the order of ``window`` (or of ``cells`` when there is
        no window), each once.
    values_ : numpy.ndarray
        The value of each window cell (0 where none was given).
    weights_ : scipy.sparse.csr_array
        The binary k-ring weights used (self included).
    G_, EG_, VG_ : numpy.ndarray
        Gi* (local sum over the total), its expectation and variance under the null.
    z_ : numpy.ndarray
        Gi* z-scores (NaN where undefined, see Notes).
    p_ : numpy.ndarray
        Two-sided normal p-values of ``z_``.
    p_fdr_ : numpy.ndarray
        Benjamini-Hochberg adjusted ``p_`` (equal to ``p_`` if ``fdr_alpha`` is None).
    significant_ : numpy.ndarray of bool
        ``p_fdr_ <= fdr_alpha`` (``p_ <= 0.05`` when ``fdr_alpha`` is None).
    class_ : numpy.ndarray of str
        ``"Hot spot 99%"`` ... ``"Cold spot 99%"`` or ``"Not significant"``.
    classes_ : tuple of str
        All class labels, hottest first.
    p_sim_ : numpy.ndarray
        Folded pseudo p-values; only set when ``permutations > 0``.
    n_cells_ : int
        Number of window cells.

    Raises
    ------
    SettingError
        From :meth:`fit`, for parameters outside what is allowed or unusable input.

    Notes
    -----
    If every window cell has the same value (``S = 0``, for example no incidents
    at all), Gi* is undefined: ``fit`` warns, every z and p is NaN and every cell
    is ``"Not significant"``. A cell whose k-ring covers the whole window also
    gets NaN (its neighbourhood cannot differ from the window).

    References
    ----------
    Getis, A. & Ord, J. K. (1992). The analysis of spatial association by use of
    distance statistics. Geographical Analysis 24(3), 189-206.

    Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation statistics:
    distributional issues and an application. Geographical Analysis 27(4), 286-306.

    Anselin, L. (1995). Local indicators of spatial association - LISA.
    Geographical Analysis 27(2), 93-115 (conditional randomisation).

    Benjamini, Y. & Hochberg, Y. (1995). Journal of the Royal Statistical Society B
    57(1), 289-300.

    Esri. How Hot Spot Analysis (Getis-Ord Gi*) works; the False Discovery Rate
    correction. https://pro.arcgis.com/en/pro-app/latest/tool-reference/spatial-statistics/h-how-hot-spot-analysis-getis-ord-gi-spatial-stati.htm

    PySAL esda, ``esda/getisord.py`` (``G_Local``) and ``esda/crand.py``.

    Examples
    --------
    Nineteen incidents in and around one cell of a 61-cell window in Watford
    (cells without incidents count as 0):

    >>> import h3
    >>> centre = latlng_to_cell(51.656, -0.397, 9)
    >>> window = grid_disk(centre, 4)
    >>> ring = grid_disk(centre, 1)
    >>> gi = GetisOrdGiStar(k=1).fit(ring, [7, 2, 2, 2, 2, 2, 2], window=window)
    >>> gi.n_cells_
    61
    >>> frame = gi.to_frame()
    >>> list(frame.columns)
    ['cell', 'value', 'z', 'p', 'p_fdr', 'class']
    >>> row = frame.set_index("cell").loc[centre]
    >>> row["class"], round(float(row["z"]), 2)
    ('Hot spot 99%', 6.39)
    >>> int((frame["class"] != "Not significant").sum())
    7
    """

    def __init__(
        self,
        k=GISTAR_K,
        permutations=0,
        seed=None,
        fdr_alpha=FDR_ALPHA,
        confidence=GISTAR_CONFIDENCE,
    ):
        self.k = k
        self.permutations = permutations
        self.seed = seed
        self.fdr_alpha = fdr_alpha
        self.confidence = confidence

    def _check_params(self):
        k = check_k(self.k)
        permutations = check_permutations(self.permutations)
        fdr_alpha = check_alpha(self.fdr_alpha, "fdr_alpha", allow_none=True)
        levels = check_confidence(self.confidence)
        rng = make_rng(self.seed)
        return k, permutations, fdr_alpha, levels, rng

    def fit(self, cells, values, window=None):
        """Compute Gi* for every cell of the analysis window.

        Parameters
        ----------
        cells : array-like of str or int
            H3 cells (strings or integers, one resolution) that have a value, each
            once.
        values : array-like of float
            Count or harm of each of ``cells`` (non-negative, finite), same order.
        window : array-like of str or int, optional
            Every cell of the analysis area; cells of ``window`` missing from
            ``cells`` count as 0, and every cell of ``cells`` must be in it. If
            None, the window is exactly ``cells`` (no cells are added: pass zeros
            for empty cells yourself, or pass a window).

        Returns
        -------
        self : GetisOrdGiStar
            The fitted estimator.

        Raises
        ------
        SettingError
            If a parameter is outside what is allowed, cells are not valid H3 cells
            of one resolution or are repeated, values are negative, missing or
            misaligned, or a cell with a value lies outside ``window``.
        """
        k, permutations, fdr_alpha, levels, rng = self._check_params()
        win, x = _window_and_values(cells, values, window)
        n = win.size
        if n < 2:
            raise SettingError(
                f"Gi* needs at least 2 cells in the analysis window; got {n}.",
                "Pass the whole area as window (every cell, zeros included).",
            )
        w = cached_kring_weights(np.ascontiguousarray(win).tobytes(), k)
        res = gistar_statistic(w, x)
        if np.ptp(x) == 0:
            warnings.warn(
                f"All {n} window cells have the same value ({x[0]:g}), so Gi* is undefined "
                "(the standard deviation is 0): every z and p is NaN and every cell is "
                "'Not significant'.",
                UserWarning,
                stacklevel=2,
            )
        z = res.z
        p = two_sided_p(z)
        p_fdr = p.copy() if fdr_alpha is None else benjamini_hochberg(p)

        self.cells_ = win
        self.values_ = x
        self.weights_ = w.copy()
        self.n_cells_ = n
        self.G_, self.EG_, self.VG_, self.z_ = res.G, res.EG, res.VG, z
        self.p_ = p
        self.p_fdr_ = p_fdr
        with np.errstate(invalid="ignore"):
            self.significant_ = p_fdr <= (FDR_ALPHA if fdr_alpha is None else fdr_alpha)
        self.class_ = classify_z(z, p_fdr, levels)
        names = [level_label(c) for c in sorted(levels, reverse=True)]
        self.classes_ = (
            tuple(f"Hot spot {s}" for s in names)
            + (NOT_SIGNIFICANT,)
            + tuple(f"Cold spot {s}" for s in reversed(names))
        )
        if permutations > 0:
            self.p_sim_ = _conditional_permutation_p(w, x, permutations, rng)
        elif hasattr(self, "p_sim_"):
            del self.p_sim_
        return self

    def to_frame(self) -> pd.DataFrame:
        """One row per window cell: ``cell, value, z, p, p_fdr, class``.

        ``p_sim`` is added when permutations ran. ``cell`` holds H3 strings.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        SettingError
            If the estimator has not been fitted.
        """
        if not hasattr(self, "z_"):
            raise SettingError(
                "This GetisOrdGiStar is not fitted yet.",
                "Call fit(cells, values, window=...) before to_frame().",
            )
        frame = pd.DataFrame(
            {
                "cell": uint64_to_strings(self.cells_),
                "value": self.values_,
                "z": self.z_,
                "p": self.p_,
                "p_fdr": self.p_fdr_,
                "class": self.class_,
            }
        )
        if hasattr(self, "p_sim_"):
            frame["p_sim"] = self.p_sim_
        return frame

    def __repr__(self) -> str:
        defaults = {
            "k": GISTAR_K,
            "permutations": 0,
            "seed": None,
            "fdr_alpha": FDR_ALPHA,
            "confidence": GISTAR_CONFIDENCE,
        }
        changed = [
            f"{name}={getattr(self, name)!r}"
            for name, default in defaults.items()
            if getattr(self, name) is not default and getattr(self, name) != default
        ]
        return f"GetisOrdGiStar({', '.join(changed)})"
