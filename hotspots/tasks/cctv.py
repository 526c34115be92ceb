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

References
----------
Church, R. & ReVelle, C. (1974). The maximal covering location problem. Papers of the
Regional Science Association, 32, 101-118.
Church, R. L. & Murray, A. T. (2018). Location Covering Models. Springer (spopt's source).
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from geo.errors import InputFileError, SettingError
from hotspots.defaults import (CCTV_CAMERAS, CCTV_MAX_MONTHS_PER_SITE, CCTV_RADIUS_M, CCTV_CANDIDATE_RES,
                               CCTV_TIME_LIMIT_S)
from geo.grid import cell_latlng, cells_to_latlng

__all__ = ["CctvPlan", "MclpInstance", "MclpSolution", "add_cctv_parser", "build_instance", "cctv_cli",
           "coverage_matrix", "greedy_mclp", "plan_csv", "plan_geojson", "plan_kml", "plan_map", "plan_pdf",
           "existing_words", "read_points", "site_cameras", "solve_mclp", "spacing_conflicts", "write_plan"]

#: Distances compare with this tolerance (metres): a point exactly on the circle is covered.
_EPS_M = 1e-6
#: HiGHS's own presolve costs seconds on these models (2.6 s of 2.6 s county-wide, 13 months) and finds
#: little the reductions above have not: the LP relaxation is nearly integral. Off: 0.18 s, the same optima
#: (bench/README.md, planners).
HIGHS_PRESOLVE = False
_DISP = False


# ---------------------------------------------------------------------------------------------- core model


def coverage_matrix(demand_xy, cand_xy, radius_m: float) -> sparse.csr_matrix:
    """Which candidates cover which demand points: ``A[i, j] = 1`` when ``d(i, j) <= radius_m``.

    Parameters
    ----------
    demand_xy, cand_xy : array of shape (n, 2), (m, 2)
        British National Grid metres.
    radius_m : float
        Coverage radius in metres.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n, m), dtype int8.

    Examples
    --------
    >>> A = coverage_matrix([[0, 0], [0, 150]], [[0, 100], [0, 300]], 100)
    >>> A.toarray().tolist()
    [[1, 0], [1, 0]]
    """
    from scipy.spatial import cKDTree

    d = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    c = np.asarray(cand_xy, dtype=np.float64).reshape(-1, 2)
    if len(d) == 0 or len(c) == 0:
        return sparse.csr_matrix((len(d), len(c)), dtype=np.int8)
    tree = cKDTree(c)
    lists = tree.query_ball_point(d, r=float(radius_m) + _EPS_M)
    lens = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    indptr = np.concatenate([[0], np.cumsum(lens)])
    indices = np.fromiter((j for v in lists for j in v), dtype=np.int64, count=int(indptr[-1]))
    A = sparse.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(len(d), len(c)))
    A.sort_indices()
    return A


def spacing_conflicts(cand_xy, min_spacing_m: float) -> np.ndarray:
    """Pairs of candidates closer than ``min_spacing_m`` (they cannot both be chosen).

    >>> spacing_conflicts([[0, 0], [50, 0], [200, 0]], 100).tolist()
    [[0, 1]]
    """
    from scipy.spatial import cKDTree

    c = np.asarray(cand_xy, dtype=np.float64).reshape(-1, 2)
    if not min_spacing_m or min_spacing_m <= 0 or len(c) < 2:
        return np.empty((0, 2), dtype=np.int64)
    pairs = cKDTree(c).query_pairs(r=float(min_spacing_m), output_type="ndarray")
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64)
    d = np.hypot(*(c[pairs[:, 0]] - c[pairs[:, 1]]).T)
    pairs = pairs[d < float(min_spacing_m) - _EPS_M]
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))].astype(np.int64)


def _covered_weight(A: sparse.csr_matrix, w: np.ndarray, chosen) -> float:
    chosen = np.asarray(chosen, dtype=np.int64)
    if chosen.size == 0:
        return 0.0
    hit = np.asarray(A[:, chosen].sum(axis=1)).ravel() > 0
    return float(w[hit].sum())


def greedy_mclp(A: sparse.csr_matrix, weights, p: int, conflicts=None, among=None) -> tuple[np.ndarray, np.ndarray]:
    """The greedy answer: p times, add the candidate that adds the most uncovered weight.

    Parameters
    ----------
    A : sparse matrix (n demand x m candidates)
        From :func:`coverage_matrix`.
    weights : array (n,)
    p : int
        Cameras.
    conflicts : array (k, 2), optional
        Candidate pairs that cannot both be chosen.
    among : array of int, optional
        Choose only from these candidates (e.g. to order an optimal set).

    Returns
    -------
    order : array of int
        The chosen candidates, in the order added (stops early when nothing adds weight).
    gains : array of float
        The weight each added (the marginal gain; sums to the covered weight).

    Examples
    --------
    >>> A = coverage_matrix([[0, 0], [10, 0], [500, 0]], [[0, 0], [500, 0]], 100)
    >>> greedy_mclp(A, np.array([1.0, 1.0, 5.0]), 2)
    (array([1, 0]), array([5., 2.]))
    """
    A = sparse.csc_matrix(A, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    m = A.shape[1]
    allowed = np.zeros(m, dtype=bool)
    allowed[np.arange(m) if among is None else np.asarray(among, dtype=np.int64)] = True
    nbrs: dict[int, list[int]] = {}
    for a, b in (np.asarray(conflicts, dtype=np.int64).reshape(-1, 2) if conflicts is not None else []):
        nbrs.setdefault(int(a), []).append(int(b))
        nbrs.setdefault(int(b), []).append(int(a))
    left = w.copy()
    order, gains = [], []
    At = A.T.tocsr()
    for _ in range(int(p)):
        g = At @ left
        g[~allowed] = -1.0
        j = int(np.argmax(g)) if m else -1
        if j < 0 or g[j] <= 0:
            break
        order.append(j)
        gains.append(float(g[j]))
        left[A[:, j].indices] = 0.0
        allowed[j] = False
        for k in nbrs.get(j, []):
            allowed[k] = False
    return np.array(order, dtype=np.int64), np.array(gains, dtype=np.float64)


@dataclass
class MclpSolution:
    """The solver's answer on one instance.

    Attributes
    ----------
    chosen : array of int
        Chosen candidate indices (of the instance given, not the reduced one), sorted.
    objective : float
        Covered weight of ``chosen`` (recomputed on the full instance).
    status : str
        ``optimal`` (proven, gap 0) or ``time limit`` (best found; ``bound`` is an upper bound).
    bound : float
        Upper bound on the optimum (equals ``objective`` when optimal).
    greedy : array of int, greedy_gains : array of float
        The greedy answer and its marginal gains.
    greedy_objective : float
    solve_s : float
        Seconds for the reductions and the MILP (not the greedy).
    sizes : dict
        Demand points and candidates before and after the reductions, conflicts.
    """

    chosen: np.ndarray
    objective: float
    status: str
    bound: float
    greedy: np.ndarray
    greedy_gains: np.ndarray
    greedy_objective: float
    solve_s: float
    sizes: dict = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def gap_pct(self) -> float:
        """How far the greedy answer is below the optimum, in per cent of the optimum."""
        return 0.0 if self.objective <= 0 else 100.0 * (self.objective - self.greedy_objective) / self.objective


def _reduce(A: sparse.csr_matrix, w: np.ndarray, dominance: bool):
    """Sound reductions (module docstring). Returns (A', w', kept candidate indices)."""
    A = sparse.csr_matrix(A, dtype=np.int8)
    keep_d = (w > 0) & (np.diff(A.indptr) > 0)
    A, w = A[keep_d], w[keep_d]
    # merge demand points with the same candidate set
    if A.shape[0]:
        keys = [A.indices[A.indptr[i]:A.indptr[i + 1]].tobytes() for i in range(A.shape[0])]
        codes, first = pd.factorize(pd.Series(keys, dtype=object))[0], None
        n_groups = int(codes.max()) + 1
        wg = np.bincount(codes, weights=w, minlength=n_groups)
        first = np.full(n_groups, -1, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        A, w = A[first], wg
    cand = np.flatnonzero(np.asarray(A.sum(axis=0)).ravel() > 0)
    A = A[:, cand]
    if dominance and A.shape[1] > 1:
        Ab = sparse.csc_matrix(A, dtype=np.int32)
        deg = np.asarray(Ab.sum(axis=0)).ravel()
        O = (Ab.T @ Ab).tocoo()
        j, k = O.row, O.col
        dominated_by = (j != k) & (O.data == deg[j]) & ((deg[k] > deg[j]) | ((deg[k] == deg[j]) & (k < j)))
        dead = np.zeros(A.shape[1], dtype=bool)
        dead[j[dominated_by]] = True
        alive = np.flatnonzero(~dead)
        A, cand = A[:, alive], cand[alive]
    return sparse.csr_matrix(A), w, cand


def solve_mclp(A, weights, p: int, conflicts=None, time_limit_s: float = CCTV_TIME_LIMIT_S,
               reduce: bool = True) -> MclpSolution:
    """Solve the MCLP to proven optimality with HiGHS (sparse MILP), and the greedy answer.

    Parameters
    ----------
    A : sparse matrix (n demand x m candidates)
        Coverage, from :func:`coverage_matrix`.
    weights : array (n,)
        Demand weights (incidents or harm), 0 or more.
    p : int
        Cameras to site (at most; more never lowers coverage).
    conflicts : array (k, 2), optional
        Candidate pairs closer than the minimum spacing.
    time_limit_s : float
        HiGHS stops here and returns the best answer found (status ``time limit``).
    reduce : bool
        Apply the sound reductions of the module docstring first.

    Returns
    -------
    MclpSolution

    Examples
    --------
    Three demand points in a row, 150 m apart; candidates on each; radius 100 m:

    >>> A = coverage_matrix([[0, 0], [150, 0], [300, 0]], [[0, 0], [75, 0], [300, 0]], 100)
    >>> s = solve_mclp(A, np.array([1.0, 1.0, 1.0]), 1)
    >>> s.chosen.tolist(), s.objective, s.status
    ([1], 2.0, 'optimal')
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    A = sparse.csr_matrix(A, dtype=np.int8)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (A.shape[0],):
        raise SettingError(f"{len(w)} weights for {A.shape[0]} demand points.", "Give one weight per demand point.")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise SettingError("Demand weights must be finite numbers, 0 or more.", "Check the harm weights.")
    p = int(p)
    if p < 1:
        raise SettingError(f"The number of cameras must be at least 1 (got {p}).", "Choose 1 or more cameras.")
    conf = (np.asarray(conflicts, dtype=np.int64).reshape(-1, 2) if conflicts is not None
            else np.empty((0, 2), dtype=np.int64))
    greedy, gains = greedy_mclp(A, w, p, conf)
    greedy_obj = _covered_weight(A, w, greedy)
    t0 = time.perf_counter()
    if reduce:
        Ar, wr, cand = _reduce(A, w, dominance=len(conf) == 0)
    else:
        Ar, wr, cand = A, w, np.arange(A.shape[1])
    sizes = {"demand_points": int(A.shape[0]), "candidates": int(A.shape[1]), "demand_points_reduced": int(Ar.shape[0]),
             "candidates_reduced": int(Ar.shape[1]), "conflicts": int(len(conf))}
    n, m = Ar.shape
    if n == 0 or m == 0:
        return MclpSolution(np.empty(0, dtype=np.int64), 0.0, "optimal", 0.0, greedy, gains, greedy_obj,
                            time.perf_counter() - t0, sizes)
    # conflicts between candidates that survived the reductions
    pos = np.full(A.shape[1], -1, dtype=np.int64)
    pos[cand] = np.arange(m)
    cr = pos[conf] if len(conf) else np.empty((0, 2), dtype=np.int64)
    cr = cr[(cr >= 0).all(axis=1)] if len(cr) else cr
    # a point only one candidate covers is covered exactly when that candidate is chosen (x_i = y_j):
    # its weight goes straight onto y_j, and x_i and its row disappear (same optimum, smaller model)
    deg = np.diff(Ar.indptr)
    one = deg == 1
    cy = np.bincount(Ar.indices[Ar.indptr[:-1][one]], weights=wr[one], minlength=m)
    Am, wm = Ar[~one], wr[~one]
    n = Am.shape[0]
    rows = [sparse.hstack([-sparse.csr_matrix(Am, dtype=np.float64), sparse.identity(n, format="csr")]),
            sparse.hstack([sparse.csr_matrix(np.ones((1, m))), sparse.csr_matrix((1, n))])]
    ub = [np.zeros(n), np.array([float(p)])]
    if len(cr):
        k = len(cr)
        C = sparse.csr_matrix((np.ones(2 * k), (np.repeat(np.arange(k), 2), cr.ravel())), shape=(k, m))
        rows.append(sparse.hstack([C, sparse.csr_matrix((k, n))]))
        ub.append(np.ones(k))
    M = sparse.vstack(rows, format="csr")
    c = np.concatenate([-cy, -wm])
    integrality = np.concatenate([np.ones(m), np.zeros(n)])
    res = milp(c, integrality=integrality, bounds=Bounds(0, 1),
               constraints=LinearConstraint(M, -np.inf, np.concatenate(ub)),
               options={"time_limit": float(time_limit_s), "mip_rel_gap": 0.0, "presolve": HIGHS_PRESOLVE,
                        "disp": _DISP})
    solve_s = time.perf_counter() - t0
    if res.x is not None:
        chosen = np.sort(cand[np.flatnonzero(res.x[:m] > 0.5)])
        obj = _covered_weight(A, w, chosen)
    else:
        chosen, obj = np.empty(0, dtype=np.int64), 0.0
    status = "optimal" if res.status == 0 else "time limit"
    bound = obj if status == "optimal" else float(-getattr(res, "mip_dual_bound", -np.inf) or np.inf)
    if obj < greedy_obj:  # only possible when stopped early: keep the better answer
        chosen, obj = np.sort(greedy), greedy_obj
    return MclpSolution(chosen, obj, status, max(bound, obj), greedy, gains, greedy_obj, solve_s, sizes)


# ---------------------------------------------------------------------------------------------- input files


def _read_table(path: Path) -> pd.DataFrame:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputFileError(f"the file cannot be read as CSV ({exc}).", file=str(path),
                                 fix="Save it as CSV with a header row.") from exc
    raise InputFileError("the file is not UTF-8 or Windows text.", file=str(path), fix="Save it as CSV (UTF-8).")


_X_NAMES = ("easting", "x", "east")
_Y_NAMES = ("northing", "y", "north")
_LON_NAMES = ("longitude", "lon", "lng", "long")
_LAT_NAMES = ("latitude", "lat")


def read_points(path, what: str = "points", name: str | None = None) -> pd.DataFrame:
    """Read point locations (cameras, candidate sites, a deployment) from CSV, GeoJSON, GeoPackage or KML.

    A CSV needs ``easting`` and ``northing`` (British National Grid metres) or
    ``longitude`` and ``latitude`` (WGS84 degrees); other columns are kept (names in
    lower case). Other formats need point geometries.

    Parameters
    ----------
    path : str or Path
    what : str
        What the points are, for messages ("existing cameras", "candidate sites").
    name : str, optional
        The file's name in messages (default: its path; e.g. the name of an uploaded file).

    Returns
    -------
    DataFrame
        ``easting``, ``northing`` (metres) and the file's other columns; ``row`` is the
        spreadsheet row (CSV) or feature number.

    Raises
    ------
    InputFileError
        Missing file, no coordinate columns, coordinates that are not numbers or not in
        Great Britain.
    """
    from geo.crs import in_gb_bng, in_gb_lonlat, lonlat_to_bng

    p = Path(path)
    label = name or str(p)
    if not p.exists():
        raise InputFileError(f"the {what} file does not exist.", file=label,
                             fix="Check the path; give a CSV with easting/northing or longitude/latitude, "
                                 "or GeoJSON points.")
    if p.suffix.lower() in (".csv", ".txt"):
        df = _read_table(p)
        df.columns = [str(c).strip().lower() for c in df.columns]
        if df.empty:
            raise InputFileError(f"the {what} file has no rows.", file=label, fix="Add one row per point.")
        xcol = next((c for c in _X_NAMES if c in df), None)
        ycol = next((c for c in _Y_NAMES if c in df), None)
        loncol = next((c for c in _LON_NAMES if c in df), None)
        latcol = next((c for c in _LAT_NAMES if c in df), None)
        if xcol and ycol:
            cols, kind = (xcol, ycol), "bng"
        elif loncol and latcol:
            cols, kind = (loncol, latcol), "lonlat"
        else:
            raise InputFileError(f"the {what} file has no coordinate columns (found: {', '.join(df.columns)}).",
                                 file=label, fix="Name them easting and northing (British National Grid metres) "
                                                  "or longitude and latitude (degrees).")
        vals = {}
        for c in cols:
            v = pd.to_numeric(df[c].str.strip(), errors="coerce")
            bad = np.flatnonzero(v.isna().to_numpy())
            if len(bad):
                i = int(bad[0])
                raise InputFileError(f"row {i + 2}, column '{c}': {df[c].iloc[i]!r} is not a number.", file=label,
                                     fix="Give coordinates as numbers on every row.")
            vals[c] = v.to_numpy(dtype=np.float64)
        a, b = vals[cols[0]], vals[cols[1]]
        ok = in_gb_bng(a, b) if kind == "bng" else in_gb_lonlat(a, b)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            hint = ("easting/northing are metres (e.g. 511249, 196605)" if kind == "bng"
                    else "longitude/latitude are degrees (e.g. -0.3931, 51.6572); check they are not swapped")
            raise InputFileError(f"row {i + 2}: the point ({a[i]}, {b[i]}) is not in Great Britain.", file=label,
                                 fix=f"Check the coordinates: {hint}.")
        e, n = (a, b) if kind == "bng" else lonlat_to_bng(a, b)
        out = df.drop(columns=list(cols)).copy()
        out.insert(0, "easting", np.asarray(e, dtype=np.float64))
        out.insert(1, "northing", np.asarray(n, dtype=np.float64))
        out["row"] = np.arange(2, len(df) + 2)
        return out.reset_index(drop=True)
    import geopandas as gpd

    try:
        gdf = gpd.read_file(p)
    except Exception as exc:  # pyogrio raises several types; all mean "cannot read"
        raise InputFileError(f"the {what} file cannot be read ({type(exc).__name__}).", file=label,
                             fix="Give a CSV with easting/northing or longitude/latitude, or GeoJSON points.") from exc
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    pts = gdf[gdf.geom_type == "Point"]
    if pts.empty:
        kinds = ", ".join(sorted(set(gdf.geom_type))) or "no geometries"
        raise InputFileError(f"the {what} file holds no points (found: {kinds}).", file=label,
                             fix="Give one point per site.")
    if pts.crs is None:
        x0 = float(pts.geometry.x.abs().max())
        pts = pts.set_crs("EPSG:4326" if x0 <= 180 else "EPSG:27700")
    pts = pts.to_crs("EPSG:27700")
    out = pd.DataFrame(pts.drop(columns="geometry"))
    out.columns = [str(c).strip().lower() for c in out.columns]
    out.insert(0, "easting", pts.geometry.x.to_numpy())
    out.insert(1, "northing", pts.geometry.y.to_numpy())
    if not in_gb_bng(out["easting"], out["northing"]).all():
        raise InputFileError(f"some {what} are not in Great Britain.", file=label, fix="Check the file's coordinates.")
    out["row"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


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
    """

    sites: pd.DataFrame
    greedy_sites: pd.DataFrame
    summary: dict
    demand: pd.DataFrame
    existing: pd.DataFrame
    cells: pd.DataFrame

    @property
    def synthetic(self) -> bool:
        return bool(self.summary.get("synthetic"))


def _candidate_cells(h3_11: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from geo.crs import lonlat_to_bng
    from geo.grid import cell_to_parent, cells_to_str

    cells = np.unique(cell_to_parent(np.asarray(h3_11, dtype=np.uint64), CCTV_CANDIDATE_RES))
    names = cells_to_str(cells)
    if len(names) == 0:
        return names, np.empty(0), np.empty(0)
    lat, lon = cells_to_latlng(list(names))
    e, n = lonlat_to_bng(lon, lat)
    return names, np.asarray(e), np.asarray(n)


def _top_locations(locs: pd.Series, k: int = 3) -> str:
    vc = locs.dropna().astype(str)
    vc = vc[vc.str.strip() != ""].value_counts()
    return "; ".join(f"{loc} ({n:,})" for loc, n in vc.head(k).items())


def _refuse_ae(sources) -> None:
    """Camera plans are exported and printed: A&E data (whose counts 1 to 7 must never be shown) stays out."""
    from hotspots.methods.suppress import refuse_ae

    refuse_ae(sources, "Camera siting")


def _check_settings(cameras, radius_m, min_spacing_m):
    try:
        cameras, radius_m, min_spacing_m = int(cameras), float(radius_m), float(min_spacing_m or 0)
    except (TypeError, ValueError) as exc:
        raise SettingError("Cameras, radius and spacing must be numbers.", "E.g. 8 cameras, 100 m, 0 m.") from exc
    if not 1 <= cameras <= 200:
        raise SettingError(f"The number of cameras must be 1 to 200 (got {cameras}).", "Choose e.g. 8 cameras.")
    if not 10 <= radius_m <= 1000:
        raise SettingError(f"The coverage radius must be 10 to 1,000 m (got {radius_m:g} m).",
                           "50-100 m lets a camera identify people, 150-250 m observe (DOMAIN.md).")
    if not 0 <= min_spacing_m <= 5000:
        raise SettingError(f"The minimum spacing must be 0 to 5,000 m (got {min_spacing_m:g} m).",
                           "Use 0 for no spacing rule, or e.g. 200 m.")
    return cameras, radius_m, min_spacing_m


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


def build_instance(store, flt=None, area=None, *, radius_m: float = CCTV_RADIUS_M, harm: bool = False,
                   weights: dict | None = None, existing: pd.DataFrame | None = None,
                   candidates: pd.DataFrame | None = None, exclude=None, min_spacing_m: float = 0.0,
                   progress=None) -> MclpInstance:
    """Select the incidents and build the MCLP instance (parameters as :func:`site_cameras`)."""
    from hotspots.methods.harm import harm_of, harm_weights
    from hotspots.tasks.query import IncidentFilter, select_incidents

    report = progress or (lambda f, m: None)
    _, radius_m, min_spacing_m = _check_settings(1, radius_m, min_spacing_m)
    flt = (flt or IncidentFilter()).checked()
    _refuse_ae(flt.sources)
    w_table = weights if weights is not None else harm_weights()
    report(0.05, "Selecting incidents")
    inc = select_incidents(store, flt, area, columns=("easting", "northing", "h3_11", "category", "month",
                                                      "location", "force"))
    if inc.empty:
        where = f" inside {area.name}" if area is not None else ""
        raise SettingError(f"No incidents match the settings{where}, so there is nothing for cameras to cover.",
                           "Widen the period or the crime types, or load data (python -m hotspots ingest police).")
    from hotspots.outputs.files import is_synthetic

    synthetic = bool(is_synthetic(inc))
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
        from scipy.spatial import cKDTree

        ex = existing.copy()
        r = pd.to_numeric(ex["radius_m"], errors="coerce") if "radius_m" in ex else pd.Series(np.nan, index=ex.index)
        ex["radius_m"] = r.fillna(radius_m).clip(lower=0).astype(float)
        name_col = next((c for c in ("name", "site_id", "site", "id") if c in ex), None)
        ex["name"] = ex[name_col].astype(str) if name_col else [f"Existing camera {i + 1}" for i in range(len(ex))]
        tree = cKDTree(dxy)
        sees = np.zeros(len(ex), dtype=bool)
        for k, (e, n, rr) in enumerate(zip(ex["easting"], ex["northing"], ex["radius_m"])):
            hit = tree.query_ball_point([e, n], r=rr + _EPS_M)
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
                        cand_source, synthetic, w_table)


def site_cameras(store, flt=None, area=None, *, cameras: int = CCTV_CAMERAS, radius_m: float = CCTV_RADIUS_M,
                 harm: bool = False, weights: dict | None = None, existing: pd.DataFrame | None = None,
                 candidates: pd.DataFrame | None = None, exclude=None, min_spacing_m: float = 0.0,
                 time_limit_s: float = CCTV_TIME_LIMIT_S, progress=None) -> CctvPlan:
    """Where to put ``cameras`` mobile cameras to see the most incidents (or harm).

    Parameters
    ----------
    store : geo.store.Store
    flt : hotspots.tasks.query.IncidentFilter, optional
        Period, crime types, sources (default: all police.uk street crime).
    area : geo.boundaries.Area, optional
        Only incidents inside it.
    cameras : int
        Cameras to site (default 8: Hertsmere's fleet, DOMAIN.md section 1).
    radius_m : float
        Coverage radius in metres (default 100: the upper end of 50-100 m "to identify").
    harm : bool
        Maximise covered harm (approximate CCHI days) instead of incidents.
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
    from geo.crs import bng_to_lonlat
    from hotspots.methods.harm import HARM_LABEL
    from hotspots.tasks.query import IncidentFilter, count_by_cell

    report = progress or (lambda f, m: None)
    cameras, radius_m, min_spacing_m = _check_settings(cameras, radius_m, min_spacing_m)
    flt = (flt or IncidentFilter()).checked()
    inst = build_instance(store, flt, area, radius_m=radius_m, harm=harm, weights=weights, existing=existing,
                          candidates=candidates, exclude=exclude, min_spacing_m=min_spacing_m, progress=report)
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
                         "top_locations": _top_locations(locs)})
        out = pd.DataFrame(rows, columns=["rank", "site", "easting", "northing", "lon", "lat", "covered_incidents",
                                          "covered_harm", "added_incidents", "added_harm", "top_locations"])
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
        "types": list(flt.categories) or "all",
        "area": area.name if area is not None else None,
        "synthetic": synthetic,
        "sites": sites.to_dict(orient="records"),
    }
    report(1.0, "Done")
    return CctvPlan(sites, greedy_sites, summary, dem, ex, cells)


# ---------------------------------------------------------------------------------------------- exports


def _circle_lonlat(e: float, n: float, r: float, k: int = 64) -> list[list[float]]:
    from geo.crs import bng_to_lonlat

    t = np.linspace(0, 2 * np.pi, k, endpoint=False)
    lon, lat = bng_to_lonlat(e + r * np.cos(t), n + r * np.sin(t))
    ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat)]
    return ring + [ring[0]]


PLAN_NOTES = (
    "Consult residents and businesses near each site before a camera goes up.",
    f"A mobile camera stays up to {CCTV_MAX_MONTHS_PER_SITE} months at a site; plan the next sites before then.",
    "Coverage counts incidents within the radius of a site, as the crow flies; walls and trees block some views: "
    "check each site on foot.",
    "police.uk places each crime at a nearby 'snap point', not its address; counts near a point are approximate.",
)


def existing_words(summary: dict) -> str:
    """What the existing cameras see, in a sentence.

    >>> existing_words({"existing_cameras": 1, "already_covered": 1, "objective": "incidents"})
    '1 existing camera already sees 1 incident; it is not counted again.'
    """
    n, seen = summary["existing_cameras"], summary["already_covered"]
    unit = "days of harm (approximate CCHI)" if summary["objective"] == "harm" else (
        "incident" if seen == 1 else "incidents")
    cams = "1 existing camera already sees" if n == 1 else f"{n} existing cameras already see"
    return f"{cams} {seen:,.0f} {unit}; {'it is' if seen == 1 else 'those are'} not counted again."


def _notes(plan: CctvPlan) -> list[str]:
    s = plan.summary
    unit = "days of harm (approximate CCHI)" if s["objective"] == "harm" else "incidents"
    status = ("proven optimal (HiGHS, gap 0)" if s["optimal"]
              else f"the best found in the time limit (the optimum is at most {s['bound']:,.0f})")
    out = [f"{s['sites_used']} camera sites cover {s['covered']:,} of {s['total']:,} {unit} "
           f"({s['coverage_pct']:.1f}%) within {s['radius_m']:,.0f} m, {s['months'][0]} to {s['months'][-1]}. "
           f"This plan is {status}.",
           f"Adding cameras one at a time (greedy) covers {s['greedy_covered']:,} {unit}: {s['gap_pct']:.2f}% less."]
    if s["existing_cameras"]:
        out.append(existing_words(s))
    if s["sites_used"] < s["cameras"]:
        out.append(f"Only {s['sites_used']} sites add anything: every incident in reach of a candidate is covered.")
    return out + list(PLAN_NOTES)


def _export_table(plan: CctvPlan) -> pd.DataFrame:
    t = plan.sites.copy()
    t.insert(0, "radius_m", plan.summary["radius_m"])
    if plan.synthetic:
        from hotspots.outputs.files import SYNTHETIC_NOTE

        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return t


def plan_csv(plan: CctvPlan) -> bytes:
    """The sites as CSV, safe to open in a spreadsheet (formulas neutralised)."""
    from hotspots.outputs.files import safe_csv

    return safe_csv(_export_table(plan))


def plan_geojson(plan: CctvPlan) -> bytes:
    """The sites as GeoJSON (WGS84): a point and a coverage circle (polygon) per site."""
    feats = []
    for r in _export_table(plan).to_dict(orient="records"):
        props = {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                      "properties": {**props, "feature": "camera site"}})
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
            _circle_lonlat(r["easting"], r["northing"], plan.summary["radius_m"])]},
                      "properties": {"rank": props["rank"], "site": props["site"], "radius_m": props["radius_m"],
                                     "feature": "coverage circle"}})
    return json.dumps({"type": "FeatureCollection", "features": feats}, default=str).encode("utf-8")


def plan_kml(plan: CctvPlan, name: str = "Mobile CCTV sites") -> bytes:
    """The sites as KML placemarks (points and circles); every text XML-escaped."""
    from xml.sax.saxutils import escape

    from hotspots.outputs.files import SYNTHETIC_NOTE, kml_document, kml_text

    title = f"{name} ({SYNTHETIC_NOTE})" if plan.synthetic else name
    marks = []
    for r in plan.sites.to_dict(orient="records"):
        desc = "<br/>".join(html.escape(f"{k}: {r[k]}") for k in ("covered_incidents", "covered_harm",
                                                                   "added_incidents", "top_locations"))
        ring = " ".join(f"{a:.6f},{b:.6f}" for a, b in _circle_lonlat(r["easting"], r["northing"],
                                                                       plan.summary["radius_m"]))
        site = f"Site {r['rank']}"
        marks.append(f"<Placemark><name>{kml_text(site)}</name><description>{escape(desc)}</description>"
                     f"<Point><coordinates>{r['lon']:.6f},{r['lat']:.6f}</coordinates></Point></Placemark>"
                     f"<Placemark><name>{kml_text(site + ' coverage')}</name><Polygon><outerBoundaryIs>"
                     f"<LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
                     "</Placemark>")
    return kml_document(title, marks)


#: Colours of the map and the PDF (ColorBrewer Paired: blue for new sites, grey for existing).
SITE_COLOUR = "#1f78b4"
EXISTING_COLOUR = "#636363"


#: The PDF map shows hexagons within this distance of a site (metres): the sites, not the whole district.
NEAR_SITES_M = 1500.0


def _cells_near(plan: CctvPlan, within_m: float) -> pd.DataFrame:
    """The plan's hexagons whose centres lie within ``within_m`` of a new or existing camera."""
    from scipy.spatial import cKDTree

    from geo.crs import lonlat_to_bng

    pts = pd.concat([plan.sites[["easting", "northing"]], plan.existing[["easting", "northing"]]]).to_numpy(float)
    if len(plan.cells) == 0 or len(pts) == 0:
        return plan.cells
    lat, lon = np.array([cell_latlng(c) for c in plan.cells["cell"]]).T
    e, n = lonlat_to_bng(lon, lat)
    d, _ = cKDTree(pts).query(np.column_stack([e, n]))
    return plan.cells.loc[d <= within_m].reset_index(drop=True)


def plan_png(plan: CctvPlan, boundaries=(), width_px: int = 1800, height_px: int = 1200) -> bytes:
    """A static map of the plan: incidents per hexagon, coverage circles, existing cameras, legend."""
    from hotspots.outputs.staticmap import StaticMap
    from hotspots.outputs.webmap import sequential_style

    s = plan.summary
    m = StaticMap(title=f"Mobile CCTV: {s['sites_used']} sites, {s['radius_m']:,.0f} m coverage",
                  synthetic=plan.synthetic,
                  note=f"{s['months'][0]} to {s['months'][-1]}; hexagons: incidents within {NEAR_SITES_M:,.0f} m of a "
                       "camera (H3 res 10)")
    if boundaries:
        m.boundaries(list(boundaries))
    near = _cells_near(plan, NEAR_SITES_M)
    legend = []
    if len(near):
        colours, leg = sequential_style(near["count"].to_numpy(dtype=float), "Incidents per hexagon", "incidents")
        m.cells(list(near["cell"]), colours)
        legend += list(leg.rows)
    if len(plan.existing):
        m.circles(plan.existing["easting"].to_numpy(float), plan.existing["northing"].to_numpy(float),
                  float(s["radius_m"]), colour=EXISTING_COLOUR)
        legend.append((EXISTING_COLOUR, "Existing camera (already covered)"))
    if len(plan.sites):
        m.circles(plan.sites["easting"].to_numpy(float), plan.sites["northing"].to_numpy(float), float(s["radius_m"]),
                  colour=SITE_COLOUR, labels=[str(r) for r in plan.sites["rank"]])
        m.points(plan.sites["easting"].to_numpy(float), plan.sites["northing"].to_numpy(float), colour=SITE_COLOUR)
        legend.append((SITE_COLOUR, f"New camera site, {s['radius_m']:,.0f} m coverage (number = rank)"))
    m.legend(legend, title="Legend")
    return m.to_png(width_px=width_px, height_px=height_px, fit="data")


def plan_map(plan: CctvPlan, boundaries: dict | None = None, tiles: str = "OpenStreetMap", height_px: int = 620):
    """The plan on the web map: incidents per res-10 hexagon, coverage circles, existing cameras, a legend.

    Built on :func:`hotspots.outputs.webmap.hex_map` (vendored Leaflet, no CDN); every tooltip is
    HTML-escaped (location text comes from files).
    """
    import folium

    from hotspots.outputs import webmap

    s = plan.summary
    r = float(s["radius_m"])
    cells = _cells_near(plan, NEAR_SITES_M).head(webmap_max_cells())
    colours, legend = webmap.sequential_style(cells["count"].to_numpy(dtype=float), "Incidents per hexagon (res 10)",
                                              "incidents")
    labels = [f"{c:,} incidents, harm {h:,.0f} days" for c, h in zip(cells["count"], cells["harm"])]
    new = folium.FeatureGroup(name=f"New camera sites ({r:,.0f} m)")
    for row in plan.sites.to_dict(orient="records"):
        tip = html.escape(f"Site {row['rank']}: sees {row['covered_incidents']:,} incidents "
                          f"({row['covered_harm']:,.0f} days of harm), adds {row['added_incidents']:,}. "
                          f"Nearby: {row['top_locations'] or 'no location text'}")
        folium.Circle([row["lat"], row["lon"]], radius=r, color=SITE_COLOUR, weight=3, fill=True, fill_opacity=0.15,
                      tooltip=tip).add_to(new)
        folium.Marker([row["lat"], row["lon"]], tooltip=tip, icon=folium.DivIcon(
            html=f'<div class="cctv-rank" style="background:{SITE_COLOUR};color:#fff;border-radius:50%;width:22px;'
                 f'height:22px;line-height:22px;text-align:center;font:bold 13px sans-serif;margin:-11px 0 0 -11px">'
                 f'{int(row["rank"])}</div>')).add_to(new)
    overlays = [new]
    rows = [(SITE_COLOUR, f"New camera site, {r:,.0f} m coverage (number = rank)")]
    if len(plan.existing):
        old = folium.FeatureGroup(name="Existing cameras")
        for row in plan.existing.to_dict(orient="records"):
            folium.Circle([row["lat"], row["lon"]], radius=float(row["radius_m"]), color=EXISTING_COLOUR, weight=2,
                          fill=True, fill_opacity=0.2, dash_array="4",
                          tooltip=html.escape(f"Existing camera: {row['name']} ({row['radius_m']:,.0f} m)")).add_to(old)
        overlays.append(old)
        rows.append((EXISTING_COLOUR, "Existing camera (counted as covered)"))
    legend.rows = rows + legend.rows
    return webmap.hex_map(cells, colours=colours, labels=labels, legend=legend, boundaries=boundaries, tiles=tiles,
                          overlays=overlays, height_px=height_px)


def webmap_max_cells() -> int:
    """Hexagons sent to the browser at most (the busiest kept)."""
    return 6000


def plan_pdf(plan: CctvPlan, boundaries=(), title: str = "Mobile CCTV sites") -> bytes:
    """A printable plan: map, table of sites, plain-words notes (residents consulted first)."""
    from hotspots.outputs.sheets import Sheet

    s = plan.summary
    area = f" in {s['area']}" if s.get("area") else ""
    types = "all crime" if s["types"] == "all" else ", ".join(s["types"])
    doc = Sheet(title, subtitle=f"{s['sites_used']} sites{area}; {types}; {s['months'][0]} to {s['months'][-1]}; "
                                f"radius {s['radius_m']:,.0f} m", synthetic=plan.synthetic)
    doc.image(plan_png(plan, boundaries), height_frac=0.72)
    doc.page_break()
    doc.heading("The sites")
    t = plan.sites[["rank", "easting", "northing", "covered_incidents", "added_incidents", "covered_harm",
                    "cumulative_pct", "top_locations"]].rename(columns={
        "rank": "Site no.", "easting": "Easting (m)", "northing": "Northing (m)", "covered_incidents": "Incidents seen",
        "added_incidents": "Incidents added", "covered_harm": "Harm seen (days)", "cumulative_pct": "Cumulative %",
        "top_locations": "Busiest locations nearby"})
    doc.table(t)
    doc.heading("What this means")
    doc.bullets(_notes(plan))
    return doc.to_pdf()


def write_plan(plan: CctvPlan, path, boundaries=()) -> Path:
    """Write the plan as .csv, .geojson, .kml or .pdf (by the file's ending)."""
    from hotspots.outputs.files import write_by_suffix

    writers = {".csv": plan_csv, ".geojson": plan_geojson, ".kml": plan_kml,
               ".pdf": lambda pl: plan_pdf(pl, boundaries), ".json": plan_geojson}
    return write_by_suffix(plan, path, writers, example="cameras.pdf")


# ---------------------------------------------------------------------------------------------- CLI


def add_cctv_parser(subparsers):
    """Add the ``cctv`` subcommand (arguments: see :func:`cctv_cli`)."""
    p = subparsers.add_parser("cctv", help="where to put mobile CCTV cameras (maximal covering, proven optimal); "
                                           "--evaluate: did a past deployment work (WDQ)",
                              description="Choose camera sites that see the most incidents (or harm) within a "
                                          "radius, solved to proven optimality; or, with --evaluate, compare "
                                          "before and after a past deployment against a control area.")
    p.add_argument("--cameras", type=int, default=CCTV_CAMERAS, metavar="P",
                   help=f"cameras to site (default {CCTV_CAMERAS})")
    p.add_argument("--radius-m", type=float, default=CCTV_RADIUS_M, metavar="M",
                   help=f"coverage radius in metres (default {CCTV_RADIUS_M:g})")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month (default: all)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month (default: all)")
    p.add_argument("--types", metavar='"A,B"', help="crime types, comma-separated (default: all)")
    p.add_argument("--sources", default="police", metavar='"police,rms"', help="sources (default: police)")
    p.add_argument("--area", metavar="FILE", help="study area boundary: incidents inside it")
    p.add_argument("--district", metavar="NAME", help="a district stored in the store (Data page; instead of --area)")
    p.add_argument("--harm", action="store_true", help="maximise harm (approximate CCHI days) instead of incidents")
    p.add_argument("--exclude-police-generated", action="store_true",
                   help="with --harm: give drugs and possession of weapons no harm")
    p.add_argument("--existing", metavar="FILE", help="existing static cameras (CSV or GeoJSON points): what they "
                                                      "see counts as covered already")
    p.add_argument("--candidates", metavar="FILE", help="candidate sites (CSV or GeoJSON points, e.g. lamp "
                                                        "columns; default: centres of res-10 hexagons with incidents)")
    p.add_argument("--exclude", metavar="FILE", help="zones where no camera may go (polygons)")
    p.add_argument("--min-spacing-m", type=float, default=0.0, metavar="M",
                   help="chosen cameras at least this far apart (default 0: no rule)")
    p.add_argument("--time-limit-s", type=float, default=CCTV_TIME_LIMIT_S, metavar="S",
                   help=f"solver time limit (default {CCTV_TIME_LIMIT_S:g} s)")
    p.add_argument("--evaluate", metavar="DEPLOYMENT.csv",
                   help="instead: did a past deployment work? CSV of site, easting/northing or longitude/latitude, "
                        "from, to (YYYY-MM)")
    p.add_argument("--control", metavar="FILE", help="--evaluate: control area polygon (default: the rest of the "
                                                     "area or store, minus the target and buffer)")
    p.add_argument("--buffer-m", type=float, metavar="M", help="--evaluate: width of the buffer ring in metres "
                                                               "(default 200)")
    p.add_argument("--out", metavar="FILE", help="write the plan: .csv, .geojson, .kml or .pdf (with --evaluate: the table as .csv)")
    p.add_argument("--db", metavar="FILE", help="the store (default: $HOTSPOTS_DB, else data/hotspots.duckdb)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _boundaries_for_pdf(store, area) -> list:
    if area is not None:
        return [area.geometry]
    try:
        return [store.area(layer, name).geometry for layer, name in store.area_names() if layer == "district"]
    except Exception:  # boundaries are decoration on the PDF: none is fine
        return []


def cctv_cli(args) -> int:
    """``python -m hotspots cctv``: print the plan (or JSON), optionally write it; or ``--evaluate``.

    Returns
    -------
    int
        0. Settings problems raise ``HotspotsError`` (the CLI prints the sentence, exit 2).
    """
    import sys

    from geo.boundaries import read_area
    from geo.store import Store
    from hotspots.methods.harm import harm_weights
    from hotspots.tasks.query import IncidentFilter, study_area

    split = lambda s: tuple(t.strip() for t in s.split(",") if t.strip()) if s else ()  # noqa: E731
    flt = IncidentFilter(args.date_from, args.date_to, split(args.types), split(args.sources))
    if args.district:
        with Store(args.db, read_only=True) as store:
            area = study_area(store, args.district, args.area)
    else:
        area = study_area(None, None, args.area)
    if args.evaluate:
        from hotspots.tasks.did_it_work import evaluate_deployment, read_deployment, wdq_text

        dep = read_deployment(args.evaluate)
        control = read_area(args.control) if args.control else None
        kw = {} if args.buffer_m is None else {"buffer_m": args.buffer_m}
        with Store(args.db, read_only=True) as store:
            ev = evaluate_deployment(store, dep, flt, area=area, control=control, radius_m=args.radius_m,
                                     weights=harm_weights(args.exclude_police_generated) if args.harm else None,
                                     **kw)
        if args.out:
            from hotspots.tasks.did_it_work import evaluation_csv

            if not args.out.lower().endswith(".csv"):
                raise SettingError(f"--evaluate writes a table: '{Path(args.out).name}' is not a .csv file.",
                                   "End --out with .csv.")
            Path(args.out).write_bytes(evaluation_csv(ev))
        if args.json:
            print(json.dumps(ev.to_dict(), indent=2, default=str))
        else:
            print(wdq_text(ev))
        return 0
    existing = read_points(args.existing, "existing cameras") if args.existing else None
    candidates = read_points(args.candidates, "candidate sites") if args.candidates else None
    exclude = read_area(args.exclude) if args.exclude else None
    weights = harm_weights(args.exclude_police_generated)
    from hotspots.cli import _progress_bar

    update, close = _progress_bar(sys.stderr.isatty() and not args.json)
    try:
        with Store(args.db, read_only=True) as store:
            plan = site_cameras(store, flt, area, cameras=args.cameras, radius_m=args.radius_m, harm=args.harm,
                                weights=weights, existing=existing, candidates=candidates, exclude=exclude,
                                min_spacing_m=args.min_spacing_m, time_limit_s=args.time_limit_s, progress=update)
            bounds = _boundaries_for_pdf(store, area) if args.out and args.out.lower().endswith(".pdf") else []
    finally:
        close()
    if args.out:
        plan.summary["out"] = str(write_plan(plan, args.out, bounds))
    if args.json:
        print(json.dumps(plan.summary, indent=2, default=str))
        return 0
    s = plan.summary
    print(("SYNTHETIC sample data. " if plan.synthetic else "") + _notes(plan)[0])
    print(_notes(plan)[1])
    if s["existing_cameras"]:
        print(_notes(plan)[2])
    shown = plan.sites.drop(columns=["lon", "lat", "site"])
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(shown.to_string(index=False))
    print(f"Solved in {s['solve_s']:.2f} s: {s['sizes']['demand_points']:,} demand points, "
          f"{s['sizes']['candidates']:,} candidate sites ({s['candidate_source']}).")
    if args.out:
        print(f"Wrote {s['out']}")
    sys.stdout.flush()
    return 0
