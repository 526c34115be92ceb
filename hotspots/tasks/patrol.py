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

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from geo.constants import H3_DEFAULT_RES, PRECISION_MONTH
from geo.errors import SettingError
from hotspots import defaults
from hotspots.outputs.files import SYNTHETIC_NOTE, is_synthetic, kml_document, kml_text, safe_csv
from geo.grid import cell_boundary, cell_resolution, grid_ring

__all__ = ["MONTH_ONLY_NOTE", "PatrolPlan", "add_patrol_parser", "areas_geojson", "areas_kml", "cell_components",
           "cells_to_bng_polygon", "choose_prefix", "dosage_schedule", "harm_share_text", "parse_shift", "patrol_cli",
           "plan_patrol", "plan_pdf", "write_plan"]

#: What the plan says when the selection has no times (police.uk street crime).
MONTH_ONLY_NOTE = "police.uk gives only the month: no days or hours can be recommended from it."

_SHIFT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


# ------------------------------------------------------------------------------ shifts


def parse_shift(shift: str) -> tuple[int, int, str]:
    """The shift as (start, end) minutes from the start day's midnight, and a label.

    Named shifts are ``defaults.PATROL_SHIFTS`` (early, late, night); otherwise
    ``HH:MM-HH:MM``. An end at or before the start runs past midnight.

    Examples
    --------
    >>> parse_shift("18:00-02:00")
    (1080, 1560, '18:00-02:00')
    >>> parse_shift("late")
    (900, 1380, 'late (15:00-23:00)')
    """
    text = str(shift).strip()
    named = defaults.PATROL_SHIFTS.get(text.lower())
    spec = named or text
    m = _SHIFT.match(spec)
    if not m:
        raise SettingError(f"The shift '{text}' is not a shift.",
                           f"Write it as HH:MM-HH:MM (e.g. 18:00-02:00) or name one of: "
                           f"{', '.join(f'{k} ({v})' for k, v in defaults.PATROL_SHIFTS.items())}.")
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    if h0 > 23 or h1 > 24 or m0 > 59 or m1 > 59 or (h1 == 24 and m1):
        raise SettingError(f"The shift '{text}' has a time that does not exist.", "Use 00:00 to 23:59.")
    start, end = h0 * 60 + m0, h1 * 60 + m1
    if end <= start:
        end += 1440
    if end - start < 60:
        raise SettingError(f"The shift '{text}' is shorter than an hour.", "Give a shift of at least an hour.")
    label = f"{text.lower()} ({spec})" if named else f"{_hhmm(start)}-{_hhmm(end)}"
    return start, end, label


def _shift_share(grid, shift: str) -> float:
    """Share (0-1) of a day-by-hour grid's total in the clock hours a shift touches, every day.

    An hour counts when the shift covers any of it (07:30-15:00 takes 07:00-07:59).

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> g = pd.DataFrame([[1.0] * 24], columns=range(24))
    >>> _shift_share(SimpleNamespace(grid=g, total=24.0), "23:00-07:00")
    0.3333333333333333
    """
    return float(grid.grid[_shift_hours(shift)].to_numpy().sum()) / float(grid.total)


def _shift_hours(shift: str) -> list[int]:
    """The clock hours (0-23) a shift touches, in order.

    >>> _shift_hours("night"), _shift_hours("22:30-23:30")
    ([0, 1, 2, 3, 4, 5, 6, 23], [22, 23])
    """
    s0, s1, _ = parse_shift(shift)
    return sorted({h % 24 for h in range(s0 // 60, -(-s1 // 60))})


def _hhmm(minutes: float) -> str:
    m = int(round(minutes)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


# ------------------------------------------------------------------- cells and areas


def cell_components(cells) -> np.ndarray:
    """Label H3-connected components: cells sharing an edge get the same label.

    Labels are 0, 1, ... in order of each component's first cell in ``cells``.

    Examples
    --------
    >>> a = "89195da1803ffff"
    >>> ring = sorted(grid_ring(a, 1))
    >>> far = "89195da1b37ffff"
    >>> cell_components([a, ring[0], far, ring[3]]).tolist()
    [0, 0, 1, 0]
    """
    cells = [str(c) for c in cells]
    pos = {c: i for i, c in enumerate(cells)}
    parent = list(range(len(cells)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, c in enumerate(cells):
        for nb in grid_ring(c, 1):
            j = pos.get(nb)
            if j is not None:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    roots = [find(i) for i in range(len(cells))]
    first: dict[int, int] = {}
    return np.array([first.setdefault(r, len(first)) for r in roots], dtype=np.int64)


def choose_prefix(order, cells, area_km2, *, budget_pct: float | None = None, n_areas: int | None = None,
                  total_km2: float | None = None) -> int:
    """How many top-ranked cells a plan takes.

    Parameters
    ----------
    order : array_like of int
        Cell positions, best first (:func:`hotspots.tasks.evaluate.rank_cells`).
    cells : sequence of str
        The study area's cells.
    area_km2 : array_like
        Each cell's area; their total is the study area.
    budget_pct : float, optional
        The longest run whose area is at most this share (%) of the study area.
    n_areas : int, optional
        The shortest run forming exactly this many H3-connected areas.
    total_km2 : float, optional
        The study area (default: the total of ``area_km2``).

    Returns
    -------
    int
        The number of leading cells of ``order`` in the plan (at least 1).

    Raises
    ------
    SettingError
        Neither or both settings, a budget smaller than the best cell, or more areas
        than the cells can form.
    """
    order = np.asarray(order, dtype=np.intp)
    area = np.asarray(area_km2, dtype=float)
    if (budget_pct is None) == (n_areas is None):
        raise SettingError("Give either a budget (share of the area) or a number of patrol areas, not both.",
                           "Use --budget-pct 1.5 or --areas 6.")
    if budget_pct is not None:
        b = float(budget_pct)
        if not 0 < b <= defaults.PATROL_MAX_BUDGET_PCT:
            raise SettingError(f"The patrol budget must be a share of the area above 0 and at most "
                               f"{defaults.PATROL_MAX_BUDGET_PCT:g} %; got {budget_pct!r}.",
                               "Patrol areas are usually 1-2 % of a district; use e.g. --budget-pct 1.5.")
        budget = b / 100.0 * (area.sum() if total_km2 is None else float(total_km2))
        ca = np.cumsum(area[order])
        k = int(np.searchsorted(ca, budget * (1 + 1e-12), side="right"))
        if k == 0:
            raise SettingError(f"{b:g} % of the study area ({budget:.3f} km²) is smaller than one hexagon "
                               f"({area[order[0]]:.3f} km²).",
                               "Give a larger budget, or smaller hexagons (a higher --res).")
        return k
    n = int(n_areas)
    if n < 1 or n > defaults.PATROL_MAX_AREAS:
        raise SettingError(f"The number of patrol areas must be 1 to {defaults.PATROL_MAX_AREAS}; got {n_areas!r}.",
                           "Use e.g. --areas 6.")
    cells = np.asarray(cells, dtype=object)
    # incremental union-find along the ranking: a new cell adds one area or joins/merges some
    parent: dict[str, str] = {}

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    comps = 0
    limit = min(order.size, defaults.PATROL_MAX_SCAN_CELLS)
    for k in range(limit):
        c = str(cells[order[k]])
        parent[c] = c
        comps += 1
        for nb in grid_ring(c, 1):
            if nb in parent:
                a, b2 = find(nb), find(c)
                if a != b2:
                    parent[a] = b2
                    comps -= 1
        if comps == n:
            return k + 1
    raise SettingError(f"The top-ranked hexagons do not form {n} separate areas.",
                       "Ask for fewer areas, or give a share of the area instead (--budget-pct).")


def split_large(cells, comp, area_km2, max_km2: float) -> np.ndarray:
    """Cut components larger than ``max_km2`` into contiguous pieces of at most that size.

    ``cells`` are in rank order. Each piece grows from the best-ranked cell not yet
    placed, adding the best-ranked neighbouring cell of the same component while the
    piece stays within ``max_km2``; every piece is H3-connected by construction.
    Returns new labels (0, 1, ... in order of each piece's first cell).
    """
    cells = [str(c) for c in cells]
    comp = np.asarray(comp)
    area = np.asarray(area_km2, dtype=float)
    pos = {c: i for i, c in enumerate(cells)}
    label = np.full(len(cells), -1, dtype=np.int64)
    nxt = 0
    for i in range(len(cells)):
        if label[i] >= 0:
            continue
        label[i] = nxt
        size = area[i]
        frontier = {pos[nb] for nb in grid_ring(cells[i], 1) if nb in pos}
        while frontier:
            cand = sorted(j for j in frontier if label[j] < 0 and comp[j] == comp[i])
            if not cand or size + area[cand[0]] > max_km2 + 1e-12:
                break
            j = cand[0]
            label[j] = nxt
            size += area[j]
            frontier |= {pos[nb] for nb in grid_ring(cells[j], 1) if nb in pos}
            frontier = {f for f in frontier if label[f] < 0}
        nxt += 1
    return label


def cells_to_bng_polygon(cells):
    """The union of H3 cells as one shapely (Multi)Polygon in British National Grid metres."""
    import shapely

    from geo.crs import lonlat_to_bng

    polys = []
    for c in cells:
        lat, lon = np.asarray(cell_boundary(str(c))).T
        x, y = lonlat_to_bng(lon, lat)
        polys.append(shapely.Polygon(np.column_stack([x, y])))
    # neighbouring cells share vertices exactly; a tiny snap removes projection round-off
    return shapely.union_all(shapely.set_precision(np.asarray(polys, dtype=object), 0.001))


def _street(location: str) -> str:
    s = re.sub(r"^\s*on or near\s+", "", str(location), flags=re.I)
    s = re.sub(r"^\s*\d+[a-z]?\s*,?\s+", "", s, flags=re.I)   # a house number
    return s.split(",")[0].strip()


def _top(values, n: int) -> list[tuple[str, int]]:
    s = pd.Series(values, dtype=object).dropna().astype(str)
    s = s[s.str.strip() != ""]
    if s.empty:
        return []
    vc = s.value_counts()
    vc = vc.sort_index(kind="stable").sort_values(ascending=False, kind="stable")  # ties: alphabetical
    return [(str(k), int(v)) for k, v in vc.head(n).items()]


# --------------------------------------------------------------------------- dosage


def dosage_schedule(areas, shift: str, *, visit_min: float = defaults.PATROL_VISIT_MIN,
                    revisit_min: float = defaults.PATROL_REVISIT_MIN, seed: int | None = 0,
                    x_m=None, y_m=None) -> pd.DataFrame:
    """A Koper-curve timetable: short visits, random order, each area about every two hours.

    Areas are split into teams of at most ``revisit_min // (visit_min + travel)`` areas
    (``defaults.PATROL_TRAVEL_MIN`` minutes to get between areas), so one officer or crew
    can give each of them a visit every ``revisit_min`` minutes; with
    centroids given, teams take consecutive stretches of a short tour over them. A
    team's shift is cut into rounds of ``revisit_min`` minutes; in each round every
    area of the team gets one visit of ``visit_min`` minutes, at evenly spaced start
    times (the gaps are for walking between areas). The order of the first round is
    random; each later round shuffles the previous order within short blocks, so the
    order keeps changing but no area waits more than ``defaults.PATROL_REVISIT_TOLERANCE_MIN``
    minutes more or less than ``revisit_min`` between visits.

    Parameters
    ----------
    areas : sequence of str
        Area names, in rank order.
    shift : str
        A shift (:func:`parse_shift`).
    visit_min : float
        Minutes per visit, 10-15 (the Koper curve).
    revisit_min : float
        Minutes between visits to one area (about 120).
    seed : int, optional
        Random seed of the order.
    x_m, y_m : array_like, optional
        Area centroids (m, British National Grid), to form teams of neighbouring areas.

    Returns
    -------
    DataFrame
        One row per visit: ``team``, ``round``, ``start``, ``end`` (HH:MM), ``area``,
        ``minutes``, ``start_min`` (minutes after the shift starts).

    Examples
    --------
    >>> sch = dosage_schedule(["A", "B", "C"], "18:00-22:00", seed=1)
    >>> sorted(sch.groupby("area").size().tolist()), sch["minutes"].unique().tolist()
    ([2, 2, 2], [15.0])
    """
    lo, hi = defaults.PATROL_VISIT_RANGE_MIN
    visit = float(visit_min)
    if not lo <= visit <= hi:
        raise SettingError(f"A visit must last {lo:g} to {hi:g} minutes (the Koper curve); got {visit_min!r}.",
                           f"Use {defaults.PATROL_VISIT_MIN:g} minutes.")
    revisit = float(revisit_min)
    if not 60 <= revisit <= 240:
        raise SettingError(f"The time between visits must be 60 to 240 minutes; got {revisit_min!r}.",
                           "Use 120 minutes (about every two hours).")
    start, end, _label = parse_shift(shift)
    length = end - start
    names = [str(a) for a in areas]
    if not names:
        return pd.DataFrame(columns=["team", "round", "start", "end", "area", "minutes", "start_min"])
    per_team = max(1, int(revisit // (visit + defaults.PATROL_TRAVEL_MIN)))
    order = list(range(len(names)))
    if x_m is not None and len(names) > per_team:
        from hotspots.tasks.sweeps import visiting_order

        order = list(visiting_order(np.asarray(x_m, float), np.asarray(y_m, float))[0])
    teams = [order[i:i + per_team] for i in range(0, len(order), per_team)]
    rng = np.random.default_rng(seed)
    tol = defaults.PATROL_REVISIT_TOLERANCE_MIN
    rows = []
    for t, members in enumerate(teams, start=1):
        n = len(members)
        cycle = min(revisit, float(length))
        slot = max(cycle / n, visit + defaults.PATROL_TRAVEL_MIN)   # time to get to the next area
        block = max(1, int(tol // slot) + 1)   # shuffling within blocks moves a visit by < block slots
        seq = list(rng.permutation(members))
        r = 0
        while r * revisit + (n - 1) * slot + visit <= length + 1e-9:
            if r > 0:
                off = int(rng.integers(0, block)) if block > 1 else 0
                cuts = [0] + list(range(off if off else block, n, block)) + [n]
                cuts = sorted(set(cuts))
                new = []
                for a, b in zip(cuts[:-1], cuts[1:]):
                    part = seq[a:b]
                    new += list(rng.permutation(part)) if len(part) > 1 else part
                seq = new
            for i, a in enumerate(seq):
                s0 = r * revisit + i * slot
                rows.append({"team": t, "round": r + 1, "start": _hhmm(start + s0),
                             "end": _hhmm(start + s0 + visit), "area": names[a], "minutes": visit,
                             "start_min": float(s0)})
            r += 1
        if r == 0:
            raise SettingError(f"The shift ({length / 60:g} h) is too short for one visit to each of {n} areas.",
                               "Choose a longer shift or fewer areas.")
    return pd.DataFrame(rows)


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
    from geo.grid import cell_to_parent, str_to_cells
    from hotspots.methods.density import QuarticKDE
    from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, CellMonths, cell_months
    from hotspots.methods.harm import harm_of

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


def plan_patrol(store, flt=None, *, area=None, res: int = H3_DEFAULT_RES, harm: bool = False,
                exclude_police_generated: bool = False, budget_pct: float | None = None,
                n_areas: int | None = None, shift: str = defaults.PATROL_DEFAULT_SHIFT,
                visit_min: float = defaults.PATROL_VISIT_MIN, seed: int | None = 0, progress=None) -> PatrolPlan:
    """Plan patrols for the selected incidents (module docstring for the method).

    Parameters
    ----------
    store : geo.store.Store
    flt : hotspots.tasks.query.IncidentFilter
        Period, crime types, sources.
    area : geo.boundaries.Area, optional
        The study area (a district); default the data's footprint.
    res : int
        H3 resolution of the cells (default 9, ~0.1 km²).
    harm : bool
        Rank by harm (approximate CCHI days) instead of counts.
    exclude_police_generated : bool
        Give drugs and possession of weapons no harm.
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
        No incidents, a bad budget, shift or visit length; A&E data asked for
        (:func:`hotspots.methods.suppress.refuse_ae`: nothing here suppresses small counts).
    """
    from geo.grid import check_resolution
    from hotspots.tasks.evaluate import accuracy_at_shares, rank_cells
    from hotspots.methods.forecast import RecencyBlendForecast, month_range
    from hotspots.methods.harm import harm_weights
    from hotspots.tasks.query import IncidentFilter, analysis_window, select_incidents
    from hotspots.methods.temporal import day_hour_grid

    from hotspots.methods.suppress import refuse_ae

    step = progress or (lambda f, m: None)
    flt = (flt or IncidentFilter()).checked()
    # counts per area, times and exports here are not suppressed: A&E belongs on the overlay
    refuse_ae(flt.sources, "Patrol planning")
    res = check_resolution(res)
    parse_shift(shift)
    if budget_pct is None and n_areas is None:
        budget_pct = defaults.PATROL_BUDGET_PCT
    step(0.02, "Selecting incidents")
    cols = ("easting", "northing", "h3_11", "category", "month", "location", "occurred_at", "occurred_until",
            "time_precision", "source", "force")
    inc = select_incidents(store, flt, area, columns=cols)
    if inc.empty:
        raise SettingError("No incidents match the selection (period, crime types, sources, area).",
                           "Widen the period or choose other crime types; `python -m hotspots status` "
                           "shows what the store holds.")
    weights = harm_weights(exclude_police_generated)
    months = month_range(min(inc["month"]), max(inc["month"]))
    window = analysis_window(inc, res, area)
    step(0.1, "Counting incidents per hexagon and month")
    if harm:
        data, rank_data = _harm_cell_months(inc, window, months, weights)
    else:
        from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, cell_months

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
    from geo.grid import cell_to_parent, cells_to_str

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
        top_l = _top(locs, defaults.PATROL_TOP_LOCATIONS)
        top_s = _top([_street(x) for x in locs.dropna()], defaults.PATROL_TOP_LOCATIONS)
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
            shift_pct = 100 * _shift_share(grid, shift)
            shift_shares = {name: 100 * _shift_share(grid, spec) for name, spec in defaults.PATROL_SHIFTS.items()}
            notes.append(f"The shift's hours hold {shift_pct:.0f}% of the dated incidents in "
                         "these areas (every day of the week).")
            best = max(shift_shares, key=lambda k: (shift_shares[k], k == shift))
            # like for like: a shift is only compared with the named shifts when it is as long as they are
            # (a 4-hour peak shift would always "lose" to an 8-hour one)
            if len(_shift_hours(shift)) == len(_shift_hours(defaults.PATROL_SHIFTS[best])) and \
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

#: Distinct fills for numbered areas on maps (ColorBrewer Set1 + Dark2, print-safe).
AREA_COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
                "#d95f02", "#7570b3", "#e7298a", "#66a61e")


def area_colour(rank: int) -> str:
    return AREA_COLOURS[(int(rank) - 1) % len(AREA_COLOURS)]


def _to_lonlat(geom):
    import shapely

    from geo.crs import bng_to_lonlat

    def f(coords):
        lon, lat = bng_to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, f)


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def areas_geojson(table: pd.DataFrame, geoms_bng, *, synthetic: bool = False, title: str = "") -> bytes:
    """GeoJSON (WGS84) of area polygons, each row's columns as properties."""
    import shapely

    feats = []
    for row, g in zip(table.to_dict(orient="records"), geoms_bng):
        props = {k: _jsonable(v) for k, v in row.items()}
        if synthetic:
            props = {"data_note": SYNTHETIC_NOTE, **props}
        feats.append({"type": "Feature", "properties": props,
                      "geometry": json.loads(shapely.to_geojson(shapely.set_precision(_to_lonlat(g), 1e-6)))})
    out = {"type": "FeatureCollection", "name": title + (f" ({SYNTHETIC_NOTE})" if synthetic else ""),
           "features": feats}
    return json.dumps(out).encode("utf-8")


def _kml_rings(poly) -> str:
    def ring(coords):
        return " ".join(f"{x:.6f},{y:.6f}" for x, y in coords)

    inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{ring(r.coords)}</coordinates></LinearRing>"
                    "</innerBoundaryIs>" for r in poly.interiors)
    return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring(poly.exterior.coords)}</coordinates>"
            f"</LinearRing></outerBoundaryIs>{inner}</Polygon>")


def areas_kml(table: pd.DataFrame, geoms_bng, *, name_col: str = "name", synthetic: bool = False,
              title: str = "Patrol areas") -> bytes:
    """KML polygons for in-car and handheld devices; every text XML-escaped.

    A KML description is HTML: each value is HTML-escaped, then the whole XML-escaped.
    """
    doc_title = f"{title} ({SYNTHETIC_NOTE})" if synthetic else title
    marks = []
    for row, g in zip(table.to_dict(orient="records"), geoms_bng):
        gl = _to_lonlat(g)
        polys = list(gl.geoms) if gl.geom_type == "MultiPolygon" else [gl]
        body = "".join(_kml_rings(p) for p in polys)
        if len(polys) > 1:
            body = f"<MultiGeometry>{body}</MultiGeometry>"
        desc = "<br/>".join(f"{html.escape(str(k))}: {html.escape(str(_jsonable(v)))}" for k, v in row.items())
        if synthetic:
            desc = html.escape(SYNTHETIC_NOTE) + "<br/>" + desc
        colour = area_colour(row.get("rank", 1) or 1).lstrip("#")
        kml_colour = "80" + colour[4:6] + colour[2:4] + colour[0:2]   # aabbggrr, half transparent
        marks.append(f"<Placemark><name>{kml_text(row.get(name_col, ''))}</name>"
                     f"<description>{escape(desc)}</description>"
                     f"<Style><LineStyle><color>ff{colour[4:6]}{colour[2:4]}{colour[0:2]}</color><width>2</width>"
                     f"</LineStyle><PolyStyle><color>{kml_colour}</color></PolyStyle></Style>{body}</Placemark>")
    return kml_document(doc_title, marks)


#: Columns of the areas table in exports and on the page, with plain-words names and units.
AREA_COLUMNS = {
    "rank": "Rank", "name": "Patrol area", "cells": "Hexagons", "area_km2": "Area (km²)",
    "perimeter_m": "Walk round it (m)", "expected_crime_pct": "Expected share of crime (%)",
    "expected_harm_pct": "Expected share of harm (%)", "period_incidents": "Incidents in the period",
    "period_crime_pct": "Share of the period's crime (%)", "top_streets": "Top streets (incidents)",
}


def plan_table(plan: PatrolPlan) -> pd.DataFrame:
    """The areas table with people's column names and rounded numbers."""
    t = plan.areas[list(AREA_COLUMNS)].copy()
    t["area_km2"] = t["area_km2"].round(3)
    t["perimeter_m"] = t["perimeter_m"].round(0)
    for c in ("expected_crime_pct", "expected_harm_pct", "period_crime_pct"):
        t[c] = t[c].round(2)
    return t.rename(columns=AREA_COLUMNS)


def plan_csv(plan: PatrolPlan) -> bytes:
    """The areas as CSV (formulas neutralised; labelled when synthetic)."""
    t = plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"]).copy()
    if plan.summary.get("synthetic"):
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return safe_csv(t)


def plan_geojson(plan: PatrolPlan) -> bytes:
    t = plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"])
    return areas_geojson(t, plan.geometry, synthetic=plan.summary.get("synthetic", False), title="Patrol areas")


def plan_kml(plan: PatrolPlan) -> bytes:
    t = plan.areas[["rank", "name", "area_km2", "perimeter_m", "expected_crime_pct", "expected_harm_pct",
                    "top_streets"]]
    return areas_kml(t, plan.geometry, synthetic=plan.summary.get("synthetic", False), title="Patrol areas")


def plan_map_png(plan: PatrolPlan, width_px: int = 1800, height_px: int = 1200) -> bytes:
    """A printable map of the patrol areas (numbered), the study area outline and a legend."""
    from hotspots.outputs.staticmap import StaticMap

    s = plan.summary
    m = StaticMap(title=f"Patrol areas ({s['area_pct']:.2f}% of the study area)", synthetic=s.get("synthetic"),
                  note=f"{s['study_area']}; incidents {s['months'][0]} to {s['months'][-1]}; H3 res {s['res']}")
    if plan.study_geometry is not None:
        m.boundaries([plan.study_geometry])
    ranks = plan.areas["rank"].tolist()
    m.polygons(plan.geometry, [area_colour(r) for r in ranks], labels=[str(r) for r in ranks])
    m.legend([(area_colour(r), str(n)) for r, n in zip(ranks, plan.areas["name"])][:12],
             title="Patrol areas (number on the map = rank)")
    fit = "data" if plan.study_geometry is not None and len(ranks) <= 3 else "all"
    return m.to_png(width_px=width_px, height_px=height_px, fit=fit)


def harm_share_text(summary: dict) -> str:
    """The expected share of harm in words: ``"12.3%"``, or ``"n/a: ..."`` when it cannot be computed
    (no harm in the test months, e.g. drugs alone with police-generated offences given no harm).

    >>> harm_share_text({"expected_harm_pct": 12.34}), harm_share_text({"expected_harm_pct": None})
    ('12.3%', 'n/a, no harm in the test months')
    """
    v = summary.get("expected_harm_pct")
    return "n/a, no harm in the test months" if v is None else f"{v:.1f}%"


def plan_pdf(plan: PatrolPlan, large: bool = False) -> bytes:
    """The printable patrol sheet: map, areas table, times, dosage timetable, instructions."""
    from hotspots.outputs.sheets import Sheet

    s = plan.summary
    doc = Sheet("Patrol sheet", subtitle=f"{s['study_area']}: {s['areas']} patrol areas, {s['area_km2']:.2f} km² "
                f"({s['area_pct']:.2f}% of the area); shift {s['shift']}; forecast for {s['forecast_month']}",
                synthetic=bool(s.get("synthetic")), large=large)
    doc.heading("Where to patrol")
    doc.image(plan_map_png(plan), height_frac=0.62)
    exp = s.get("expected_crime_pct")
    doc.text(("Expected share of next month's crime in these areas: "
              f"{exp:.1f}% (harm: {harm_share_text(s)}), from testing the forecast on "
              f"{', '.join(s['backtest_months'])}.") if exp is not None else
             "No expected share: the period is too short to test the forecast (it needs two months or more).")
    doc.page_break()
    doc.heading("Patrol areas, best first")
    doc.table(plan_table(plan).drop(columns=[AREA_COLUMNS["cells"]]).rename(columns={"Rank": "#"}))
    doc.heading("When")
    if plan.times.empty:
        doc.text(" ".join(plan.time_notes))
    else:
        t = plan.times.copy()
        t["hour"] = [f"{h:02d}:00-{(h + 1) % 24:02d}:00" for h in t["hour"]]
        t["incidents"] = t["incidents"].round(1)
        t = t.rename(columns={"day": "Day", "hour": "Hour", "incidents": "Incidents (aoristic)"})
        doc.table(t)
        doc.bullets(plan.time_notes)
    doc.page_break()
    doc.heading(f"Visiting timetable: shift {s['shift']}")
    doc.bullets([
        f"Spend {s['visit_min']:g} minutes in each area on each visit: about 15 minutes is where the effect levels off "
        "(the Koper curve).",
        f"Come back to each area about every {s['revisit_min'] / 60:g} hours, in the order below: the order changes "
        "each round so nobody can predict it.",
        "Walk the area's streets and stay visible; the rest of the time, answer calls as usual.",
        "If a call takes you away, pick up the timetable at the next visit; do not try to catch up.",
    ])
    sch = plan.schedule[["team", "round", "start", "end", "area", "minutes"]].rename(columns={
        "team": "Team", "round": "Round", "start": "Start", "end": "End", "area": "Patrol area",
        "minutes": "Minutes"})
    doc.table(sch)
    return doc.to_pdf()


def write_plan(plan: PatrolPlan, path) -> Path:
    """Save the plan as PDF, GeoJSON, KML or CSV (by the file's ending)."""
    from hotspots.outputs.files import write_by_suffix

    writers = {".pdf": plan_pdf, ".geojson": plan_geojson, ".kml": plan_kml, ".csv": plan_csv, ".json": plan_geojson}
    return write_by_suffix(plan, path, writers, example="patrol.pdf")


# -------------------------------------------------------------------------------- CLI


def _add_selection(p, *, types_default=None) -> None:
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month (default: all)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month (default: all)")
    p.add_argument("--types", metavar='"A,B"', default=types_default, help="crime types, comma-separated")
    p.add_argument("--sources", default="police", metavar='"police,rms"',
                   help="sources, comma-separated (default police; rms: force records with times)")
    p.add_argument("--area", metavar="FILE", help="study area boundary file (GeoJSON, GeoPackage, Shapefile, KML)")
    p.add_argument("--district", metavar="NAME", help="a district stored in the store (loaded on the Data page)")
    p.add_argument("--db", metavar="FILE", help="the store (default: $HOTSPOTS_DB, else data/hotspots.duckdb)")


def read_study_area(args, store):
    """The study area from ``--area FILE`` or ``--district NAME`` (or None)."""
    from hotspots.tasks.query import study_area

    return study_area(store, args.district, args.area)


def add_patrol_parser(subparsers):
    """Add the ``patrol`` subcommand (arguments: see :func:`patrol_cli`)."""
    p = subparsers.add_parser("patrol", help="plan hot-spot patrols: areas, times, a dosage timetable",
                              description="Ranked patrol areas from the recommended forecast, their expected "
                                          "share of crime from its backtest, and a Koper-curve timetable.")
    _add_selection(p)
    p.add_argument("--harm", action="store_true", help="rank by harm (approximate CCHI days)")
    p.add_argument("--exclude-police-generated", action="store_true",
                   help="with --harm: give drugs and possession of weapons no harm")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--budget-pct", type=float, metavar="PCT",
                   help=f"patrol at most this share of the area (default {defaults.PATROL_BUDGET_PCT:g} %%)")
    g.add_argument("--areas", type=int, metavar="N", dest="n_areas", help="exactly N patrol areas instead")
    p.add_argument("--shift", default=defaults.PATROL_DEFAULT_SHIFT,
                   help='early (07:00-15:00), late (15:00-23:00), night (23:00-07:00) or "HH:MM-HH:MM" '
                        f"(default {defaults.PATROL_DEFAULT_SHIFT})")
    p.add_argument("--visit-min", type=float, default=defaults.PATROL_VISIT_MIN,
                   help=f"minutes per visit, 10-15 (default {defaults.PATROL_VISIT_MIN:g})")
    p.add_argument("--seed", type=int, default=0, help="seed of the random visiting order (default 0)")
    p.add_argument("--res", type=int, default=H3_DEFAULT_RES, help="H3 resolution 7-11 (default 9)")
    p.add_argument("--out", metavar="FILE", help="write the plan: .pdf, .geojson, .kml or .csv")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _split(s):
    return tuple(t.strip() for t in s.split(",") if t.strip()) if s else ()


def patrol_cli(args) -> int:
    """``python -m hotspots patrol``.

    ``--json`` prints ``summary`` (the plan's settings, ``area_pct``,
    ``expected_crime_pct``, ``expected_harm_pct``, ``month_only``), ``areas`` (the
    table), ``times``, ``time_notes``, ``schedule`` and ``backtest``.
    """
    import sys

    from geo.store import Store
    from hotspots.tasks.query import IncidentFilter

    flt = IncidentFilter(args.date_from, args.date_to, _split(args.types), _split(args.sources))
    with Store(args.db, read_only=True) as store:
        area = read_study_area(args, store)
        plan = plan_patrol(store, flt, area=area, res=args.res, harm=args.harm,
                           exclude_police_generated=args.exclude_police_generated, budget_pct=args.budget_pct,
                           n_areas=args.n_areas, shift=args.shift, visit_min=args.visit_min, seed=args.seed)
    if args.out:
        plan.summary["out"] = str(write_plan(plan, args.out))
    if args.json:
        out = {"summary": plan.summary,
               "areas": [{k: _jsonable(v) for k, v in r.items()} for r in plan.areas.to_dict(orient="records")],
               "times": plan.times.to_dict(orient="records"), "time_notes": plan.time_notes,
               "schedule": plan.schedule.to_dict(orient="records"),
               "backtest": [{k: _jsonable(v) for k, v in r.items()} for r in plan.backtest.to_dict(orient="records")]}
        print(json.dumps(out, indent=2, default=str))
        return 0
    s = plan.summary
    w = sys.stdout.write
    plural = "" if s["areas"] == 1 else "s"
    w(f"Patrol plan: {s['areas']} area{plural}, {s['cells']} hexagons (res {s['res']}), {s['area_km2']:.2f} km2 = "
      f"{s['area_pct']:.2f}% of {s['study_area']} ({s['study_area_km2']:.1f} km2)\n")
    w(f"Ranked by the forecast for {s['forecast_month']} ({s['value']}); {s['incidents']:,} incidents "
      f"{s['months'][0]} to {s['months'][-1]}\n")
    if s["expected_crime_pct"] is not None:
        w(f"Expected share of next month's crime in the plan: {s['expected_crime_pct']:.1f}% "
          f"(harm {harm_share_text(s)}), backtest on {', '.join(s['backtest_months'])}\n")
    else:
        w("No expected share: one month is too short to test the forecast.\n")
    t = plan_table(plan)
    w(t.to_string(index=False) + "\n")
    w("When:\n" + "".join(f"  {n}\n" for n in plan.time_notes))
    if not plan.times.empty:
        w("Busiest hours of the week in these areas (incidents, aoristic):\n")
        w(plan.times.round({"incidents": 1}).to_string(index=False) + "\n")
    w(f"Timetable for the {s['shift']} shift: {s['visit_min']:g}-minute visits, each area about every "
      f"{s['revisit_min'] / 60:g} h, random order (seed {s['seed']})\n")
    w(plan.schedule.drop(columns=["start_min"]).to_string(index=False) + "\n")
    if args.out:
        w(f"Wrote {s['out']}\n")
    return 0
