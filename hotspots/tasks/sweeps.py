"""Knife-sweep areas: where weapon violence concentrates, how green it is, and a route between them.

A *weapon sweep* is a search of open ground (hedges, bushes, verges, bins, walls) for
knives hidden near where they are used. ``plan_sweeps`` ranks small areas by a
weapon-violence score and gives a visiting order.

Score
    Each incident scores its category's weight (``defaults.SWEEP_WEIGHTS``, editable):
    police "Possession of weapons", "Robbery", "Violence and sexual offences", and A&E
    assault attendances (source ``ae``) whose weapon class (``subcategory``) is a knife
    or sharp object (``defaults.SWEEP_AE_KNIFE_WORDS``), under the key
    ``"A&E knife/sharp"``. Other A&E assaults score 0. A record whose source flags a
    weapon (``weapon`` true: force records) adds ``defaults.SWEEP_WEAPON_FLAG_EXTRA``.
    A cell's score is the sum over its incidents.

Areas
    Cells (res 10 by default: a sweep is a short walk) are ranked by score (then
    incidents, then cell id) and the top ones merged into H3-connected areas exactly
    as the patrol planner does (:func:`hotspots.tasks.patrol.choose_prefix`: N areas, or a
    share of the study area). Areas are ranked by their summed score; with A&E data,
    by their best hexagon (see A&E counts).

Green share
    With a green-space or vegetation layer (polygons, e.g. an OpenStreetMap extract of
    parks, scrub and grass), the share of each area's surface that is green: the exact
    area of the intersection on British National Grid over the area's area.

Visiting order
    A short open walk over the areas' centroids, starting at the top-ranked area:
    nearest neighbour, then improved by 2-opt (reversing stretches) and Or-opt (moving
    stretches of 1-3 areas) while that shortens the walk. Lengths are straight lines
    in metres.

A&E counts
    A&E small numbers (1-7) must never be shown outside the data page (DOMAIN.md
    section 4), nor be recoverable. Police.uk counts are public, so any published
    number derived from a score that holds A&E pins the A&E part: an absolute score
    minus the police part, and a *score index* (top area = 100) once one area's A&E
    is known (or, with A&E alone, from the ratios of the indices and the cap of 7).
    So when A&E knife/sharp assaults are in the selection the areas are ranked
    silently: the outputs give the *rank* (and visiting order) only, no score, no
    index, no A&E count or label per area and no A&E total. The police components
    (public) are shown. Areas are then ranked by their best hexagon, not by their
    summed score (a sum over areas of different sizes would change order when every
    hexagon gains the same). What a reader can still work out: the order plus public
    police counts gives inequalities ``police_i + w * ae_i >= police_j + w * ae_j``
    between hexagons. Adding the same number of A&E assaults to every scored hexagon
    leaves everything published unchanged (the order of hexagons, the chosen set, the
    areas, their order; tested), so a reader gets at most a lower bound ("at least k
    A&E assaults here"), never an upper bound: no count is pinned or shown to be in
    1..7 (tests/unit/test_sweeps.py also tries every count). A per-area A&E label
    ("0", "1 to 7", "suppressed", even "yes/no") would add upper bounds and, with
    the order, pin values: none is published.

Real and synthetic data
    Real data is never mixed with the synthetic sample: once the selection holds a
    real police force, sample-marked records (police and A&E) are left out
    (``police_forces`` / ``exclude_synthetic_ae`` to set it explicitly).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.constants import AE_CATEGORY, SOURCE_AE, SOURCE_POLICE
from geo.errors import SettingError
from hotspots import defaults
from hotspots.outputs.files import SYNTHETIC_NOTE, is_synthetic, safe_csv

__all__ = ["AE_KEY", "AE_RANK_NOTE", "SweepPlan", "add_sweeps_parser", "green_share", "nearest_neighbour_order",
           "parse_weights", "path_length", "plan_sweeps", "sweep_action_table", "sweep_pdf", "sweeps_cli", "two_opt",
           "visiting_order", "weapon_scores", "write_sweeps"]

#: The weight key of A&E knife/sharp assaults.
AE_KEY = "A&E knife/sharp"

#: How a plan ranked with A&E data says why it shows no score.
AE_RANK_NOTE = ("Ranked by the weapon-violence score, which includes A&E knife/sharp assaults, so the score and "
                "A&E numbers are not shown (A&E small numbers stay on the data page); the counts shown are "
                "police records only")


# --------------------------------------------------------------------------- weights


def parse_weights(text: str | dict | None) -> dict[str, float]:
    """The score weights: the defaults with any ``"Type=weight,..."`` edits.

    Examples
    --------
    >>> parse_weights("Robbery=4, A&E knife/sharp=0")["Robbery"]
    4.0
    >>> parse_weights(None) == dict(defaults.SWEEP_WEIGHTS)
    True
    """
    w = dict(defaults.SWEEP_WEIGHTS)
    if not text:
        return w
    items = text.items() if isinstance(text, dict) else (
        (part.rpartition("=")[0], part.rpartition("=")[2]) if "=" in part else (part, None)
        for part in str(text).split(",") if part.strip())
    for key, val in items:
        key = str(key).strip()
        match = next((k for k in w if k.lower() == key.lower()), None)
        if match is None:
            raise SettingError(f"'{key}' is not a weapon-violence score component.",
                               f"Use one of: {', '.join(w)} (e.g. \"Robbery=2\").")
        try:
            v = float(val)
        except (TypeError, ValueError):
            v = float("nan")
        if not np.isfinite(v) or v < 0:
            raise SettingError(f"The weight of '{match}' must be a number, 0 or more (got {val!r}).",
                               f'Write e.g. "{match}=2".')
        w[match] = v
    if not any(v > 0 for v in w.values()):
        raise SettingError("Every weight is 0, so no place scores anything.", "Give at least one weight above 0.")
    return w


def _is_ae_knife(sub) -> np.ndarray:
    s = pd.Series(sub, dtype=object).fillna("").astype(str).str.lower()
    out = np.zeros(len(s), dtype=bool)
    for word in defaults.SWEEP_AE_KNIFE_WORDS:
        out |= s.str.contains(word, regex=False).to_numpy()
    return out


def incident_weights(inc: pd.DataFrame, weights: dict[str, float],
                     flag_extra: float = defaults.SWEEP_WEAPON_FLAG_EXTRA) -> tuple[np.ndarray, np.ndarray]:
    """Each incident's score and its component key (``""`` where it scores nothing).

    Examples
    --------
    >>> inc = pd.DataFrame({"category": ["Robbery", "A&E assault", "A&E assault", "Burglary"],
    ...                     "subcategory": [None, "Knife/sharp", "Blunt object", None],
    ...                     "source": ["rms", "ae", "ae", "police"], "weapon": [True, True, False, None]})
    >>> w, key = incident_weights(inc, defaults.SWEEP_WEIGHTS)
    >>> w.tolist(), key.tolist()
    ([4.0, 3.0, 0.0, 0.0], ['Robbery', 'A&E knife/sharp', '', ''])
    """
    cat = inc["category"].astype(str).to_numpy()
    key = np.where(np.isin(cat, [k for k in weights if k != AE_KEY]), cat, "").astype(object)
    if "subcategory" in inc:
        ae = (cat == AE_CATEGORY) & _is_ae_knife(inc["subcategory"])
    else:
        ae = np.zeros(len(inc), dtype=bool)
    key[ae] = AE_KEY
    w = pd.Series(key, dtype=object).map(weights).fillna(0.0).to_numpy(dtype=float)
    if "weapon" in inc and flag_extra:
        flag = inc["weapon"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        src = inc["source"].astype(str).to_numpy() if "source" in inc else np.full(len(inc), "")
        extra = flag & (key != "") & (key != AE_KEY) & (src != SOURCE_AE)
        w = w + extra * float(flag_extra)
    key[w == 0] = ""
    return w, key


def weapon_scores(inc: pd.DataFrame, res: int = defaults.SWEEP_RES, weights: dict | None = None,
                  flag_extra: float = defaults.SWEEP_WEAPON_FLAG_EXTRA) -> pd.DataFrame:
    """The weapon-violence score of each cell holding a scoring incident.

    Returns
    -------
    DataFrame
        ``cell``, ``score``, ``incidents`` (scoring incidents), one count column per
        weight key, ``flagged`` (records with a weapon flag adding to the score),
        sorted by score, incidents (descending), cell.
    """
    from geo.grid import cell_to_parent, cells_to_str

    weights = parse_weights(weights)
    w, key = incident_weights(inc, weights, flag_extra)
    keep = w > 0
    cols = list(weights)
    if not keep.any():
        return pd.DataFrame(columns=["cell", "score", "incidents", *cols, "flagged"])
    cells = cells_to_str(cell_to_parent(inc["h3_11"].to_numpy(dtype=np.uint64)[keep], res))
    base = pd.Series(key[keep]).map(weights).to_numpy(dtype=float)
    df = pd.DataFrame({"cell": cells, "w": w[keep], "key": key[keep], "flag": w[keep] > base})
    out = df.groupby("cell").agg(score=("w", "sum"), incidents=("w", "size"), flagged=("flag", "sum"))
    comp = pd.crosstab(df["cell"], df["key"]).reindex(columns=cols, fill_value=0)
    out = out.join(comp).reset_index()
    out[cols] = out[cols].fillna(0).astype(np.int64)
    out["flagged"] = out["flagged"].astype(np.int64)
    out = out[["cell", "score", "incidents", *cols, "flagged"]]
    return out.sort_values(["score", "incidents", "cell"], ascending=[False, False, True], ignore_index=True)


# ------------------------------------------------------------------------------ tour


def path_length(order, x, y) -> float:
    """Length (m) of the open walk visiting points in ``order``."""
    o = np.asarray(order, dtype=np.intp)
    if o.size < 2:
        return 0.0
    return float(np.hypot(np.diff(np.asarray(x, float)[o]), np.diff(np.asarray(y, float)[o])).sum())


def nearest_neighbour_order(x, y, start: int = 0) -> np.ndarray:
    """The walk that always goes to the nearest unvisited point (ties: lowest index).

    >>> nearest_neighbour_order([0, 10, 1, 11], [0, 0, 0, 0]).tolist()
    [0, 2, 1, 3]
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = x.size
    if n == 0:
        return np.empty(0, dtype=np.intp)
    seen = np.zeros(n, dtype=bool)
    order = [int(start)]
    seen[start] = True
    for _ in range(n - 1):
        c = order[-1]
        d = np.hypot(x - x[c], y - y[c])
        d[seen] = np.inf
        nxt = int(np.argmin(d))
        order.append(nxt)
        seen[nxt] = True
    return np.asarray(order, dtype=np.intp)


def _distances(x, y) -> np.ndarray:
    x, y = np.asarray(x, float), np.asarray(y, float)
    return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])


def two_opt(order, x, y, dist=None) -> np.ndarray:
    """Improve an open walk (first point fixed) by reversing stretches while that shortens it."""
    o = list(np.asarray(order, dtype=np.intp))
    d = _distances(x, y) if dist is None else dist
    n = len(o)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                nxt = o[j + 1] if j + 1 < n else None
                before = d[o[i - 1], o[i]] + (d[o[j], nxt] if nxt is not None else 0.0)
                after = d[o[i - 1], o[j]] + (d[o[i], nxt] if nxt is not None else 0.0)
                if after < before - 1e-9:
                    o[i:j + 1] = o[i:j + 1][::-1]
                    improved = True
    return np.asarray(o, dtype=np.intp)


def or_opt(order, x, y, dist=None) -> np.ndarray:
    """Improve an open walk (first point fixed) by moving stretches of 1-3 points elsewhere
    (either way round) while that shortens it (Or 1976)."""
    o = list(np.asarray(order, dtype=np.intp))
    d = _distances(x, y) if dist is None else dist
    n = len(o)
    improved = True
    while improved:
        improved = False
        for seg in (1, 2, 3):
            i = 1
            while i + seg <= n:
                part = o[i:i + seg]
                prev, nxt = o[i - 1], (o[i + seg] if i + seg < n else None)
                gain = d[prev, part[0]] + (d[part[-1], nxt] - d[prev, nxt] if nxt is not None else 0.0)
                rest = o[:i] + o[i + seg:]
                best, where = 1e-9, None
                for k in range(1, len(rest) + 1):   # insert between rest[k-1] and rest[k]
                    if k == i:
                        continue
                    a, b = rest[k - 1], (rest[k] if k < len(rest) else None)
                    for rev in (False, True):
                        p0, p1 = (part[-1], part[0]) if rev else (part[0], part[-1])
                        cost = d[a, p0] + (d[p1, b] - d[a, b] if b is not None else 0.0)
                        if gain - cost > best:
                            best, where = gain - cost, (k, rev)
                if where is not None:
                    k, rev = where
                    o = rest[:k] + (part[::-1] if rev else part) + rest[k:]
                    improved = True
                i += 1
    return np.asarray(o, dtype=np.intp)


def visiting_order(x, y, start: int = 0) -> tuple[np.ndarray, float]:
    """A short open walk over points from ``start``: nearest neighbour, then 2-opt and Or-opt
    moves until neither shortens it.

    Returns
    -------
    order : numpy.ndarray of int
    length_m : float

    Examples
    --------
    >>> order, length = visiting_order([0, 100, 0, 100], [0, 0, 100, 100])
    >>> order.tolist(), length
    ([0, 1, 3, 2], 300.0)
    """
    nn = nearest_neighbour_order(x, y, start)
    d = _distances(x, y)
    o = two_opt(nn, x, y, d)
    while True:
        length = path_length(o, x, y)
        o = two_opt(or_opt(o, x, y, d), x, y, d)
        if path_length(o, x, y) >= length - 1e-9:
            break
    return o, path_length(o, x, y)


def brute_force_order(x, y, start: int = 0) -> tuple[np.ndarray, float]:
    """The shortest open walk from ``start`` by trying every order (small instances only)."""
    n = len(x)
    if n > 9:
        raise SettingError("Trying every order is only for 9 points or fewer.", "Use visiting_order.")
    rest = [i for i in range(n) if i != start]
    best, best_len = None, np.inf
    for perm in itertools.permutations(rest):
        o = (start, *perm)
        length = path_length(o, x, y)
        if length < best_len - 1e-9:
            best, best_len = o, length
    return np.asarray(best, dtype=np.intp), float(best_len)


# ----------------------------------------------------------------------------- green


def read_green(path):
    """A green-space or vegetation layer (any polygon file) as one geometry in BNG metres."""
    from geo.boundaries import read_area

    return read_area(path, name="green space").geometry


def green_share(geom_bng, green_bng) -> float:
    """The share (0-1) of a polygon's area that lies inside the green layer (exact, EPSG:27700).

    >>> import shapely
    >>> green_share(shapely.box(0, 0, 10, 10), shapely.box(5, 0, 20, 10))
    0.5
    """
    import shapely

    a = float(shapely.area(geom_bng))
    if a <= 0 or green_bng is None:
        return float("nan") if green_bng is None else 0.0
    return float(shapely.area(shapely.intersection(geom_bng, green_bng))) / a


# ------------------------------------------------------------------------------ plan


def _real_or_sample(inc: pd.DataFrame, police_forces=None, exclude_synthetic_ae: bool | None = None) -> pd.DataFrame:
    """The incidents without the synthetic sample where real data is selected (never both).

    Examples
    --------
    >>> inc = pd.DataFrame({"source": ["police", "police", "ae", "ae"],
    ...                     "force": ["Herts", "Herts (SYNTHETIC)", "RWH01", "RWH01 (SYNTHETIC)"]})
    >>> _real_or_sample(inc)["force"].tolist()
    ['Herts', 'RWH01']
    >>> len(_real_or_sample(inc.iloc[[1, 3]]))          # the sample alone stays
    2
    """
    from geo.constants import SYNTHETIC_MARK

    if inc.empty or "force" not in inc:
        return inc
    is_ae = (inc["source"].astype(str) == SOURCE_AE).to_numpy()
    synth = inc["force"].astype(str).str.contains(SYNTHETIC_MARK, regex=False).to_numpy()
    if police_forces is None:
        real_police = ~is_ae & ~synth
        police_forces = tuple(sorted(set(inc.loc[real_police, "force"].astype(str)))) if real_police.any() else ()
    if exclude_synthetic_ae is None:
        exclude_synthetic_ae = bool(police_forces) if (~is_ae).any() else bool((is_ae & ~synth).any())
    keep = np.ones(len(inc), dtype=bool)
    if police_forces:
        keep &= is_ae | inc["force"].astype(str).isin(list(police_forces)).to_numpy()
    if exclude_synthetic_ae:
        keep &= ~(is_ae & synth)
    return inc.loc[keep].reset_index(drop=True)


@dataclass
class SweepPlan:
    """Ranked sweep areas with their visiting order.

    Attributes
    ----------
    areas : DataFrame
        One row per area, best first: ``rank``, ``name``, ``visit`` (place in the
        visiting order), ``cells``, ``area_km2``, ``perimeter_m``, ``score`` (only
        without A&E data: with it, areas are ranked silently), police component counts
        and ``weapon_flagged`` (never A&E), ``green_pct`` (with a green layer),
        ``top_streets``, ``centroid_x_m``, ``centroid_y_m``.
    geometry : list
        Shapely polygons (British National Grid), one per area.
    cells : DataFrame
        The chosen cells: ``cell``, ``rank``, ``area``, ``score`` (only without A&E data).
    order : numpy.ndarray
        Area positions (0-based rows of ``areas``) in visiting order.
    summary : dict
    """

    areas: pd.DataFrame
    geometry: list
    cells: pd.DataFrame
    order: np.ndarray
    summary: dict = field(default_factory=dict)
    study_geometry: object = None
    green_geometry: object = None


def plan_sweeps(store, date_from=None, date_to=None, *, sources=(SOURCE_POLICE, SOURCE_AE), area=None,
                res: int = defaults.SWEEP_RES, weights=None, n_areas: int | None = None,
                budget_pct: float | None = None, green=None,
                flag_extra: float = defaults.SWEEP_WEAPON_FLAG_EXTRA, police_forces=None,
                exclude_synthetic_ae: bool | None = None, progress=None) -> SweepPlan:
    """Rank knife-sweep areas (module docstring for the method).

    Parameters
    ----------
    store : geo.store.Store
    date_from, date_to : str, optional
        The period (``YYYY-MM``).
    sources : tuple of str
        Sources to read (default police.uk and A&E; add ``rms`` for force records with
        a weapon flag, but not together with police.uk: the same crimes twice).
    area : geo.boundaries.Area, optional
        The study area.
    res : int
        H3 resolution (default 10, ~0.015 km²).
    weights : dict or str, optional
        Score weights (:func:`parse_weights`).
    n_areas, budget_pct
        How many areas (default ``defaults.SWEEP_AREAS``), or a share of the study area.
    green : geometry or path, optional
        Green-space / vegetation polygons (a file, or a shapely geometry in BNG).
    flag_extra : float
        Added to a record's weight when its source flags a weapon.
    police_forces : tuple of str, optional
        Forces of the police.uk / force-record rows to keep (empty: all). Default
        (None): the real forces when the selection holds any, else all (the sample).
    exclude_synthetic_ae : bool, optional
        Leave out A&E records marked synthetic. Default (None): when real police data is
        kept (or, with A&E alone, when real A&E records are selected).

    Returns
    -------
    SweepPlan
    """
    from geo.grid import check_resolution
    from hotspots.tasks.evaluate import rank_cells
    from hotspots.tasks.patrol import _street, _top, cell_components, cells_to_bng_polygon, choose_prefix
    from hotspots.tasks.query import IncidentFilter, analysis_window, select_incidents

    step = progress or (lambda f, m: None)
    res = check_resolution(res)
    w = parse_weights(weights)
    cats = tuple(k for k in w if k != AE_KEY) + ((AE_CATEGORY,) if w.get(AE_KEY, 0) > 0 else ())
    flt = IncidentFilter(date_from, date_to, cats, tuple(sources)).checked()
    if budget_pct is None and n_areas is None:
        n_areas = defaults.SWEEP_AREAS
    step(0.05, "Selecting incidents")
    cols = ("easting", "northing", "h3_11", "category", "subcategory", "month", "location", "source", "weapon",
            "force")
    inc = _real_or_sample(select_incidents(store, flt, area, columns=cols), police_forces, exclude_synthetic_ae)
    wt, key = incident_weights(inc, w, flag_extra) if len(inc) else (np.zeros(0), np.zeros(0, dtype=object))
    if not (wt > 0).any():
        raise SettingError("No weapon-violence incidents match the selection (period, sources, area).",
                           "Widen the period or the area; possession of weapons, robbery and violence come from "
                           "police.uk files, knife/sharp assaults from A&E data.")
    scored = inc.loc[wt > 0].reset_index(drop=True)
    ae_in = bool((key == AE_KEY).any())
    step(0.3, "Scoring hexagons")
    table = weapon_scores(inc, res, w, flag_extra)
    window = analysis_window(inc, res, area)
    from hotspots.methods.forecast import cell_areas_km2

    win_area = cell_areas_km2(np.asarray(window, dtype=object))
    study_km2 = float(win_area.sum())
    order = rank_cells(table["score"].to_numpy(), table["incidents"].to_numpy(), table["cell"].to_numpy())
    t_area = cell_areas_km2(table["cell"].to_numpy(dtype=object))
    # the budget is a share of the whole study area, not of the scored cells
    if budget_pct is not None:
        k = choose_prefix(order, table["cell"].to_numpy(), t_area, budget_pct=budget_pct, total_km2=study_km2)
    else:
        k = choose_prefix(order, table["cell"].to_numpy(), t_area, n_areas=n_areas)
    chosen = table.iloc[order[:k]].reset_index(drop=True)
    chosen["rank"] = np.arange(1, k + 1)
    chosen["area_km2"] = t_area[order[:k]]
    comp = cell_components(chosen["cell"])
    chosen["component"] = comp
    by = chosen.groupby("component").agg(score=("score", "sum"), best=("rank", "min")).reset_index()
    if ae_in:  # by the best hexagon: an order a shift of every hexagon's A&E count leaves as it is
        by = by.sort_values(["best"], ignore_index=True)
    else:
        by = by.sort_values(["score", "best"], ascending=[False, True], ignore_index=True)
    chosen["area"] = chosen["component"].map({c: i + 1 for i, c in enumerate(by["component"])})
    chosen = chosen.drop(columns="component")
    step(0.6, "Merging hexagons into areas")
    green_geom = None
    if green is not None:
        green_geom = read_green(green) if isinstance(green, (str, Path)) else green
        import shapely

        shapely.prepare(green_geom)
    from geo.grid import cell_to_parent, cells_to_str

    inc_cell = cells_to_str(cell_to_parent(scored["h3_11"].to_numpy(dtype=np.uint64), res))
    inc_area = pd.Series(inc_cell).map(dict(zip(chosen["cell"], chosen["area"]))).to_numpy()
    comp_cols = [c for c in w if c != AE_KEY]
    rows, geoms = [], []
    for r in range(1, len(by) + 1):
        sub = chosen[chosen["area"] == r]
        geom = cells_to_bng_polygon(sub["cell"])
        geoms.append(geom)
        c = geom.centroid
        streets = _top([_street(x) for x in scored.loc[inc_area == r, "location"].dropna()],
                       defaults.PATROL_TOP_LOCATIONS)
        row = {"rank": r, "name": f"Sweep {r}" + (f": {streets[0][0]}" if streets else ""), "cells": int(len(sub)),
               "area_km2": float(sub["area_km2"].sum()), "perimeter_m": float(geom.length)}
        if not ae_in:  # with A&E: ranked silently, no score (module docstring)
            row["score"] = float(sub["score"].sum())
        for col in comp_cols:   # police.uk (public) and force records: no A&E
            row[col] = int(sub[col].sum())
        row["weapon_flagged"] = int(sub["flagged"].sum())
        if green_geom is not None:
            row["green_pct"] = 100.0 * green_share(geom, green_geom)
        row["top_streets"] = "; ".join(n for n, _ in streets)
        row["centroid_x_m"], row["centroid_y_m"] = float(c.x), float(c.y)
        rows.append(row)
    areas = pd.DataFrame(rows)
    step(0.85, "Visiting order")
    tour, length = visiting_order(areas["centroid_x_m"].to_numpy(), areas["centroid_y_m"].to_numpy(), 0)
    nn = nearest_neighbour_order(areas["centroid_x_m"].to_numpy(), areas["centroid_y_m"].to_numpy(), 0)
    visit = np.empty(len(areas), dtype=np.int64)
    visit[tour] = np.arange(1, len(areas) + 1)
    areas.insert(2, "visit", visit)
    if ae_in:
        chosen = chosen.drop(columns=[AE_KEY], errors="ignore")
    summary = {
        # A&E attendances are not counted here (a total would let them be worked out)
        "areas": int(len(areas)), "cells": int(k), "res": res,
        "incidents_scored": int(((wt > 0) & (key != AE_KEY)).sum()),
        "weights": w, "weapon_flag_extra": float(flag_extra), "sources": list(flt.sources),
        "months": sorted(scored["month"].unique().tolist()), "ae_included": ae_in,
        "area_km2": float(chosen["area_km2"].sum()), "study_area_km2": study_km2,
        "area_pct": 100.0 * float(chosen["area_km2"].sum()) / study_km2,
        "walk_m": length, "nearest_neighbour_walk_m": path_length(nn, areas["centroid_x_m"], areas["centroid_y_m"]),
        "green_layer": green_geom is not None, "synthetic": bool(is_synthetic(inc)),
        "study_area": area.name if area is not None else "footprint of the data",
        "score_note": AE_RANK_NOTE if ae_in else "Score: sum of the weights of the incidents in the area",
    }
    step(1.0, "Done")
    cells_out = chosen[["cell", "rank", "area"] + ([] if ae_in else ["score"])].copy()
    return SweepPlan(areas, geoms, cells_out, tour, summary, area.geometry if area is not None else None,
                     green_geom)


# ---------------------------------------------------------------------------- exports


def sweep_table(plan: SweepPlan) -> pd.DataFrame:
    """The areas in visiting order, with people's column names and units."""
    t = plan.areas.iloc[plan.order].drop(columns=["centroid_x_m", "centroid_y_m"]).copy()
    t["area_km2"] = (t["area_km2"] * 1e6).round(0)   # sweeps are small: square metres
    t["perimeter_m"] = t["perimeter_m"].round(0)
    if "green_pct" in t:
        t["green_pct"] = t["green_pct"].round(1)
    names = {"visit": "Visit", "rank": "Rank", "name": "Sweep area", "cells": "Hexagons", "area_km2": "Area (m²)",
             "perimeter_m": "Walk round it (m)", "score": "Score",
             "green_pct": "Green (%)", "top_streets": "Streets", "weapon_flagged": "Weapon flagged"}
    cols = ["visit"] + [c for c in t.columns if c != "visit"]
    return t[cols].rename(columns=names)


def sweep_action_table(plan: SweepPlan, rows: int | None = None, name_len: int = 40) -> pd.DataFrame:
    """The first ``rows`` areas in visiting order for a briefing: visit, area, score (only
    without A&E data; with it the areas are ranked silently) and the walk round each.

    Examples
    --------
    The briefing's actions section can show ``sweep_action_table(plan, 8)`` and
    ``plan.summary["score_note"]`` as they are: neither holds an A&E number.
    """
    t = plan.areas.iloc[plan.order]
    if rows is not None:
        t = t.head(rows)
    names = [str(n) if len(str(n)) <= name_len else str(n)[:name_len - 1] + "…" for n in t["name"]]
    out = pd.DataFrame({"Visit": t["visit"].astype(np.int64).to_numpy(), "Area": names})
    if "score" in t:
        out["Score"] = t["score"].astype(float).round(1).to_numpy()
    out["Walk round it (m)"] = t["perimeter_m"].astype(float).round(0).to_numpy()
    return out


def sweep_csv(plan: SweepPlan) -> bytes:
    t = plan.areas.iloc[plan.order].drop(columns=["centroid_x_m", "centroid_y_m"]).copy()
    if plan.summary.get("synthetic"):
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return safe_csv(t)


def sweep_geojson(plan: SweepPlan) -> bytes:
    from hotspots.tasks.patrol import areas_geojson

    return areas_geojson(plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"]), plan.geometry,
                         synthetic=plan.summary.get("synthetic", False), title="Knife-sweep areas")


def sweep_kml(plan: SweepPlan) -> bytes:
    from hotspots.tasks.patrol import areas_kml

    return areas_kml(plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"]), plan.geometry,
                     synthetic=plan.summary.get("synthetic", False), title="Knife-sweep areas")


def sweep_map_png(plan: SweepPlan, width_px: int = 1800, height_px: int = 1200) -> bytes:
    """Areas numbered in visiting order, the walk between them, green space and a legend."""
    import shapely

    from hotspots.tasks.patrol import area_colour
    from hotspots.outputs.staticmap import StaticMap

    s = plan.summary
    m = StaticMap(title="Knife-sweep areas, numbered in visiting order", synthetic=s.get("synthetic"),
                  note=f"{s['study_area']}; {s['months'][0]} to {s['months'][-1]}; walk {s['walk_m']:,.0f} m "
                       "between area centres (straight lines)")
    items = []
    if plan.study_geometry is not None:
        m.boundaries([plan.study_geometry])
    if plan.green_geometry is not None:
        box = shapely.box(*shapely.total_bounds(np.asarray(plan.geometry, dtype=object))).buffer(300)
        g = shapely.intersection(plan.green_geometry, box)
        if not g.is_empty:
            m.polygons([g], ["#a1d99b"])
            items.append(("#a1d99b", "Green space / vegetation"))
    visit = plan.areas["visit"].to_numpy()
    m.polygons(plan.geometry, [area_colour(r) for r in plan.areas["rank"]], labels=[str(v) for v in visit])
    xs = plan.areas["centroid_x_m"].to_numpy()[plan.order]
    ys = plan.areas["centroid_y_m"].to_numpy()[plan.order]
    if len(xs) > 1:
        m.route(xs, ys, colour="#000000")  # the suggested walk, with its direction
    else:
        m.points(xs, ys, colour="#000000", size=8)
    items += [(area_colour(r), f"{v}. {re.sub(r'^Sweep [0-9]+: ', '', n)} (rank {r})") for r, v, n in
              sorted(zip(plan.areas["rank"], visit, plan.areas["name"]), key=lambda t: t[1])][:12]
    m.legend(items, title="Visit order (rank colour)")
    return m.to_png(width_px=width_px, height_px=height_px, fit="data")


def sweep_pdf(plan: SweepPlan, large: bool = False) -> bytes:
    """The printable sweep sheet: map, areas in visiting order, what to search, safety."""
    from hotspots.outputs.sheets import Sheet

    s = plan.summary
    doc = Sheet("Knife-sweep sheet", subtitle=f"{s['study_area']}: {s['areas']} areas, {s['area_km2']:.3f} km²; "
                f"walk about {s['walk_m']:,.0f} m between them; {s['months'][0]} to {s['months'][-1]}",
                synthetic=bool(s.get("synthetic")), large=large)
    doc.heading("Where to search, in this order")
    doc.image(sweep_map_png(plan), height_frac=0.62)
    doc.text(s["score_note"] + ". Weights: " + ", ".join(f"{k} {v:g}" for k, v in s["weights"].items())
             + (f"; a record flagged with a weapon adds {s['weapon_flag_extra']:g}." if s["weapon_flag_extra"]
                else "."))
    doc.page_break()
    doc.heading("Areas in visiting order")
    doc.table(sweep_table(plan).drop(columns=["Rank", "Hexagons"]))
    doc.heading("How to sweep")
    doc.bullets([
        "Search where a knife can be hidden and picked up again: hedges, bushes, long grass, verges, "
        "bins, drains, walls, gaps under fences and parked-car wheel arches on public land.",
        "Walk each area in lines a few metres apart; areas with a high green share take longer.",
        "Wear cut-resistant gloves and use a litter picker. Do not run your hand into anything you cannot see.",
        "If you find a weapon: do not touch it with bare hands, photograph it where it lies, note the place, "
        "and seize it as evidence as your force's procedure says.",
        "Record each area as searched, with the time, even when nothing is found.",
    ])
    return doc.to_pdf()


def write_sweeps(plan: SweepPlan, path) -> Path:
    """Save the sweep plan as PDF, GeoJSON, KML or CSV (by the file's ending)."""
    from hotspots.outputs.files import write_by_suffix

    writers = {".pdf": sweep_pdf, ".geojson": sweep_geojson, ".kml": sweep_kml, ".csv": sweep_csv, ".json": sweep_geojson}
    return write_by_suffix(plan, path, writers, example="sweeps.pdf")


# -------------------------------------------------------------------------------- CLI


def add_sweeps_parser(subparsers):
    """Add the ``sweeps`` subcommand (arguments: see :func:`sweeps_cli`)."""
    p = subparsers.add_parser("sweeps", help="knife-sweep areas: weapon-violence score, green share, a route",
                              description="Rank small areas by a weapon-violence score and suggest a visiting "
                                          "order for a weapon sweep.")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month (default: all)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month (default: all)")
    p.add_argument("--sources", default="police,ae", metavar='"police,ae"',
                   help="sources (default police,ae; rms for force records with a weapon flag). With A&E "
                        "knife/sharp assaults in the data the areas are ranked without a score or A&E numbers")
    p.add_argument("--area", metavar="FILE", help="study area boundary file")
    p.add_argument("--district", metavar="NAME", help="a district stored in the store")
    p.add_argument("--weights", metavar='"Type=w,..."',
                   help="score weights, e.g. \"Possession of weapons=3,Robbery=2,Violence and sexual offences=1,"
                        "A&E knife/sharp=3\" (the defaults)")
    p.add_argument("--weapon-flag-extra", type=float, default=defaults.SWEEP_WEAPON_FLAG_EXTRA,
                   help=f"added when a record flags a weapon (default {defaults.SWEEP_WEAPON_FLAG_EXTRA:g})")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--areas", type=int, dest="n_areas", metavar="N",
                   help=f"number of sweep areas (default {defaults.SWEEP_AREAS})")
    g.add_argument("--budget-pct", type=float, metavar="PCT", help="or at most this share of the study area")
    p.add_argument("--green", metavar="FILE", help="green-space / vegetation polygons (e.g. an OSM extract, GeoJSON)")
    p.add_argument("--res", type=int, default=defaults.SWEEP_RES, help="H3 resolution (default 10, ~0.015 km2)")
    p.add_argument("--db", metavar="FILE", help="the store (default: $HOTSPOTS_DB, else data/hotspots.duckdb)")
    p.add_argument("--out", metavar="FILE", help="write the plan: .pdf, .geojson, .kml or .csv")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def sweeps_cli(args) -> int:
    """``python -m hotspots sweeps``; ``--json`` prints ``summary`` and ``areas`` (visiting order)."""
    from geo.store import Store
    from hotspots.tasks.patrol import _jsonable, _split, read_study_area

    with Store(args.db, read_only=True) as store:
        area = read_study_area(args, store)
        plan = plan_sweeps(store, args.date_from, args.date_to, sources=_split(args.sources), area=area,
                           res=args.res, weights=args.weights, n_areas=args.n_areas, budget_pct=args.budget_pct,
                           green=args.green, flag_extra=args.weapon_flag_extra)
    if args.out:
        plan.summary["out"] = str(write_sweeps(plan, args.out))
    if args.json:
        rows = plan.areas.iloc[plan.order].to_dict(orient="records")
        print(json.dumps({"summary": plan.summary,
                          "areas": [{k: _jsonable(v) for k, v in r.items()} for r in rows]}, indent=2, default=str))
        return 0
    s = plan.summary
    print(f"Knife-sweep plan: {s['areas']} areas, {s['area_km2']:.3f} km2 ({s['area_pct']:.2f}% of "
          f"{s['study_area']}), {s['incidents_scored']:,} scoring police incidents"
          + (" and A&E knife/sharp assaults" if s["ae_included"] else "") + f", {s['months'][0]} to {s['months'][-1]}")
    print(s["score_note"] + ". Weights: " + ", ".join(f"{k}={v:g}" for k, v in s["weights"].items()))
    print(f"Visiting order: walk {s['walk_m']:,.0f} m between area centres (nearest neighbour alone: "
          f"{s['nearest_neighbour_walk_m']:,.0f} m)")
    print(sweep_table(plan).to_string(index=False))
    if args.out:
        print(f"Wrote {s['out']}")
    return 0
