"""Sets of H3 cells: connected components, the top-ranked run within a budget, and walkable pieces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.errors import SettingError
from geo.grid import grid_ring
from hotspots import defaults
from hotspots.methods.routing import walk_through

__all__ = ["WalkableAreas", "cell_components", "choose_prefix", "split_large", "walkable_areas"]


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


def _budget_km2(budget_pct, area: np.ndarray, total_km2) -> tuple[float, float]:
    """The patrol budget: (its share in %, checked; the km² it allows of the study area)."""
    b = float(budget_pct)
    if not 0 < b <= defaults.PATROL_MAX_BUDGET_PCT:
        raise SettingError(f"The patrol budget must be a share of the area above 0 and at most "
                           f"{defaults.PATROL_MAX_BUDGET_PCT:g} %; got {budget_pct!r}.",
                           "Patrol areas are usually 1-2 % of a district; use e.g. --budget-pct 1.5.")
    return b, b / 100.0 * (area.sum() if total_km2 is None else float(total_km2))


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
        b, budget = _budget_km2(budget_pct, area, total_km2)
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


@dataclass
class WalkableAreas:
    """Patrol areas cut from a ranking (:func:`walkable_areas`).

    Attributes
    ----------
    label : numpy.ndarray of int
        Per cell (the positions of ``cells``): its area (0, 1, ... in order of forming: the first is the
        hottest), or -1 when the cell is not in the plan.
    taken : int
        How many leading positions of the ranking the plan looked at (its cells, and those left out).
    left_out : list of (int, str)
        Cells among them left out, each with why: ``"area"`` (larger than the area cap on its own) or
        ``"walk"`` (its own walk is longer than the walk cap).
    walk_m : list of float
        Each area's walk (metres), by label.
    walk_order : list of numpy.ndarray
        Each area's walk: point positions (into the point arrays) in walking order.
    """

    label: np.ndarray
    taken: int
    left_out: list
    walk_m: list
    walk_order: list


def walkable_areas(order, cells, area_km2, pt_cell, pt_x, pt_y, pt_w, *, max_area_km2: float, max_walk_m: float,
                   budget_pct: float | None = None, n_areas: int | None = None,
                   total_km2: float | None = None) -> WalkableAreas:
    """Top-ranked cells placed into patrol areas that one visit can cover: each within both caps.

    Going down the ranking, a cell joins the first-formed (hottest) area it touches (an H3 edge) in which
    both caps still hold with it, or else starts a new area. So each area grows round its hottest cell, and
    a contiguous hot zone larger than the caps is split into several areas. A cell over a cap on its own
    is left out (and listed). The walk of a set of cells is a short open walk past its points (the places
    its incidents are recorded), from the busiest (:func:`hotspots.methods.routing.walk_through`).

    Parameters
    ----------
    order : array_like of int
        Cell positions, best first.
    cells : sequence of str
        The study area's cells.
    area_km2 : array_like
        Each cell's area; their total is the study area.
    pt_cell, pt_x, pt_y, pt_w : array_like
        The points: the position of the cell holding each, its coordinates (m) and its weight (incidents).
    max_area_km2, max_walk_m : float
        The caps of one area.
    budget_pct : float, optional
        Take cells while their total area is at most this share (%) of the study area (left-out cells
        take none of it): the plan never exceeds it.
    n_areas : int, optional
        Take cells until exactly this many areas exist (the shortest such run).
    total_km2 : float, optional
        The study area (default: the total of ``area_km2``).

    Returns
    -------
    WalkableAreas

    Raises
    ------
    SettingError
        Neither or both of the budget settings, a budget smaller than the best cell, more areas than the
        ranking can form, or no cell within the caps.

    Examples
    --------
    Seven cells in a flower, ranked centre first, 1 km² each, one point at each centre; areas of at most 2 km²:

    >>> import h3
    >>> c = h3.latlng_to_cell(51.656, -0.396, 9)
    >>> cells = [c] + sorted(h3.grid_ring(c, 1))
    >>> x, y = np.arange(7) * 300.0, np.zeros(7)
    >>> w = walkable_areas(range(7), cells, np.ones(7), range(7), x, y, np.ones(7), max_area_km2=2.0,
    ...                    max_walk_m=1e6, n_areas=3)
    >>> w.label.tolist(), w.taken          # the centre and its best neighbour; the next two start areas
    ([0, 0, 1, 2, -1, -1, -1], 4)
    >>> w.walk_m
    [300.0, 0.0, 0.0]
    """
    order = np.asarray(order, dtype=np.intp)
    area = np.asarray(area_km2, dtype=float)
    cells = [str(c) for c in cells]
    if (budget_pct is None) == (n_areas is None):
        raise SettingError("Give either a budget (share of the area) or a number of patrol areas, not both.",
                           "Use --budget-pct 1.5 or --areas 6.")
    budget = None
    if budget_pct is not None:
        b, budget = _budget_km2(budget_pct, area, total_km2)
        if order.size and area[order[0]] > budget * (1 + 1e-12):
            raise SettingError(f"{b:g} % of the study area ({budget:.3f} km²) is smaller than one hexagon "
                               f"({area[order[0]]:.3f} km²).",
                               "Give a larger budget, or smaller hexagons (a higher --res).")
    else:
        n = int(n_areas)
        if n < 1 or n > defaults.PATROL_MAX_AREAS:
            raise SettingError(f"The number of patrol areas must be 1 to {defaults.PATROL_MAX_AREAS}; got "
                               f"{n_areas!r}.", "Use e.g. --areas 6.")
    pt_cell = np.asarray(pt_cell, dtype=np.intp)
    pt_x, pt_y, pt_w = (np.asarray(v, dtype=float) for v in (pt_x, pt_y, pt_w))
    pts_of: dict[int, np.ndarray] = {}
    if pt_cell.size:
        srt = np.argsort(pt_cell, kind="stable")
        bounds = np.flatnonzero(np.diff(pt_cell[srt])) + 1
        for grp in np.split(srt, bounds):
            pts_of[int(pt_cell[grp[0]])] = grp
    empty = np.empty(0, dtype=np.intp)

    def walk(points: np.ndarray) -> tuple[np.ndarray, float]:
        points = np.sort(points)   # the walk of a set of points, whatever order they came in
        o, length = walk_through(pt_x[points], pt_y[points], pt_w[points])
        return points[o], length

    label = np.full(len(cells), -1, dtype=np.int64)
    where: dict[str, int] = {}           # cell id -> area label
    a_km2: list[float] = []              # area label -> its area (km²), walk (m) and walk order
    walks: list[float] = []
    orders: list[np.ndarray] = []
    left_out: list[tuple[int, str]] = []
    used = 0.0
    taken = 0
    limit = order.size if budget is not None else min(order.size, defaults.PATROL_MAX_SCAN_CELLS)
    for taken in range(1, limit + 1):
        i = int(order[taken - 1])
        mine = pts_of.get(i, empty)
        if budget is not None and used + area[i] > budget * (1 + 1e-12):
            taken -= 1
            break
        if area[i] > max_area_km2 * (1 + 1e-12):
            left_out.append((i, "area"))
            continue
        own_order, own_walk = walk(mine)
        if own_walk > max_walk_m + 1e-9:
            left_out.append((i, "walk"))
            continue
        near = sorted({where[nb] for nb in grid_ring(cells[i], 1) if nb in where})
        placed = False
        for lab in near:
            if a_km2[lab] + area[i] > max_area_km2 * (1 + 1e-12):
                continue
            # a hexagon without snap points adds no stop: the area's walk stays as it is
            o, length = walk(np.concatenate([orders[lab], mine])) if mine.size else (orders[lab], walks[lab])
            if length > max_walk_m + 1e-9:
                continue
            a_km2[lab] += area[i]
            walks[lab], orders[lab] = length, o
            label[i] = lab
            placed = True
            break
        if not placed:
            lab = len(a_km2)
            a_km2.append(float(area[i]))
            walks.append(own_walk)
            orders.append(own_order)
            label[i] = lab
        where[cells[i]] = int(label[i])
        used += area[i]
        if n_areas is not None and len(a_km2) == int(n_areas):
            break
    if not a_km2:
        raise SettingError(f"No hexagon fits in a patrol area of at most {max_area_km2:g} km² and a "
                           f"{max_walk_m:,.0f} m walk.",
                           "Raise the largest area or the longest walk, or choose smaller hexagons (a higher res).")
    if n_areas is not None and len(a_km2) != int(n_areas):
        raise SettingError(f"The top-ranked hexagons do not form {int(n_areas)} separate areas.",
                           "Ask for fewer areas, or give a share of the area instead (--budget-pct).")
    return WalkableAreas(label, taken, left_out, walks, orders)
