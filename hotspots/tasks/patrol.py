"""The patrol planner: where to patrol, when, and for how long, as a plan a sergeant can hand out.

``plan_patrol`` turns the selected incidents into ranked *patrol areas*:

Ranking
    Every cell of the study area is scored by the recommended forecast
    (:class:`hotspots.methods.forecast.RecencyBlendForecast`, fitted on the whole period: the
    method ``detect --method forecast`` and the Accuracy page recommend), ties broken
    as the accuracy module does (:func:`hotspots.tasks.evaluate.rank_cells`: training-month
    count, then cell id). With ``harm=True`` the forecast is fitted on harm (approximate
    CCHI days) instead of counts.

Budget
    A *budget share* takes the longest run of top-ranked cells whose total area is at
    most that share of the study area: the plan never exceeds it. A *number of areas*
    ``N`` takes the shortest run of top-ranked cells that forms exactly ``N`` patrol
    areas (adding a cell adds at most one area, so that run exists whenever ``N``
    separate areas can be formed at all). Either way the plan's cells are the top of
    the ranking, nothing skipped.

Patrol areas
    The chosen cells are merged into H3-connected components (cells sharing an edge):
    each patrol area is one contiguous polygon. With a budget share, a component
    larger than ``defaults.PATROL_MAX_AREA_KM2`` (a town centre) is cut into contiguous
    pieces of at most that size, so each area can be walked in one visit; with a
    number of areas the components are kept whole (so there are exactly N). Areas are
    ranked by their forecast.

Expected share (from the accuracy backtest)
    The plan covers ``s`` % of the study area. The expected share of crime (and harm)
    is the backtest's hit rate at ``s`` %: for each of the last months of the period
    the forecast is fitted on the months before it, and
    :func:`hotspots.tasks.evaluate.accuracy_at_shares` measures the share of that month's
    incidents (and harm) falling in its top ``s`` % of the area; the mean over those
    months is what a plan of this size can be expected to catch next month. Each
    area gets a part of it in proportion to its forecast. The period's actual share
    in each area (a plain count) is shown beside it.

When
    Days and hours come only from dated records (force records, source ``rms``),
    spread by aoristic weighting (:func:`hotspots.methods.temporal.day_hour_grid`). police.uk
    data gives only the month: the plan says so and recommends no days or hours.

How long (dosage)
    The Koper curve: visits of 10-15 minutes (returns diminish beyond about 15), in
    random order, each area about every two hours across the shift (Koper 1995;
    Telep, Mitchell & Weisburd 2014: 12-16 minute visits, random order, each hot spot
    about every 2 hours). :func:`dosage_schedule` builds the timetable.

References
----------
Koper, C. S. (1995). Just enough police presence: reducing crime and disorderly
behavior by optimizing patrol time in crime hot spots. Justice Quarterly 12(4), 649-672.
Telep, C. W., Mitchell, R. J. & Weisburd, D. (2014). How much time should the police
spend at crime hot spots? Answers from a police agency directed randomized field
trial in Sacramento, California. Justice Quarterly 31(5), 905-933.
Chainey, S., Tompson, L. & Uhlig, S. (2008). The utility of hotspot mapping for
predicting spatial patterns of crime. Security Journal 21(1-2), 4-28.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.constants import H3_DEFAULT_RES, PRECISION_MONTH
from geo.errors import SettingError
from geo.grid import cell_resolution, cell_to_parent, cells_to_bng_polygon, cells_to_str, str_to_cells
from geo.months import months_between
from geo.query import Selection, select_incidents
from hotspots import defaults
from hotspots.methods.cells import analysis_window
from hotspots.methods.cellsets import cell_components, choose_prefix, split_large
from hotspots.methods.density import QuarticKDE
from hotspots.methods.dosage import dosage_schedule, parse_shift, shift_hours, shift_share
from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, CellMonths, RecencyBlendForecast, cell_months
from hotspots.methods.harm import harm_of, harm_weights
from hotspots.methods.metrics import accuracy_at_shares, rank_cells
from hotspots.methods.places import street_name, top_values
from hotspots.methods.temporal import day_hour_grid
from geo.schema import is_synthetic

__all__ = ["MONTH_ONLY_NOTE", "PatrolPlan", "backtest_months", "plan_patrol"]

#: What the plan says when the selection has no times (police.uk street crime).
MONTH_ONLY_NOTE = "police.uk gives only the month: no days or hours can be recommended from it."


# --------------------------------------------------------------------------- dosage


# ------------------------------------------------------------------------------ plan


@dataclass
class PatrolPlan:
    """A patrol plan: ranked areas, when to go, and the dosage timetable.

    Attributes
    ----------
    areas : DataFrame
        One row per patrol area, best first: ``rank``, ``name``, ``cells`` (count),
        ``area_km2``, ``perimeter_m`` (walking round its outline), ``expected_crime_pct``
        and ``expected_harm_pct`` (backtest, see the module docstring),
        ``period_incidents``, ``period_crime_pct``, ``period_harm_pct`` (the period's own
        counts), ``top_locations``, ``top_streets``, ``centroid_x_m``, ``centroid_y_m``.
    geometry : list
        One shapely (Multi)Polygon per area, British National Grid metres.
    cells : DataFrame
        The plan's cells: ``cell``, ``rank`` (in the whole ranking), ``area`` (area
        rank), ``score`` (forecast), ``count``, ``harm``.
    times : DataFrame
        The best hours of the week (``day``, ``hour``, ``incidents``); empty when the
        selection has no times.
    time_notes : list of str
    schedule : DataFrame
        The dosage timetable (:func:`dosage_schedule`).
    backtest : DataFrame
        One row per test month: ``test_month``, ``hit``, ``harm`` (shares, 0-1).
    summary : dict
    """
    areas: pd.DataFrame
    geometry: list
    cells: pd.DataFrame
    times: pd.DataFrame
    time_notes: list
    schedule: pd.DataFrame
    backtest: pd.DataFrame
    summary: dict = field(default_factory=dict)
    study_geometry: object = None
    day_hour: object = None


def _harm_cell_months(inc, window, months, weights):
    """The count table, and a CellMonths whose counts are harm (days) and whose densities are
    harm-weighted (each incident's kernel weighted by its harm), for a forecast of harm.
    """
    base = cell_months(inc, window, months, weights=weights)
    res = cell_resolution(str(base.cells[0]))
    cells_int = str_to_cells(base.cells)
    cell = cell_to_parent(inc["h3_11"].to_numpy(dtype=np.uint64), res)
    ci = np.searchsorted(cells_int, cell)
    ci[ci >= cells_int.size] = 0
    mi = pd.Index(base.months).get_indexer(inc["month"].astype(str).to_numpy())
    ok = (cells_int[ci] == cell) & (mi >= 0)
    w = harm_of(inc["category"].to_numpy(), weights)[ok]
    ex, ny, mi = inc["easting"].to_numpy(float)[ok], inc["northing"].to_numpy(float)[ok], mi[ok]
    dens = {float(bw): np.zeros_like(base.counts) for bw in FORECAST_BANDWIDTHS_M}
    for j in range(len(base.months)):
        sel = (mi == j) & (w > 0)
        if not sel.any():
            continue
        for bw, arr in dens.items():
            arr[:, j] = QuarticKDE(bw).fit(ex[sel], ny[sel], w[sel]).evaluate(base.x_m, base.y_m)
    rank = CellMonths(base.cells, base.area_km2, base.x_m, base.y_m, base.months, base.harm.copy(),
                      base.harm.copy(), dens, base.n_outside)
    return base, rank


def backtest_months(months) -> tuple[int, tuple[str, ...]]:
    """Training months and test months of the plan's backtest, from the period's months.

    The last ``defaults.PATROL_BACKTEST_MONTHS`` months, each with
    ``defaults.PATROL_TRAIN_MONTHS`` months before it (fewer when the period is short).

    >>> backtest_months([f"2021-{m:02d}" for m in range(1, 13)])
    (3, ('2021-10', '2021-11', '2021-12'))
    >>> backtest_months(["2021-01", "2021-02", "2021-03"])
    (2, ('2021-03',))
    >>> backtest_months(["2021-01"])
    (0, ())
    """
    months = list(months)
    n = len(months)
    if n < 2:
        return 0, ()
    tm = min(defaults.PATROL_TRAIN_MONTHS, n - 1)
    b = min(defaults.PATROL_BACKTEST_MONTHS, n - tm)
    return tm, tuple(months[n - b:])


def plan_patrol(store, sel: Selection = Selection(), *, res: int = H3_DEFAULT_RES,
                budget_pct: float | None = None, n_areas: int | None = None,
                shift: str = defaults.PATROL_DEFAULT_SHIFT, visit_min: float = defaults.PATROL_VISIT_MIN,
                seed: int | None = 0, progress=None) -> PatrolPlan:
    """Plan patrols for the selected incidents (module docstring for the method).

    Parameters
    ----------
    store : geo.store.Store
    sel : geo.query.Selection
        Period, crime types, sources, the study area (a district; default the data's footprint), and
        ``harm`` (rank by harm, approximate CCHI days) with ``exclude_police_generated``.
    res : int
        H3 resolution of the cells (default 9, ~0.1 km²).
    budget_pct, n_areas
        The budget: a share of the study area (%), or a number of patrol areas. Without
        either, ``defaults.PATROL_BUDGET_PCT``.
    shift : str
        The shift the dosage plan fills: early, late, night, or ``HH:MM-HH:MM``.
    visit_min : float
        Minutes per visit (10-15).
    seed : int, optional
        Seed of the visiting order.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    PatrolPlan

    Raises
    ------
    SettingError
        No incidents, a bad budget, shift or visit length; A&E data asked for (``geo.query.select_incidents``:
        nothing here suppresses small counts).
    """
    step = progress or (lambda f, m: None)
    sel = sel.for_analysis("Patrol planning")
    area, harm = sel.area, sel.harm
    res = defaults.SPECS["res"].check(res, "plan_patrol")
    budget_pct = defaults.SPECS["budget_pct"].check(budget_pct, "plan_patrol")
    n_areas = defaults.SPECS["n_areas"].check(n_areas, "plan_patrol")
    visit_min = defaults.SPECS["visit_min"].check(visit_min, "plan_patrol")
    seed = defaults.SPECS["seed"].check(seed, "plan_patrol")
    parse_shift(shift)
    if budget_pct is None and n_areas is None:
        budget_pct = defaults.PATROL_BUDGET_PCT
    step(0.02, "Selecting incidents")
    cols = ("easting", "northing", "h3_11", "category", "month", "location", "occurred_at", "occurred_until",
            "time_precision", "source", "force")
    inc = select_incidents(store, sel, columns=cols, purpose="Patrol planning")
    if inc.empty:
        raise SettingError("No incidents match the selection (period, crime types, sources, area).",
                           "Widen the period or choose other crime types; `python -m hotspots status` "
                           "shows what the store holds.")
    weights = harm_weights(sel.exclude_police_generated, dict(sel.harm_overrides) or None)
    months = tuple(months_between(min(inc["month"]), max(inc["month"])))
    window = analysis_window(inc, res, area)
    step(0.1, "Counting incidents per hexagon and month")
    if harm:
        data, rank_data = _harm_cell_months(inc, window, months, weights)
    else:
        data = cell_months(inc, window, months, bandwidths_m=FORECAST_BANDWIDTHS_M, weights=weights)
        rank_data = data
    tm, tests = backtest_months(months)
    step(0.3, "Fitting the forecast")
    model = RecencyBlendForecast(train_months=max(tm, 1)).fit(rank_data)
    score = model.predict()
    train_now = rank_data.last(max(tm, 1))
    cell_rank = np.arange(data.n_cells)
    order = rank_cells(score, train_now, cell_rank)
    k = choose_prefix(order, data.cells, data.area_km2, budget_pct=budget_pct, n_areas=n_areas)
    chosen = order[:k]
    share_pct = 100.0 * float(data.area_km2[chosen].sum()) / float(data.area_km2.sum())

    # the backtest: the accuracy module's hit rate at the plan's share of the area
    step(0.45, "Backtesting the forecast on the last months")
    bt_rows = []
    for i, t in enumerate(tests):
        j = data.index(t)
        hist = rank_data.before(t)
        f = RecencyBlendForecast(train_months=tm).fit(hist)
        acc = accuracy_at_shares(data.cells, f.predict(), data.counts[:, j], train_counts=hist.last(tm),
                                 test_harm=data.harm[:, j], cell_area_km2=data.area_km2, shares_pct=[share_pct])
        key = f"{float(share_pct):g}"
        bt_rows.append({"test_month": t, "hit": acc[f"hit@{key}"], "harm": acc[f"harm@{key}"],
                        "n_test": int(data.counts[:, j].sum())})
        step(0.45 + 0.35 * (i + 1) / max(len(tests), 1), f"Backtest {t}")
    backtest = pd.DataFrame(bt_rows, columns=["test_month", "hit", "harm", "n_test"])
    exp_hit = float(np.nanmean(backtest["hit"])) if len(backtest) and backtest["hit"].notna().any() else np.nan
    exp_harm = float(np.nanmean(backtest["harm"])) if len(backtest) and backtest["harm"].notna().any() else np.nan

    step(0.82, "Merging hexagons into patrol areas")
    chosen_cells = data.cells[chosen]
    comp = cell_components(chosen_cells)
    if budget_pct is not None:  # walkable: large components cut into pieces (N areas are kept whole)
        comp = split_large(chosen_cells, comp, data.area_km2[chosen], defaults.PATROL_MAX_AREA_KM2)
    counts_all = data.counts.sum(axis=1)
    harm_all = data.harm.sum(axis=1)
    cell_tab = pd.DataFrame({"cell": chosen_cells, "rank": np.arange(1, k + 1), "component": comp,
                             "score": score[chosen], "count": counts_all[chosen].astype(np.int64),
                             "harm": harm_all[chosen], "area_km2": data.area_km2[chosen]})
    by = cell_tab.groupby("component").agg(score=("score", "sum"), best=("rank", "min")).reset_index()
    by = by.sort_values(["score", "best"], ascending=[False, True], ignore_index=True)
    area_rank = {c: i + 1 for i, c in enumerate(by["component"])}
    cell_tab["area"] = cell_tab["component"].map(area_rank)
    cell_tab = cell_tab.drop(columns="component")
    # incidents per plan cell (locations, times)

    inc_cell = cells_to_str(cell_to_parent(inc["h3_11"].to_numpy(dtype=np.uint64), res))
    area_of_cell = dict(zip(cell_tab["cell"], cell_tab["area"]))
    inc_area = pd.Series(inc_cell).map(area_of_cell).to_numpy()
    total_n, total_h = float(data.counts.sum()), float(data.harm.sum())
    plan_score = float(cell_tab["score"].sum())
    rows, geoms = [], []
    for r in range(1, len(by) + 1):
        sub = cell_tab[cell_tab["area"] == r]
        geom = cells_to_bng_polygon(sub["cell"])
        geoms.append(geom)
        locs = inc.loc[inc_area == r, "location"]
        top_l = top_values(locs, defaults.PATROL_TOP_LOCATIONS)
        top_s = top_values([street_name(x) for x in locs.dropna()], defaults.PATROL_TOP_LOCATIONS)
        c = geom.centroid
        s_share = float(sub["score"].sum()) / plan_score if plan_score > 0 else 0.0
        street = top_s[0][0] if top_s else ""
        rows.append({
            "rank": r, "name": f"Area {r}" + (f": {street}" if street else ""), "cells": int(len(sub)),
            "area_km2": float(sub["area_km2"].sum()), "perimeter_m": float(geom.length),
            "expected_crime_pct": 100 * exp_hit * s_share if np.isfinite(exp_hit) else np.nan,
            "expected_harm_pct": 100 * exp_harm * s_share if np.isfinite(exp_harm) else np.nan,
            "period_incidents": int(sub["count"].sum()),
            "period_crime_pct": 100 * float(sub["count"].sum()) / total_n if total_n else 0.0,
            "period_harm_pct": 100 * float(sub["harm"].sum()) / total_h if total_h else 0.0,
            "top_locations": "; ".join(f"{n} ({v:,})" for n, v in top_l),
            "top_streets": "; ".join(f"{n} ({v:,})" for n, v in top_s),
            "centroid_x_m": float(c.x), "centroid_y_m": float(c.y),
        })
    areas = pd.DataFrame(rows)

    # when: dated records only
    step(0.9, "Days and hours")
    in_plan = inc.loc[pd.notna(inc_area)]
    timed = in_plan.loc[in_plan["time_precision"].astype(str) != PRECISION_MONTH]
    notes: list[str] = []
    times = pd.DataFrame(columns=["day", "hour", "incidents"])
    grid = None
    shift_pct: float | None = None
    shift_shares: dict[str, float] = {}
    busier_shift: str | None = None
    if timed.empty:
        notes.append(MONTH_ONLY_NOTE)
    else:
        grid = day_hour_grid(in_plan, harm=False)
        long = grid.to_long().rename(columns={"value": "incidents"})
        long = long.loc[long["incidents"] > 0].sort_values(["incidents", "day", "hour"],
                                                           ascending=[False, True, True], kind="stable")
        times = long.head(defaults.PATROL_BEST_HOURS).reset_index(drop=True)
        notes += grid.notes()
        if grid.total > 0:
            shift_pct = 100 * shift_share(grid, shift)
            shift_shares = {name: 100 * shift_share(grid, spec) for name, spec in defaults.PATROL_SHIFTS.items()}
            notes.append(f"The shift's hours hold {shift_pct:.0f}% of the dated incidents in "
                         "these areas (every day of the week).")
            best = max(shift_shares, key=lambda k: (shift_shares[k], k == shift))
            # like for like: a shift is only compared with the named shifts when it is as long as they are
            # (a 4-hour peak shift would always "lose" to an 8-hour one)
            if len(shift_hours(shift)) == len(shift_hours(defaults.PATROL_SHIFTS[best])) and \
                    shift_shares[best] - shift_pct >= defaults.PATROL_SHIFT_HINT_PP:
                busier_shift = best
                notes.append(f"The {best} shift ({defaults.PATROL_SHIFTS[best]}) holds {shift_shares[best]:.0f}% "
                             f"of them, against {shift_pct:.0f}% for the shift chosen: consider planning it "
                             "for that shift instead.")
        if int((in_plan["time_precision"].astype(str) == PRECISION_MONTH).sum()):
            notes.append(MONTH_ONLY_NOTE.replace("police.uk gives", "The police.uk rows give"))
    step(0.95, "Dosage timetable")
    schedule = dosage_schedule(areas["name"].tolist(), shift, visit_min=visit_min, seed=seed,
                               x_m=areas["centroid_x_m"].to_numpy(), y_m=areas["centroid_y_m"].to_numpy())
    s0, s1, shift_label = parse_shift(shift)
    summary = {
        "areas": int(len(areas)), "cells": int(k), "res": res, "incidents": int(len(inc)),
        "months": list(months), "forecast_month": model.forecast_month_,
        "value": "harm" if harm else "count",
        "budget_pct": None if budget_pct is None else float(budget_pct), "n_areas_asked": n_areas,
        "area_pct": share_pct, "area_km2": float(data.area_km2[chosen].sum()),
        "study_area_km2": float(data.area_km2.sum()), "study_cells": int(data.n_cells),
        "expected_crime_pct": 100 * exp_hit if np.isfinite(exp_hit) else None,
        "expected_harm_pct": 100 * exp_harm if np.isfinite(exp_harm) else None,
        "backtest_months": list(tests), "train_months": tm,
        "half_life_months": model.half_life_months_, "prior_strength": model.prior_strength_,
        "shift": shift_label, "visit_min": float(visit_min), "revisit_min": defaults.PATROL_REVISIT_MIN,
        "shift_pct": shift_pct, "shift_shares_pct": shift_shares, "busier_shift": busier_shift,
        "seed": seed, "month_only": bool(timed.empty), "synthetic": bool(is_synthetic(inc)),
        "study_area": area.name if area is not None else "footprint of the data",
        "method": "forecast (RecencyBlendForecast), the recommended method",
    }
    step(1.0, "Done")
    return PatrolPlan(areas, geoms, cell_tab, times, notes, schedule, backtest, summary,
                      area.geometry if area is not None else None, grid)


# ---------------------------------------------------------------------------- exports


# -------------------------------------------------------------------------------- CLI


