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
    the ranking; the only ones skipped are hexagons over a size cap on their own (listed
    in the plan; they take none of the budget).

Patrol areas (small enough for one visit)
    A hot spot is an address or a few street blocks: Minneapolis' hot spots were clusters of
    addresses within a street block (Sherman & Weisburd 1995), Sacramento's were street blocks
    and intersections (Telep, Mitchell & Weisburd 2014), and the Koper curve's 11-15 minute visit
    assumes one spot an officer can see from where they stand (Koper 1995; DOMAIN.md section 4).
    So each patrol area is capped: at most ``max_area_km2`` (default
    ``defaults.PATROL_MAX_AREA_KM2`` = 0.2 km², about two res-9 hexagons) and a walk of at most
    ``max_walk_m`` (default ``defaults.PATROL_MAX_WALK_M`` = 1,000 m, a 15-minute visit on foot). The
    *walk* is a short open walk past the centres of the street-level hexagons holding the area's
    incidents (one resolution finer than the plan's: res 10, about 130 m across, for res-9 areas;
    :func:`walk_res`), as the crow flies, from the busiest
    (:func:`hotspots.methods.routing.walk_through`). Hexagons, not the incidents' own points, so the
    walk means the same for police.uk snap points and force records' exact points; one res-9 hexagon's
    walk is at most about 700 m (its seven res-10 hexagons), two neighbours' fit only when their crime
    is in a few streets. Going down the ranking, each cell joins the
    first-formed (hottest) patrol area it shares an edge with in which both caps still hold, else it
    starts a new area (:func:`hotspots.methods.cellsets.walkable_areas`): each area is contiguous and
    grows round its hottest cell, and a contiguous hot zone larger than the caps is split into several
    areas. A hexagon over a cap on its own is left out, and the plan lists it. Hexagons larger than
    the area cap (res 8 with the default cap) are replaced by the coarsest finer resolution that fits,
    and the plan says so. Areas are ranked by their forecast. ``PatrolPlan.notes`` says how the caps
    were applied.

Recording artefacts
    Snap points that collect crime that did not happen there ("On or near Police Station",
    "Hospital", "Supermarket", "Petrol Station", and points holding most of the crime around them:
    :mod:`hotspots.methods.artefacts`) are left out of the plan by default, each kind with a one-line
    reason in ``notes``; ``include_artefacts=True`` keeps them (flagged in the areas' ``flag``).

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
Sherman, L. W. & Weisburd, D. (1995). General deterrent effects of police patrol in crime
"hot spots": a randomized, controlled trial. Justice Quarterly 12(4), 625-648.
Chainey, S., Tompson, L. & Uhlig, S. (2008). The utility of hotspot mapping for
predicting spatial patterns of crime. Security Journal 21(1-2), 4-28.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.constants import H3_DEFAULT_RES, H3_STORED_RES, PRECISION_MONTH
from geo.errors import SettingError
from geo.grid import (cell_resolution, cell_to_parent, cells_area_km2, cells_to_bng, cells_to_bng_polygon,
                      cells_to_str, str_to_cells)
from geo.months import months_between
from geo.query import Selection, select_incidents
from hotspots import defaults
from hotspots.methods.cells import analysis_window
from hotspots.methods.artefacts import artefact_notes, artefacts_in_cells, flag_words, split_artefacts
from hotspots.methods.cellsets import cell_components, walkable_areas
from hotspots.methods.density import QuarticKDE
from hotspots.methods.dosage import dosage_schedule, parse_shift, shift_hours, shift_share
from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, CellMonths, RecencyBlendForecast, cell_months
from hotspots.methods.harm import harm_of, harm_weights
from hotspots.methods.metrics import accuracy_at_shares, rank_cells
from hotspots.methods.places import street_name, top_values
from hotspots.methods.temporal import day_hour_grid
from hotspots.methods.words import plural, verb
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
        ``area_km2``, ``perimeter_m`` (its outline), ``walk_m`` (past every place its incidents
        are recorded, from the busiest: the module docstring), ``expected_crime_pct``
        and ``expected_harm_pct`` (backtest, see the module docstring),
        ``period_incidents``, ``period_crime_pct``, ``period_harm_pct`` (the period's own
        counts), ``top_locations``, ``top_streets``, ``flag`` (recording artefacts inside it, or ""),
        ``centroid_x_m``, ``centroid_y_m``.
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
    notes : list of str
        Plain sentences for the page and the sheet: how the size caps were applied (zones split,
        hexagons left out), and the recording artefacts left out (or kept). The crime types are in
        ``summary["types"]``.
    artefacts : DataFrame
        The recording-artefact points found (:class:`hotspots.methods.artefacts.ArtefactFinder`).
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
    notes: list = field(default_factory=list)
    artefacts: pd.DataFrame | None = None


#: H3 resolutions a plan may switch to when the chosen hexagons are larger than the area cap.
_FINER = (9, 10, 11)


def res_for_cap(res: int, max_area_km2: float, cell) -> int:
    """The plan's resolution: ``res``, or the coarsest finer one whose hexagon (the one holding ``cell``, a
    stored res-11 cell) is no larger than the area cap.

    >>> import h3
    >>> c = h3.str_to_int(h3.latlng_to_cell(51.656, -0.396, 11))
    >>> res_for_cap(9, 0.2, c), res_for_cap(8, 0.2, c), res_for_cap(8, 1.0, c), res_for_cap(9, 0.02, c)
    (9, 9, 8, 10)
    """
    out = int(res)
    while out < max(_FINER) and float(cells_area_km2(cell_to_parent(np.asarray([cell], dtype=np.uint64),
                                                                     out))[0]) > max_area_km2:
        out += 1
    return out


def walk_res(res: int) -> int:
    """The resolution of the street-level hexagons a patrol area's walk passes: one finer than the plan's
    (res 10, about 130 m across, for res-9 areas), at most the stored resolution.

    >>> walk_res(9), walk_res(11)
    (10, 11)
    """
    return min(int(res) + 1, H3_STORED_RES)


def cap_notes(summary: dict) -> list[str]:
    """How the size caps were applied, in sentences (from a plan's summary).

    >>> s = {"max_area_km2": 0.2, "max_walk_m": 1000.0, "zones_split": 3, "areas_from_split": 8,
    ...      "cells_left_out": [{"cell": "x", "why": "walk"}, {"cell": "y", "why": "walk"}], "res": 9, "res_asked": 9}
    >>> for n in cap_notes(s): print(n)
    Each patrol area is at most 0.2 km² with a walk of at most 1,000 m past the streets where its crimes are recorded: one visit of about 15 minutes.
    3 hot zones were larger than that and were split into 8 areas.
    2 hexagons were left out: on its own each needs a walk longer than 1,000 m.
    """
    out = [f"Each patrol area is at most {summary['max_area_km2']:g} km² with a walk of at most "
           f"{summary['max_walk_m']:,.0f} m past the streets where its crimes are recorded: one visit of about "
           "15 minutes."]
    if summary.get("res_asked") is not None and summary["res_asked"] != summary["res"]:
        out.append(f"Hexagons of res {summary['res_asked']} are larger than {summary['max_area_km2']:g} km², so the "
                   f"plan uses res {summary['res']}.")
    z, a = summary.get("zones_split", 0), summary.get("areas_from_split", 0)
    if z:
        out.append(f"{plural(z, 'hot zone')} {verb(z, 'was', 'were')} larger than that and "
                   f"{verb(z, 'was', 'were')} split into {plural(a, 'area')}.")
    left = summary.get("cells_left_out") or []
    for why, words in (("walk", f"needs a walk longer than {summary['max_walk_m']:,.0f} m"),
                       ("area", f"is larger than {summary['max_area_km2']:g} km²")):
        n = sum(1 for c in left if c["why"] == why)
        if n:
            out.append(f"{plural(n, 'hexagon')} {verb(n, 'was', 'were')} left out: on its own "
                       f"{verb(n, 'it', 'each')} {words}.")
    return out


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
                seed: int | None = 0, max_area_km2: float = defaults.PATROL_MAX_AREA_KM2,
                max_walk_m: float = defaults.PATROL_MAX_WALK_M, include_artefacts: bool = False,
                artefact_share_pct: float = defaults.ARTEFACT_SHARE_PCT,
                artefact_min_incidents: int = defaults.ARTEFACT_MIN_INCIDENTS, progress=None) -> PatrolPlan:
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
    max_area_km2, max_walk_m : float
        The caps of one patrol area (module docstring): 0.2 km² and a 1,000 m walk by default.
    include_artefacts : bool
        Keep the incidents at recording-artefact points (left out by default).
    artefact_share_pct, artefact_min_incidents
        The share rule of :class:`hotspots.methods.artefacts.ArtefactFinder`.
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
    max_area_km2 = defaults.SPECS["max_area_km2"].check(max_area_km2, "plan_patrol", allow_none=False)
    max_walk_m = defaults.SPECS["max_walk_m"].check(max_walk_m, "plan_patrol", allow_none=False)
    artefact_share_pct = defaults.SPECS["artefact_share_pct"].check(artefact_share_pct, "plan_patrol",
                                                                     allow_none=False)
    artefact_min_incidents = defaults.SPECS["artefact_min_incidents"].check(artefact_min_incidents, "plan_patrol",
                                                                             allow_none=False)
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
    inc, artefacts = split_artefacts(inc, include=include_artefacts, share_pct=artefact_share_pct,
                                     min_incidents=artefact_min_incidents)
    if inc.empty:
        raise SettingError("Every incident selected is at a recording artefact (a police station, hospital, "
                           "supermarket or petrol station, or a place holding most of the crime around it).",
                           "Include the artefacts (--include-artefacts), or choose other crime types or a wider area.")
    res_asked = res
    res = res_for_cap(res, max_area_km2, int(inc["h3_11"].iloc[0]))
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
    # the walks: past the street-level hexagons (one resolution finer) holding each cell's incidents
    h11 = inc["h3_11"].to_numpy(dtype=np.uint64)
    pos = pd.Index(data.cells).get_indexer(cells_to_str(cell_to_parent(h11, res)))
    pts = pd.DataFrame({"cell": pos, "child": cell_to_parent(h11, walk_res(res))})
    pts = pts.loc[pos >= 0].groupby(["cell", "child"]).size().reset_index(name="n")
    _, pts["x"], pts["y"] = cells_to_bng(pts["child"].to_numpy(dtype=np.uint64))
    step(0.35, "Cutting the hot zones into walkable patrol areas")
    cut = walkable_areas(order, data.cells, data.area_km2, pts["cell"], pts["x"], pts["y"], pts["n"],
                         max_area_km2=max_area_km2, max_walk_m=max_walk_m, budget_pct=budget_pct, n_areas=n_areas)
    taken = order[:cut.taken]
    chosen = taken[cut.label[taken] >= 0]
    k = int(chosen.size)
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

    step(0.82, "Describing the patrol areas")
    chosen_cells = data.cells[chosen]
    comp = cut.label[chosen]
    zones = cell_components(chosen_cells)   # contiguous hot zones, before the caps cut them
    pieces = pd.Series(comp).groupby(zones).nunique()
    counts_all = data.counts.sum(axis=1)
    harm_all = data.harm.sum(axis=1)
    rank_of = np.empty(data.n_cells, dtype=np.int64)
    rank_of[order] = np.arange(1, order.size + 1)
    cell_tab = pd.DataFrame({"cell": chosen_cells, "rank": rank_of[chosen], "component": comp,
                             "score": score[chosen], "count": counts_all[chosen].astype(np.int64),
                             "harm": harm_all[chosen], "area_km2": data.area_km2[chosen]})
    by = cell_tab.groupby("component").agg(score=("score", "sum"), best=("rank", "min")).reset_index()
    by = by.sort_values(["score", "best"], ascending=[False, True], ignore_index=True)
    area_rank = {c: i + 1 for i, c in enumerate(by["component"])}
    cell_tab["area"] = cell_tab["component"].map(area_rank)
    walk_of = {area_rank[c]: cut.walk_m[c] for c in area_rank}
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
            "walk_m": float(walk_of[r]),
            "expected_crime_pct": 100 * exp_hit * s_share if np.isfinite(exp_hit) else np.nan,
            "expected_harm_pct": 100 * exp_harm * s_share if np.isfinite(exp_harm) else np.nan,
            "period_incidents": int(sub["count"].sum()),
            "period_crime_pct": 100 * float(sub["count"].sum()) / total_n if total_n else 0.0,
            "period_harm_pct": 100 * float(sub["harm"].sum()) / total_h if total_h else 0.0,
            "top_locations": "; ".join(f"{n} ({v:,})" for n, v in top_l),
            "top_streets": "; ".join(f"{n} ({v:,})" for n, v in top_s),
            "flag": flag_words(artefacts_in_cells(artefacts, sub["cell"], res), include_artefacts),
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
        "types": list(sel.categories) or "all", "res_asked": res_asked,
        "max_area_km2": float(max_area_km2), "max_walk_m": float(max_walk_m),
        "walk_m": float(areas["walk_m"].max()) if len(areas) else 0.0,
        "zones": int(zones.max() + 1) if len(zones) else 0, "zones_split": int((pieces > 1).sum()),
        "areas_from_split": int(pieces[pieces > 1].sum()),
        "cells_left_out": [{"cell": str(data.cells[i]), "why": why} for i, why in cut.left_out],
        "include_artefacts": bool(include_artefacts),
        "artefact_incidents": int(artefacts["incidents"].sum()) if len(artefacts) else 0,
        "artefacts": _artefact_records(artefacts),
    }
    plan_notes = cap_notes(summary) + artefact_notes(artefacts, include_artefacts)
    step(1.0, "Done")
    return PatrolPlan(areas, geoms, cell_tab, times, notes, schedule, backtest, summary,
                      area.geometry if area is not None else None, grid, plan_notes, artefacts)


def _artefact_records(points: pd.DataFrame) -> list[dict]:
    """The artefact points for a plan's summary (JSON): location, coordinates, incidents, why."""
    if points is None or not len(points):
        return []
    return [{"location": str(r.location), "easting": round(float(r.easting), 1),
             "northing": round(float(r.northing), 1), "incidents": int(r.incidents), "rule": str(r.rule),
             "why": str(r.why)} for r in points.itertuples()]


# ---------------------------------------------------------------------------- exports


# -------------------------------------------------------------------------------- CLI


