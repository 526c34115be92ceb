"""The maximal covering location problem (mobile CCTV siting): coverage, a greedy answer and the proven optimum.

Choose ``p`` sites from candidates to maximise the demand (weighted incidents) within a radius of a chosen
site (Church & ReVelle 1974); solved to proven optimality by HiGHS through ``scipy.optimize.milp`` on a sparse
model after removing dominated candidates, with the greedy answer as a bound and for comparison.

References
----------
Church, R. & ReVelle, C. (1974). The maximal covering location problem. Papers of the Regional Science
Association 32, 101-118.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from geo.errors import SettingError
from hotspots.defaults import CCTV_TIME_LIMIT_S

__all__ = ["EPS_M", "MclpSolution", "coverage_matrix", "greedy_mclp", "solve_mclp", "spacing_conflicts"]


#: Distances compare with this tolerance (metres): a point exactly on the circle is covered.
EPS_M = 1e-6


#: HiGHS's own presolve costs seconds on these models (2.6 s of 2.6 s county-wide, 13 months) and finds
#: little the reductions above have not: the LP relaxation is nearly integral. Off: 0.18 s, the same optima
#: (bench/README.md, planners).
HIGHS_PRESOLVE = False


_DISP = False


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
    lists = tree.query_ball_point(d, r=float(radius_m) + EPS_M)
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
    pairs = pairs[d < float(min_spacing_m) - EPS_M]
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
