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
    incidents inside it: ``hotspots.methods.cells.analysis_window``). Without one, the
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

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.constants import H3_DEFAULT_RES
from geo.errors import SettingError
from geo.grid import cell_resolution
from geo.months import check_month, months_between, shift_month
from geo.query import Selection, select_incidents
from hotspots.defaults import AREA_SHARES_PCT, SPECS
from hotspots.methods.cells import analysis_window
from hotspots.methods.forecast import CellMonths, cell_months
from hotspots.methods.metrics import check_shares, hit_rate_curve, key, measures, rank_cells
from hotspots.tasks.registry import METHODS, resolve

__all__ = ["DEFAULT_GROUPS", "DEFAULT_METHODS", "DEFAULT_TRAIN_MONTHS", "Evaluation", "METHOD_MEANING",
           "RECOMMENDED_METHOD", "accuracy_report", "check_types", "evaluate", "evaluate_cell_months", "evaluate_groups",
           "parse_test_months"]

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
    "gistar": "Getis-Ord Gi* z of the training months' counts (k=1 ring, the whole study area as window)",
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

_TEST = re.compile(r"^\s*(\d{4}-\d{2})\s*(?:\.\.\s*(\d{4}-\d{2})\s*)?$")


# -------------------------------------------------------------------------- methods


def check_methods(methods) -> tuple[str, ...]:
    """The methods to evaluate: registry names (``detect``'s) or their aliases (``naive``, ``kde-300`` ...),
    plus ``oracle`` (the ceiling). A method that makes no map (a test such as Knox) is refused with a sentence."""
    if methods is None:
        return DEFAULT_METHODS
    if isinstance(methods, str):
        methods = [m for m in methods.split(",")]
    out = []
    for m in methods:
        m = str(m).strip().lower()
        if not m:
            continue
        if m != "oracle":
            method, _ = resolve(m)
            if method.history_score is None:
                raise SettingError(f"'{m}' makes no map to evaluate: {method.meaning}",
                                   f"Evaluate maps: {', '.join(n for n, x in METHODS.items() if x.history_score)}, "
                                   "or their aliases (naive, kde-300, harm ...).")
        if m not in out:
            out.append(m)
    if not out:
        raise SettingError("No method to evaluate was given.", f"Use e.g. --methods {','.join(DEFAULT_METHODS)}.")
    return tuple(out)


def _bandwidths_needed(methods) -> tuple[float, ...]:
    bws: set[float] = set()
    for m in methods:
        if m != "oracle":
            method, params = resolve(m)
            bws |= set(method.bandwidths(params))
    return tuple(sorted(bws))


def method_score(name: str, history: CellMonths, train_months: int) -> tuple[np.ndarray, dict]:
    """A method's score per cell for the month after ``history`` (the registry's ``history_score``); it sees
    nothing else."""
    method, params = resolve(name)
    return method.history_score(history, train_months, params)


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
                k = key("hit", s)
                a, b = bo.loc[method, k], bo.loc[other, k]
                rows.append({"other": other, "share_pct": s, method: float(a.mean()), "other_hit": float(b.mean()),
                             "diff": float((a - b).mean()), "months_won": int((a > b).sum()),
                             "months": int(a.size), "ahead": bool((a - b).mean() > 0)})
        return pd.DataFrame(rows)


def _clean(v):
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


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
        first, last = check_month(m.group(1), "first month"), check_month(m.group(2) or m.group(1), "last month")
        if first > last:
            raise SettingError(f"The months run backwards ({first} after {last}).", "Give the earlier month first.")
        return tuple(months_between(first, last))
    months = tuple(str(t) for t in test)
    if not months:
        raise SettingError("No test month was given.", "Give --test YYYY-MM or YYYY-MM..YYYY-MM.")
    for t in months:
        check_month(t, "Test month")
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
    methods = check_methods(methods)
    shares = check_shares(shares_pct)
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
                score, info = method_score(method, history, train_months)
            order = rank_cells(score, train, cell_rank)
            row = {"method": method, "test_month": t, "n_test": int(test.sum()), "n_train": int(train.sum())}
            row.update(measures(order, data.area_km2, test, train, test_harm, shares))
            rows.append(row)
            c = hit_rate_curve(order, data.area_km2, test)
            c.insert(0, "test_month", t)
            c.insert(0, "method", method)
            curves.append(c)
            if method != "oracle" and resolve(method)[0].name == "forecast":
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
        return int(cell_resolution(str(data.cells[0])))
    except Exception:  # noqa: BLE001  (hand-made cells in tests)
        return None


def check_types(types) -> tuple[str, ...]:
    if isinstance(types, str):
        types = [t for t in types.split(",")]
    return Selection(categories=tuple(types)).checked().categories


def evaluate_groups(store, test, groups=None, *, sel: Selection = Selection(),
                    train_months: int = DEFAULT_TRAIN_MONTHS, methods=None, res: int = H3_DEFAULT_RES,
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
    sel : geo.query.Selection
        The sources (default police.uk street crime) and the study area (without one, the data's footprint:
        module docstring); its period and crime types are the split's and the groups'.
    res : int
        H3 resolution of the map cells.

    Returns
    -------
    dict
        Label -> :class:`Evaluation`, in the order of ``groups``.
    """
    tests = parse_test_months(test)
    methods = check_methods(methods)
    res = SPECS["res"].check(res, "evaluate")
    train_months = SPECS["train_months"].check(train_months, "evaluate")
    groups = DEFAULT_GROUPS if groups is None else groups
    groups = {label: check_types(types) for label, types in groups.items()}
    area = sel.area
    whole = Selection(None, tests[-1], (), sel.sources, sel.forces, area)
    inc = select_incidents(store, whole, columns=("easting", "northing", "h3_11", "category", "month"),
                           purpose="Evaluating hotspot maps")
    if inc.empty:
        raise SettingError(f"The store holds no incidents up to {tests[-1]}"
                           + (f" inside {area.name}" if area is not None else "") + ".",
                           "Load police.uk files first (python -m hotspots ingest police FOLDER).")
    present = set(inc["month"].unique())
    months = tuple(months_between(min(present), tests[-1]))
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


def evaluate(store, test, sel: Selection = Selection(), *, train_months: int = DEFAULT_TRAIN_MONTHS, methods=None,
             res: int = H3_DEFAULT_RES, shares_pct=AREA_SHARES_PCT, label: str | None = None) -> Evaluation:
    """Evaluate the methods for the selection's crime types (all crime when it names none).

    See :func:`evaluate_groups` for the parameters.
    """
    types = check_types(sel.categories)
    label = label or (", ".join(types) if types else "All crime")
    return evaluate_groups(store, test, {label: types}, sel=sel, train_months=train_months, methods=methods,
                           res=res, shares_pct=shares_pct)[label]


def accuracy_report(store, test, sel: Selection = Selection(), *, train_months: int = DEFAULT_TRAIN_MONTHS,
                    methods=None, res: int = H3_DEFAULT_RES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accuracy page's data: the table and the hit-rate-vs-area curves.

    Returns
    -------
    table : DataFrame
        One row per method: ``method``, ``recommended`` (bool), ``origins`` and the
        mean and sd (``_sd``) of ``hit@s``, ``pai@s``, ``rri@s``, ``harm@s``.
    curves : DataFrame
        ``method``, ``area_pct``, ``hit_rate`` and ``hit_rate_sd`` over the test months.
    """
    ev = evaluate(store, test, sel, train_months=train_months, methods=methods, res=res)
    table = ev.summary().reset_index().rename(columns={"index": "method"})
    table.insert(1, "recommended", table["method"] == ev.recommended)
    return table, ev.mean_curves()


# ------------------------------------------------------------------------------ CLI


