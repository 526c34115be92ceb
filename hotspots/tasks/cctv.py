"""Mobile CCTV siting: the maximal covering location problem (MCLP), solved to proven optimality.

Choose ``p`` camera sites from a set of candidates so that the incidents (or their
harm) within ``radius_m`` of a chosen site are as many as possible (Church & ReVelle
1974; DOMAIN.md section 3). Demand is each incident at its own coordinates; police.uk
snap points share coordinates, so identical points are merged and their weights add
(the optimum is unchanged: the points have identical coverage).

The model, with ``y_j`` = 1 when candidate ``j`` is chosen and ``x_i`` the share of
demand point ``i`` covered (``N_i``: the candidates within the radius of ``i``)::

    maximise    sum_i w_i x_i
    subject to  x_i <= sum_{j in N_i} y_j      for every demand point i
                sum_j y_j <= p
                y_a + y_b <= 1                 for candidates a, b closer than the minimum spacing
                y_j in {0, 1},  0 <= x_i <= 1

``x_i`` need not be declared integer: with binary ``y`` the best ``x_i`` is
``min(1, sum y)`` which is 0 or 1. The constraint matrix is sparse (one non-zero per
demand-candidate pair within the radius, found with a KD-tree) and is solved by HiGHS
through ``scipy.optimize.milp`` with a relative gap of 0, so "optimal" means proven
optimal. ``spopt.locate.MCLP`` builds the same model densely through pulp/CBC; the tests
check that both give the same optimum, and ``bench/planners.py`` compares their times.

Sound reductions before solving (each keeps the optimum value):

- demand points with zero weight (e.g. already seen by an existing camera) and demand
  that no candidate covers are dropped: they add the same to every solution;
- demand points covered by exactly the same candidates are merged, weights added;
- candidates that cover nothing left are dropped;
- without spacing constraints, a candidate whose covered set is contained in another's
  (ties: the lower index is kept) is dropped: in any solution it can be swapped for its
  dominator, or removed when the dominator is chosen already, without losing coverage
  (the model allows up to ``p`` cameras). With spacing, a swap could break the spacing,
  so this reduction is not applied.

The greedy answer (add the camera that adds most, ``p`` times) is computed too: it is
feasible, so greedy <= optimum always; the page reports both and the gap.

Recording artefacts: incidents at police.uk snap points that collect crime that did not happen
there ("On or near Supermarket" and "Petrol Station": the shop's own CCTV; "Police Station",
"Hospital"; and points holding most of the crime around them: :mod:`hotspots.methods.artefacts`)
are left out of the demand by default, so no camera is sited to watch a recording artefact;
``include_artefacts=True`` keeps them. Either way each site's ``flag`` names the artefact points
within its radius, and ``CctvPlan.notes`` says what was left out, one line per kind.

References
----------
Church, R. & ReVelle, C. (1974). The maximal covering location problem. Papers of the
Regional Science Association, 32, 101-118.
Church, R. L. & Murray, A. T. (2018). Location Covering Models. Springer (spopt's source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from geo.crs import bng_to_lonlat, lonlat_to_bng
from geo.errors import SettingError
from geo.grid import cell_to_parent, cells_to_latlng, cells_to_str
from geo.query import Selection, select_incidents
from hotspots.defaults import (ARTEFACT_MIN_INCIDENTS, ARTEFACT_SHARE_PCT, CCTV_CAMERAS, CCTV_CANDIDATE_RES,
                               CCTV_RADIUS_M, CCTV_TIME_LIMIT_S, SPECS)
from hotspots.methods.artefacts import artefact_notes, artefacts_near, flag_words, split_artefacts
from hotspots.methods.cells import count_by_cell
from hotspots.methods.harm import HARM_LABEL, harm_of, harm_weights
from hotspots.methods.mclp import EPS_M, coverage_matrix, greedy_mclp, solve_mclp, spacing_conflicts
from hotspots.methods.places import top_locations
from geo.schema import is_synthetic

__all__ = ["CctvPlan", "MclpInstance", "build_instance", "check_settings", "site_cameras"]


# ---------------------------------------------------------------------------------------------- core model


# ---------------------------------------------------------------------------------------------- input files


# ---------------------------------------------------------------------------------------------- the plan


@dataclass
class CctvPlan:
    """A camera plan for one selection of incidents.

    Attributes
    ----------
    sites : DataFrame
        The optimal sites, ranked in greedy order within the optimal set: ``rank, site,
        easting, northing, lon, lat, covered_incidents, covered_harm, added_incidents,
        added_harm, cumulative_pct, top_locations``. ``covered_*`` is what the site sees on
        its own; ``added_*`` what it adds to the sites ranked above it (these sum to the
        plan's coverage).
    greedy_sites : DataFrame
        The greedy answer, same columns, in the order greedy added them.
    summary : dict
        The numbers the CLI's ``--json`` prints (see :func:`site_cameras`).
    demand : DataFrame
        Demand points: ``easting, northing, lon, lat, incidents, harm, served`` (seen by an
        existing camera), ``covered`` (by the plan).
    existing : DataFrame
        Existing cameras: ``easting, northing, lon, lat, radius_m, name``.
    cells : DataFrame
        Incidents per res-10 hexagon (``cell, count, harm``), for the map.
    notes : list of str
        Plain sentences for the page and the sheet: the recording artefacts left out (or kept), one per
        kind (the crime types are in ``summary["types"]``).
    artefacts : DataFrame
        The recording-artefact points found (:class:`hotspots.methods.artefacts.ArtefactFinder`).
    """
    sites: pd.DataFrame
    greedy_sites: pd.DataFrame
    summary: dict
    demand: pd.DataFrame
    existing: pd.DataFrame
    cells: pd.DataFrame
    notes: list = field(default_factory=list)
    artefacts: pd.DataFrame | None = None

    @property
    def synthetic(self) -> bool:
        return bool(self.summary.get("synthetic"))


def _candidate_cells(h3_11: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:

    cells = np.unique(cell_to_parent(np.asarray(h3_11, dtype=np.uint64), CCTV_CANDIDATE_RES))
    names = cells_to_str(cells)
    if len(names) == 0:
        return names, np.empty(0), np.empty(0)
    lat, lon = cells_to_latlng(list(names))
    e, n = lonlat_to_bng(lon, lat)
    return names, np.asarray(e), np.asarray(n)


def check_settings(cameras, radius_m, min_spacing_m, owner: str = "site_cameras"):
    """The camera settings checked against their specs (``defaults.SPECS``)."""
    return (SPECS["cameras"].check(cameras, owner), SPECS["radius_m"].check(radius_m, owner),
            SPECS["min_spacing_m"].check(min_spacing_m or 0.0, owner))


@dataclass
class MclpInstance:
    """The model's data for one selection: what :func:`site_cameras` solves (and the tests and the
    benchmark hand to spopt). Demand points are distinct coordinates; ``w`` is 0 where an
    existing camera sees the point already."""

    inc: pd.DataFrame
    dem: pd.DataFrame
    served: np.ndarray
    existing: pd.DataFrame
    cand: pd.DataFrame
    A: sparse.csr_matrix
    w: np.ndarray
    value: np.ndarray
    conflicts: np.ndarray
    radius_m: float
    n_cand_all: int
    n_excluded: int
    cand_source: str
    synthetic: bool
    weights: dict
    artefacts: pd.DataFrame | None = None


def build_instance(store, sel: Selection = Selection(), *, radius_m: float = CCTV_RADIUS_M,
                   weights: dict | None = None, existing: pd.DataFrame | None = None,
                   candidates: pd.DataFrame | None = None, exclude=None, min_spacing_m: float = 0.0,
                   include_artefacts: bool = False, artefact_share_pct: float = ARTEFACT_SHARE_PCT,
                   artefact_min_incidents: int = ARTEFACT_MIN_INCIDENTS, progress=None) -> MclpInstance:
    """Select the incidents and build the MCLP instance (parameters as :func:`site_cameras`)."""
    report = progress or (lambda f, m: None)
    _, radius_m, min_spacing_m = check_settings(1, radius_m, min_spacing_m, "build_instance")
    sel = sel.for_analysis("Camera siting")
    area, harm = sel.area, sel.harm
    w_table = weights if weights is not None else harm_weights(sel.exclude_police_generated,
                                                                 dict(sel.harm_overrides) or None)
    report(0.05, "Selecting incidents")
    # camera plans are exported and printed: A&E data (counts 1 to 7 never shown) stays out
    inc = select_incidents(store, sel, columns=("easting", "northing", "h3_11", "category", "month", "location",
                                                "force"), purpose="Camera siting")
    if inc.empty:
        where = f" inside {area.name}" if area is not None else ""
        raise SettingError(f"No incidents match the settings{where}, so there is nothing for cameras to cover.",
                           "Widen the period or the crime types, or load data (python -m hotspots ingest police).")

    synthetic = bool(is_synthetic(inc))
    share = SPECS["artefact_share_pct"].check(artefact_share_pct, "build_instance", allow_none=False)
    least = SPECS["artefact_min_incidents"].check(artefact_min_incidents, "build_instance", allow_none=False)
    inc, artefacts = split_artefacts(inc, include=include_artefacts, share_pct=share, min_incidents=least)
    if inc.empty:
        raise SettingError("Every incident selected is at a recording artefact (a police station, hospital, "
                           "supermarket or petrol station, or a place holding most of the crime around it).",
                           "Include the artefacts (--include-artefacts), or choose other crime types or a wider area.")
    inc["harm"] = harm_of(inc["category"].to_numpy(), w_table)
    report(0.15, "Merging incidents that share a point")
    codes, uniq = pd.factorize(inc["easting"].to_numpy() + 1j * inc["northing"].to_numpy())
    inc["point"] = codes
    dem = pd.DataFrame({"easting": uniq.real, "northing": uniq.imag,
                        "incidents": np.bincount(codes, minlength=len(uniq)).astype(np.int64),
                        "harm": np.bincount(codes, weights=inc["harm"].to_numpy(), minlength=len(uniq))})
    dxy = dem[["easting", "northing"]].to_numpy()
    # existing cameras: what they see is served already
    served = np.zeros(len(dem), dtype=bool)
    ex = pd.DataFrame(columns=["easting", "northing", "radius_m", "name"])
    if existing is not None and len(existing):
        ex = existing.copy()
        r = pd.to_numeric(ex["radius_m"], errors="coerce") if "radius_m" in ex else pd.Series(np.nan, index=ex.index)
        ex["radius_m"] = r.fillna(radius_m).clip(lower=0).astype(float)
        name_col = next((c for c in ("name", "site_id", "site", "id") if c in ex), None)
        ex["name"] = ex[name_col].astype(str) if name_col else [f"Existing camera {i + 1}" for i in range(len(ex))]
        tree = cKDTree(dxy)
        sees = np.zeros(len(ex), dtype=bool)
        for k, (e, n, rr) in enumerate(zip(ex["easting"], ex["northing"], ex["radius_m"])):
            hit = tree.query_ball_point([e, n], r=rr + EPS_M)
            served[hit] = True
            sees[k] = len(hit) > 0
        # cameras that see none of the selected incidents (e.g. in other districts) play no part
        ex = ex.loc[sees].reset_index(drop=True)
    dem["served"] = served
    # candidates
    report(0.25, "Finding candidate sites")
    if candidates is not None and len(candidates):
        cand = candidates[["easting", "northing"]].astype(float).reset_index(drop=True)
        name_col = next((c for c in ("name", "site_id", "site", "id") if c in candidates), None)
        cand["site"] = (candidates[name_col].astype(str).to_numpy() if name_col
                        else [f"Candidate {i + 1}" for i in range(len(cand))])
        cand_source = "file"
    else:
        names, ce, cn = _candidate_cells(inc["h3_11"].to_numpy())
        cand = pd.DataFrame({"easting": ce, "northing": cn, "site": names})
        cand_source = f"H3 res-{CCTV_CANDIDATE_RES} cells with incidents"
    n_cand_all = len(cand)
    n_excluded = 0
    if exclude is not None and len(cand):
        inside = exclude.contains(cand["easting"].to_numpy(), cand["northing"].to_numpy())
        n_excluded = int(inside.sum())
        cand = cand.loc[~inside].reset_index(drop=True)
    if cand.empty:
        raise SettingError("No candidate site is left" + (" outside the excluded zones." if n_excluded else "."),
                           "Give more candidate sites, or smaller excluded zones.")
    cxy = cand[["easting", "northing"]].to_numpy()
    report(0.35, "Finding what each site would see")
    A = coverage_matrix(dxy, cxy, radius_m)
    value = dem["harm" if harm else "incidents"].to_numpy(dtype=np.float64)
    w = np.where(served, 0.0, value)
    conf = spacing_conflicts(cxy, min_spacing_m)
    return MclpInstance(inc, dem, served, ex, cand, A, w, value, conf, radius_m, n_cand_all, n_excluded,
                        cand_source, synthetic, w_table, artefacts)


def site_cameras(store, sel: Selection = Selection(), *, cameras: int = CCTV_CAMERAS,
                 radius_m: float = CCTV_RADIUS_M, weights: dict | None = None, existing: pd.DataFrame | None = None,
                 candidates: pd.DataFrame | None = None, exclude=None, min_spacing_m: float = 0.0,
                 time_limit_s: float = CCTV_TIME_LIMIT_S, include_artefacts: bool = False,
                 artefact_share_pct: float = ARTEFACT_SHARE_PCT, artefact_min_incidents: int = ARTEFACT_MIN_INCIDENTS,
                 progress=None) -> CctvPlan:
    """Where to put ``cameras`` mobile cameras to see the most incidents (or harm).

    Parameters
    ----------
    store : geo.store.Store
    sel : geo.query.Selection
        Period, crime types, sources (default: all police.uk street crime), the study area (only incidents
        inside it), and ``harm``: maximise covered harm (approximate CCHI days) instead of incidents.
    cameras : int
        Cameras to site (default 8: Hertsmere's fleet, DOMAIN.md section 1).
    radius_m : float
        Coverage radius in metres (default 100: the upper end of 50-100 m "to identify").
    weights : dict, optional
        Harm weight per category (default ``hotspots.methods.harm.harm_weights()``).
    existing : DataFrame, optional
        Existing static cameras (``easting, northing``, optional ``radius_m`` and ``name``),
        e.g. from :func:`read_points`. Incidents they see count as served: weight 0. Cameras that
        see none of the selected incidents are left out of the plan (and its map).
    candidates : DataFrame, optional
        Candidate sites (``easting, northing``, optional ``name``/``site_id``), e.g. lamp
        columns. Default: the centres of the H3 res-10 cells holding an incident.
    exclude : geo.boundaries.Area, optional
        Zones where no camera may go.
    min_spacing_m : float
        Chosen cameras at least this far apart (0: no rule).
    time_limit_s : float
        Time limit of the solver.
    include_artefacts : bool
        Keep the incidents at recording-artefact points (left out by default: module docstring).
    artefact_share_pct, artefact_min_incidents
        The share rule of :class:`hotspots.methods.artefacts.ArtefactFinder`.
    progress : callable(fraction, message), optional

    Returns
    -------
    CctvPlan
        ``summary`` holds ``covered``, ``total`` and ``coverage_pct`` (in the objective's
        unit, ``unit``), ``covered_incidents``, ``total_incidents``, ``covered_harm``,
        ``total_harm``, ``already_covered`` (by existing cameras), ``greedy_covered``,
        ``gap_pct``, ``optimal``, ``status``, ``bound``, ``solve_s``, ``sizes``, ``sites``...

    Raises
    ------
    SettingError
        Out-of-range settings, or no incidents selected.
    """
    report = progress or (lambda f, m: None)
    cameras, radius_m, min_spacing_m = check_settings(cameras, radius_m, min_spacing_m)
    sel = sel.for_analysis("Camera siting")
    area, harm = sel.area, sel.harm
    inst = build_instance(store, sel, radius_m=radius_m, weights=weights, existing=existing,
                          candidates=candidates, exclude=exclude, min_spacing_m=min_spacing_m,
                          include_artefacts=include_artefacts, artefact_share_pct=artefact_share_pct,
                          artefact_min_incidents=artefact_min_incidents, progress=report)
    inc, dem, served, ex, cand, A, w, value, conf = (inst.inc, inst.dem, inst.served, inst.existing, inst.cand,
                                                     inst.A, inst.w, inst.value, inst.conflicts)
    cxy = cand[["easting", "northing"]].to_numpy()
    synthetic, w_table = inst.synthetic, inst.weights
    n_cand_all, n_excluded, cand_source = inst.n_cand_all, inst.n_excluded, inst.cand_source
    report(0.5, "Solving to proven optimality (HiGHS)")
    sol = solve_mclp(A, w, cameras, conf, time_limit_s=time_limit_s)
    report(0.85, "Describing the sites")

    def describe(order: np.ndarray) -> pd.DataFrame:
        """Sites in the given order with what each sees and adds."""
        Ac = sparse.csc_matrix(A)
        seen_so_far = np.zeros(len(dem), dtype=bool)
        rows = []
        lon, lat = bng_to_lonlat(cxy[order, 0], cxy[order, 1]) if len(order) else (np.empty(0), np.empty(0))
        for rank, j in enumerate(order, start=1):
            pts = Ac[:, j].indices
            pts = pts[~served[pts]]
            new = pts[~seen_so_far[pts]]
            seen_so_far[pts] = True
            locs = inc.loc[inc["point"].isin(pts), "location"] if len(pts) else pd.Series(dtype=object)
            rows.append({"rank": rank, "site": str(cand["site"].iloc[j]),
                         "easting": round(float(cxy[j, 0]), 1), "northing": round(float(cxy[j, 1]), 1),
                         "lon": round(float(lon[rank - 1]), 6), "lat": round(float(lat[rank - 1]), 6),
                         "covered_incidents": int(dem["incidents"].to_numpy()[pts].sum()),
                         "covered_harm": round(float(dem["harm"].to_numpy()[pts].sum()), 1),
                         "added_incidents": int(dem["incidents"].to_numpy()[new].sum()),
                         "added_harm": round(float(dem["harm"].to_numpy()[new].sum()), 1),
                         "top_locations": top_locations(locs),
                         "flag": flag_words(artefacts_near(inst.artefacts, cxy[j, 0], cxy[j, 1], radius_m),
                                            include_artefacts)})
        out = pd.DataFrame(rows, columns=["rank", "site", "easting", "northing", "lon", "lat", "covered_incidents",
                                          "covered_harm", "added_incidents", "added_harm", "top_locations", "flag"])
        total = float(dem["harm" if harm else "incidents"].sum())
        added = out["added_harm" if harm else "added_incidents"].astype(float)
        out.insert(10, "cumulative_pct", (100.0 * added.cumsum() / total).round(2) if total > 0 else 0.0)
        return out

    # rank the optimal set in greedy order (largest addition first)
    order_opt, _ = greedy_mclp(A, w, len(sol.chosen), among=sol.chosen) if len(sol.chosen) else (sol.chosen, None)
    # sites that add nothing (every incident in reach is covered already) go last
    rest = np.array([j for j in sol.chosen if j not in set(order_opt.tolist())], dtype=np.int64)
    order_opt = np.concatenate([order_opt, rest]).astype(np.int64)
    sites = describe(order_opt)
    greedy_sites = describe(sol.greedy)
    covered_mask = np.asarray(A[:, order_opt].sum(axis=1)).ravel() > 0 if len(order_opt) else np.zeros(len(dem), bool)
    covered_mask &= ~served
    dem["covered"] = covered_mask
    lon, lat = bng_to_lonlat(dem["easting"].to_numpy(), dem["northing"].to_numpy())
    dem.insert(2, "lon", np.round(lon, 6))
    dem.insert(3, "lat", np.round(lat, 6))
    if len(ex):
        elon, elat = bng_to_lonlat(ex["easting"].to_numpy(dtype=float), ex["northing"].to_numpy(dtype=float))
        ex = ex.assign(lon=np.round(elon, 6), lat=np.round(elat, 6))[["easting", "northing", "lon", "lat", "radius_m",
                                                                        "name"]]
    else:
        ex = pd.DataFrame(columns=["easting", "northing", "lon", "lat", "radius_m", "name"])
    cells = count_by_cell(inc, CCTV_CANDIDATE_RES, w_table)
    total_inc, total_harm = int(dem["incidents"].sum()), float(dem["harm"].sum())
    cov_inc = int(dem.loc[covered_mask, "incidents"].sum())
    cov_harm = float(dem.loc[covered_mask, "harm"].sum())
    total = total_harm if harm else float(total_inc)
    months = sorted(inc["month"].unique())
    summary = {
        "cameras": cameras, "radius_m": radius_m, "min_spacing_m": min_spacing_m,
        "objective": "harm" if harm else "incidents",
        "unit": HARM_LABEL if harm else "incidents",
        "covered": round(sol.objective, 2) if harm else int(round(sol.objective)),
        "total": round(total, 2) if harm else int(total),
        "coverage_pct": round(100.0 * sol.objective / total, 2) if total > 0 else 0.0,
        "covered_incidents": cov_inc, "total_incidents": total_inc,
        "covered_harm": round(cov_harm, 2), "total_harm": round(total_harm, 2),
        "already_covered": (round(float(value[served].sum()), 2) if harm else int(value[served].sum())),
        "existing_cameras": int(len(ex)),
        "greedy_covered": round(sol.greedy_objective, 2) if harm else int(round(sol.greedy_objective)),
        "gap_pct": round(sol.gap_pct, 3),
        "optimal": sol.optimal, "status": sol.status,
        "bound": round(sol.bound, 2), "solve_s": round(sol.solve_s, 3),
        "sites_used": int(len(sol.chosen)),
        "candidates": int(n_cand_all), "candidate_source": cand_source, "excluded_candidates": n_excluded,
        "sizes": sol.sizes,
        "months": [months[0], months[-1]] if months else [],
        "n_months": len(months),
        "types": list(sel.categories) or "all",
        "area": area.name if area is not None else None,
        "synthetic": synthetic,
        "sites": sites.to_dict(orient="records"),
        "include_artefacts": bool(include_artefacts),
        "artefact_incidents": int(inst.artefacts["incidents"].sum()) if len(inst.artefacts) else 0,
        "artefacts": [{"location": str(r.location), "easting": round(float(r.easting), 1),
                       "northing": round(float(r.northing), 1), "incidents": int(r.incidents), "rule": str(r.rule),
                       "why": str(r.why)} for r in inst.artefacts.itertuples()],
    }
    notes = artefact_notes(inst.artefacts, include_artefacts)
    report(1.0, "Done")
    return CctvPlan(sites, greedy_sites, summary, dem, ex, cells, notes, inst.artefacts)



