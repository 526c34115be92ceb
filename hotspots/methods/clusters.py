"""Density-based clusters of incidents: DBSCAN and HDBSCAN on distinct locations.

police.uk anonymises every incident to a shared "snap point", so many incidents sit on
exactly the same coordinate: a county-year of ~107k incidents has ~12.7k distinct
locations, a few of them with more than 200 incidents. Running scikit-learn on the raw
points wastes memory and time on identical neighbourhoods (DBSCAN stores every raw
neighbourhood: ~20 GB for 1,000,000 dense incidents; HDBSCAN's Prim step is quadratic
in the number of points). Both
estimators here group identical coordinates first, cluster the distinct locations with
the number of incidents at each as its weight, and map the labels back to the incidents.
The results are those of the raw-point algorithms, as argued below and checked by
``tests/known_answer/test_clusters.py`` against scikit-learn on the raw points and
against HDBSCAN* computed from its definition.

DBSCAN (`WeightedDBSCAN`)
    scikit-learn's ``DBSCAN.fit(X, sample_weight=w)`` makes a point core when the summed
    weight of its eps-neighbourhood (itself included) reaches ``min_samples``. Copies of
    one coordinate have identical neighbourhoods, so the raw neighbourhood *count* of an
    incident equals the weighted neighbourhood of its location: the core points are the
    same, two core locations are linked exactly when their raw copies are, and a
    location is noise exactly when its copies are. The labels are therefore those of
    raw-point DBSCAN up to the names of the clusters, and up to one freedom DBSCAN
    itself leaves open: a *border* point (not core, but within eps of core points of two
    or more clusters) belongs to either cluster (Ester et al. 1996; Schubert et al.
    2017), and scikit-learn gives it to whichever cluster its scan reaches first, which
    depends on row order. Here a border location goes to the cluster of its nearest core
    location (ties: the core location first in (x, y) order), which does not depend on
    row order. Clusters are numbered by size (number of incidents, largest first; ties
    by the first location in (x, y) order), so shuffling the rows changes nothing, not
    even the label names.

HDBSCAN (`WeightedHDBSCAN`)
    scikit-learn's ``HDBSCAN`` takes no sample weights, and handing it the unique
    locations alone would treat a snap point with 200 incidents like one with 1. The
    options were (1) duplication: it rebuilds the problem this module exists to avoid
    (scikit-learn's Prim tree is O(n^2) in raw points: 39 s for the county-year,
    so roughly an hour for 1,000,000 incidents); (2) HDBSCAN on the unique locations: a
    different clustering, not an approximation one can bound; (3) a minimum spanning
    tree over a k-nearest-neighbour graph (scipy): fast, but that graph can be
    disconnected and can miss edges of the true tree, so the hierarchy is not
    guaranteed; (4) the exact weighted algorithm, chosen here:

    * the weighted core distance of a location is the distance at which the
      cumulative weight of the locations around it (itself included, nearest first)
      reaches ``min_samples``: the raw core distance of each of its incidents (the
      distance to the ``min_samples``-th nearest raw point, counting the point itself,
      as scikit-learn does). A location holding ``min_samples`` incidents or more has
      core distance 0;
    * the mutual-reachability distance max(core_a, core_b, d(a, b)) between two
      locations is that between any of their incidents, and the incidents of one
      location are mutually reachable at exactly its core distance, never above any
      edge leaving it. So the raw hierarchy is the hierarchy of the locations in which
      each location is a block of w incidents that turns to noise at its own core
      distance;
    * the exact minimum spanning tree of the mutual-reachability graph of the
      locations is built by Boruvka's algorithm (as in McInnes & Healy 2017, with k-d
      tree searches in place of their dual-tree traversal): each round finds every
      component's lightest outgoing edge, from each location's 16 or more nearest
      neighbours when they prove it, else by searching k-d trees that hold only
      locations of other components (one per bit of a component code), pruned by the
      best edge found so far. Its edge weights equal those of scikit-learn's Prim tree
      (checked in the tests);
    * the tree is condensed, cluster stabilities are computed and clusters selected by
      excess of mass (``allow_single_cluster=False``, ``cluster_selection_epsilon=0``)
      with scikit-learn's formulas, each location counting w times.

    Ties. Several merges often happen at exactly the same distance: a sparse incident
    whose core distance reaches two groups joins both at that distance, and the
    incidents of a snap point join each other at their core distance, often at the
    same level as they join their neighbours. scikit-learn turns such a tie into a
    sequence of binary merges in the order of an unstable sort, and the order changes
    the condensed tree: its result on raw police.uk points changes when the rows are
    shuffled (adjusted Rand index 0.964 for the county-year, 0.72 at worst on small
    synthetic sets). Here a tie is one multi-way split, as the level sets of HDBSCAN*
    define it (Campello et al. 2015): just below the tied distance the incidents that
    are no longer core are noise, and the parts that keep ``min_cluster_size``
    incidents become the new clusters. The result does not depend on row order and
    equals HDBSCAN* computed from its definition on the raw points (the tests check
    this exactly, probabilities included). Where nothing ties (e.g. ``min_samples``
    of 1 or 2) it equals scikit-learn's ``HDBSCAN`` on the raw points exactly; with
    the defaults the adjusted Rand index against scikit-learn is 0.992 for June 2021
    violence in Hertfordshire and 0.959 for the county-year of all crime.

    scikit-learn's raw treatment of duplicates is kept on purpose: a snap point with at
    least ``min_samples`` incidents has core distance 0, so its incidents leave their
    cluster at lambda = 1/0 = infinity and a cluster holding one has infinite
    stability. Such a snap point, once it has ``min_cluster_size`` incidents and
    splits off beside another large group, is kept as a cluster of its own: 582 of
    the 1,903 clusters of the Hertfordshire county-year (``min_cluster_size=20``) are
    single snap points. That is what HDBSCAN on raw police.uk points means; use
    `WeightedDBSCAN` or a larger ``min_cluster_size`` where single-spot clusters are
    not wanted.

Cost (measured on this project's 2-core, 24 GB machine, shared with other jobs; time
is the best of two runs, memory the peak resident size above the loaded data): grouping
is an O(n log n) sort; DBSCAN then costs scikit-learn's DBSCAN on the distinct
locations, HDBSCAN O(k u) memory and roughly O(u log^2 u) time for u locations.

* Hertfordshire county-year, 106,676 incidents on 12,685 snap points: DBSCAN 0.07 s
  (+9 MB; scikit-learn on the raw points 0.7 s, +100 MB), HDBSCAN 0.3 s (+19 MB;
  scikit-learn on the raw points 39 s), `default_eps_m` 0.05 s, `summarise_clusters`
  0.2 s.
* 1,000,000 synthetic incidents on ~99,000 locations: DBSCAN 0.75 s (+77 MB),
  HDBSCAN 2.9 s (+161 MB), `default_eps_m` 0.4 s, `summarise_clusters` 2.8 s
  (+321 MB). scikit-learn's DBSCAN on those raw points would hold 5.3e8 neighbour
  indices (over 4 GB) before doing any work; denser data reaches the ~20 GB that
  prompted this module.

Default search distance (`default_eps_m`): ArcGIS Pro's Density-based Clustering uses
"the highest core distance found in the dataset, excluding those core distances in the
top 1 percent". On a police.uk county-year that is 0.8-1.4 km (it makes 99 % of
incidents core points by construction, so whole towns merge). The default rule here
keeps ArcGIS's exclusion of the top 1 % and then takes the knee of the sorted
core-distance curve (the k-distance plot of Ester et al. 1996), located by Kneedle
(Satopaa et al. 2011): 171 m for the Hertfordshire county-year at ``min_samples=10``,
near ``DBSCAN_EPS_M``. ``rule="arcgis"`` gives ArcGIS's own value. Where most
incidents sit on snap points holding ``min_samples`` incidents (core distance 0) the
knee can fall on 0 m (Hertfordshire at ``min_samples=5``); that raises a
`SettingError` saying so rather than returning a distance that means nothing.

Summaries (`summarise_clusters`): one row per cluster with its count, harm, area, the
commonest categories and locations, the months it was active, and a polygon in
EPSG:27700 (concave hull, else convex hull, else a 25 m buffer).

References
----------
.. [1] Ester, M., Kriegel, H.-P., Sander, J. & Xu, X. (1996). A density-based algorithm
   for discovering clusters in large spatial databases with noise. KDD-96, 226-231.
.. [2] Schubert, E., Sander, J., Ester, M., Kriegel, H.-P. & Xu, X. (2017). DBSCAN
   revisited, revisited. ACM Transactions on Database Systems 42(3), 19.
.. [3] Campello, R. J. G. B., Moulavi, D. & Sander, J. (2013). Density-based clustering
   based on hierarchical density estimates. PAKDD 2013, LNCS 7819, 160-172.
.. [4] Campello, R. J. G. B., Moulavi, D., Zimek, A. & Sander, J. (2015). Hierarchical
   density estimates for data clustering, visualization, and outlier detection. ACM
   Transactions on Knowledge Discovery from Data 10(1), 5.
.. [5] McInnes, L. & Healy, J. (2017). Accelerated hierarchical density based
   clustering. IEEE ICDMW 2017, 33-42.
.. [6] scikit-learn: ``sklearn.cluster.DBSCAN`` (``sample_weight``) and
   ``sklearn.cluster.HDBSCAN`` (``sklearn/cluster/_hdbscan/_tree.pyx``).
.. [7] Esri, ArcGIS Pro tool reference: Density-based Clustering (Spatial Statistics),
   usage notes on the default Search Distance.
.. [8] Satopaa, V., Albrecht, J., Irwin, D. & Raghavan, B. (2011). Finding a "kneedle"
   in a haystack: detecting knee points in system behavior. ICDCS Workshops, 166-171.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
import shapely

from geo.errors import SettingError
from hotspots.defaults import (DBSCAN_EPS_M, DBSCAN_MIN_SAMPLES, HARM_WEIGHTS_CCHI_APPROX, HDBSCAN_MIN_CLUSTER_SIZE,
                               SPECS)
from hotspots.methods.base import Estimator
from hotspots.methods.heavy import sklearn_cluster, sklearn_neighbors
from geo.months import month_of_index

__all__ = [
    "CLUSTER_BUFFER_M",
    "EPS_EXCLUDE_SHARE",
    "WeightedDBSCAN",
    "WeightedHDBSCAN",
    "default_eps_m",
    "summarise_clusters",
]

#: Buffer (m) that gives an area to a cluster of at most 3 distinct points, or whose
#: points lie on a line: about the positional uncertainty of a police.uk snap point
#: in a built-up area (a snap point serves >= 8 addresses; DOMAIN.md section 2).
CLUSTER_BUFFER_M = 25.0

#: Share of the largest core distances that the default eps ignores (ArcGIS Pro,
#: Density-based Clustering: "excluding those core distances in the top 1 percent").
EPS_EXCLUDE_SHARE = 0.01

#: How many categories and locations a cluster summary lists.
SUMMARY_TOP_N = 3

# Neighbours fetched per location for core distances and Boruvka's first rounds.
_KNN_MIN = 16
# Sweeps of the gap bound along the neighbour lists per Boruvka round.
_GAP_SWEEPS = 3
# Neighbours fetched per k-d tree query, at most (bounds the memory of one query).
_QUERY_CELLS = 4_000_000


# --------------------------------------------------------------------------- checks
def _check_coords(x_m, y_m):
    """Return x, y as float64 1-D arrays of equal, non-zero length, all finite."""
    arrays = []
    for name, values in (("x_m", x_m), ("y_m", y_m)):
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise SettingError(
                f"'{name}' must hold numbers (British National Grid metres); it holds "
                "values that are not numbers.",
                "Project the incidents to EPSG:27700 first (the geo readers do this).",
            ) from None
        if arr.ndim != 1:
            raise SettingError(
                f"'{name}' must be a 1-D array of coordinates; got an array of shape "
                f"{arr.shape}.",
                f"Pass one number per incident, e.g. table['{name}'].to_numpy().",
            )
        arrays.append(arr)
    x, y = arrays
    if x.shape != y.shape:
        raise SettingError(
            f"'x_m' and 'y_m' must have the same length; got {x.size} and {y.size}.",
            "Pass the two coordinate columns of the same table.",
        )
    if x.size == 0:
        raise SettingError(
            "There are no incidents to cluster (x_m and y_m are empty).",
            "Widen the period, area or categories selected.",
        )
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SettingError(
            f"{int(bad.sum())} incident(s) have a missing or infinite coordinate; the "
            f"first is at position {i} (x_m={float(x[i])!r}, y_m={float(y[i])!r}).",
            "Drop incidents without coordinates before clustering (police.uk rows with "
            "blank Longitude/Latitude are reported and excluded by the readers).",
        )
    return x, y


def _check_weights(weights, n, *, positive):
    """Return per-incident weights as a float64 array (ones when None)."""
    if weights is None:
        return np.ones(n)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise SettingError(
            "'weights' must hold numbers, one per incident.",
            "Pass e.g. the harm weight of each incident, or None for counts.",
        ) from None
    if w.shape != (n,):
        raise SettingError(
            f"'weights' must have one value per incident ({n}); got shape {w.shape}.",
            "Pass a 1-D array aligned with x_m and y_m, or None for counts.",
        )
    bound = "greater than 0" if positive else "0 or more"
    bad = ~np.isfinite(w) | ((w <= 0) if positive else (w < 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SettingError(
            f"Every weight must be finite and {bound}; position {i} holds {float(w[i])!r} "
            f"({int(bad.sum())} such value(s) in all).",
            "Drop those incidents, or give them a weight "
            + ("above 0." if positive else "of 0 or more."),
        )
    return w


def _check_positive_float(owner, name, value):
    if (isinstance(value, bool) or not isinstance(value, Real)
            or not np.isfinite(value) or value <= 0):
        raise SettingError(
            f"The '{name}' parameter of {owner} must be a float in the range "
            f"(0.0, inf). Got {value!r} instead.",
            f"Set {name} to a distance in metres above 0, e.g. {DBSCAN_EPS_M:g}.",
        )
    return float(value)


# ------------------------------------------------------------------- shared helpers
def _group_locations(x, y):
    """Group identical coordinates.

    Returns the distinct locations sorted by (x, y) as an (u, 2) array, and for each
    incident the index of its location. The order does not depend on the row order.
    """
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    new = np.empty(x.size, dtype=bool)
    new[0] = True
    new[1:] = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    inverse = np.empty(x.size, dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return np.column_stack([xs[new], ys[new]]), inverse


def _rank_labels(loc_labels, loc_counts):
    """Rename clusters 0, 1, ... by number of incidents, largest first.

    Ties go to the cluster whose first location comes first in (x, y) order. Noise
    (-1) stays -1. Returns the new location labels and the number of clusters.
    """
    clustered = loc_labels >= 0
    if not clustered.any():
        return np.full(loc_labels.shape, -1, dtype=np.intp), 0
    ids, first, inv = np.unique(loc_labels[clustered], return_index=True,
                                return_inverse=True)
    sizes = np.bincount(inv, weights=loc_counts[clustered])
    first_loc = np.flatnonzero(clustered)[first]
    rank = np.empty(ids.size, dtype=np.intp)
    rank[np.lexsort((first_loc, -sizes))] = np.arange(ids.size)
    out = np.full(loc_labels.shape, -1, dtype=np.intp)
    out[clustered] = rank[inv]
    return out, int(ids.size)


def _weighted_core_distances(points, weights, min_samples, tree, k):
    """Core distance of each location and its k nearest neighbours (self first).

    The core distance is the distance at which the cumulative weight of the locations
    around a location, itself included and nearest first, reaches ``min_samples``.
    """
    n = points.shape[0]
    k = min(n, max(k, 1))
    nn_dist, nn_idx = tree.query(points, k=k)
    core = np.empty(n)
    todo = np.arange(n)
    dist, idx = nn_dist, nn_idx
    while todo.size:
        cum = np.cumsum(weights[idx], axis=1)
        reached = cum >= min_samples
        ok = reached[:, -1] | (dist.shape[1] == n)
        # (all n listed and still short: only by rounding; take the farthest)
        first = np.where(reached[:, -1], np.argmax(reached, axis=1), dist.shape[1] - 1)
        core[todo[ok]] = dist[ok, first[ok]]
        todo = todo[~ok]
        if todo.size:  # fractional weights: look further for the rest
            kk = min(n, 2 * dist.shape[1])
            dist, idx = tree.query(points[todo], k=kk)
    return core, nn_dist, nn_idx


# -------------------------------------------------------------- HDBSCAN machinery
def _lightest_edges_out(points, core, comp, n_comp, query, ub, partner, best, gap):
    """Exact lightest mutual-reachability edge from each ``query`` location to another
    component, where it could be lighter than its component's best edge so far.

    Updates ``ub`` (edge weight), ``partner`` and ``best`` (per component) in place,
    and sets ``gap`` (the distance to the nearest location of another component) for
    the query locations.

    Components holding query locations get distinct non-zero codes, all others code 0,
    so any two different components differ in some bit of their codes; for each bit a
    k-d tree holds the locations on the other side of it, all of them in other
    components than the query locations searched in it, and every location of another
    component is in at least one of the trees searched for a query location. Each
    tree is searched for the k nearest (k = 16, doubled while a nearer edge may remain:
    the k-th distance bounds every unseen edge from below).
    """
    qcode = np.unique(comp[query], return_inverse=True)[1] + 1
    code = np.zeros(n_comp, dtype=np.int64)
    code[comp[query]] = qcode
    pcode = code[comp]
    gap[query] = np.inf
    for bit in range(int(qcode.max()).bit_length()):
        for side in (0, 1):
            mine = query[((qcode >> bit) & 1) == side]
            ref = np.flatnonzero(((pcode >> bit) & 1) != side)
            if mine.size == 0 or ref.size == 0:
                continue
            tree = sklearn_neighbors().KDTree(points[ref])
            k = min(_KNN_MIN, ref.size)
            todo = mine
            while todo.size:
                rows = max(1, _QUERY_CELLS // k)
                kth = np.empty(todo.size)
                for start in range(0, todo.size, rows):
                    a = todo[start:start + rows]
                    d, i = tree.query(points[a], k=k)
                    j = ref[i]
                    mrd = np.maximum(np.maximum(core[a][:, None], core[j]), d)
                    col = np.argmin(mrd, axis=1)
                    m = mrd[np.arange(a.size), col]
                    better = m < ub[a]
                    ub[a[better]] = m[better]
                    partner[a[better]] = j[better, col[better]]
                    np.minimum.at(best, comp[a], ub[a])
                    np.minimum.at(gap, a, d[:, 0])
                    kth[start:start + a.size] = d[:, -1]
                if k == ref.size:
                    break
                # an unseen location is at least max(core, k-th distance) away
                bound = np.maximum(core[todo], kth)
                todo = todo[bound < np.minimum(ub[todo], best[comp[todo]])]
                k = min(2 * k, ref.size)


def _mutual_reachability_mst(points, core, tree, nn_dist, nn_idx):
    """Exact minimum spanning tree of the mutual-reachability graph (Boruvka).

    ``nn_dist``/``nn_idx`` are each location's nearest neighbours, itself first.
    Returns the edges as arrays (a, b, weight), n - 1 of them.
    """
    n = points.shape[0]
    nn_dist, nn_idx = nn_dist[:, 1:], nn_idx[:, 1:]
    rows = np.arange(n)
    nn_mrd = np.maximum(np.maximum(core[:, None], core[nn_idx]), nn_dist)
    if nn_idx.shape[1] >= n - 1:  # the lists hold every other location
        unseen = np.full(n, np.inf)
    else:  # a location beyond the list is at least this far in reachability
        unseen = np.maximum(core, nn_dist[:, -1])
    comp = np.arange(n)
    n_comp = n
    # A lower bound on the distance to the nearest location of another component:
    # components only grow, so a distance found in one round bounds the later ones.
    gap = np.zeros(n)
    ea, eb, ew = [], [], []
    while n_comp > 1:
        cand = np.where(comp[nn_idx] != comp[:, None], nn_mrd, np.inf)
        j = np.argmin(cand, axis=1)
        ub = cand[rows, j]  # the lightest edge out seen so far (an upper bound)
        partner = nn_idx[rows, j]
        # Tighten the gaps: a location whose listed neighbours are all in its own
        # component is at least as far from another component as the farthest of
        # them, and a neighbour's gap less the distance to it bounds its own gap.
        same = comp[nn_idx] == comp[:, None]
        if nn_idx.shape[1] < n - 1:
            inside = same.all(axis=1)
            gap[inside] = np.maximum(gap[inside], nn_dist[inside, -1])
        for _ in range(_GAP_SWEEPS):
            gap = np.maximum(gap, np.where(same, gap[nn_idx] - nn_dist, 0.0).max(axis=1))
        # no edge out of the component is lighter than lb
        lb = np.maximum(np.minimum(ub, unseen), np.maximum(core, gap))
        best = np.full(n_comp, np.inf)
        np.minimum.at(best, comp, ub)
        need = np.flatnonzero((lb < ub) & (lb < best[comp]))
        if need.size:
            _lightest_edges_out(points, core, comp, n_comp, need, ub, partner, best, gap)
        # The lightest edge out of each component (ties: lowest location index).
        order = np.lexsort((rows, ub, comp))
        first = order[np.r_[True, comp[order][1:] != comp[order][:-1]]]
        a, b, w = first, partner[first], ub[first]
        # Join components with a union-find, lightest edges first, skipping any
        # edge whose ends are already joined (two components may pick one edge).
        parent = list(range(n_comp))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        ca, cb = comp[a], comp[b]
        for e in np.argsort(w, kind="stable").tolist():
            ra, rb = find(int(ca[e])), find(int(cb[e]))
            if ra != rb:
                parent[ra] = rb
                ea.append(int(a[e]))
                eb.append(int(b[e]))
                ew.append(float(w[e]))
        roots = np.array([find(i) for i in range(n_comp)], dtype=np.intp)
        _, comp_of_root = np.unique(roots, return_inverse=True)
        comp = comp_of_root[comp]
        n_comp = int(comp_of_root.max()) + 1
    return (np.asarray(ea, dtype=np.intp), np.asarray(eb, dtype=np.intp),
            np.asarray(ew, dtype=np.float64))


def _single_linkage(n, a, b, w, leaf_weight):
    """Single-linkage tree from MST edges (scipy/scikit-learn layout).

    Node ``n + i`` joins ``left[i]`` and ``right[i]`` at distance ``dist[i]``; its
    weight is ``size[i]``. Ties are broken by the edge's location indices.
    """
    order = np.lexsort((np.maximum(a, b), np.minimum(a, b), w))
    a, b, w = a[order].tolist(), b[order].tolist(), w[order]
    parent = list(range(2 * n - 1))
    node_weight = list(leaf_weight.tolist()) + [0.0] * (n - 1)
    left = np.empty(n - 1, dtype=np.intp)
    right = np.empty(n - 1, dtype=np.intp)
    size = np.empty(n - 1)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n - 1):
        ra, rb = find(a[i]), find(b[i])
        node = n + i
        left[i], right[i] = ra, rb
        node_weight[node] = node_weight[ra] + node_weight[rb]
        size[i] = node_weight[node]
        parent[ra] = parent[rb] = node
    return left, right, w.astype(np.float64), size


def _condense_and_select(left, right, dist, size, leaf_weight, leaf_core,
                         min_cluster_size):
    """Condensed tree, stabilities, excess-of-mass selection, labels, probabilities.

    Follows scikit-learn's ``_condense_tree``, ``_compute_stability``,
    ``_get_clusters`` (method 'eom', no single cluster, no epsilon), ``_do_labelling``
    and ``get_probabilities``, with two differences that make it HDBSCAN* on the raw
    incidents (Campello et al. 2015): each leaf is a location of weight
    ``leaf_weight`` whose incidents leave their cluster at 1 / ``leaf_core`` (unless
    they fell out with a small component earlier), and merges at exactly the same
    distance are treated as one multi-way split, as the level sets define them,
    instead of in the arbitrary order of a binary tree. At a split at distance d a
    location with core distance d is already noise. Returns a cluster id (-1 noise)
    and a membership probability per location.
    """
    n = leaf_weight.size
    node_size = np.concatenate([leaf_weight, size]).tolist()
    left_l, right_l, dist_l = left.tolist(), right.tolist(), dist.tolist()
    core_l = leaf_core.tolist()
    owner = [0] * (2 * n - 1)   # cluster a node belongs to
    fell = [0.0] * (2 * n - 1)  # lambda at which a node's subtree fell out (0: live)
    absorbed = [False] * (2 * n - 1)  # merged into a multi-way split above it
    c_parent, c_birth, c_size = [-1], [0.0], [node_size[-1]]
    mcs = min_cluster_size
    for node in range(2 * n - 2, n - 1, -1):
        i = node - n
        if absorbed[node]:
            continue
        c, f = owner[node], fell[node]
        if f:
            owner[left_l[i]] = owner[right_l[i]] = c
            fell[left_l[i]] = fell[right_l[i]] = f
            continue
        d = dist_l[i]
        lam = 1.0 / d if d > 0 else np.inf
        # The components just below distance d: expand tied internal nodes.
        parts, stack = [], [left_l[i], right_l[i]]
        while stack:
            x = stack.pop()
            if x >= n and dist_l[x - n] == d:
                absorbed[x] = True
                stack.extend((left_l[x - n], right_l[x - n]))
            else:
                parts.append(x)
        real = [x for x in parts
                if node_size[x] >= mcs and (x >= n or core_l[x] < d)]
        for x in parts:  # small parts fall out of c; one large part continues c
            owner[x] = c
            if x not in real:
                fell[x] = lam
        if len(real) >= 2:  # two or more large parts: each a new cluster
            for x in sorted(real):
                owner[x] = len(c_parent)
                c_parent.append(c)
                c_birth.append(lam)
                c_size.append(node_size[x])
    loc_cluster = np.asarray(owner[:n], dtype=np.intp)
    loc_fell = np.asarray(fell[:n])
    with np.errstate(divide="ignore"):
        own_lambda = np.where(leaf_core > 0, 1.0 / leaf_core, np.inf)
    loc_lambda = np.where(loc_fell > 0, loc_fell, own_lambda)
    c_parent = np.asarray(c_parent, dtype=np.intp)
    c_birth = np.asarray(c_birth)
    c_size = np.asarray(c_size)
    n_cl = c_parent.size
    # Stability: sum over the rows of the condensed tree of (lambda - birth) * size.
    stability = np.bincount(loc_cluster,
                            weights=(loc_lambda - c_birth[loc_cluster]) * leaf_weight,
                            minlength=n_cl)
    deaths = np.zeros(n_cl)
    np.maximum.at(deaths, loc_cluster, loc_lambda)
    if n_cl > 1:
        kids = np.arange(1, n_cl)
        stability += np.bincount(c_parent[kids],
                                 weights=(c_birth[kids] - c_birth[c_parent[kids]])
                                 * c_size[kids], minlength=n_cl)
        np.maximum.at(deaths, c_parent[kids], c_birth[kids])
    # Excess of mass, leaves first; the root is never a candidate.
    children = [[] for _ in range(n_cl)]
    for c in range(1, n_cl):
        children[c_parent[c]].append(c)
    stab = stability.tolist()
    keep = [False] * n_cl
    for c in range(n_cl - 1, 0, -1):
        subtree = float(np.sum([stab[k] for k in children[c]])) if children[c] else 0.0
        if subtree > stab[c]:
            stab[c] = subtree
        else:
            keep[c] = True
    selected = np.full(n_cl, -1, dtype=np.intp)  # selected ancestor (or self)
    for c in range(1, n_cl):
        p = c_parent[c]
        selected[c] = selected[p] if selected[p] >= 0 else (c if keep[c] else -1)
    labels = selected[loc_cluster]
    prob = np.zeros(n)
    hit = labels >= 0
    max_lambda = deaths[labels[hit]]
    lam = loc_lambda[hit]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.minimum(lam, max_lambda) / max_lambda
    p[(max_lambda == 0) | np.isinf(lam)] = 1.0
    prob[hit] = p
    return labels, prob


# ------------------------------------------------------------------------ DBSCAN
class WeightedDBSCAN(Estimator):
    """DBSCAN on distinct locations, each weighted by its number of incidents.

    Gives the clusters scikit-learn's ``DBSCAN`` finds on the raw incidents (see the
    module notes), in a fraction of the memory and time, with border points given to
    the cluster of their nearest core location and clusters numbered by size.

    Parameters
    ----------
    eps_m : float, default=DBSCAN_EPS_M (150.0)
        Search distance in metres (British National Grid): the radius of the
        neighbourhood, boundary included.
    min_samples : int, default=DBSCAN_MIN_SAMPLES (10)
        Incidents (or summed weight) within ``eps_m`` of a location, its own included,
        for it to be a core location.

    Attributes
    ----------
    labels_ : ndarray of shape (n_incidents,)
        Cluster of each incident, -1 for noise. Cluster 0 holds the most incidents.
    n_clusters_ : int
        Number of clusters.
    core_sample_indices_ : ndarray of shape (n_core,)
        Positions of the incidents at core locations.
    n_locations_ : int
        Number of distinct coordinates.

    Raises
    ------
    SettingError
        If a parameter or an input array is not allowed (the message says which).

    References
    ----------
    .. [1] Ester, M., Kriegel, H.-P., Sander, J. & Xu, X. (1996). A density-based
       algorithm for discovering clusters in large spatial databases with noise.
       KDD-96, 226-231.
    .. [2] Schubert, E. et al. (2017). DBSCAN revisited, revisited. ACM TODS 42(3), 19.
    .. [3] scikit-learn, ``sklearn.cluster.DBSCAN``: ``sample_weight`` counts a point
       that many times towards the core condition.

    Examples
    --------
    Three incidents share one snap point and two another 10 m away:

    >>> import numpy as np
    >>> x = np.array([0.0, 0.0, 0.0, 10.0, 10.0, 500.0])
    >>> y = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 500.0])
    >>> db = WeightedDBSCAN(eps_m=50, min_samples=4).fit(x, y)
    >>> db.labels_
    array([ 0,  0,  0,  0,  0, -1])
    >>> db.n_clusters_, db.n_locations_
    (1, 3)
    """

    def __init__(self, eps_m=DBSCAN_EPS_M, min_samples=DBSCAN_MIN_SAMPLES):
        self.eps_m = eps_m
        self.min_samples = min_samples

    _fitted_attribute = "labels_"
    _fit_call = "fit(x_m, y_m, weights)"

    def to_frame(self) -> pd.DataFrame:
        """Each incident's cluster: ``label`` (-1: in no cluster)."""
        self.check_fitted("to_frame")
        return pd.DataFrame({"label": self.labels_})

    def fit(self, x_m, y_m, weights=None):
        """Cluster the incidents.

        Parameters
        ----------
        x_m, y_m : array-like of shape (n_incidents,)
            Easting and northing in metres (EPSG:27700).
        weights : array-like of shape (n_incidents,), optional
            Weight of each incident towards the core condition (0 or more); counts
            when None.

        Returns
        -------
        self : WeightedDBSCAN
            The fitted estimator.

        Raises
        ------
        SettingError
            If a parameter or an input array is not allowed.
        """
        eps = SPECS["eps_m"].check(self.eps_m, "WeightedDBSCAN", allow_none=False,
                                   fix=f"Set eps_m to a distance in metres above 0, e.g. {DBSCAN_EPS_M:g}.")
        min_samples = SPECS["min_samples"].check(self.min_samples, "WeightedDBSCAN", allow_none=False,
                                                 fix="Set min_samples to a whole number of incidents, 1 or more.")
        x, y = _check_coords(x_m, y_m)
        w = _check_weights(weights, x.size, positive=False)
        points, inverse = _group_locations(x, y)
        loc_weight = np.bincount(inverse, weights=w, minlength=points.shape[0])
        loc_count = np.bincount(inverse, minlength=points.shape[0]).astype(np.float64)
        db = sklearn_cluster().DBSCAN(eps=eps, min_samples=min_samples).fit(points, sample_weight=loc_weight)
        loc_labels = db.labels_.astype(np.intp)
        core = np.zeros(points.shape[0], dtype=bool)
        core[db.core_sample_indices_] = True
        border = np.flatnonzero((loc_labels >= 0) & ~core)
        if border.size:
            core_idx = np.flatnonzero(core)
            core_tree = sklearn_neighbors().KDTree(points[core_idx])
            k = min(4, core_idx.size)
            dist, idx = core_tree.query(points[border], k=k)
            # of the core locations at the nearest distance, the first in (x, y)
            tied = dist == dist[:, :1]
            first_core = np.where(tied, core_idx[idx], np.iinfo(np.intp).max).min(axis=1)
            more = np.flatnonzero(tied[:, -1]) if k < core_idx.size else []
            for r in more:  # k or more ties: look at all of them
                around = core_tree.query_radius(points[border[r]][None, :],
                                                r=dist[r, 0] * (1 + 1e-12))[0]
                first_core[r] = core_idx[around].min()
            loc_labels[border] = loc_labels[first_core]
        loc_labels, self.n_clusters_ = _rank_labels(loc_labels, loc_count)
        self.labels_ = loc_labels[inverse]
        self.core_sample_indices_ = np.flatnonzero(core[inverse])
        self.n_locations_ = int(points.shape[0])
        return self

    def fit_predict(self, x_m, y_m, weights=None):
        """Fit and return ``labels_`` (see `fit`)."""
        return self.fit(x_m, y_m, weights).labels_


# ----------------------------------------------------------------------- HDBSCAN
class WeightedHDBSCAN(Estimator):
    """HDBSCAN on distinct locations, each weighted by its number of incidents.

    Gives HDBSCAN* (excess of mass, ``allow_single_cluster=False``) of the raw
    incidents from the distinct locations only: exactly scikit-learn's ``HDBSCAN`` on
    the raw incidents where no two merges happen at the same distance, and where they
    do, the multi-way split that the definition gives instead of scikit-learn's
    row-order-dependent choice (see the module notes). Does not depend on row order.

    Parameters
    ----------
    min_cluster_size : int, default=HDBSCAN_MIN_CLUSTER_SIZE (20)
        Fewest incidents (or summed weight) that make a cluster; 2 or more.
    min_samples : int or None, default=None
        Incidents within the core distance of a location, its own included (the
        smoothing of the density estimate). None means ``min_cluster_size``, as in
        scikit-learn.

    Attributes
    ----------
    labels_ : ndarray of shape (n_incidents,)
        Cluster of each incident, -1 for noise. Cluster 0 holds the most incidents.
    probabilities_ : ndarray of shape (n_incidents,)
        Strength of each incident's membership of its cluster, in [0, 1]
        (scikit-learn's definition); 0 for noise.
    n_clusters_ : int
        Number of clusters.
    n_locations_ : int
        Number of distinct coordinates.

    Raises
    ------
    SettingError
        If a parameter or an input array is not allowed, or the incidents weigh less
        than ``min_samples`` in all.

    References
    ----------
    .. [1] Campello, R. J. G. B., Moulavi, D. & Sander, J. (2013). Density-based
       clustering based on hierarchical density estimates. PAKDD 2013, 160-172.
    .. [2] McInnes, L. & Healy, J. (2017). Accelerated hierarchical density based
       clustering. IEEE ICDMW 2017, 33-42.
    .. [3] scikit-learn, ``sklearn.cluster.HDBSCAN`` and ``_hdbscan/_tree.pyx``.

    Examples
    --------
    Two busy streets 2 km apart (30 incidents on 6 snap points each) and three single
    incidents between them:

    >>> import numpy as np
    >>> street = np.repeat(np.arange(6) * 20.0, 5)
    >>> x = np.concatenate([street, street + 2000, [1050.0, 1000, 1000]])
    >>> y = np.concatenate([np.zeros(30), np.zeros(30) + 50, [1200.0, -900, 1500]])
    >>> hdb = WeightedHDBSCAN(min_cluster_size=10).fit(x, y)
    >>> hdb.n_clusters_, hdb.n_locations_
    (2, 15)
    >>> np.bincount(hdb.labels_ + 1)  # noise, cluster 0, cluster 1
    array([ 2, 31, 30])
    """

    def __init__(self, min_cluster_size=HDBSCAN_MIN_CLUSTER_SIZE, min_samples=None):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples

    _fitted_attribute = "labels_"
    _fit_call = "fit(x_m, y_m, weights)"

    def to_frame(self) -> pd.DataFrame:
        """Each incident's cluster: ``label`` (-1: in no cluster) and ``probability`` (its membership)."""
        self.check_fitted("to_frame")
        return pd.DataFrame({"label": self.labels_, "probability": self.probabilities_})

    def fit(self, x_m, y_m, weights=None):
        """Cluster the incidents.

        Parameters
        ----------
        x_m, y_m : array-like of shape (n_incidents,)
            Easting and northing in metres (EPSG:27700).
        weights : array-like of shape (n_incidents,), optional
            Weight of each incident (above 0); counts when None. Integer weights give
            exactly the result of repeating each incident that many times.

        Returns
        -------
        self : WeightedHDBSCAN
            The fitted estimator.

        Raises
        ------
        SettingError
            If a parameter or an input array is not allowed.
        """
        mcs = SPECS["min_cluster_size"].check(self.min_cluster_size, "WeightedHDBSCAN", allow_none=False,
                                              fix="Set min_cluster_size to a whole number of incidents, 2 or more.")
        if self.min_samples is None:
            min_samples = mcs
        else:
            min_samples = SPECS["min_samples"].check(self.min_samples, "WeightedHDBSCAN", allow_none=False,
                                                     fix="Set min_samples to a whole number of incidents, 1 or more.")
        x, y = _check_coords(x_m, y_m)
        w = _check_weights(weights, x.size, positive=True)
        if w.sum() < min_samples:
            raise SettingError(
                f"min_samples ({min_samples}) must be at most the number (or summed "
                f"weight) of incidents ({w.sum():g}).",
                "Lower min_samples/min_cluster_size or select more incidents.",
            )
        points, inverse = _group_locations(x, y)
        u = points.shape[0]
        loc_weight = np.bincount(inverse, weights=w, minlength=u)
        loc_count = np.bincount(inverse, minlength=u).astype(np.float64)
        self.n_locations_ = int(u)
        if u == 1:  # one location cannot be split: no cluster (as allow_single_cluster=False)
            self.labels_ = np.full(x.size, -1, dtype=np.intp)
            self.probabilities_ = np.zeros(x.size)
            self.n_clusters_ = 0
            return self
        tree = sklearn_neighbors().KDTree(points)
        core, nn_dist, nn_idx = _weighted_core_distances(
            points, loc_weight, min_samples, tree, max(min_samples, _KNN_MIN) + 1)
        a, b, mrd = _mutual_reachability_mst(points, core, tree, nn_dist, nn_idx)
        left, right, dist, size = _single_linkage(u, a, b, mrd, loc_weight)
        loc_labels, loc_prob = _condense_and_select(left, right, dist, size, loc_weight,
                                                    core, mcs)
        loc_labels, self.n_clusters_ = _rank_labels(loc_labels, loc_count)
        self.labels_ = loc_labels[inverse]
        self.probabilities_ = np.where(loc_labels >= 0, loc_prob, 0.0)[inverse]
        return self

    def fit_predict(self, x_m, y_m, weights=None):
        """Fit and return ``labels_`` (see `fit`)."""
        return self.fit(x_m, y_m, weights).labels_


# ------------------------------------------------------------------- default eps
def default_eps_m(x_m, y_m, min_samples=DBSCAN_MIN_SAMPLES, *, weights=None,
                  rule="knee"):
    """Default DBSCAN search distance from the distribution of core distances.

    The core distance of an incident is the distance within which ``min_samples``
    incidents (or that much weight) lie, its own location included: the smallest
    ``eps_m`` that makes it a core point of `WeightedDBSCAN`. The core distances of
    all incidents are sorted and the largest 1 % (`EPS_EXCLUDE_SHARE`, rounded down to
    whole incidents) are set aside, as ArcGIS Pro does. Then:

    * ``rule="knee"`` (default): the knee of the remaining sorted curve (the
      k-distance plot of Ester et al. 1996), found by Kneedle (Satopaa et al. 2011):
      with the positions scaled to [0, 1] and the distances min-max scaled to [0, 1],
      the point farthest below the chord, i.e. the distance at the position that
      maximises (position - distance). On police.uk data this lands near
      ``DBSCAN_EPS_M``: 147 m for Hertfordshire 2021 within the county (171 m with the
      out-of-area rows) at ``min_samples=10``.
    * ``rule="arcgis"``: the largest remaining core distance, ArcGIS Pro's documented
      default ("the highest core distance found in the dataset, excluding those core
      distances in the top 1 percent"). It makes at least 99 % of incidents core
      points, so on a police.uk county-year it is 0.8-1.4 km and whole towns merge.

    Parameters
    ----------
    x_m, y_m : array-like of shape (n_incidents,)
        Easting and northing in metres (EPSG:27700).
    min_samples : int, default=DBSCAN_MIN_SAMPLES (10)
        The ``min_samples`` the search distance is meant for.
    weights : array-like of shape (n_incidents,), optional
        Weights as `WeightedDBSCAN.fit` takes them (counts when None). The 1 % and
        the curve are always over incidents.
    rule : {"knee", "arcgis"}, default="knee"
        Which of the two rules above.

    Returns
    -------
    float
        The search distance in metres, above 0.

    Raises
    ------
    SettingError
        If a parameter or an input array is not allowed, the incidents weigh less
        than ``min_samples``, or the rule gives 0 m (nearly every incident shares its
        location with ``min_samples`` others).

    References
    ----------
    .. [1] Esri, ArcGIS Pro tool reference, Density-based Clustering (Spatial
       Statistics): usage note on the default Search Distance.
    .. [2] Ester, M., Kriegel, H.-P., Sander, J. & Xu, X. (1996). KDD-96, 226-231
       (section 4.2, the sorted k-dist graph).
    .. [3] Satopaa, V., Albrecht, J., Irwin, D. & Raghavan, B. (2011). Finding a
       "kneedle" in a haystack: detecting knee points in system behavior. ICDCS
       Workshops, 166-171.

    Examples
    --------
    Ten incidents 10 m apart along a street, and one 1 km away. With
    ``min_samples=3`` the core distances are 10 m inside the street, 20 m at its two
    ends and 920 m for the lone incident; the knee is the last value before the jump:

    >>> import numpy as np
    >>> x = np.r_[np.arange(10) * 10.0, 1000.0]
    >>> y = np.zeros(11)
    >>> default_eps_m(x, y, min_samples=3)
    20.0
    >>> default_eps_m(x, y, min_samples=3, rule="arcgis")  # 11 incidents: none set aside
    920.0
    """
    min_samples = SPECS["min_samples"].check(min_samples, "default_eps_m", allow_none=False)
    if rule not in ("knee", "arcgis"):
        raise SettingError(
            f"The 'rule' parameter of default_eps_m must be 'knee' or 'arcgis'. Got "
            f"{rule!r} instead.",
            "Use rule='knee' (the default) or rule='arcgis'.",
        )
    x, y = _check_coords(x_m, y_m)
    w = _check_weights(weights, x.size, positive=False)
    if w.sum() < min_samples:
        raise SettingError(
            f"min_samples ({min_samples}) must be at most the number (or summed weight) "
            f"of incidents ({w.sum():g}).",
            "Lower min_samples or select more incidents.",
        )
    points, inverse = _group_locations(x, y)
    loc_weight = np.bincount(inverse, weights=w, minlength=points.shape[0])
    loc_count = np.bincount(inverse, minlength=points.shape[0])
    core, _, _ = _weighted_core_distances(points, loc_weight, min_samples,
                                          sklearn_neighbors().KDTree(points), min_samples)
    # The per-incident curve, kept as runs of equal values: value, incidents <= it.
    values, run = np.unique(core, return_inverse=True)
    upto = np.cumsum(np.bincount(run, weights=loc_count))
    n_keep = x.size - int(np.floor(x.size * EPS_EXCLUDE_SHARE))
    last = int(np.searchsorted(upto, n_keep))  # the run holding the n_keep-th incident
    values, upto = values[:last + 1], np.minimum(upto[:last + 1], n_keep)
    if rule == "arcgis" or values.size == 1 or n_keep == 1:
        eps = float(values[-1])
    else:
        position = (upto - 1) / (n_keep - 1)  # the last incident of each run
        scaled = (values - values[0]) / (values[-1] - values[0])
        eps = float(values[np.argmax(position - scaled)])
    if eps <= 0:
        raise SettingError(
            f"The {rule} rule gives a search distance of 0 m: almost every incident "
            f"shares its location with at least {min_samples - 1} others.",
            "Set eps_m yourself (e.g. 150 m), or raise min_samples.",
        )
    return eps


# ------------------------------------------------------------------------ summary
def _month_index(month, n):
    """Months as integers (year * 12 + month - 1), -1 where missing."""
    s = pd.Series(month, copy=False) if not isinstance(month, pd.Series) else month
    if len(s) != n:
        raise SettingError(
            f"'month' must have one value per incident ({n}); got {len(s)}.",
            "Pass the month column of the same table.",
        )
    if isinstance(s.dtype, pd.PeriodDtype):
        stamps = s.dt.to_timestamp()
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        stamps = s
    else:
        missing = s.isna().to_numpy()
        stamps = pd.to_datetime(s.astype(object).where(~missing, None),
                                format="ISO8601", errors="coerce")
        bad = stamps.isna().to_numpy() & ~missing
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SettingError(
                f"'month' must hold 'YYYY-MM' strings or dates; position {i} holds "
                f"{s.iloc[i]!r}.",
                "Pass the police.uk Month column or datetime64 values.",
            )
    stamps = pd.DatetimeIndex(stamps)
    out = (stamps.year * 12 + stamps.month - 1).to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isnan(out), -1, out).astype(np.int64)


def _cluster_polygon(pts, concave_ratio, buffer_m):
    """Concave hull, else convex hull, else a buffer: always a polygon with area."""
    mp = shapely.multipoints(pts)
    if len(pts) >= 4:
        for hull in (shapely.concave_hull(mp, ratio=concave_ratio), mp.convex_hull):
            if (hull.geom_type == "Polygon" and not hull.is_empty and hull.is_valid
                    and hull.area > 0):
                return hull
    return mp.convex_hull.buffer(buffer_m)


def _top_counts(df, column, count_of, percent):
    """'a 45%, b 12%' or 'a (12), b (7)' per cluster: the SUMMARY_TOP_N commonest."""
    counts = df.groupby(["cluster", column], sort=False, observed=True).size()
    counts = counts.rename("n").reset_index()
    counts = counts.sort_values(["cluster", "n", column], ascending=[True, False, True],
                                kind="stable")
    counts = counts.groupby("cluster", sort=False).head(SUMMARY_TOP_N)
    if percent:
        share = 100.0 * counts["n"].to_numpy() / count_of.loc[counts["cluster"]].to_numpy()
        text = [f"{name} {p:.0f}%" for name, p in zip(counts[column], share)]
    else:
        text = [f"{name} ({k})" for name, k in zip(counts[column], counts["n"])]
    return pd.Series(text, index=counts["cluster"].to_numpy()).groupby(level=0).agg(", ".join)


def summarise_clusters(labels, x_m, y_m, category, location, month, harm=None,
                       concave_ratio=0.3, *, buffer_m=CLUSTER_BUFFER_M):
    """One row per cluster: size, harm, area, what, where, when, and its outline.

    Parameters
    ----------
    labels : array-like of int, shape (n_incidents,)
        Cluster of each incident, negative for noise (``labels_`` of `WeightedDBSCAN`
        or `WeightedHDBSCAN`).
    x_m, y_m : array-like of shape (n_incidents,)
        Easting and northing in metres (EPSG:27700).
    category : array-like of str, shape (n_incidents,)
        police.uk crime type (or another category).
    location : array-like of str, shape (n_incidents,)
        police.uk ``Location`` ("On or near ..."); missing values are not counted.
    month : array-like, shape (n_incidents,)
        'YYYY-MM' strings, dates or datetime64; missing values are not counted.
    harm : array-like of float, shape (n_incidents,), optional
        Harm weight of each incident (0 or more). None: the Cambridge Crime Harm
        Index category approximations of ``HARM_WEIGHTS_CCHI_APPROX`` (approximate:
        say so), 0 for a category without one (e.g. A&E assaults), as
        ``hotspots.methods.harm.harm_of`` does.
    concave_ratio : float, default=0.3
        ``ratio`` of ``shapely.concave_hull`` in [0, 1]: 0 hugs the points (long
        street clusters stay thin), 1 is the convex hull.
    buffer_m : float, default=CLUSTER_BUFFER_M (25.0)
        Buffer in metres around clusters of at most 3 distinct points, or whose
        points lie on a line, so that every cluster has an area.

    Returns
    -------
    pandas.DataFrame
        One row per cluster, in cluster order, with columns ``cluster``, ``count``
        (incidents), ``harm`` (summed), ``area_km2``, ``top_categories`` (the 3
        commonest with their share, e.g. "Violence and sexual offences 45%, Public
        order 12%"), ``top_locations`` (the 3 commonest ``location`` strings with
        counts), ``months_active`` (months with at least one incident),
        ``first_month`` and ``last_month`` ('YYYY-MM'), and ``geometry`` (a shapely
        Polygon in EPSG:27700: the concave hull of the distinct points when there are
        4 or more and it is a valid polygon, else their convex hull, else the convex
        hull buffered by ``buffer_m``).

    Raises
    ------
    SettingError
        If the arrays differ in length, a value cannot be read, or a parameter is
        out of range.

    References
    ----------
    .. [1] Sherman, L., Neyroud, P. W. & Neyroud, E. (2016). The Cambridge Crime Harm
       Index: measuring total harm from crime based on sentencing guidelines.
       Policing 10(3), 171-183.
    .. [2] shapely ``concave_hull`` (GEOS ConcaveHull, edge-length ratio).

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([0, 0, 0, 0, 0, 1, 1, -1])
    >>> x = np.array([0.0, 100, 100, 0, 50, 5000, 5000, 9000])
    >>> y = np.array([0.0, 0, 100, 100, 0, 5000, 5000, 9000])
    >>> category = ["Burglary"] * 2 + ["Public order"] * 3 + ["Shoplifting"] * 3
    >>> location = ["On or near High Street"] * 4 + ["On or near Park"] + ["On or near Mall"] * 3
    >>> month = ["2021-01", "2021-01", "2021-03", "2021-04", "2021-04"] + ["2021-02"] * 3
    >>> table = summarise_clusters(labels, x, y, category, location, month)
    >>> table[["cluster", "count", "harm", "months_active", "first_month", "last_month"]]
       cluster  count   harm  months_active first_month last_month
    0        0      5  482.5              3     2021-01    2021-04
    1        1      2    2.0              1     2021-02    2021-02
    >>> table.loc[0, "top_categories"]
    'Public order 60%, Burglary 40%'
    >>> table.loc[0, "top_locations"]
    'On or near High Street (4), On or near Park (1)'
    >>> float(round(table.loc[0, "area_km2"], 4))  # the 100 m square
    0.01
    >>> table.loc[1, "geometry"].geom_type  # one snap point: a 25 m buffer
    'Polygon'
    >>> float(round(table.loc[1, "area_km2"], 5))
    0.00196
    """
    try:
        lab = np.asarray(labels)
        if lab.dtype.kind not in "iu":
            if lab.dtype.kind == "f" and np.all(np.isfinite(lab)) and np.all(lab == np.round(lab)):
                lab = lab.astype(np.int64)
            else:
                raise TypeError
    except TypeError:
        raise SettingError(
            "'labels' must be whole numbers, one cluster id per incident (-1 for noise).",
            "Pass the labels_ of WeightedDBSCAN or WeightedHDBSCAN.",
        ) from None
    x, y = _check_coords(x_m, y_m)
    n = x.size
    if not (isinstance(concave_ratio, Real) and 0 <= concave_ratio <= 1):
        raise SettingError(
            f"The 'concave_ratio' parameter of summarise_clusters must be a float in "
            f"the range [0.0, 1.0]. Got {concave_ratio!r} instead.",
            "Use 0.3 (the default) for street-shaped clusters, 1.0 for convex hulls.",
        )
    buffer_m = _check_positive_float("summarise_clusters", "buffer_m", buffer_m)
    columns = {"labels": lab, "category": category, "location": location}
    for name, values in columns.items():
        if len(values) != n:
            raise SettingError(
                f"'{name}' must have one value per incident ({n}); got {len(values)}.",
                "Pass columns of the same table as x_m and y_m.",
            )
    months = _month_index(month, n)
    df = pd.DataFrame({
        "cluster": lab.astype(np.int64),
        "category": pd.Series(category, copy=False).to_numpy(dtype=object),
        "location": pd.Series(location, copy=False).to_numpy(dtype=object),
        "month": months, "x": x, "y": y,
    })
    clustered = df["cluster"].to_numpy() >= 0
    if harm is None:  # as hotspots.methods.harm.harm_of: 0 for a category without a weight
        weights = (df["category"].map(HARM_WEIGHTS_CCHI_APPROX)
                   .to_numpy(dtype=np.float64, na_value=0.0))
    else:
        weights = _check_weights(harm, n, positive=False)
    df["harm"] = weights
    df = df[clustered]
    out_columns = ["cluster", "count", "harm", "area_km2", "top_categories",
                   "top_locations", "months_active", "first_month", "last_month",
                   "geometry"]
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in out_columns})
    g = df.groupby("cluster", sort=True)
    table = pd.DataFrame({"count": g.size(), "harm": g["harm"].sum()})
    dated = df[df["month"] >= 0].groupby("cluster")["month"]
    table["months_active"] = dated.nunique().reindex(table.index, fill_value=0)
    first, last = dated.min().reindex(table.index), dated.max().reindex(table.index)
    cats = df.assign(category=df["category"].where(df["category"].notna(), "(unknown)"))
    table["top_categories"] = _top_counts(cats, "category", table["count"], True)
    locs = df[df["location"].notna() & (df["location"].astype(str).str.strip() != "")]
    table["top_locations"] = (_top_counts(locs, "location", table["count"], False)
                              .reindex(table.index, fill_value=""))
    table["first_month"] = [None if pd.isna(m) else month_of_index(int(m)) for m in first]
    table["last_month"] = [None if pd.isna(m) else month_of_index(int(m)) for m in last]
    distinct = df[["cluster", "x", "y"]].drop_duplicates().sort_values(["cluster", "x", "y"])
    bounds = np.flatnonzero(np.r_[True, np.diff(distinct["cluster"].to_numpy()) != 0,
                                  True])
    xy = distinct[["x", "y"]].to_numpy()
    table["geometry"] = [_cluster_polygon(xy[a:b], concave_ratio, buffer_m)
                         for a, b in zip(bounds[:-1], bounds[1:])]
    table["area_km2"] = shapely.area(table["geometry"].to_numpy()) / 1e6
    table = table.reset_index().rename(columns={"index": "cluster"})
    table["count"] = table["count"].astype(np.int64)
    return table[out_columns]
