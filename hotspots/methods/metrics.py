"""How well a hotspot map predicts: hit rate, PAI, RRI and harm-weighted hit rate at shares of the area.

A map is a score per cell; cells are ranked by it (ties by the training count, then cell id) and taken until
their area reaches a share of the study area, the crossing cell counted pro rata (``capture_at_shares``).

References
----------
Chainey, S., Tompson, L. & Uhlig, S. (2008). The utility of hotspot mapping for predicting spatial patterns of
crime. Security Journal 21(1-2), 4-28. Levine, N. (2008). The "hottest" part of a hotspot. Security Journal
21(4), 295-302.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geo.errors import SettingError
from hotspots.defaults import AREA_SHARES_PCT
from geo.grid import cells_area_km2

__all__ = ["CURVE_SHARES_PCT", "accuracy_at_shares", "measures", "capture_at_shares", "check_shares", "hit_rate_curve", "key",
           "rank_cells"]


#: Area shares (%) at which the hit-rate-vs-area curves are given (the app's chart).
CURVE_SHARES_PCT = tuple(np.round(np.r_[np.arange(0.0, 20.0, 0.25), np.arange(20.0, 100.1, 2.5)], 2).tolist())


def key(metric: str, share) -> str:
    return f"{metric}@{float(share):g}"


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


def measures(order, area, test, train, test_harm, shares) -> dict:
    cap = capture_at_shares(order, area, np.vstack([test, train, test_harm]), shares)
    n_test, n_train, h_test = float(test.sum()), float(train.sum()), float(test_harm.sum())
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, s in enumerate(shares):
            hit = cap[0, i] / n_test if n_test > 0 else np.nan
            out[key("hit", s)] = float(hit)
            out[key("pai", s)] = float(hit / (s / 100.0))
            ok = cap[1, i] > 1e-12 and n_train > 0 and n_test > 0
            out[key("rri", s)] = float((cap[0, i] / cap[1, i]) / (n_test / n_train)) if ok else np.nan
            out[key("harm", s)] = float(cap[2, i] / h_test) if h_test > 0 else np.nan
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
        area = cells_area_km2(np.asarray(cells, dtype=object))
    else:
        area = np.asarray(cell_area_km2, dtype=float)
    for name, arr in (("test_counts", test), ("train_counts", train), ("test_harm", harm), ("cell_area_km2", area)):
        if arr.shape != (n,):
            raise SettingError(f"{name} must have one value per cell ({n}); got shape {arr.shape}.",
                               "Pass arrays aligned on the study area's cells.")
    if n == 0 or not (area > 0).all():
        raise SettingError("The study area needs at least one cell, each with a positive area.",
                           "Check the cells and their areas.")
    check_shares(shares_pct)
    order = rank_cells(score, train, np.asarray(cells))
    return measures(order, area, test, train, harm, tuple(float(s) for s in shares_pct))


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


def check_shares(shares_pct) -> tuple[float, ...]:
    try:
        shares = tuple(float(s) for s in shares_pct)
    except (TypeError, ValueError):
        shares = ()
    if not shares or not all(0 < s <= 100 for s in shares):
        raise SettingError(f"Area shares must be percentages in (0, 100]; got {shares_pct!r}.",
                           f"Use e.g. {AREA_SHARES_PCT}.")
    return shares
