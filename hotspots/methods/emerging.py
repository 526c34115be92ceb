"""Emerging hot spots: Gi* per time step plus a Mann-Kendall trend (Esri's method).

:class:`EmergingHotspots` follows Esri's Emerging Hot Spot Analysis: a Gi* hot/cold
status for every cell in every time step, a Mann-Kendall trend test on each cell's
series, and one of 17 patterns per cell (eight hot, eight cold, no pattern).
:func:`mann_kendall` and :func:`classify_series` are the two halves, public so that
they can be tested and re-used on their own.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from geo.errors import SettingError
from hotspots.methods.words import plural
from geo.months import check_cell_months
from geo.grid import (cells_to_uint64, grid_disk, latlng_to_cell, positions_in, single_resolution, uint64_to_strings,  # noqa: F401 - the doctests use them
                      unique_in_order)  # noqa: F401 - the doctests use them
from hotspots.defaults import FDR_ALPHA, GISTAR_K
from hotspots.methods.gistar import gistar_statistic
from hotspots.methods.lattice import benjamini_hochberg, cached_kring_weights, check_alpha, check_k, two_sided_p
from hotspots.methods.base import Estimator

__all__ = [
    "COLD_PATTERNS",
    "EmergingHotspots",
    "HOT_PATTERNS",
    "MannKendallResult",
    "NO_PATTERN",
    "PATTERNS",
    "classify_series",
    "mann_kendall",
]

#: Significance level of the Mann-Kendall trend (two-sided), Esri's default 0.05.
TREND_ALPHA = 0.05

_KINDS = ("New", "Consecutive", "Intensifying", "Persistent", "Diminishing",
          "Sporadic", "Oscillating", "Historical")
#: The eight hot patterns, in Esri's order.
HOT_PATTERNS: tuple[str, ...] = tuple(f"{kind} hot spot" for kind in _KINDS)
#: The eight cold patterns, mirrors of the hot ones.
COLD_PATTERNS: tuple[str, ...] = tuple(f"{kind} cold spot" for kind in _KINDS)
#: A cell that fits none of the 16 patterns.
NO_PATTERN = "No pattern detected"
#: All 17 patterns.
PATTERNS: tuple[str, ...] = HOT_PATTERNS + COLD_PATTERNS + (NO_PATTERN,)

_TREND_ON = ("z", "value")


# --------------------------------------------------------------------------- #
# Mann-Kendall                                                                #
# --------------------------------------------------------------------------- #
class MannKendallResult(NamedTuple):
    """Mann-Kendall trend test: S, its tie-corrected variance, z and two-sided p."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray


def _tie_term(x: np.ndarray) -> np.ndarray:
    """Sum over groups of tied values of t(t-1)(2t+5), per row of x."""
    m, t = x.shape
    srt = np.sort(x, axis=1)
    starts = np.ones((m, t), dtype=bool)
    starts[:, 1:] = srt[:, 1:] != srt[:, :-1]
    flat_starts = np.flatnonzero(starts.ravel())
    sizes = np.diff(np.append(flat_starts, m * t)).astype(float)
    rows = flat_starts // t
    return np.bincount(rows, weights=sizes * (sizes - 1) * (2 * sizes + 5), minlength=m)


def mann_kendall(series) -> MannKendallResult:
    """Mann-Kendall test for a monotonic trend, with the tie-corrected variance.

    For a series ``x_1 .. x_n`` (in time order)::

        S = sum over i < j of sign(x_j - x_i)
        Var(S) = [n(n-1)(2n+5) - sum over tie groups of t(t-1)(2t+5)] / 18
        z = (S - 1) / sqrt(Var(S)) if S > 0;  0 if S = 0;  (S + 1) / sqrt(Var(S)) if S < 0
        p = 2 * (1 - Phi(|z|))            (two-sided)

    where ``t`` is the size of each group of equal values. The +-1 is the
    continuity correction. A series of all-equal values has ``Var(S) = 0``; its
    z is 0 and p is 1. ``z > 0`` is an increasing trend.

    Parameters
    ----------
    series : array-like of shape (n,) or (m, n)
        One series, or one series per row. Values must be finite.

    Returns
    -------
    MannKendallResult
        ``s, var_s, z, p``: floats for one series, arrays of length ``m`` otherwise.

    Raises
    ------
    SettingError
        If a series has fewer than 2 values or holds NaN or infinite values.

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. Econometrica 13(3), 245-259.

    Kendall, M. G. (1975). Rank Correlation Methods, 4th ed. London: Griffin.

    Gilbert, R. O. (1987). Statistical Methods for Environmental Pollution
    Monitoring, section 16.4. New York: Van Nostrand Reinhold.

    Examples
    --------
    >>> res = mann_kendall([1, 2, 2, 3, 5])
    >>> int(res.s), round(float(res.var_s), 4), round(float(res.z), 4), round(float(res.p), 4)
    (9, 15.6667, 2.0212, 0.0433)
    """
    x = np.asarray(series, dtype=float)
    one = x.ndim == 1
    if one:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < 2:
        raise SettingError(
            f"mann_kendall needs series of at least 2 values; got shape {np.shape(series)}.",
            "Pass one series per row, in time order.",
        )
    if not np.isfinite(x).all():
        raise SettingError(
            "mann_kendall needs finite values; the series holds NaN or infinity.",
            "Fill the gaps (for counts, 0 where there were none) before testing the trend.",
        )
    n = x.shape[1]
    s = np.zeros(x.shape[0])
    for lag in range(1, n):
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - _tie_term(x)) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
    p = two_sided_p(z)
    if one:
        return MannKendallResult(float(s[0]), float(var_s[0]), float(z[0]), float(p[0]))
    return MannKendallResult(s, var_s, z, p)


# --------------------------------------------------------------------------- #
# The 17 patterns                                                             #
# --------------------------------------------------------------------------- #
def classify_series(hot, cold, trend_z, trend_p, trend_alpha: float = TREND_ALPHA) -> np.ndarray:
    """Esri's emerging hot spot pattern of each cell from its hot/cold history.

    ``hot[i, t]`` (``cold[i, t]``) says cell ``i`` was a significant hot (cold)
    spot in time step ``t``; the last column is the final step. With ``n`` steps,
    ``H`` hot steps, ``C`` cold steps, "at least 90 %" meaning ``H >= 0.9 n``
    (with fewer than 10 steps: every step), and the trend significant when
    ``trend_p <= trend_alpha``, the rules are applied in this order, first match
    wins (the final step decides the family first):

    Final step hot:

    1. **Intensifying hot spot**: ``H >= 90 %`` and a significant increasing trend.
    2. **Diminishing hot spot**: ``H >= 90 %`` and a significant decreasing trend.
    3. **Persistent hot spot**: ``H >= 90 %`` and no significant trend.
    4. **Oscillating hot spot**: ``H < 90 %`` and at least one earlier step was a
       significant cold spot.
    5. **New hot spot**: hot in the final step only, never before.
    6. **Consecutive hot spot**: one uninterrupted run of at least two hot steps
       ending with the final step, never hot before the run, ``H < 90 %``.
    7. **Sporadic hot spot**: otherwise (on-again, off-again hot, ``H < 90 %``,
       never a significant cold spot).

    Final step cold: the mirror images (**Intensifying cold spot** has a
    significant *decreasing* trend, **Diminishing cold spot** an increasing one;
    **Oscillating cold spot** has been a significant hot spot before).

    Final step neither hot nor cold:

    8. **Historical hot spot**: ``H >= 90 %``.
    9. **Historical cold spot**: ``C >= 90 %``.
    10. **No pattern detected**: everything else (including never significant,
        or hot or cold some time but not in the final step and < 90 %).

    These are Esri's definitions (How Emerging Hot Spot Analysis works). Where
    they overlap, this function decides as follows, and says so: a prior
    significant spot of the opposite kind makes a final-step hot (cold) spot
    *Oscillating* even if it would otherwise be New or Consecutive (as in sfdep's
    implementation); Persistent requires the final step hot (with the final step
    not hot it is Historical); a final-step cold spot with >= 90 % hot steps is
    Oscillating cold, not Historical hot.

    Parameters
    ----------
    hot, cold : array-like of bool, shape (m, n) or (n,)
        Significant hot / cold spot in each step (never both in one step).
    trend_z, trend_p : array-like of float, shape (m,) or scalar
        Mann-Kendall z and two-sided p of each cell's series.
    trend_alpha : float, default 0.05
        Significance level of the trend.

    Returns
    -------
    numpy.ndarray of str, shape (m,) (a 0-d array for one series)
        One of :data:`PATTERNS`.

    Raises
    ------
    SettingError
        If the shapes disagree, a step is both hot and cold, or ``trend_alpha`` is
        not between 0 and 1.

    References
    ----------
    Esri. How Emerging Hot Spot Analysis works. ArcGIS Pro tool reference,
    Space Time Pattern Mining toolbox.
    https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm

    Examples
    --------
    >>> hot = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ...        [0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
    ...        [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]]
    >>> cold = [[0] * 10] * 3
    >>> classify_series(hot, cold, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]).tolist()
    ['New hot spot', 'Consecutive hot spot', 'Historical hot spot']
    """
    trend_alpha = check_alpha(trend_alpha, "trend_alpha", allow_none=False, default=TREND_ALPHA)
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    one = hot.ndim == 1
    hot = np.atleast_2d(hot)
    cold = np.atleast_2d(cold)
    tz = np.atleast_1d(np.asarray(trend_z, dtype=float))
    tp = np.atleast_1d(np.asarray(trend_p, dtype=float))
    if hot.shape != cold.shape or tz.shape != (hot.shape[0],) or tp.shape != tz.shape:
        raise SettingError(
            "hot and cold must have the same shape (cells x steps), with one trend_z and "
            f"trend_p per cell; got hot {hot.shape}, cold {cold.shape}, trend_z {tz.shape}, "
            f"trend_p {tp.shape}.",
            "Pass one row per cell and one column per time step, final step last.",
        )
    if (hot & cold).any():
        raise SettingError(
            "a cell cannot be a hot and a cold spot in the same time step.",
            "Derive hot and cold from one z-score: hot = significant & (z > 0), "
            "cold = significant & (z < 0).",
        )
    n = hot.shape[1]
    n_hot = hot.sum(axis=1)
    n_cold = cold.sum(axis=1)
    mostly_hot = 10 * n_hot >= 9 * n
    mostly_cold = 10 * n_cold >= 9 * n
    with np.errstate(invalid="ignore"):
        up = (tp <= trend_alpha) & (tz > 0)
        down = (tp <= trend_alpha) & (tz < 0)
    final_hot = hot[:, -1]
    final_cold = cold[:, -1]
    run_hot = np.cumprod(hot[:, ::-1], axis=1).sum(axis=1)
    run_cold = np.cumprod(cold[:, ::-1], axis=1).sum(axis=1)
    neither = ~final_hot & ~final_cold
    rules = [
        (final_hot & mostly_hot & up, "Intensifying hot spot"),
        (final_hot & mostly_hot & down, "Diminishing hot spot"),
        (final_hot & mostly_hot, "Persistent hot spot"),
        (final_hot & (n_cold > 0), "Oscillating hot spot"),
        (final_hot & (n_hot == 1), "New hot spot"),
        (final_hot & (run_hot == n_hot), "Consecutive hot spot"),
        (final_hot, "Sporadic hot spot"),
        (final_cold & mostly_cold & down, "Intensifying cold spot"),
        (final_cold & mostly_cold & up, "Diminishing cold spot"),
        (final_cold & mostly_cold, "Persistent cold spot"),
        (final_cold & (n_hot > 0), "Oscillating cold spot"),
        (final_cold & (n_cold == 1), "New cold spot"),
        (final_cold & (run_cold == n_cold), "Consecutive cold spot"),
        (final_cold, "Sporadic cold spot"),
        (neither & mostly_hot, "Historical hot spot"),
        (neither & mostly_cold, "Historical cold spot"),
    ]
    out = np.select([c for c, _ in rules], [label for _, label in rules], default=NO_PATTERN)
    out = out.astype(object)
    return out[0] if one else out


# --------------------------------------------------------------------------- #
# Input                                                                       #
# --------------------------------------------------------------------------- #
def _finite_nonnegative(x: np.ndarray, what: str) -> None:
    if not np.isfinite(x).all():
        raise SettingError(
            f"{what} must be finite numbers; found NaN or infinity.",
            "Use 0 for a cell and period with no incidents.",
        )
    if (x < 0).any():
        raise SettingError(
            f"{what} must be counts or harm, which are never negative; found {x.min():g}.",
            "Pass counts or harm per cell and period (0 where there were none).",
        )


def _sorted_labels(labels) -> list:
    try:
        return list(pd.Index(labels).sort_values())
    except TypeError:
        raise SettingError(
            "the period labels cannot be put in order (they mix types).",
            "Use one type for periods, e.g. pandas Periods or 'YYYY-MM' strings, "
            "or pass periods=[...] in time order.",
        ) from None


def _from_frame(data: pd.DataFrame, periods):
    missing = [c for c in ("cell", "period", "value") if c not in data.columns]
    if missing:
        raise SettingError(
            f"data is missing column(s) {missing}; a DataFrame must have the columns "
            "'cell', 'period' and 'value' (one row per cell and period).",
            "Rename the columns, or pass a cells-by-periods array with cells=.",
        )
    if len(data) == 0:
        raise SettingError("data has no rows.", "Pass at least one cell-period value.")
    cells = cells_to_uint64(data["cell"].to_numpy(), name="the 'cell' column")
    try:
        values = data["value"].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise SettingError(
            "the 'value' column must be numeric (a count or harm per cell and period).",
            "Convert it with pandas.to_numeric.",
        ) from None
    _finite_nonnegative(values, "the 'value' column")
    period_col = data["period"]
    if period_col.isna().any():
        raise SettingError(
            "the 'period' column has missing values; every row needs its time step.",
            "Drop those rows or fill their period.",
        )
    if periods is None:
        labels = _sorted_labels(pd.unique(period_col))
    else:
        labels = list(periods)
        if len(set(labels)) != len(labels):
            raise SettingError(
                "periods repeats a label; each time step must appear once.",
                "Pass the distinct periods in time order.",
            )
    codes = pd.Index(labels).get_indexer(period_col)
    if (codes < 0).any():
        bad = period_col.to_numpy()[np.flatnonzero(codes < 0)[0]]
        raise SettingError(
            f"the 'period' column holds {bad!r}, which is not one of periods.",
            "Include every period of the data in periods=, or filter the data first.",
        )
    repeated = pd.DataFrame({"c": cells, "p": codes}).duplicated().to_numpy()
    if repeated.any():
        i = int(np.flatnonzero(repeated)[0])
        raise SettingError(
            "data has more than one row for the same cell and period (first: cell "
            f"'{uint64_to_strings(cells[i:i + 1])[0]}', period {labels[codes[i]]!r}).",
            "Add them up first: data.groupby(['cell', 'period'], as_index=False)['value'].sum().",
        )
    return cells, codes, values, labels


def _from_array(data, cells, periods):
    x = np.asarray(data, dtype=float)
    if x.ndim != 2:
        raise SettingError(
            f"an array data must be 2-D (cells x periods); got shape {x.shape}.",
            "Pass one row per cell and one column per period, or a DataFrame with "
            "columns cell, period, value.",
        )
    if cells is None:
        raise SettingError(
            "cells is required when data is an array: it names the H3 cell of each row.",
            "Pass cells=[...] with one H3 cell per row of data.",
        )
    u = cells_to_uint64(cells, name="cells")
    if u.size != x.shape[0]:
        raise SettingError(
            f"cells has {plural(u.size, 'cell')} but data has {plural(x.shape[0], 'row')}; they must match.",
            "Pass one H3 cell per row of data.",
        )
    _, repeated = unique_in_order(u)
    if repeated:
        raise SettingError(
            "cells repeats some H3 cells; each cell needs one row.",
            "Add up the rows of each cell first.",
        )
    _finite_nonnegative(x, "data")
    labels = list(range(x.shape[1])) if periods is None else list(periods)
    if len(labels) != x.shape[1] or len(set(labels)) != len(labels):
        raise SettingError(
            f"periods must hold {x.shape[1]} distinct labels, one per column of data; "
            f"got {len(labels)}.",
            "Pass the period of each column, in time order.",
        )
    rows = np.repeat(np.arange(u.size), x.shape[1])
    codes = np.tile(np.arange(x.shape[1]), u.size)
    return u[rows], codes, x.ravel(), labels


# --------------------------------------------------------------------------- #
# The estimator                                                               #
# --------------------------------------------------------------------------- #
class EmergingHotspots(Estimator):
    """Emerging hot and cold spots over time steps (Esri's Emerging Hot Spot Analysis).

    For every time step, Gi* is computed over the same analysis window (every
    cell of the area, zeros included) with the same binary k-ring weights (built
    once, see :func:`hotspots.methods.gistar.kring_weights`). A cell is a significant hot
    (cold) spot in a step when its Benjamini-Hochberg adjusted Gi* p-value is at
    most ``fdr_alpha`` and ``z > 0`` (``z < 0``); the correction is made within
    each step, as :class:`hotspots.methods.gistar.GetisOrdGiStar` would make it for that
    step's map. A Mann-Kendall test (tie-corrected variance, two-sided p, see
    :func:`mann_kendall`) gives each cell's trend, and :func:`classify_series`
    turns the hot/cold history and the trend into one of 17 patterns; its
    docstring has the exact rules.

    **Which series the trend is tested on.** By default (``trend_on="z"``) the
    Mann-Kendall test runs on each cell's series of Gi* z-scores, as Esri's
    Emerging Hot Spot Analysis does: its Intensifying and Diminishing patterns are
    defined by "the intensity of clustering" in each time step increasing or
    decreasing, which is the Gi* z-score, and its output trend fields are the
    Mann-Kendall z and p of the hot spot z-scores. (Esri's Create Space Time Cube
    tool separately tests the trend of the raw counts in each bin; that is
    ``trend_on="value"`` here, which asks "is crime in this cell rising?" rather
    than "is this cell becoming more of a hot spot?".) A step where Gi* is
    undefined (all cells equal) enters the z series as 0, "no clustering".

    Parameters
    ----------
    k : int, default GISTAR_K (1)
        k-ring radius of the Gi* neighbourhood, in cells.
    fdr_alpha : float, default FDR_ALPHA (0.05)
        False discovery rate for a significant hot or cold spot in one step.
    trend_alpha : float, default 0.05
        Significance level of the Mann-Kendall trend (two-sided).
    trend_on : {"z", "value"}, default "z"
        Series the trend is tested on: the Gi* z-scores (Esri) or the values.

    Attributes
    ----------
    cells_ : numpy.ndarray of uint64
        The window cells, each once.
    periods_ : list
        The time steps, in time order (the last is the final step).
    values_ : numpy.ndarray of shape (n_cells, n_periods)
        Values on the window (0 where none was given).
    z_, p_fdr_ : numpy.ndarray of shape (n_cells, n_periods)
        Gi* z-scores and BH-adjusted p-values per step (NaN where undefined).
    hot_, cold_ : numpy.ndarray of bool, shape (n_cells, n_periods)
        Significant hot / cold spot per step.
    trend_s_, trend_z_, trend_p_ : numpy.ndarray
        Mann-Kendall S, z and two-sided p of each cell's series.
    n_hot_, n_cold_ : numpy.ndarray of int
        Number of steps the cell was a significant hot / cold spot.
    final_z_ : numpy.ndarray
        Gi* z-score in the final step.
    class_ : numpy.ndarray of str
        The pattern of each cell, one of :data:`PATTERNS`.
    constant_periods_ : list
        Periods in which every cell had the same value (Gi* undefined).

    Raises
    ------
    SettingError
        From :meth:`fit`, for parameters outside what is allowed or unusable input.

    Notes
    -----
    Differences from Esri's tool: Esri's space-time Gi* also counts neighbours in
    earlier time steps ("Neighborhood Time Step"); here each step's Gi* is purely
    spatial, and the FDR correction is made per step. With fewer than 10 periods
    "90 % of the steps" means every step, and the Mann-Kendall test has little
    power; use 10 or more periods where possible.

    References
    ----------
    Esri. How Emerging Hot Spot Analysis works. ArcGIS Pro tool reference.
    https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm

    Getis, A. & Ord, J. K. (1992). Geographical Analysis 24(3), 189-206.

    Mann, H. B. (1945). Econometrica 13(3), 245-259; Kendall, M. G. (1975).
    Rank Correlation Methods.

    Examples
    --------
    A 61-cell window in Watford over 10 months: background incidents everywhere,
    and a cluster around one cell in the last month only.

    >>> import h3, numpy as np, pandas as pd
    >>> centre = latlng_to_cell(51.656, -0.397, 9)
    >>> window = grid_disk(centre, 4)
    >>> rng = np.random.default_rng(7)
    >>> rows = [(c, m, rng.poisson(1.0)) for m in range(10) for c in window]
    >>> rows += [(c, 9, 12) for c in grid_disk(centre, 1)]
    >>> df = pd.DataFrame(rows, columns=["cell", "period", "value"])
    >>> df = df.groupby(["cell", "period"], as_index=False)["value"].sum()
    >>> ehs = EmergingHotspots().fit(df, window=window)
    >>> frame = ehs.to_frame()
    >>> list(frame.columns)
    ['cell', 'class', 'trend_z', 'trend_p', 'n_hot', 'n_cold', 'final_z']
    >>> frame.set_index("cell").loc[centre, "class"]
    'New hot spot'
    """

    def __init__(self, k=GISTAR_K, fdr_alpha=FDR_ALPHA, trend_alpha=TREND_ALPHA, trend_on="z"):
        self.k = k
        self.fdr_alpha = fdr_alpha
        self.trend_alpha = trend_alpha
        self.trend_on = trend_on

    def fit(self, data, cells=None, window=None, periods=None):
        """Classify every window cell by its hot/cold history and trend.

        Parameters
        ----------
        data : pandas.DataFrame or array-like of shape (n_cells, n_periods)
            Either a DataFrame with columns ``cell`` (H3 string or integer),
            ``period`` (any orderable label: pandas Period, 'YYYY-MM', int) and
            ``value`` (count or harm), one row per cell and period (missing rows
            count as 0); or a 2-D array, one row per cell of ``cells`` and one
            column per period in time order.
        cells : array-like of str or int, optional
            The cell of each row of an array ``data`` (required then; ignored for a
            DataFrame).
        window : array-like of str or int, optional
            Every cell of the analysis area; cells absent from ``data`` count as 0
            in every period. If None, the window is exactly the cells in ``data``.
        periods : sequence, optional
            All time steps, in time order. Needed when a period has no rows at
            all (e.g. a month without incidents), otherwise it would be missing.
            If None: the sorted distinct periods of a DataFrame, or 0..n-1.

        Returns
        -------
        self : EmergingHotspots

        Raises
        ------
        SettingError
            If a parameter is outside what is allowed, the data lack a column, hold
            invalid cells, negative or missing values, repeated cell-periods, fewer
            than 2 periods, or cells outside ``window``.
        """
        k = check_k(self.k)
        fdr_alpha = check_alpha(self.fdr_alpha, "fdr_alpha", allow_none=False)
        trend_alpha = check_alpha(
            self.trend_alpha, "trend_alpha", allow_none=False, default=TREND_ALPHA
        )
        if self.trend_on not in _TREND_ON:
            raise SettingError(
                f"trend_on must be one of {list(_TREND_ON)}; got {self.trend_on!r}.",
                "Use trend_on='z' (Esri: trend of the Gi* z-scores) or 'value' "
                "(trend of the counts).",
            )
        if isinstance(data, pd.DataFrame):
            row_cells, codes, values, labels = _from_frame(data, periods)
        else:
            row_cells, codes, values, labels = _from_array(data, cells, periods)
        n_periods = len(labels)
        if n_periods < 2:
            raise SettingError(
                f"emerging hot spots compare time steps, but there is {n_periods} period.",
                "Pass at least 2 periods (10 or more for a meaningful trend).",
            )
        if window is None:
            win, _ = unique_in_order(row_cells)
            single_resolution(win, name="cells")
        else:
            win, _ = unique_in_order(cells_to_uint64(window, name="window"))
            single_resolution(win, name="window")
        pos = positions_in(win, row_cells)
        if (pos < 0).any():
            outside = np.unique(row_cells[pos < 0])
            raise SettingError(
                f"{outside.size} cell(s) with values lie outside the analysis window "
                f"(first: '{uint64_to_strings(outside[:1])[0]}').",
                "Pass the whole area as window (every cell, zeros included), or drop "
                "the incidents located outside it.",
            )
        n = win.size
        if n < 2:
            raise SettingError(
                f"Gi* needs at least 2 cells in the analysis window; got {n}.",
                "Pass the whole area as window (every cell, zeros included).",
            )
        check_cell_months(n, n_periods, "The emerging hot spot analysis")
        x = np.zeros((n, n_periods))
        x[pos, codes] = values

        w = cached_kring_weights(np.ascontiguousarray(win).tobytes(), k)
        z = gistar_statistic(w, x).z
        constant = np.ptp(x, axis=0) == 0
        constant_periods = [labels[i] for i in np.flatnonzero(constant)]
        if constant_periods:
            warnings.warn(
                f"In {len(constant_periods)} period(s) every cell has the same value "
                f"(first: {constant_periods[0]!r}), so Gi* is undefined there: no cell is "
                "hot or cold in those periods, and their z-scores enter the trend as 0.",
                UserWarning,
                stacklevel=2,
            )
        p = two_sided_p(z)
        p_fdr = np.column_stack([benjamini_hochberg(p[:, t]) for t in range(n_periods)])
        with np.errstate(invalid="ignore"):
            significant = p_fdr <= fdr_alpha
            hot = significant & (z > 0)
            cold = significant & (z < 0)
        series = np.nan_to_num(z, nan=0.0) if self.trend_on == "z" else x
        trend = mann_kendall(series)

        self.cells_ = win
        self.periods_ = labels
        self.values_ = x
        self.weights_ = w.copy()
        self.z_ = z
        self.p_fdr_ = p_fdr
        self.hot_ = hot
        self.cold_ = cold
        self.trend_s_ = trend.s
        self.trend_z_ = trend.z
        self.trend_p_ = trend.p
        self.n_hot_ = hot.sum(axis=1)
        self.n_cold_ = cold.sum(axis=1)
        self.final_z_ = z[:, -1]
        self.constant_periods_ = constant_periods
        self.class_ = classify_series(hot, cold, trend.z, trend.p, trend_alpha)
        return self

    def to_frame(self) -> pd.DataFrame:
        """One row per window cell: ``cell, class, trend_z, trend_p, n_hot, n_cold, final_z``.

        Returns
        -------
        pandas.DataFrame
            ``cell`` holds H3 strings.

        Raises
        ------
        SettingError
            If the estimator has not been fitted.
        """
        if not hasattr(self, "class_"):
            raise SettingError(
                "This EmergingHotspots is not fitted yet.",
                "Call fit(data, window=...) before to_frame().",
            )
        return pd.DataFrame(
            {
                "cell": uint64_to_strings(self.cells_),
                "class": self.class_,
                "trend_z": self.trend_z_,
                "trend_p": self.trend_p_,
                "n_hot": self.n_hot_,
                "n_cold": self.n_cold_,
                "final_z": self.final_z_,
            }
        )

    def __repr__(self) -> str:
        defaults = {"k": GISTAR_K, "fdr_alpha": FDR_ALPHA, "trend_alpha": TREND_ALPHA,
                    "trend_on": "z"}
        changed = [f"{k}={getattr(self, k)!r}" for k, d in defaults.items()
                   if getattr(self, k) != d]
        return f"EmergingHotspots({', '.join(changed)})"
