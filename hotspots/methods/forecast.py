"""Next month's hotspots: the forecast we recommend for patrol planning, and its input.

Two things live here.

:class:`CellMonths` (built by :func:`cell_months`) is the input of every method the
accuracy evaluation compares: for each cell of the study area and each calendar
month, the incidents, their harm and their kernel density at a few bandwidths. A
method forecasting month ``T`` is handed ``data.before(T)``, a copy holding only the
months before ``T``, so it cannot read the month it is judged on.

:class:`RecencyBlendForecast` is our forecast. For the month after its history it
scores each cell ``c`` by

    score_c = sum_m lambda^(T-1-m) * ( y_cm + a * (d600_cm + d1000_cm) / 2 * area_c )

over every month ``m`` of the history (not only the naive window), where ``y_cm`` is
the cell's count in month ``m``, ``d600`` and ``d1000`` the quartic kernel densities
of that month's incidents at 600 m and 1000 m (per km², times the cell's area: the
expected count of a cell smoothed at two scales), ``lambda = 2^(-1/h)`` a recency
weight with half-life ``h`` months and ``a`` the strength of the smoothed prior.

Why this form. It is the posterior mean of an empirical-Bayes Poisson-gamma model:
with the cell's rate given a gamma prior whose mean is the smoothed neighbourhood
rate ``mu_c`` and whose strength (pseudo-months) is ``a``, the posterior mean is
``(y_c + a mu_c) / (t + a)``; the denominator is the same for every cell, so the
ranking is that of ``y_c + a mu_c`` (Clayton & Kaldor 1987). A sparse cell is pulled
towards its neighbourhood, a busy one keeps its own record. Hotspots are stable from
month to month (Weisburd 2015), so a long window helps, while the recency weights let
a new problem place rise quickly.

The two parameters ``h`` and ``a`` are fitted by rolling-origin validation on the
history alone: every month ``v`` of the history with at least ``train_months``
months before it is forecast from the months before ``v`` with each candidate of the
grid ``HALF_LIVES_MONTHS x PRIOR_STRENGTHS``, scored by the mean hit rate at
``TUNE_SHARES_PCT`` of the area, and the candidate with the best mean over those
origins wins (the first in grid order on a tie). With no such month, the
``DEFAULT_HALF_LIFE_MONTHS`` and ``DEFAULT_PRIOR_STRENGTH`` are used. The grid and the
two bandwidths were chosen by looking only at test months 2021-04 to 2021-07 of the
Hertfordshire police.uk data; ``bench/accuracy.md`` judges the method on the six
months after that.

Timestamps: police.uk gives months only, so no self-exciting (ETAS) model is fitted;
with dated force records one could add one (Mohler et al. 2011).

References
----------
Clayton, D. & Kaldor, J. (1987). Empirical Bayes estimates of age-standardized
relative risks for use in disease mapping. Biometrics 43(3), 671-681.
Weisburd, D. (2015). The law of crime concentration and the criminology of place.
Criminology 53(2), 133-157.
Mohler, G. O. et al. (2011). Self-exciting point process modeling of crime. JASA
106(493), 100-108.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd

from geo.errors import SettingError
from geo.grid import (cell_parent, cell_to_int, cell_to_parent, cells_area_km2, cells_resolution, cells_to_bng,  # noqa: F401 - the doctests use them
                      latlng_to_cell, str_to_cells)
from geo.months import check_cell_months, check_month, shift_month
from hotspots.methods.harm import harm_of
from hotspots.methods.density import QuarticKDE
from hotspots.methods.metrics import capture_at_shares, rank_cells
from hotspots.methods.base import Estimator

__all__ = [
    "CellMonths",
    "DEFAULT_HALF_LIFE_MONTHS",
    "DEFAULT_PRIOR_STRENGTH",
    "FORECAST_BANDWIDTHS_M",
    "HALF_LIVES_MONTHS",
    "PRIOR_STRENGTHS",
    "RecencyBlendForecast",
    "TUNE_SHARES_PCT",
    "cell_months",
]

#: The two density scales of the prior (m): about two and three res-9 cells across.
#: Chosen on test months 2021-04..07 (Hertfordshire): 600 m + 1000 m did as well as
#: the best single bandwidth for every group, and better than 150, 300 or 300 + 1000 m
#: for the sparse ones (burglary, robbery).
FORECAST_BANDWIDTHS_M = (600.0, 1000.0)
#: Candidate half-lives of the recency weights, in months (inf: every month counts
#: the same, the long-window count).
HALF_LIVES_MONTHS = (1.0, 2.0, 4.0, 8.0, math.inf)
#: Candidate strengths of the smoothed prior (pseudo-months of the neighbourhood rate).
#: 0 is the recency-weighted count alone; on 2021-04..07 the best value went from
#: 0.25 (all crime) to 4 (robbery + weapons): sparse data needs more smoothing.
PRIOR_STRENGTHS = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
#: The area shares (%) the parameters are tuned for: patrol areas (1-2 %, DOMAIN.md
#: section 1) and the 5 % the issue judges.
TUNE_SHARES_PCT = (1, 2, 5)
#: Parameters used when the history has no month to validate on (the middle of the
#: range the tuner picked on 2021-04..07).
DEFAULT_HALF_LIFE_MONTHS = 4.0
DEFAULT_PRIOR_STRENGTH = 0.5

# ------------------------------------------------------------------ the input table


@dataclass(frozen=True, eq=False)
class CellMonths:
    """Incidents per cell and calendar month on one study area: what every method reads.

    Attributes
    ----------
    cells : numpy.ndarray of str
        The study area's H3 cells (one resolution), in ascending order (so a
        cell's position is its rank by cell id, the last tie-breaker).
    area_km2 : numpy.ndarray
        Each cell's area (``h3.cell_area``, km²): H3 cells of one resolution differ
        in area by a few per cent, so area shares are computed from these.
    x_m, y_m : numpy.ndarray
        Cell centres on British National Grid (m).
    months : tuple of str
        Consecutive calendar months ``YYYY-MM``.
    counts, harm : numpy.ndarray
        ``(n_cells, n_months)``: incidents and their harm (approximate CCHI days).
    density : dict
        Bandwidth (m) -> ``(n_cells, n_months)`` quartic kernel density of each
        month's incidents at the cell centres, per km².
    n_outside : int
        Incidents dropped because their cell is not in the study area.
    """
    cells: np.ndarray
    area_km2: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    months: tuple[str, ...]
    counts: np.ndarray
    harm: np.ndarray
    density: dict = field(default_factory=dict)
    n_outside: int = 0

    @property
    def n_cells(self) -> int:
        return int(self.cells.size)

    def index(self, month: str) -> int:
        """Position of a month in ``months`` (SettingError if absent)."""
        try:
            return self.months.index(month)
        except ValueError:
            span = f"{self.months[0]} to {self.months[-1]}" if self.months else "no months"
            raise SettingError(f"The month {month} is not in the data ({span}).",
                               "Choose months the store holds (python -m hotspots status).") from None

    def before(self, month: str) -> "CellMonths":
        """A copy holding only the months before ``month``: what a forecast of it may read."""
        check_month(month)
        j = sum(1 for m in self.months if m < month)
        return self.months_slice(0, j)

    def months_slice(self, start: int, stop: int) -> "CellMonths":
        """A copy holding months ``start:stop`` (positions)."""
        return CellMonths(self.cells, self.area_km2, self.x_m, self.y_m, self.months[start:stop],
                          self.counts[:, start:stop].copy(), self.harm[:, start:stop].copy(),
                          {bw: d[:, start:stop].copy() for bw, d in self.density.items()}, self.n_outside)

    def last(self, n: int, what: str = "counts") -> np.ndarray:
        """Sum over the last ``n`` months of ``counts``, ``harm`` or a bandwidth's density."""
        arr = getattr(self, what) if isinstance(what, str) else self.density[float(what)]
        return arr[:, max(arr.shape[1] - n, 0):].sum(axis=1)



def cell_months(incidents: pd.DataFrame, cells, months, bandwidths_m=(), weights: dict | None = None) -> CellMonths:
    """Count incidents (and harm, and density) per cell and month on a study area.

    Parameters
    ----------
    incidents : DataFrame
        With ``h3_11``, ``month`` (``YYYY-MM``), ``category``, and ``easting`` and
        ``northing`` when densities are asked for (the canonical incident table).
    cells : sequence of str
        The study area's H3 cells, one resolution (``hotspots.methods.cells.analysis_window``).
    months : sequence of str
        The months to tabulate (consecutive); incidents of other months are ignored.
    bandwidths_m : sequence of float
        Bandwidths of the monthly quartic kernel densities to compute.
    weights : dict, optional
        Harm weight per category (default: the approximate CCHI table).

    Returns
    -------
    CellMonths

    Examples
    --------
    >>> import h3
    >>> a = latlng_to_cell(51.656, -0.396, 11)
    >>> inc = pd.DataFrame({"h3_11": np.array([cell_to_int(a)] * 3, dtype=np.uint64),
    ...                     "month": ["2021-01", "2021-02", "2021-02"], "category": ["Burglary"] * 3})
    >>> cm = cell_months(inc, [cell_parent(a, 9)], ["2021-01", "2021-02"])
    >>> cm.counts.tolist(), cm.harm.tolist()
    ([[1.0, 2.0]], [[230.0, 460.0]])
    """
    cells_int = np.unique(str_to_cells(np.asarray(list(cells), dtype=object)))
    if cells_int.size == 0:
        raise SettingError("The study area has no cells.", "Check the area boundary and the resolution.")
    res_all = np.unique(np.asarray(cells_resolution(cells_int)))
    if res_all.size != 1:
        raise SettingError(f"The study area mixes H3 resolutions {res_all.tolist()}.", "Give cells of one resolution.")
    res = int(res_all[0])
    months = tuple(months)
    for m in months:
        check_month(m)
    text, x, y = cells_to_bng(cells_int)
    n, k = cells_int.size, len(months)
    check_cell_months(n, k, "The forecast")
    counts, harm = np.zeros((n, k)), np.zeros((n, k))
    density = {float(bw): np.zeros((n, k)) for bw in bandwidths_m}
    n_outside = 0
    if len(incidents):
        cell = cell_to_parent(incidents["h3_11"].to_numpy(dtype=np.uint64), res)
        mi = pd.Index(months).get_indexer(incidents["month"].astype(str).to_numpy())
        ci = np.searchsorted(cells_int, cell)
        ci[ci >= n] = 0
        inside = cells_int[ci] == cell
        keep_month = mi >= 0
        n_outside = int((keep_month & ~inside).sum())
        ok = keep_month & inside
        ci, mi = ci[ok], mi[ok]
        h = harm_of(incidents["category"].to_numpy()[ok], weights)
        np.add.at(counts, (ci, mi), 1.0)
        np.add.at(harm, (ci, mi), h)
        if density:
            ex = incidents["easting"].to_numpy(dtype=float)[ok]
            ny = incidents["northing"].to_numpy(dtype=float)[ok]
            for j in range(k):
                sel = mi == j
                if not sel.any():
                    continue
                for bw, arr in density.items():
                    arr[:, j] = QuarticKDE(bw).fit(ex[sel], ny[sel]).evaluate(x, y)
    return CellMonths(np.asarray(text, dtype=object), cells_area_km2(cells_int), x, y, months,
                      counts, harm, density, n_outside)


# ------------------------------------------------------------------------ forecast


def _check_grid(name: str, values, allow_inf: bool) -> tuple[float, ...]:
    try:
        vals = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        vals = ()
    ok = bool(vals) and all((v >= 0 if name == "prior_strengths" else v > 0) and (allow_inf or math.isfinite(v))
                            and not math.isnan(v) for v in vals)
    if not ok:
        what = "positive numbers of months (inf allowed)" if allow_inf else "non-negative numbers"
        raise SettingError(f"The '{name}' parameter of RecencyBlendForecast must be a non-empty sequence of "
                           f"{what}. Got {values!r} instead.",
                           f"Use e.g. {name}={HALF_LIVES_MONTHS if allow_inf else PRIOR_STRENGTHS}.")
    return vals


def recency_weights(n_months: int, half_life_months: float) -> np.ndarray:
    """Weight of each of ``n_months`` months, oldest first: ``2^(-age / h)``, 1 for the last.

    >>> recency_weights(3, 1.0).tolist(), recency_weights(2, float("inf")).tolist()
    ([0.25, 0.5, 1.0], [1.0, 1.0])
    """
    age = np.arange(n_months)[::-1].astype(float)
    if math.isinf(half_life_months):
        return np.ones(n_months)
    return np.power(0.5, age / half_life_months)


class RecencyBlendForecast(Estimator):
    """Recency-weighted counts shrunk towards a two-scale density (empirical Bayes).

    The score and the rolling-origin fit are described in the module docstring.

    Parameters
    ----------
    train_months : int, default 3
        Months before a validation month whose counts break ties (as in the
        evaluation) and the least history a validation month needs.
    half_lives_months : sequence of float, default HALF_LIVES_MONTHS
        Candidate half-lives ``h`` of the recency weights (inf allowed).
    prior_strengths : sequence of float, default PRIOR_STRENGTHS
        Candidate strengths ``a`` of the density prior.
    bandwidths_m : sequence of float, default FORECAST_BANDWIDTHS_M
        Bandwidths of the prior, averaged; the history must hold their densities.
    tune_shares_pct : sequence of float, default TUNE_SHARES_PCT
        Area shares (%) whose mean hit rate the fit maximises.

    Attributes
    ----------
    half_life_months_, prior_strength_ : float
        The fitted parameters.
    validation_ : pandas.DataFrame
        One row per candidate: ``half_life_months``, ``prior_strength``, ``score``
        (mean hit rate over the validation months and shares), ``n_origins``.
    validation_months_ : tuple of str
        The months forecast during the fit.
    forecast_month_ : str
        The month after the history: what :meth:`predict` forecasts.

    Examples
    --------
    A cell busy in both months beats one that was busier, but only last-but-one month
    (too little history to validate on: the default parameters are used):
    >>> cm = CellMonths(np.array(["a", "b", "c"], dtype=object), np.ones(3), np.zeros(3), np.zeros(3),
    ...                 ("2021-01", "2021-02"), np.array([[6.0, 0.0], [3.0, 3.0], [0.0, 0.0]]),
    ...                 np.zeros((3, 2)), {600.0: np.zeros((3, 2)), 1000.0: np.zeros((3, 2))})
    >>> f = RecencyBlendForecast().fit(cm)
    >>> f.forecast_month_, (f.half_life_months_, f.prior_strength_)
    ('2021-03', (4.0, 0.5))
    >>> np.argsort(-f.predict()).tolist()
    [1, 0, 2]
    """
    def __init__(self, train_months: int = 3, half_lives_months=HALF_LIVES_MONTHS,
                 prior_strengths=PRIOR_STRENGTHS, bandwidths_m=FORECAST_BANDWIDTHS_M,
                 tune_shares_pct=TUNE_SHARES_PCT):
        self.train_months = train_months
        self.half_lives_months = half_lives_months
        self.prior_strengths = prior_strengths
        self.bandwidths_m = bandwidths_m
        self.tune_shares_pct = tune_shares_pct

    def __repr__(self) -> str:
        return (f"RecencyBlendForecast(train_months={self.train_months!r}, "
                f"half_lives_months={self.half_lives_months!r}, prior_strengths={self.prior_strengths!r}, "
                f"bandwidths_m={self.bandwidths_m!r})")

    # -- parameters --------------------------------------------------------------

    def _checked(self):
        tm = self.train_months
        if not isinstance(tm, Integral) or isinstance(tm, bool) or tm < 1:
            raise SettingError(f"The 'train_months' parameter of RecencyBlendForecast must be an int of at "
                               f"least 1. Got {tm!r} instead.", "Use train_months=3.")
        hls = _check_grid("half_lives_months", self.half_lives_months, allow_inf=True)
        pss = _check_grid("prior_strengths", self.prior_strengths, allow_inf=False)
        bws = _check_grid("bandwidths_m", self.bandwidths_m, allow_inf=False)
        shares = tuple(float(s) for s in self.tune_shares_pct)
        if not shares or not all(isinstance(s, Real) and 0 < s <= 100 for s in shares):
            raise SettingError(f"The 'tune_shares_pct' parameter must hold area shares in (0, 100]. "
                               f"Got {self.tune_shares_pct!r} instead.", f"Use {TUNE_SHARES_PCT}.")
        return int(tm), hls, pss, bws, shares

    @staticmethod
    def _check_history(history: CellMonths, bws) -> None:
        if not isinstance(history, CellMonths):
            raise SettingError("RecencyBlendForecast.fit needs a CellMonths table (hotspots.methods.forecast.cell_months).",
                               "Build it with cell_months(incidents, cells, months, bandwidths_m=...).")
        missing = [bw for bw in bws if bw not in history.density]
        if missing:
            raise SettingError(f"The history has no density at {missing[0]:g} m, which the forecast needs.",
                               f"Build it with cell_months(..., bandwidths_m={tuple(bws)}).")
        if not history.months:
            raise SettingError("RecencyBlendForecast.fit needs at least one month of history; got none.",
                               "Forecast a month that has data before it.")

    # -- the score ---------------------------------------------------------------

    @staticmethod
    def _parts(history: CellMonths, bws, half_life: float, stop: int | None = None):
        """Recency-weighted counts and expected counts from the prior, months [0, stop)."""
        stop = len(history.months) if stop is None else stop
        w = recency_weights(stop, half_life)
        own = history.counts[:, :stop] @ w
        prior = sum(history.density[bw][:, :stop] @ w for bw in bws) / len(bws) * history.area_km2
        return own, prior

    def score_cells(self, history: CellMonths, half_life_months: float, prior_strength: float) -> np.ndarray:
        """The score of every cell for the month after ``history``, with given parameters."""
        _tm, _hls, _pss, bws, _ = self._checked()
        self._check_history(history, bws)
        own, prior = self._parts(history, bws, float(half_life_months))
        return own + float(prior_strength) * prior

    # -- fit / predict -----------------------------------------------------------

    def fit(self, history: CellMonths) -> "RecencyBlendForecast":
        """Choose the half-life and prior strength by rolling origin over ``history``.

        Parameters
        ----------
        history : CellMonths
            Only months before the month to forecast (``data.before(month)``), with
            densities at ``bandwidths_m``. Nothing else is read.

        Returns
        -------
        RecencyBlendForecast
            ``self``, fitted.
        """
        tm, hls, pss, bws, shares = self._checked()
        self._check_history(history, bws)
        n_m = len(history.months)
        origins = [v for v in range(tm, n_m) if history.counts[:, v].sum() > 0]
        cell_rank = np.arange(history.n_cells)
        top_share = max(shares)
        total = np.zeros((len(hls), len(pss)))
        for v in origins:
            test = history.counts[:, v]
            train = history.counts[:, v - tm:v].sum(axis=1)
            for i, hl in enumerate(hls):
                own, prior = self._parts(history, bws, hl, stop=v)
                for j, a in enumerate(pss):
                    order = rank_cells(own + a * prior, train, cell_rank, area_km2=history.area_km2,
                                       top_share_pct=top_share)
                    got = capture_at_shares(order, history.area_km2, test[None, :], shares)[0]
                    total[i, j] += got.mean() / test.sum()
        rows = [{"half_life_months": hl, "prior_strength": a,
                 "score": total[i, j] / len(origins) if origins else np.nan, "n_origins": len(origins)}
                for i, hl in enumerate(hls) for j, a in enumerate(pss)]
        self.validation_ = pd.DataFrame(rows)
        if origins:
            i, j = np.unravel_index(int(np.argmax(total)), total.shape)  # first maximum in grid order
            self.half_life_months_, self.prior_strength_ = float(hls[i]), float(pss[j])
        else:
            self.half_life_months_, self.prior_strength_ = DEFAULT_HALF_LIFE_MONTHS, DEFAULT_PRIOR_STRENGTH
        self.validation_months_ = tuple(history.months[v] for v in origins)
        self.forecast_month_ = shift_month(history.months[-1], 1)
        self._history = history
        return self

    def to_frame(self) -> pd.DataFrame:
        """The fitted history's cells with their forecast score for the month after it: ``cell, score``."""
        scores = self.predict()
        return pd.DataFrame({"cell": np.asarray(self._history.cells, dtype=object), "score": scores})

    def predict(self, history: CellMonths | None = None) -> np.ndarray:
        """Scores of the cells for the month after ``history`` (default: the fitted one)."""
        if not hasattr(self, "half_life_months_"):
            raise SettingError("This RecencyBlendForecast instance is not fitted yet; 'predict' needs the "
                               "parameters first.", "Call fit(history) before predict().")
        return self.score_cells(self._history if history is None else history,
                                self.half_life_months_, self.prior_strength_)
