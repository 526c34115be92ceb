"""Known answers for hotspots.methods.clusters.

* DBSCAN: scikit-learn's own documentation example (3 clusters, 18 noise points and the
  printed scores), and scikit-learn's ``DBSCAN`` on the raw, un-grouped points: same core
  points, same noise, same partition once the border points that DBSCAN leaves open are
  given to their nearest core point.
* HDBSCAN: scikit-learn's ``HDBSCAN`` on the raw points where no two merges tie (exact,
  probabilities included), HDBSCAN* computed from its definition (level sets of the
  mutual-reachability graph, Campello et al. 2015) on the raw points where they do, and
  the minimum spanning tree of scikit-learn's Prim implementation.
* The default search distance: ArcGIS's rule and the knee, recomputed from raw-point
  core distances.
* The real police.uk files (June 2021 violence; the county-year), skipped where
  ``../shared/data`` is absent.

Every reference is computed inside the test, from the raw points, with scikit-learn,
scipy or numpy, never with the grouping code under test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, completeness_score, homogeneity_score
from sklearn.neighbors import KDTree, NearestNeighbors
from sklearn.preprocessing import StandardScaler

from hotspots.methods.clusters import (
    WeightedDBSCAN,
    WeightedHDBSCAN,
    _group_locations,
    _mutual_reachability_mst,
    _weighted_core_distances,
    default_eps_m,
    summarise_clusters,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
STREET_DIR = SHARED_DATA / "police" / "hertfordshire_2021" / "street"
SHARED_REASON = "needs ../shared/data (the real police.uk files); CI has it"


# ----------------------------------------------------------------------- helpers
def snap_points(seed, n_loc=300, max_per_point=60, grid_m=None):
    """Police.uk-like incidents: a few towns of snap points, a rural scatter, many
    incidents per snap point (heavy-tailed), rows shuffled."""
    rng = np.random.default_rng(seed)
    towns = rng.uniform(0, 8000, (6, 2))
    spread = rng.uniform(150, 900, 6)
    k = rng.integers(0, 6, n_loc)
    loc = towns[k] + rng.normal(0, 1, (n_loc, 2)) * spread[k, None]
    loc = np.vstack([loc, rng.uniform(0, 8000, (n_loc // 5, 2))])
    if grid_m:
        loc = np.round(loc / grid_m) * grid_m
    per_point = np.minimum(np.floor(rng.pareto(1.3, len(loc)) + 1), max_per_point).astype(int)
    X = np.repeat(loc, per_point, axis=0)
    return X[rng.permutation(len(X))]


def same_partition(a, b):
    """Equal up to the names of the clusters, with identical noise."""
    return adjusted_rand_score(a, b) == 1.0 and np.array_equal(a == -1, b == -1)


def border_to_nearest_core(X, labels, core_mask):
    """Give each border point the cluster of its nearest core point (ties: the core
    point first in (x, y) order): the rule WeightedDBSCAN documents, applied by brute
    force to scikit-learn's raw labels."""
    out = labels.copy()
    core = np.flatnonzero(core_mask)
    border = np.flatnonzero((labels >= 0) & ~core_mask)
    d = cdist(X[border], X[core])
    for row, i in enumerate(border):
        tied = core[d[row] == d[row].min()]
        first = tied[np.lexsort((X[tied, 1], X[tied, 0]))[0]]
        out[i] = labels[first]
    return out


def sklearn_dbscan(X, eps, min_samples):
    db = DBSCAN(eps=eps, min_samples=min_samples).fit(X)
    core = np.zeros(len(X), dtype=bool)
    core[db.core_sample_indices_] = True
    return db.labels_, core


def sklearn_hdbscan(X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the 'copy' default changes in 1.10
        return HDBSCAN(copy=True, **kw).fit(X)


def hdbscan_star(X, min_cluster_size, min_samples):
    """HDBSCAN* from its definition, on raw points (Campello, Moulavi, Zimek & Sander
    2015, Algorithm 1 with the minimum-cluster-size condensation): at each level
    eps of the mutual-reachability distances, from the top, the points with core
    distance below eps and the edges shorter than eps form components; in each live
    cluster, components with min_cluster_size points or more are kept (one: the
    cluster shrinks; two or more: each is a new cluster, born at 1/eps) and the other
    points fall out at lambda = 1/eps. Stability, excess of mass (root excluded),
    labels and probabilities then follow scikit-learn's definitions. O(n^3): small n.
    """
    n = len(X)
    D = cdist(X, X)
    core = np.sort(D, axis=1)[:, min_samples - 1]  # the point itself counts
    M = np.maximum(np.maximum(core[:, None], core[None, :]), D)
    levels = np.unique(np.r_[M[np.triu_indices(n, 1)], core])[::-1]
    parent, birth, size = [-1], [0.0], [n]
    live = {0: np.arange(n)}
    fell_from = np.full(n, -1)
    fell_at = np.zeros(n)
    for eps in levels:
        lam = 1.0 / eps if eps > 0 else np.inf
        for c in list(live):
            members = live[c]
            active = members[core[members] < eps]
            parts = []
            if active.size:
                k, comp = connected_components(M[np.ix_(active, active)] < eps, directed=False)
                parts = [active[comp == i] for i in range(k)]
            real = [p for p in parts if p.size >= min_cluster_size]
            kept = np.concatenate(real) if real else np.array([], dtype=int)
            gone = np.setdiff1d(members, kept)
            fell_from[gone], fell_at[gone] = c, lam
            if len(real) == 1:
                live[c] = real[0]
                continue
            del live[c]
            for p in real if len(real) >= 2 else []:
                live[len(parent)] = p
                parent.append(c)
                birth.append(lam)
                size.append(p.size)
    assert not live
    parent, birth, size = np.array(parent), np.array(birth), np.array(size, float)
    nc = parent.size
    stability = np.bincount(fell_from, weights=fell_at - birth[fell_from], minlength=nc)
    deaths = np.zeros(nc)
    np.maximum.at(deaths, fell_from, fell_at)
    for c in range(1, nc):
        stability[parent[c]] += size[c] * (birth[c] - birth[parent[c]])
        deaths[parent[c]] = max(deaths[parent[c]], birth[c])
    stability = list(stability)
    keep = [False] * nc
    for c in range(nc - 1, 0, -1):
        kids = [k for k in range(nc) if parent[k] == c]
        subtree = sum(stability[k] for k in kids) if kids else 0.0
        if subtree > stability[c]:
            stability[c] = subtree
        else:
            keep[c] = True
    selected = np.full(nc, -1)
    for c in range(1, nc):
        selected[c] = selected[parent[c]] if selected[parent[c]] >= 0 else (c if keep[c] else -1)
    labels = selected[fell_from]
    prob = np.zeros(n)
    for i in np.flatnonzero(labels >= 0):
        m = deaths[labels[i]]
        prob[i] = 1.0 if (m == 0 or np.isinf(fell_at[i])) else min(fell_at[i], m) / m
    return labels, prob


def read_street(months="*"):
    files = sorted(STREET_DIR.glob(f"{months}-hertfordshire-street.csv"))
    if not files:
        pytest.skip(SHARED_REASON)
    from pyproj import Transformer

    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    df = df.dropna(subset=["Longitude", "Latitude"]).reset_index(drop=True)
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_bng.transform(df["Longitude"].to_numpy(), df["Latitude"].to_numpy())
    return df, np.asarray(x), np.asarray(y)


# ------------------------------------------------------------------------ DBSCAN
def test_dbscan_reproduces_the_scikit_learn_documentation_example():
    # scikit-learn, examples/cluster/plot_dbscan.py: "Estimated number of clusters: 3",
    # "Estimated number of noise points: 18", Homogeneity 0.953, Completeness 0.883,
    # Adjusted Rand Index 0.952.
    X, labels_true = make_blobs(n_samples=750, centers=[[1, 1], [-1, -1], [1, -1]],
                                cluster_std=0.4, random_state=0)
    X = StandardScaler().fit_transform(X)
    db = WeightedDBSCAN(eps_m=0.3, min_samples=10).fit(X[:, 0], X[:, 1])
    assert db.n_clusters_ == 3
    assert int((db.labels_ == -1).sum()) == 18
    assert round(homogeneity_score(labels_true, db.labels_), 3) == 0.953
    assert round(completeness_score(labels_true, db.labels_), 3) == 0.883
    assert round(adjusted_rand_score(labels_true, db.labels_), 3) == 0.952
    ref_labels, ref_core = sklearn_dbscan(X, 0.3, 10)
    assert same_partition(db.labels_, ref_labels)
    np.testing.assert_array_equal(db.core_sample_indices_, np.flatnonzero(ref_core))


@pytest.mark.parametrize("seed, eps, min_samples", [
    (0, 150.0, 10), (1, 150.0, 10), (2, 80.0, 25), (3, 300.0, 5), (4, 150.0, 60), (5, 40.0, 3),
])
def test_dbscan_on_snap_points_equals_raw_point_dbscan(seed, eps, min_samples):
    X = snap_points(seed, grid_m=5 if seed % 2 else None)
    assert len(np.unique(X, axis=0)) < len(X) / 2  # heavily duplicated, like police.uk
    db = WeightedDBSCAN(eps_m=eps, min_samples=min_samples).fit(X[:, 0], X[:, 1])
    ref_labels, ref_core = sklearn_dbscan(X, eps, min_samples)
    # the same core points and the same noise: the weighted core condition is exact
    np.testing.assert_array_equal(db.core_sample_indices_, np.flatnonzero(ref_core))
    np.testing.assert_array_equal(db.labels_ == -1, ref_labels == -1)
    # the same clusters of core points
    assert adjusted_rand_score(db.labels_[ref_core], ref_labels[ref_core]) == 1.0
    # and the same partition once scikit-learn's order-dependent border choice is
    # replaced by the documented one (nearest core point)
    assert same_partition(db.labels_, border_to_nearest_core(X, ref_labels, ref_core))
    # every border point is within eps of a core point of its own cluster
    border = np.flatnonzero((db.labels_ >= 0) & ~np.isin(np.arange(len(X)), db.core_sample_indices_))
    core_pts = X[db.core_sample_indices_]
    for i in border:
        near = np.hypot(*(core_pts - X[i]).T) <= eps
        assert db.labels_[i] in set(db.labels_[db.core_sample_indices_][near])


def test_dbscan_integer_weights_equal_repeated_points():
    rng = np.random.default_rng(7)
    pts = np.unique(snap_points(7), axis=0)
    w = rng.integers(1, 30, len(pts))
    weighted = WeightedDBSCAN(eps_m=150, min_samples=20).fit(pts[:, 0], pts[:, 1], weights=w)
    X = np.repeat(pts, w, axis=0)
    ref_labels, ref_core = sklearn_dbscan(X, 150, 20)
    ref = border_to_nearest_core(X, ref_labels, ref_core)
    first_copy = np.r_[0, np.cumsum(w)[:-1]]
    assert same_partition(weighted.labels_, ref[first_copy])


@pytest.mark.shared
def test_dbscan_on_real_june_2021_violence_equals_raw_point_dbscan():
    df, x, y = read_street("2021-06")
    keep = (df["Crime type"] == "Violence and sexual offences").to_numpy()
    X = np.column_stack([x[keep], y[keep]])
    assert len(X) == 2549 and len(np.unique(X, axis=0)) == 1714
    db = WeightedDBSCAN().fit(X[:, 0], X[:, 1])  # 150 m, 10 incidents
    ref_labels, ref_core = sklearn_dbscan(X, 150.0, 10)
    np.testing.assert_array_equal(db.core_sample_indices_, np.flatnonzero(ref_core))
    assert same_partition(db.labels_, border_to_nearest_core(X, ref_labels, ref_core))
    assert db.n_clusters_ == ref_labels.max() + 1


# ----------------------------------------------------------------------- HDBSCAN
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("min_samples", [1, 2])
def test_hdbscan_equals_raw_point_hdbscan_when_no_merges_tie(seed, min_samples):
    # With min_samples 1 or 2 a core distance is 0 or the nearest-neighbour distance,
    # so no two merges of the single-linkage tree tie (continuous coordinates) and
    # scikit-learn's binary tree is the hierarchy itself: the results must be equal,
    # probabilities included, duplicates (core distance 0, lambda = inf) and all.
    X = snap_points(seed)
    mcs = [5, 10, 20, 40, 15, 30][seed]
    ours = WeightedHDBSCAN(min_cluster_size=mcs, min_samples=min_samples).fit(X[:, 0], X[:, 1])
    ref = sklearn_hdbscan(X, min_cluster_size=mcs, min_samples=min_samples)
    assert ref.labels_.max() >= 1
    assert same_partition(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.probabilities_, ref.probabilities_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_hdbscan_equals_hdbscan_star_by_definition_with_tied_merges(seed):
    rng = np.random.default_rng(100 + seed)
    X = snap_points(100 + seed, n_loc=int(rng.integers(20, 50)), max_per_point=25,
                    grid_m=[None, 10][seed % 2])
    mcs = int(rng.integers(3, 15))
    min_samples = [None, 3, 5, int(rng.integers(1, 20))][seed % 4]
    ref_labels, ref_prob = hdbscan_star(X, mcs, mcs if min_samples is None else min_samples)
    ours = WeightedHDBSCAN(min_cluster_size=mcs, min_samples=min_samples).fit(X[:, 0], X[:, 1])
    assert same_partition(ours.labels_, ref_labels)
    np.testing.assert_allclose(ours.probabilities_, ref_prob, rtol=1e-9, atol=1e-12)


def test_hdbscan_with_tied_merges_differs_from_scikit_learn_no_more_than_its_row_order():
    # scikit-learn orders tied merges by an unstable sort, so its result on duplicated
    # points changes with the row order; ours does not (it follows the definition, as
    # the test above shows). Quantified here with the adjusted Rand index: measured
    # 0.959 against scikit-learn (mean of 8 sets), while scikit-learn against itself
    # with the rows shuffled gives 0.981. The gap is systematic: at a tie scikit-learn
    # puts the incidents that become noise at that level into one of the new child
    # clusters (which one depends on the row order); the definition leaves them with
    # the parent, so they are noise unless the parent is selected.
    ours_vs_ref, ref_vs_ref, noise = [], [], []
    for seed in range(8):
        X = snap_points(200 + seed)
        ref = sklearn_hdbscan(X, min_cluster_size=20).labels_
        p = np.random.default_rng(seed).permutation(len(X))
        shuffled = np.empty_like(ref)
        shuffled[p] = sklearn_hdbscan(X[p], min_cluster_size=20).labels_
        ours = WeightedHDBSCAN(min_cluster_size=20).fit(X[:, 0], X[:, 1]).labels_
        ours_vs_ref.append(adjusted_rand_score(ref, ours))
        ref_vs_ref.append(adjusted_rand_score(ref, shuffled))
        noise.append(np.mean((ours == -1) == (ref == -1)))
    assert np.mean(ours_vs_ref) > 0.94
    assert min(ours_vs_ref) > 0.9
    assert np.mean(ref_vs_ref) - np.mean(ours_vs_ref) < 0.04
    assert np.mean(noise) > 0.98


@pytest.mark.parametrize("seed", range(5))
def test_mutual_reachability_tree_has_the_weights_of_scikit_learns_prim_tree(seed):
    linkage = pytest.importorskip("sklearn.cluster._hdbscan._linkage")  # private API
    from sklearn.metrics import DistanceMetric

    rng = np.random.default_rng(seed)
    X = snap_points(300 + seed, n_loc=600, grid_m=[None, 3][seed % 2])
    pts, inverse = _group_locations(X[:, 0], X[:, 1])
    w = np.bincount(inverse).astype(float)
    if seed == 4:
        w = w * rng.uniform(0.3, 2.0, len(w))  # fractional weights
    m = [1, 5, 20, 40, 10][seed]
    tree = KDTree(pts)
    core, nn_dist, nn_idx = _weighted_core_distances(pts, w, m, tree, max(m, 16) + 1)
    a, b, weight = _mutual_reachability_mst(pts, core, tree, nn_dist, nn_idx)
    prim = linkage.mst_from_data_matrix(np.ascontiguousarray(pts), core,
                                        DistanceMetric.get_metric("euclidean"), 1.0)
    assert a.size == len(pts) - 1  # a spanning tree: n - 1 edges, one component
    assert connected_components(_edges_matrix(len(pts), a, b), directed=False)[0] == 1
    np.testing.assert_allclose(np.sort(weight), np.sort(prim["distance"]), rtol=1e-12)


def _edges_matrix(n, a, b):
    from scipy.sparse import coo_matrix

    return coo_matrix((np.ones(a.size), (a, b)), shape=(n, n))


def test_weighted_core_distance_is_the_raw_core_distance():
    X = snap_points(11)
    pts, inverse = _group_locations(X[:, 0], X[:, 1])
    w = np.bincount(inverse).astype(float)
    for m in (1, 2, 10, 50):
        core, _, _ = _weighted_core_distances(pts, w, m, KDTree(pts), m)
        raw = NearestNeighbors(n_neighbors=m).fit(X).kneighbors(X, m)[0][:, -1]
        np.testing.assert_allclose(core[inverse], raw, rtol=1e-12, atol=0)


@pytest.mark.shared
def test_hdbscan_on_real_june_2021_violence():
    df, x, y = read_street("2021-06")
    keep = (df["Crime type"] == "Violence and sexual offences").to_numpy()
    X = np.column_stack([x[keep], y[keep]])
    # exact where no merges tie
    ours = WeightedHDBSCAN(min_cluster_size=20, min_samples=1).fit(X[:, 0], X[:, 1])
    ref = sklearn_hdbscan(X, min_cluster_size=20, min_samples=1)
    assert same_partition(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.probabilities_, ref.probabilities_, rtol=1e-9, atol=1e-12)
    # the defaults (min_samples = min_cluster_size = 20): tied merges, so close, not
    # equal (measured: adjusted Rand index 0.992; scikit-learn against itself with
    # the rows shuffled: 0.995)
    ours = WeightedHDBSCAN().fit(X[:, 0], X[:, 1])
    ref = sklearn_hdbscan(X, min_cluster_size=20)
    assert adjusted_rand_score(ref.labels_, ours.labels_) > 0.98
    assert np.mean((ours.labels_ == -1) == (ref.labels_ == -1)) > 0.99
    assert abs(ours.n_clusters_ - (ref.labels_.max() + 1)) <= 2


# ------------------------------------------------------------------ default eps
def raw_core_distances(X, m):
    return NearestNeighbors(n_neighbors=m).fit(X).kneighbors(X, m)[0][:, -1]


@pytest.mark.parametrize("seed, m", [(0, 10), (1, 5), (2, 20), (3, 8)])
def test_default_eps_rules_from_raw_core_distances(seed, m):
    X = snap_points(seed, n_loc=800, max_per_point=8)
    v = np.sort(raw_core_distances(X, m))
    v = v[: len(v) - len(v) // 100]  # ArcGIS: the top 1 % set aside
    assert default_eps_m(X[:, 0], X[:, 1], m, rule="arcgis") == v[-1]
    position = np.arange(v.size) / (v.size - 1)
    knee = v[np.argmax(position - (v - v[0]) / (v[-1] - v[0]))]
    assert default_eps_m(X[:, 0], X[:, 1], m) == knee
    # ArcGIS's value makes at least 99 % of incidents core points (the tolerance:
    # a core distance equal to eps may round either way in the radius search)
    db = WeightedDBSCAN(eps_m=v[-1] * (1 + 1e-12), min_samples=m).fit(X[:, 0], X[:, 1])
    assert db.core_sample_indices_.size >= 0.99 * len(X)


@pytest.mark.shared
def test_default_eps_on_the_real_county_year():
    _, x, y = read_street()
    v = np.sort(raw_core_distances(np.column_stack([x, y]), 10))
    v = v[: len(v) - len(v) // 100]
    position = np.arange(v.size) / (v.size - 1)
    knee = v[np.argmax(position - (v - v[0]) / (v[-1] - v[0]))]
    assert default_eps_m(x, y, 10) == pytest.approx(knee, rel=1e-12)
    assert default_eps_m(x, y, 10, rule="arcgis") == pytest.approx(v[-1], rel=1e-12)
    # the figures quoted in the docstring
    assert default_eps_m(x, y, 10) == pytest.approx(171.2, abs=0.1)
    assert default_eps_m(x, y, 10, rule="arcgis") == pytest.approx(1399.8, abs=0.1)


# ---------------------------------------------------------------------- summary
@pytest.mark.shared
def test_summary_of_real_june_2021_violence():
    df, x, y = read_street("2021-06")
    keep = (df["Crime type"] == "Violence and sexual offences").to_numpy()
    df, x, y = df[keep].reset_index(drop=True), x[keep], y[keep]
    labels = WeightedDBSCAN().fit(x, y).labels_
    table = summarise_clusters(labels, x, y, df["Crime type"], df["Location"], df["Month"])
    assert len(table) == labels.max() + 1
    assert table["count"].sum() == (labels >= 0).sum()
    assert (table["harm"] == 200.0 * table["count"]).all()  # CCHI violence: 200 days
    assert (table[["first_month", "last_month"]] == "2021-06").all().all()
    assert (table["months_active"] == 1).all()
    for row in table.itertuples():
        members = labels == row.cluster
        counts = df.loc[members, "Location"].value_counts()
        top = counts.iloc[0]
        assert row.top_locations.split(", ")[0].endswith(f"({top})")
        assert row.top_categories == "Violence and sexual offences 100%"
        points = shapely.points(x[members], y[members])
        assert shapely.covers(row.geometry.buffer(1e-6), points).all()
        assert row.area_km2 > 0
