"""Does the map predict? Hit rate, PAI and RRI of hotspot maps on months they did not see.

A hotspot map is a forecast: it says "next month, crime will be here". This module
judges maps the way ../shared/DOMAIN.md section 3 asks, always on months not used to
build them, and compares methods on the same split.

The split (rolling origin)
    For each test month ``T`` (``--test 2021-08..2022-01`` gives six), a method is
    handed the months before ``T`` only (``CellMonths.before(T)``): the *training
    months* are the ``train_months`` months just before ``T`` (the naive window); the
    *history* is every month the store holds before ``T``. Methods named ``-all``
    and the forecast use the whole history; every other method uses the training
    months. The same history is available to every method; which one each uses is
    stated in ``METHOD_MEANING``. Results are the mean and the standard deviation
    (spread) over the test months.

The study area
    With an area boundary, the H3 cells whose centres lie inside it (plus the cells of
    incidents inside it: ``hotspots.tasks.query.analysis_window``). Without one, the
    *footprint of the data*: every cell under the res ``res - 2`` parents of the cells
    holding any incident (all crime types, every month up to the last test month), so
    the empty streets between busy ones count as the zeros they are. The study area
    does not depend on the crime types evaluated: every group shares one area, one
    area budget, and one meaning of "1 % of the area".

Area budget and ties
    Cells are ranked by the method's score (highest first; NaN counts as lowest),
    ties broken by the training-month count (highest first), then by cell id
    (ascending): deterministic, and the same rule for every method. A share ``s`` of
    the area is the cells taken in that order until their area (``h3.cell_area``,
    km²: res-9 cells differ by a few per cent) reaches ``s`` of the study area's; the
    cell that crosses the budget is counted *pro rata*, by the fraction of its area
    that fits (as if incidents were spread evenly over it). So every method flags
    exactly the same area, the hit rate rises continuously with the share, and no map
    is helped or hurt by where the last whole cell happens to fall. A patrol map shows
    the whole cells; the difference is at most one cell's incidents.

The measures at each share ``s`` (a fraction; keys ``hit@1`` ... for 1 %)
    hit rate ``= n / N``: the test month's incidents in the flagged cells over all of
    them (Chainey, Tompson & Uhlig 2008).
    PAI ``= hit rate / s`` (Chainey et al. 2008): 1 is what flagging at random gives.
    RRI ``= (n / n_train) / (N / N_train)``, the recapture rate index (Levine 2008),
    with ``n_train`` and ``N_train`` the incidents of the training months in the
    flagged cells and in the area: how much of the flagged cells' share survives into
    the test month, allowing for the overall change between the periods (1: the
    flagged cells kept their share; below 1: they held less of the crime than
    before). It uses the split's training months for every method, so it compares
    methods on the same footing. It is undefined (NaN, left out of the mean) where
    the flagged cells had no training incidents, which happens for methods that
    flag cells by smoothing or for sparse crime types; read it with the hit rate,
    never alone (a map of quiet cells that stay quiet can have a high RRI).
    Harm-weighted hit rate ``harm@s``: the same with each incident weighted by its
    harm (approximate CCHI days, ``hotspots.methods.harm``).

References
----------
Chainey, S., Tompson, L. & Uhlig, S. (2008). The utility of hotspot mapping for
predicting spatial patterns of crime. Security Journal 21(1-2), 4-28.
Levine, N. (2008). The "hottest" part of a hotspot: comments on "The utility of
hotspot mapping for predicting spatial patterns of crime". Security Journal 21(4),
295-302.
Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and
review. International Journal of Forecasting 16(4), 437-450 (rolling origin).
"""

from __future__ import annotations

import difflib
import json
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.constants import H3_DEFAULT_RES, SOURCE_POLICE
from geo.errors import SettingError
from hotspots.defaults import AREA_SHARES_PCT, GISTAR_K
from hotspots.methods.forecast import (
    FORECAST_BANDWIDTHS_M,
    CellMonths,
    RecencyBlendForecast,
    cell_months,
    month_range,
    shift_month,
)
from geo.grid import cell_resolution

__all__ = [
    "CURVE_SHARES_PCT",
    "DEFAULT_GROUPS",
    "DEFAULT_METHODS",
    "DEFAULT_TRAIN_MONTHS",
    "Evaluation",
    "METHOD_MEANING",
    "RECOMMENDED_METHOD",
    "accuracy_at_shares",
    "accuracy_report",
    "add_evaluate_parser",
    "capture_at_shares",
    "evaluate",
    "evaluate_cell_months",
    "evaluate_cli",
    "evaluate_groups",
    "hit_rate_curve",
    "parse_test_months",
    "rank_cells",
]

#: Months a naive map counts (the issue's split: train on three months, test on the next).
DEFAULT_TRAIN_MONTHS = 3
#: The methods compared by default, all on the same split.
DEFAULT_METHODS = ("naive", "naive-all", "kde-150", "kde-300", "kde-600", "gistar", "harm", "forecast")
#: The method we recommend for patrol planning (hotspots.methods.forecast).
RECOMMENDED_METHOD = "forecast"
#: What each method scores a cell by; "training months" are the split's last N months
#: before the test month, "history" every month before it.
METHOD_MEANING = {
    "naive": "incidents in the cell over the training months",
    "naive-all": "incidents in the cell over the whole history (the forecast's window, no weighting)",
    "kde": "quartic kernel density of the training months' incidents at the cell centre, bandwidth in the name (m)",
    "gistar": f"Getis-Ord Gi* z of the training months' counts (k={GISTAR_K} ring, the whole study area as window)",
    "harm": "harm of the training months' incidents in the cell (approximate CCHI days)",
    "forecast": "recency-weighted counts over the whole history, shrunk towards a 600 m + 1000 m density "
                "(empirical Bayes), parameters tuned by rolling origin on earlier months (hotspots.methods.forecast)",
    "oracle": "the test month's own incidents per km2: NOT a forecast, the most any map can catch within the "
              "area budget (greedy by density is optimal when the crossing cell counts pro rata)",
}
#: The default groups of crime types (the CLI prints one table each without --types).
DEFAULT_GROUPS: dict[str, tuple[str, ...]] = {
    "All crime": (),
    "Violence and sexual offences": ("Violence and sexual offences",),
    "Anti-social behaviour": ("Anti-social behaviour",),
    "Burglary": ("Burglary",),
    "Robbery and possession of weapons": ("Robbery", "Possession of weapons"),
}
#: Area shares (%) at which the hit-rate-vs-area curves are given (the app's chart).
CURVE_SHARES_PCT = tuple(np.round(np.r_[np.arange(0.0, 20.0, 0.25), np.arange(20.0, 100.1, 2.5)], 2).tolist())

_KDE = re.compile(r"^kde-(\d+(?:\.\d+)?)$")
_TEST = re.compile(r"^\s*(\d{4}-\d{2})\s*(?:\.\.\s*(\d{4}-\d{2})\s*)?$")


def _key(metric: str, share) -> str:
    return f"{metric}@{float(share):g}"


# --------------------------------------------------------------------------- ranking


def rank_cells(score, train_counts, cell_rank, *, area_km2=None, top_share_pct=None) -> np.ndarray:
    """The order in which a map flags cells: the deterministic ranking every method gets.

    Highest ``score`` first (NaN as lowest), ties broken by ``train_counts`` (highest
    first), then by ``cell_rank`` (lowest first: the position of the cell id in
    ascending order).

    Parameters
    ----------
    score, train_counts : array_like
        One value per cell.
    cell_rank : array_like
        Any values whose ascending order is the cell-id order (H3 strings of one
        resolution, their integers, or positions in a sorted array).
    area_km2 : array_like, optional
        With ``top_share_pct``: cell areas, to return only the start of the order.
    top_share_pct : float, optional
        Return only as many leading cells as a budget of this share of the area can
        need (every cell tied with the last of them included); the leading cells are
        exactly those of the full order. Saves time when ranking many candidates.

    Returns
    -------
    numpy.ndarray of int
        Cell positions, first flagged first.

    Examples
    --------
    >>> rank_cells([3, 5, 5, 0], [1, 0, 2, 9], ["a", "b", "c", "d"]).tolist()
    [2, 1, 0, 3]
    >>> rank_cells([1, 1, 1], [0, 0, 0], ["c", "a", "b"]).tolist()
    [1, 2, 0]
    """
    s = np.asarray(score, dtype=float)
    t = np.asarray(train_counts, dtype=float)
    s = np.where(np.isnan(s), -np.inf, s)
    ids = np.asarray(cell_rank)
    codes = ids if ids.dtype.kind in "iu" else np.unique(ids, return_inverse=True)[1].ravel()
    if s.shape != t.shape or s.shape != codes.shape:
        raise SettingError(f"score, train_counts and cell ids must have one value per cell; got {s.size}, "
                           f"{t.size} and {codes.size}.", "Pass arrays aligned on the study area's cells.")
    if top_share_pct is not None and area_km2 is not None and s.size > 64:
        a = np.asarray(area_km2, dtype=float)
        k = min(s.size, int(math.ceil(float(top_share_pct) / 100.0 * a.sum() / a.min())) + 2)
        if k < s.size:
            kth = np.partition(s, s.size - k)[s.size - k]
            cand = np.flatnonzero(s >= kth)
            return cand[np.lexsort((codes[cand], -t[cand], -s[cand]))]
    return np.lexsort((codes, -t, -s))


def capture_at_shares(order, area_km2, values, shares_pct) -> np.ndarray:
    """What the flagged cells hold at each area share, the crossing cell pro rata.

    Parameters
    ----------
    order : array_like of int
        Cell positions in flagging order (:func:`rank_cells`); may be only the
        leading part, as long as it reaches the largest share.
    area_km2 : array_like
        Area of every cell of the study area (the total is the study area).
    values : array_like
        ``(k, n_cells)``: the quantities to add up (test counts, training counts, harm).
    shares_pct : sequence of float
        Area shares in per cent.

    Returns
    -------
    numpy.ndarray
        ``(k, len(shares_pct))``: the sum of each quantity over the flagged area.

    Examples
    --------
    Four cells of 1 km², flagged in order 2, 0, 1, 3; 30 % of the area is the first
    cell and a fifth of the second:

    >>> capture_at_shares([2, 0, 1, 3], [1, 1, 1, 1], [[4, 0, 10, 6]], [25, 30, 50]).tolist()
    [[10.0, 10.8, 14.0]]
    """
    order = np.asarray(order, dtype=np.intp)
    area = np.asarray(area_km2, dtype=float)
    vals = np.atleast_2d(np.asarray(values, dtype=float))
    a = area[order]
    ca = np.cumsum(a)
    budget = np.asarray(shares_pct, dtype=float) / 100.0 * area.sum()
    if order.size == 0:
        return np.zeros((vals.shape[0], budget.size))
    if budget.max() > ca[-1] * (1 + 1e-9) and order.size < area.size:
        raise SettingError("The ranking given does not reach the largest area share asked for.",
                           "Pass the full order (rank_cells without top_share_pct).")
    k = np.searchsorted(ca, budget, side="right")              # whole cells inside the budget
    last = np.minimum(k, order.size - 1)
    prev = np.where(k > 0, ca[np.maximum(k - 1, 0)], 0.0)
    frac = np.where(k < order.size, np.clip((budget - prev) / a[last], 0.0, 1.0), 0.0)
    cv = np.cumsum(vals[:, order], axis=1)
    whole = np.where(k > 0, cv[:, np.maximum(k - 1, 0)], 0.0)
    return whole + frac * vals[:, order[last]]


def _measures(order, area, test, train, test_harm, shares) -> dict:
    cap = capture_at_shares(order, area, np.vstack([test, train, test_harm]), shares)
    n_test, n_train, h_test = float(test.sum()), float(train.sum()), float(test_harm.sum())
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, s in enumerate(shares):
            hit = cap[0, i] / n_test if n_test > 0 else np.nan
            out[_key("hit", s)] = float(hit)
            out[_key("pai", s)] = float(hit / (s / 100.0))
            ok = cap[1, i] > 1e-12 and n_train > 0 and n_test > 0
            out[_key("rri", s)] = float((cap[0, i] / cap[1, i]) / (n_test / n_train)) if ok else np.nan
            out[_key("harm", s)] = float(cap[2, i] / h_test) if h_test > 0 else np.nan
    return out


def accuracy_at_shares(cells, score, test_counts, *, train_counts=None, test_harm=None, cell_area_km2=None,
                       shares_pct=AREA_SHARES_PCT) -> dict:
    """Hit rate, PAI, RRI and harm-weighted hit rate of one map on one test period.

    Parameters
    ----------
    cells : sequence
        The study area's cells (H3 strings or ids; their ascending order breaks the
        last ties).
    score : array_like
        The map: one score per cell, higher flagged first.
    test_counts : array_like
        Incidents per cell in the test period.
    train_counts : array_like, optional
        Incidents per cell in the training period (ties; RRI). Default zeros (RRI NaN).
    test_harm : array_like, optional
        Harm per cell in the test period. Default: the counts (harm@ = hit@).
    cell_area_km2 : array_like, optional
        Cell areas; default ``h3.cell_area`` of each cell (H3 cells only).
    shares_pct : sequence of float
        Area shares in per cent (default 1, 2, 5, 10).

    Returns
    -------
    dict
        ``hit@s``, ``pai@s``, ``rri@s``, ``harm@s`` for each share ``s``.

    Examples
    --------
    Ten cells of equal area; the map flags cell 0 first (10 % of the area). RRI:
    the flagged cell held 6 of 8 training incidents and 3 of 5 test ones, (3/6) / (5/8):

    >>> acc = accuracy_at_shares(list("abcdefghij"), [9, 8, 0, 0, 0, 0, 0, 0, 0, 0],
    ...                          [3, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    ...                          train_counts=[6, 2, 0, 0, 0, 0, 0, 0, 0, 0], cell_area_km2=[1] * 10,
    ...                          shares_pct=[10, 20])
    >>> acc["hit@10"], acc["pai@10"], acc["rri@10"], acc["hit@20"]
    (0.6, 6.0, 0.8, 0.8)
    """
    score = np.asarray(score, dtype=float)
    n = score.size
    test = np.asarray(test_counts, dtype=float)
    train = np.zeros(n) if train_counts is None else np.asarray(train_counts, dtype=float)
    harm = test if test_harm is None else np.asarray(test_harm, dtype=float)
    if cell_area_km2 is None:
        from hotspots.methods.forecast import cell_areas_km2

        area = cell_areas_km2(np.asarray(cells, dtype=object))
    else:
        area = np.asarray(cell_area_km2, dtype=float)
    for name, arr in (("test_counts", test), ("train_counts", train), ("test_harm", harm), ("cell_area_km2", area)):
        if arr.shape != (n,):
            raise SettingError(f"{name} must have one value per cell ({n}); got shape {arr.shape}.",
                               "Pass arrays aligned on the study area's cells.")
    if n == 0 or not (area > 0).all():
        raise SettingError("The study area needs at least one cell, each with a positive area.",
                           "Check the cells and their areas.")
    _check_shares(shares_pct)
    order = rank_cells(score, train, np.asarray(cells))
    return _measures(order, area, test, train, harm, tuple(float(s) for s in shares_pct))


def hit_rate_curve(order, area_km2, test_counts, shares_pct=CURVE_SHARES_PCT) -> pd.DataFrame:
    """Hit rate against area share for one ranking (pro rata, as the measures).

    Returns
    -------
    DataFrame
        ``area_pct`` and ``hit_rate`` (NaN when the test period has no incidents).

    Examples
    --------
    >>> hit_rate_curve([1, 0], [1, 1], [1, 3], [0, 50, 100])["hit_rate"].tolist()
    [0.0, 0.75, 1.0]
    """
    test = np.asarray(test_counts, dtype=float)
    cap = capture_at_shares(order, area_km2, test[None, :], shares_pct)[0]
    n = test.sum()
    return pd.DataFrame({"area_pct": np.asarray(shares_pct, dtype=float),
                         "hit_rate": cap / n if n > 0 else np.full(cap.size, np.nan)})


def _check_shares(shares_pct) -> tuple[float, ...]:
    try:
        shares = tuple(float(s) for s in shares_pct)
    except (TypeError, ValueError):
        shares = ()
    if not shares or not all(0 < s <= 100 for s in shares):
        raise SettingError(f"Area shares must be percentages in (0, 100]; got {shares_pct!r}.",
                           f"Use e.g. {AREA_SHARES_PCT}.")
    return shares


# -------------------------------------------------------------------------- methods


def _check_methods(methods) -> tuple[str, ...]:
    if methods is None:
        return DEFAULT_METHODS
    if isinstance(methods, str):
        methods = [m for m in methods.split(",")]
    out = []
    for m in methods:
        m = str(m).strip().lower()
        if not m:
            continue
        ok = m in METHOD_MEANING and m != "kde" or _KDE.match(m)
        if ok and _KDE.match(m) and not float(_KDE.match(m).group(1)) > 0:
            ok = False
        if not ok:
            names = [k for k in METHOD_MEANING if k != "kde"] + ["kde-300"]
            close = difflib.get_close_matches(m, names, n=1, cutoff=0.5)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SettingError(f"'{m}' is not a method to evaluate.{hint}",
                               "Use naive, naive-all, kde-<bandwidth in m> (e.g. kde-300), gistar, harm, forecast "
                               "or oracle, comma-separated.")
        if m not in out:
            out.append(m)
    if not out:
        raise SettingError("No method to evaluate was given.", f"Use e.g. --methods {','.join(DEFAULT_METHODS)}.")
    return tuple(out)


def _bandwidths_needed(methods) -> tuple[float, ...]:
    bws = {float(_KDE.match(m).group(1)) for m in methods if _KDE.match(m)}
    if "forecast" in methods:
        bws |= set(FORECAST_BANDWIDTHS_M)
    return tuple(sorted(bws))


def _method_score(method: str, history: CellMonths, train_months: int) -> tuple[np.ndarray, dict]:
    """A method's score per cell for the month after ``history``; it sees nothing else."""
    if method == "naive":
        return history.last(train_months), {}
    if method == "naive-all":
        return history.counts.sum(axis=1), {}
    if method == "harm":
        return history.last(train_months, "harm"), {}
    m = _KDE.match(method)
    if m:
        return history.last(train_months, float(m.group(1))), {}
    if method == "gistar":
        from hotspots.methods.gistar import GetisOrdGiStar

        values = history.last(train_months)
        if np.ptp(values) == 0:  # Gi* undefined: every cell alike
            return np.full(history.n_cells, np.nan), {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gi = GetisOrdGiStar(k=GISTAR_K).fit(history.cells, values, window=history.cells)
        return np.asarray(gi.z_, dtype=float), {}
    if method == "forecast":
        f = RecencyBlendForecast(train_months=train_months).fit(history)
        return f.predict(), {"half_life_months": f.half_life_months_, "prior_strength": f.prior_strength_,
                             "validation_months": len(f.validation_months_)}
    raise SettingError(f"'{method}' is not a method to evaluate.", "Use one of DEFAULT_METHODS.")


# ---------------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    """Accuracy of several maps on one rolling-origin split, for one group of crime types.

    Attributes
    ----------
    label : str
        The group ("All crime", "Burglary", ...).
    by_origin : DataFrame
        One row per method and test month: ``method``, ``test_month``, ``n_test``,
        ``n_train`` and ``hit@s``, ``pai@s``, ``rri@s``, ``harm@s`` per share.
    curves : DataFrame
        ``method``, ``test_month``, ``area_pct``, ``hit_rate``.
    split : dict
        The split, the study area and the rules (also in the JSON).
    forecast_params : DataFrame
        The forecast's fitted parameters for each test month.
    recommended : str
        The method recommended for patrol planning.
    """

    label: str
    by_origin: pd.DataFrame
    curves: pd.DataFrame
    split: dict
    forecast_params: pd.DataFrame = field(default_factory=pd.DataFrame)
    recommended: str = RECOMMENDED_METHOD

    @property
    def methods(self) -> list[str]:
        return list(dict.fromkeys(self.by_origin["method"]))

    @property
    def measure_keys(self) -> list[str]:
        return [c for c in self.by_origin.columns if "@" in c]

    def summary(self) -> pd.DataFrame:
        """Mean and spread over the test months: one row per method, ``key`` and ``key_sd`` columns."""
        keys = self.measure_keys
        g = self.by_origin.groupby("method", sort=False)[keys]
        mean, sd = g.mean(), g.std(ddof=1)
        sd.columns = [f"{c}_sd" for c in sd.columns]
        out = pd.concat([mean, sd], axis=1)
        out.insert(0, "origins", g.size())
        return out.loc[self.methods]

    def mean_curves(self) -> pd.DataFrame:
        """Hit rate against area share, mean and sd over the test months, per method."""
        g = self.curves.groupby(["method", "area_pct"], sort=False)["hit_rate"]
        return g.agg(hit_rate="mean", hit_rate_sd="std").reset_index()

    def to_dict(self) -> dict:
        """The JSON form: ``{method: {"hit@1": ..., "hit@1_sd": ...}, "split": {...}, "recommended": ...}``."""
        summ = self.summary()
        out: dict = {}
        for method, row in summ.iterrows():
            out[method] = {k: _clean(v) for k, v in row.items() if k != "origins"}
        out["split"] = self.split
        out["recommended"] = self.recommended
        return out

    def wins(self, over=("naive", "kde-300"), shares=(2, 5), method: str | None = None) -> pd.DataFrame:
        """Whether ``method`` (default: the recommended) beats each of ``over`` on mean hit rate.

        Returns a frame with one row per (other method, share): the two means, the
        difference, the test months won, and ``ahead`` (mean difference > 0).
        """
        method = method or self.recommended
        bo = self.by_origin.set_index(["method", "test_month"])
        rows = []
        for other in over:
            if other not in self.methods or method not in self.methods:
                continue
            for s in shares:
                k = _key("hit", s)
                a, b = bo.loc[method, k], bo.loc[other, k]
                rows.append({"other": other, "share_pct": s, method: float(a.mean()), "other_hit": float(b.mean()),
                             "diff": float((a - b).mean()), "months_won": int((a > b).sum()),
                             "months": int(a.size), "ahead": bool((a - b).mean() > 0)})
        return pd.DataFrame(rows)

    def to_text(self) -> str:
        """The tables printed by ``python -m hotspots evaluate``."""
        summ = self.summary()
        shares = self.split["shares_pct"]
        sp = self.split
        lines = [f"{self.label}: {sp['n_test_mean']:,.0f} incidents a test month on average; "
                 f"train {sp['train_months']} months, test {sp['test_months'][0]}"
                 + (f"..{sp['test_months'][-1]}" if len(sp["test_months"]) > 1 else "")
                 + f" ({len(sp['test_months'])} rolling origin{'s' if len(sp['test_months']) > 1 else ''}); "
                 f"history from {sp['history_from']}; {sp['cells']:,} res-{sp['res']} cells, "
                 f"{sp['area_km2']:,.0f} km2 ({sp['study_area']})",
                 "Hit rate, % of the test month's incidents in the top cells covering each share of the area "
                 "(mean +- sd over test months):"]
        head = ["method"] + [f"{s:g}%" for s in shares]
        rows = []
        for m, r in summ.iterrows():
            star = " *" if m == self.recommended else ""
            rows.append([m + star] + [_pct(r[_key("hit", s)], r[_key("hit", s) + "_sd"]) for s in shares])
        lines += _grid(head, rows)
        lines.append("PAI (hit rate / area share), RRI (Levine 2008; n/a where the flagged cells had no training "
                     "incidents), harm-weighted hit rate (%), means:")
        head = (["method"] + [f"PAI {s:g}%" for s in shares] + [f"RRI {s:g}%" for s in shares]
                + [f"harm {s:g}%" for s in shares])
        rows = []
        for m, r in summ.iterrows():
            rows.append([m] + [_num(r[_key("pai", s)], 1) for s in shares]
                        + [_num(r[_key("rri", s)], 2) for s in shares]
                        + [_num(100 * r[_key("harm", s)], 1) for s in shares])
        lines += _grid(head, rows)
        if not self.forecast_params.empty:
            fp = self.forecast_params
            lines.append("* recommended. forecast parameters by test month (half-life months / prior strength): "
                         + ", ".join(f"{t} {h:g}/{a:g}" for t, h, a in
                                     zip(fp["test_month"], fp["half_life_months"], fp["prior_strength"])))
        return "\n".join(lines)


def _clean(v):
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def _pct(mean, sd) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    return f"{100 * mean:.1f}" + ("" if sd is None or math.isnan(sd) else f" +-{100 * sd:.1f}")


def _num(v, digits) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _grid(head, rows) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = lambda r: "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)  # noqa: E731
                              for i, (x, w) in enumerate(zip(r, widths)))
    return [fmt(head)] + [fmt(r) for r in rows]


def parse_test_months(test) -> tuple[str, ...]:
    """Test months from ``YYYY-MM`` or ``YYYY-MM..YYYY-MM`` (or a sequence of months).

    >>> parse_test_months("2021-11..2022-01")
    ('2021-11', '2021-12', '2022-01')
    """
    if isinstance(test, str):
        m = _TEST.match(test)
        if not m:
            raise SettingError(f"--test '{test}' is not a month or a range of months.",
                               "Write YYYY-MM or YYYY-MM..YYYY-MM, e.g. --test 2021-08..2022-01.")
        return month_range(m.group(1), m.group(2) or m.group(1))
    months = tuple(str(t) for t in test)
    if not months:
        raise SettingError("No test month was given.", "Give --test YYYY-MM or YYYY-MM..YYYY-MM.")
    for t in months:
        month_range(t, t)
    return tuple(sorted(set(months)))


def evaluate_cell_months(data: CellMonths, test_months, *, train_months: int = DEFAULT_TRAIN_MONTHS,
                         methods=None, shares_pct=AREA_SHARES_PCT, label: str = "All crime",
                         split: dict | None = None) -> Evaluation:
    """Rolling-origin accuracy of several methods on a cell-month table.

    Each test month ``T`` is forecast from ``data.before(T)`` alone (the ``oracle``,
    if asked for, reads ``T`` itself: it is a ceiling, not a forecast).

    Parameters
    ----------
    data : CellMonths
        Counts, harm and densities (at every ``kde-`` bandwidth asked for and the
        forecast's) per cell and month.
    test_months : str or sequence of str
        ``YYYY-MM``, ``YYYY-MM..YYYY-MM`` or a list of months.
    train_months : int
        Months before each test month that the naive window counts.
    methods : sequence of str, optional
        Default ``DEFAULT_METHODS``.
    shares_pct : sequence of float
        Area shares in per cent.
    label : str
        The group's name.
    split : dict, optional
        Extra facts for the split description (study area, types).

    Returns
    -------
    Evaluation
    """
    tests = parse_test_months(test_months)
    methods = _check_methods(methods)
    shares = _check_shares(shares_pct)
    if not isinstance(train_months, int) or isinstance(train_months, bool) or train_months < 1:
        raise SettingError(f"--train-months must be a whole number of months, 1 or more; got {train_months!r}.",
                           "Use --train-months 3.")
    missing = [bw for bw in _bandwidths_needed(methods) if bw not in data.density]
    if missing:
        raise SettingError(f"The cell-month table has no density at {missing[0]:g} m.",
                           "Build it with cell_months(..., bandwidths_m=...) including that bandwidth.")
    cell_rank = np.arange(data.n_cells)   # cells are sorted: position = cell-id order
    rows, curves, params, origins = [], [], [], []
    for t in tests:
        j = data.index(t)
        if j < train_months:
            raise SettingError(f"Test month {t} has only {j} month(s) of data before it; the split needs "
                               f"{train_months} training months.",
                               f"Test from {shift_month(data.months[0], train_months)} on, or use fewer "
                               "--train-months.")
        history = data.before(t)
        test, test_harm = data.counts[:, j], data.harm[:, j]
        train = history.last(train_months)
        origins.append({"test": t, "train": [history.months[-train_months], history.months[-1]],
                        "history": [history.months[0], history.months[-1]],
                        "n_train": int(train.sum()), "n_test": int(test.sum())})
        for method in methods:
            if method == "oracle":  # incidents per km2: the most any map can catch under the area budget
                score, info = test / data.area_km2, {}
            else:
                score, info = _method_score(method, history, train_months)
            order = rank_cells(score, train, cell_rank)
            row = {"method": method, "test_month": t, "n_test": int(test.sum()), "n_train": int(train.sum())}
            row.update(_measures(order, data.area_km2, test, train, test_harm, shares))
            rows.append(row)
            c = hit_rate_curve(order, data.area_km2, test)
            c.insert(0, "test_month", t)
            c.insert(0, "method", method)
            curves.append(c)
            if method == "forecast":
                params.append({"test_month": t, **info})
    n_tests = [o["n_test"] for o in origins]
    info = {"train_months": train_months, "test_months": list(tests), "history_from": data.months[0],
            "origins": origins, "methods": list(methods), "shares_pct": list(shares),
            "cells": data.n_cells, "area_km2": round(float(data.area_km2.sum()), 3),
            "n_test_mean": float(np.mean(n_tests)),
            "ties": "score desc, then training-month count desc, then cell id asc",
            "budget": "cells in rank order until their area reaches the share; the crossing cell counted pro rata",
            "rri": "(n_test_flagged / n_train_flagged) / (N_test / N_train), Levine 2008; null where "
                   "n_train_flagged = 0",
            "history_note": "naive-all and forecast use every month before the test month; the other methods "
                            "the training months",
            "recommended": RECOMMENDED_METHOD}
    info.update(split or {})
    info.setdefault("study_area", "given cells")
    info.setdefault("res", _res_of(data))
    return Evaluation(label, pd.DataFrame(rows), pd.concat(curves, ignore_index=True), info,
                      pd.DataFrame(params), RECOMMENDED_METHOD)


def _res_of(data: CellMonths):
    try:
        import h3

        return int(cell_resolution(str(data.cells[0])))
    except Exception:  # noqa: BLE001  (hand-made cells in tests)
        return None


def _check_types(types) -> tuple[str, ...]:
    from hotspots.tasks.query import IncidentFilter

    if isinstance(types, str):
        types = [t for t in types.split(",")]
    return IncidentFilter(categories=tuple(types)).checked().categories


def evaluate_groups(store, test, groups=None, *, train_months: int = DEFAULT_TRAIN_MONTHS, methods=None,
                    res: int = H3_DEFAULT_RES, area=None, sources=(SOURCE_POLICE,),
                    shares_pct=AREA_SHARES_PCT) -> dict[str, Evaluation]:
    """Evaluate the methods for several groups of crime types on one split and study area.

    Parameters
    ----------
    store : geo.store.Store
    test : str or sequence of str
        Test months: ``YYYY-MM`` or ``YYYY-MM..YYYY-MM``.
    groups : dict, optional
        Label -> crime types (empty: all crime). Default ``DEFAULT_GROUPS``.
    train_months, methods, shares_pct
        As :func:`evaluate_cell_months`.
    res : int
        H3 resolution of the map cells.
    area : geo.boundaries.Area, optional
        Study area boundary; without one, the data's footprint (module docstring).
    sources : tuple of str
        Incident sources (default police.uk street crime).

    Returns
    -------
    dict
        Label -> :class:`Evaluation`, in the order of ``groups``.
    """
    from geo.grid import check_resolution
    from hotspots.tasks.query import IncidentFilter, analysis_window, select_incidents

    tests = parse_test_months(test)
    methods = _check_methods(methods)
    res = check_resolution(res)
    groups = DEFAULT_GROUPS if groups is None else groups
    groups = {label: _check_types(types) for label, types in groups.items()}
    flt = IncidentFilter(None, tests[-1], (), tuple(sources))
    inc = select_incidents(store, flt, area, columns=("easting", "northing", "h3_11", "category", "month"))
    if inc.empty:
        raise SettingError(f"The store holds no incidents up to {tests[-1]}"
                           + (f" inside {area.name}" if area is not None else "") + ".",
                           "Load police.uk files first (python -m hotspots ingest police FOLDER).")
    present = set(inc["month"].unique())
    months = month_range(min(present), tests[-1])
    for t in tests:
        need = [shift_month(t, -k) for k in range(train_months, 0, -1)] + [t]
        lacking = [m for m in need if m not in present]
        if lacking:
            raise SettingError(f"Test month {t} needs data for {', '.join(need)}, but the store has none for "
                               f"{', '.join(lacking)}.",
                               "Load those months, or choose test months with "
                               f"{train_months} loaded months before them (python -m hotspots status).")
    window = analysis_window(inc, res, area)
    study = (f"cells with centres inside {area.name}" if area is not None else
             f"footprint of the data: all res-{res} cells under the res-{max(res - 2, 0)} parents of occupied cells")
    bws = _bandwidths_needed(methods)
    out = {}
    for label, types in groups.items():
        sub = inc[inc["category"].isin(types)] if types else inc
        data = cell_months(sub, window, months, bws)
        split = {"types": list(types) or "all", "study_area": study, "res": res,
                 "missing_months": sorted(set(months) - present)}
        out[label] = evaluate_cell_months(data, tests, train_months=train_months, methods=methods,
                                          shares_pct=shares_pct, label=label, split=split)
    return out


def evaluate(store, test, *, train_months: int = DEFAULT_TRAIN_MONTHS, methods=None, types=(),
             res: int = H3_DEFAULT_RES, area=None, sources=(SOURCE_POLICE,), shares_pct=AREA_SHARES_PCT,
             label: str | None = None) -> Evaluation:
    """Evaluate the methods for one group of crime types (all crime when ``types`` is empty).

    See :func:`evaluate_groups` for the parameters.
    """
    types = _check_types(types)
    label = label or (", ".join(types) if types else "All crime")
    return evaluate_groups(store, test, {label: types}, train_months=train_months, methods=methods, res=res,
                           area=area, sources=sources, shares_pct=shares_pct)[label]


def accuracy_report(store, test, *, train_months: int = DEFAULT_TRAIN_MONTHS, methods=None, types=(),
                    res: int = H3_DEFAULT_RES, area=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accuracy page's data: the table and the hit-rate-vs-area curves.

    Returns
    -------
    table : DataFrame
        One row per method: ``method``, ``recommended`` (bool), ``origins`` and the
        mean and sd (``_sd``) of ``hit@s``, ``pai@s``, ``rri@s``, ``harm@s``.
    curves : DataFrame
        ``method``, ``area_pct``, ``hit_rate`` and ``hit_rate_sd`` over the test months.
    """
    ev = evaluate(store, test, train_months=train_months, methods=methods, types=types, res=res, area=area)
    table = ev.summary().reset_index().rename(columns={"index": "method"})
    table.insert(1, "recommended", table["method"] == ev.recommended)
    return table, ev.mean_curves()


# ------------------------------------------------------------------------------ CLI


def add_evaluate_parser(subparsers):
    """Add the ``evaluate`` subcommand to the CLI's subparsers (arguments: see :func:`evaluate_cli`)."""
    p = subparsers.add_parser("evaluate", help="how well hotspot maps predict the next month (hit rate, PAI, RRI)",
                              description="Rolling-origin accuracy of hotspot maps: train on --train-months "
                                          "months, test on the next, for each test month.")
    p.add_argument("--train-months", type=int, default=DEFAULT_TRAIN_MONTHS, metavar="N",
                   help=f"months before each test month a naive map counts (default {DEFAULT_TRAIN_MONTHS})")
    p.add_argument("--test", required=True, metavar="YYYY-MM[..YYYY-MM]",
                   help="test month, or a range: one rolling origin per month")
    p.add_argument("--methods", metavar="a,b,...",
                   help=f"methods to compare (default {','.join(DEFAULT_METHODS)}; also kde-<m>, oracle)")
    p.add_argument("--types", metavar='"A,B"',
                   help="crime types, one group (default: a table for each of the five default groups)")
    p.add_argument("--res", type=int, default=H3_DEFAULT_RES, metavar="N", help="H3 resolution 7-11 (default 9)")
    p.add_argument("--area", metavar="FILE", help="study area boundary (default: the footprint of the data)")
    p.add_argument("--district", metavar="NAME", help="a district stored in the store (instead of --area)")
    p.add_argument("--db", metavar="FILE", help="the store (default: $HOTSPOTS_DB, else data/hotspots.duckdb)")
    p.add_argument("--json", action="store_true", help="print one JSON object (all crime unless --types)")
    return p


def evaluate_cli(args) -> int:
    """``python -m hotspots evaluate``: print the accuracy tables (or JSON).

    Arguments (``args`` from the parser :func:`add_evaluate_parser` builds)
    ----------------------------------------------------------------------
    --train-months N
        Months before each test month that a naive map counts (default 3).
    --test YYYY-MM[..YYYY-MM]
        The test months (required); each is one rolling origin.
    --methods a,b,...
        Methods to compare (default ``DEFAULT_METHODS``; ``kde-<m>`` and ``oracle`` too).
    --types "A,B"
        One group of crime types. Without it, text output has one table for each of
        ``DEFAULT_GROUPS`` and JSON is for all crime.
    --res N
        H3 resolution (default 9).
    --area FILE, --district NAME
        Study area boundary or stored district (default: the data's footprint).
    --db FILE
        The store.
    --json
        Print ``{method: {"hit@1": ..., "pai@1": ..., "rri@1": ..., "harm@1": ..., ...,
        "hit@1_sd": ...}, "split": {...}, "recommended": "forecast"}``.

    Returns
    -------
    int
        0. Settings problems raise ``HotspotsError`` (the CLI prints the sentence, exit 2).
    """
    from geo.store import Store
    from hotspots.tasks.query import study_area

    types = _check_types(args.types or ())
    if types:
        groups = {", ".join(types): types}
    elif args.json:
        groups = {"All crime": ()}
    else:
        groups = DEFAULT_GROUPS
    with Store(args.db, read_only=True) as store:
        area = study_area(store, args.district, args.area)
        evs = evaluate_groups(store, args.test, groups, train_months=args.train_months, methods=args.methods,
                              res=args.res, area=area)
    if args.json:
        print(json.dumps(next(iter(evs.values())).to_dict(), indent=2))
        return 0
    print("\n\n".join(ev.to_text() for ev in evs.values()))
    return 0
