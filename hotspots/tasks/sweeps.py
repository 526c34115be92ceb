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
    the order, pin values: none is published. The scores use each hexagon's A&E count
    *as published* (cell-key perturbation, ``hotspots.methods.ckm``: 1 to 7 as they are,
    larger counts moved by -2..+2, or 3 for one key in 65,536, by their records' key sum),
    so the order follows from numbers that may be published, not from the exact counts
    (issue 16).

Recording artefacts
    Police records at snap points that collect crime that did not happen there ("On or near
    Police Station", "Hospital", "Supermarket", "Petrol Station", and points holding most of the
    crime around them: :mod:`hotspots.methods.artefacts`) are left out by default: a knife is not
    hidden in the hedge of the station where the crime was reported. ``include_artefacts=True``
    keeps them. Each area's ``flag`` names the artefact points inside it and ``SweepPlan.notes``
    says what was left out, one line per kind. A&E records are never searched or flagged here (their
    place is the assault's, not the hospital's).

Real and synthetic data
    Real data is never mixed with the synthetic sample: once the selection holds a
    real police force, sample-marked records (police and A&E) are left out
    (``police_forces`` / ``exclude_synthetic_ae`` to set it explicitly).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import shapely

from geo.constants import AE_CATEGORY, SOURCE_AE, SOURCE_POLICE, SYNTHETIC_MARK
from geo.errors import SettingError
from geo.grid import cell_to_parent, cells_area_km2, cells_to_bng_polygon, cells_to_str
from geo.query import Selection, select_ae, select_incidents
from hotspots import defaults
from hotspots.methods.artefacts import artefact_notes, artefacts_in_cells, flag_words, split_artefacts
from hotspots.methods.cells import analysis_window
from hotspots.methods.ckm import perturb
from hotspots.methods.cellsets import cell_components, choose_prefix
from hotspots.methods.metrics import rank_cells
from hotspots.methods.places import street_name, top_values
from hotspots.methods.routing import nearest_neighbour_order, path_length, visiting_order
from geo.schema import is_synthetic
from geo.boundaries import read_green

__all__ = ["AE_KEY", "AE_RANK_NOTE", "SWEEP_SELECTION", "SweepPlan", "green_share", "incident_weights",
           "parse_weights", "plan_sweeps", "weapon_scores"]

#: The default selection of a sweep plan: police.uk street crime and A&E assaults, everywhere, all months.
SWEEP_SELECTION = Selection(sources=(SOURCE_POLICE, SOURCE_AE))

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


def _with_published_ae(store, table: pd.DataFrame, inc: pd.DataFrame, key: np.ndarray, res: int,
                       weight: float) -> pd.DataFrame:
    """The scores with each hexagon's A&E knife/sharp count replaced by its published count (cell-key
    perturbation, ``hotspots.methods.suppress.publish_counts``: 1 to 7 unchanged, larger counts moved by its
    records' key sum), so that the ranking, the one thing published about A&E here, is computed from numbers
    that may be published (issue 16)."""
    ae = inc.loc[key == AE_KEY]
    cells = cells_to_str(cell_to_parent(ae["h3_11"].to_numpy(dtype=np.uint64), res))
    sums = store.ae_key_sums(pd.DataFrame({"force": ae["force"].to_numpy(), "id": ae["id"].to_numpy(),
                                           "cell": cells}))
    cell_keys = dict(zip(sums["cell"], sums["cell_key"].astype(int)))
    out = table.copy()
    n = out[AE_KEY].to_numpy(dtype=np.int64)
    published = perturb(n, out["cell"].map(cell_keys).fillna(0).to_numpy(dtype=np.int64))
    out[AE_KEY] = published
    out["score"] = out["score"] + weight * (published - n)
    out["incidents"] = out["incidents"] + (published - n)
    return out.sort_values(["score", "incidents", "cell"], ascending=[False, False, True], ignore_index=True)


# ------------------------------------------------------------------------------ tour


# ----------------------------------------------------------------------------- green


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
        ``top_streets``, ``flag`` (recording artefacts inside it, or ""), ``centroid_x_m``, ``centroid_y_m``.
    geometry : list
        Shapely polygons (British National Grid), one per area.
    cells : DataFrame
        The chosen cells: ``cell``, ``rank``, ``area``, ``score`` (only without A&E data).
    order : numpy.ndarray
        Area positions (0-based rows of ``areas``) in visiting order.
    summary : dict
    notes : list of str
        Plain sentences for the page and the sheet: the recording artefacts left out (or kept), one per
        kind (the crime types are in ``summary["types"]``).
    artefacts : DataFrame
        The recording-artefact points found among the police records.
    """
    areas: pd.DataFrame
    geometry: list
    cells: pd.DataFrame
    order: np.ndarray
    summary: dict = field(default_factory=dict)
    study_geometry: object = None
    green_geometry: object = None
    notes: list = field(default_factory=list)
    artefacts: pd.DataFrame | None = None


def plan_sweeps(store, sel: Selection = SWEEP_SELECTION, *, res: int = defaults.SWEEP_RES, weights=None,
                n_areas: int | None = None, budget_pct: float | None = None, green=None,
                flag_extra: float = defaults.SWEEP_WEAPON_FLAG_EXTRA, police_forces=None,
                exclude_synthetic_ae: bool | None = None, include_artefacts: bool = False,
                artefact_share_pct: float = defaults.ARTEFACT_SHARE_PCT,
                artefact_min_incidents: int = defaults.ARTEFACT_MIN_INCIDENTS, progress=None) -> SweepPlan:
    """Rank knife-sweep areas (module docstring for the method).

    Parameters
    ----------
    store : geo.store.Store
    sel : geo.query.Selection
        The period, the sources (default police.uk and A&E; add ``rms`` for force records with a weapon flag,
        but not together with police.uk: the same crimes twice) and the study area. The crime types are the
        weights' (``weights``); A&E knife/sharp assaults are read through ``geo.query.select_ae``.
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
    include_artefacts : bool
        Keep the police records at recording-artefact points (left out by default: module docstring).
    artefact_share_pct, artefact_min_incidents
        The share rule of :class:`hotspots.methods.artefacts.ArtefactFinder`.

    Returns
    -------
    SweepPlan
    """
    step = progress or (lambda f, m: None)
    res = defaults.SPECS["res"].check(res, "plan_sweeps")
    n_areas = defaults.SPECS["sweep_areas"].check(n_areas, "plan_sweeps") if n_areas is not None else None
    budget_pct = defaults.SPECS["budget_pct"].check(budget_pct, "plan_sweeps")
    flag_extra = defaults.SPECS["flag_extra"].check(flag_extra, "plan_sweeps")
    artefact_share_pct = defaults.SPECS["artefact_share_pct"].check(artefact_share_pct, "plan_sweeps",
                                                                     allow_none=False)
    artefact_min_incidents = defaults.SPECS["artefact_min_incidents"].check(artefact_min_incidents, "plan_sweeps",
                                                                             allow_none=False)
    w = parse_weights(weights)
    sel = replace(sel, categories=tuple(k for k in w if k != AE_KEY)).checked()
    area = sel.area
    if budget_pct is None and n_areas is None:
        n_areas = defaults.SWEEP_AREAS
    step(0.05, "Selecting incidents")
    cols = ("easting", "northing", "h3_11", "category", "subcategory", "month", "location", "source", "weapon",
            "force", "id")
    parts = [select_incidents(store, sel.without_ae(), columns=cols, purpose="Knife sweeps")] \
        if sel.without_ae().sources else []
    if sel.has_ae and w.get(AE_KEY, 0) > 0:  # A&E: its counts are never published here, only a rank
        parts.append(select_ae(store, replace(sel, forces=()), columns=cols))  # A&E 'forces' are sites
    inc = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(cols))
    inc = _real_or_sample(inc, police_forces, exclude_synthetic_ae)
    # recording artefacts among the police records (never A&E: its place is the assault's)
    police_rows = (inc["source"].astype(str) != SOURCE_AE).to_numpy() if len(inc) else np.zeros(0, dtype=bool)
    inc, artefacts = split_artefacts(inc, include=include_artefacts, share_pct=artefact_share_pct,
                                     min_incidents=artefact_min_incidents, rows=police_rows)
    wt, key = incident_weights(inc, w, flag_extra) if len(inc) else (np.zeros(0), np.zeros(0, dtype=object))
    if not (wt > 0).any():
        raise SettingError("No weapon-violence incidents match the selection (period, sources, area).",
                           "Widen the period or the area; possession of weapons, robbery and violence come from "
                           "police.uk files, knife/sharp assaults from A&E data.")
    scored = inc.loc[wt > 0].reset_index(drop=True)
    ae_in = bool((key == AE_KEY).any())
    step(0.3, "Scoring hexagons")
    table = weapon_scores(inc, res, w, flag_extra)
    if ae_in:  # rank by the published (perturbed) A&E counts, never by the exact ones (issue 16)
        table = _with_published_ae(store, table, inc, key, res, w[AE_KEY])
    window = analysis_window(inc, res, area)

    win_area = cells_area_km2(np.asarray(window, dtype=object))
    study_km2 = float(win_area.sum())
    order = rank_cells(table["score"].to_numpy(), table["incidents"].to_numpy(), table["cell"].to_numpy())
    t_area = cells_area_km2(table["cell"].to_numpy(dtype=object))
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
        green_geom = read_green(green) if isinstance(green, (str, os.PathLike)) else green
        shapely.prepare(green_geom)

    inc_cell = cells_to_str(cell_to_parent(scored["h3_11"].to_numpy(dtype=np.uint64), res))
    inc_area = pd.Series(inc_cell).map(dict(zip(chosen["cell"], chosen["area"]))).to_numpy()
    comp_cols = [c for c in w if c != AE_KEY]
    rows, geoms = [], []
    for r in range(1, len(by) + 1):
        sub = chosen[chosen["area"] == r]
        geom = cells_to_bng_polygon(sub["cell"])
        geoms.append(geom)
        c = geom.centroid
        streets = top_values([street_name(x) for x in scored.loc[inc_area == r, "location"].dropna()],
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
        row["flag"] = flag_words(artefacts_in_cells(artefacts, sub["cell"], res), include_artefacts)
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
        "weights": w, "weapon_flag_extra": float(flag_extra), "sources": list(sel.sources),
        "months": sorted(scored["month"].unique().tolist()), "ae_included": ae_in,
        "area_km2": float(chosen["area_km2"].sum()), "study_area_km2": study_km2,
        "area_pct": 100.0 * float(chosen["area_km2"].sum()) / study_km2,
        "walk_m": length, "nearest_neighbour_walk_m": path_length(nn, areas["centroid_x_m"], areas["centroid_y_m"]),
        "green_layer": green_geom is not None, "synthetic": bool(is_synthetic(inc)),
        "study_area": area.name if area is not None else "footprint of the data",
        "score_note": AE_RANK_NOTE if ae_in else "Score: sum of the weights of the incidents in the area",
        "types": [k for k in w if k != AE_KEY and w[k] > 0], "include_artefacts": bool(include_artefacts),
        "artefact_incidents": int(artefacts["incidents"].sum()) if len(artefacts) else 0,
        "artefacts": [{"location": str(r.location), "easting": round(float(r.easting), 1),
                       "northing": round(float(r.northing), 1), "incidents": int(r.incidents), "rule": str(r.rule),
                       "why": str(r.why)} for r in artefacts.itertuples()],
    }
    notes = artefact_notes(artefacts, include_artefacts)
    step(1.0, "Done")
    cells_out = chosen[["cell", "rank", "area"] + ([] if ae_in else ["score"])].copy()
    return SweepPlan(areas, geoms, cells_out, tour, summary, area.geometry if area is not None else None,
                     green_geom, notes, artefacts)


# ---------------------------------------------------------------------------- exports


# -------------------------------------------------------------------------------- CLI


