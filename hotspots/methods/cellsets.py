"""Sets of H3 cells: connected components, the top-ranked run within a budget, and walkable pieces."""

from __future__ import annotations

import numpy as np

from geo.errors import SettingError
from geo.grid import grid_ring
from hotspots import defaults

__all__ = ["cell_components", "choose_prefix", "split_large"]


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
