"""Gi* against reference output: esda's G_Local (star, binary) and scipy's BH.

Tolerances, named:
- ``Z_TOL`` (1e-9): analytic z-scores are the same formula, so only rounding differs.
- ``DOC_TOL`` (5e-9): esda's docstring prints 8 decimals.
- Permutation p-values are Monte Carlo estimates: two independent runs of ``R``
  draws differ by about ``sqrt(2 p (1 - p) / R)``; we allow ``MC_SIGMAS`` of that
  plus a discreteness allowance of ``2 / R``.
"""

from __future__ import annotations

import warnings

import h3
import numpy as np
import pytest
from scipy import sparse, stats

from hotspots.methods.gistar import GetisOrdGiStar, gistar_statistic
from hotspots.methods.lattice import benjamini_hochberg, kring_weights

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")

Z_TOL = 1e-9
DOC_TOL = 5e-9
MC_SIGMAS = 5.0

#: Watford town centre (DOMAIN.md: Hertfordshire) at res 9.
WATFORD = h3.latlng_to_cell(51.656, -0.397, 9)


def _watford_window(radius: int = 10) -> list[str]:
    """A real res-9 window: the cells within ``radius`` steps of Watford (331 at 10)."""
    return list(h3.grid_disk(WATFORD, radius))


def _neighbour_lists(window: list[str], k: int) -> dict[int, list[int]]:
    """k-ring neighbours inside the window, self included, built with plain h3."""
    index = {cell: i for i, cell in enumerate(window)}
    return {
        i: sorted(index[nb] for nb in h3.grid_disk(cell, k) if nb in index)
        for i, cell in enumerate(window)
    }


def _esda_star(values, neighbours, **kwargs):
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # esda's crand 'alternative' notice
        return esda.G_Local(values, w, transform="B", star=True, **kwargs)


@pytest.fixture(scope="module")
def watford():
    window = _watford_window()
    rng = np.random.default_rng(20240607)
    counts = rng.poisson(1.5, size=len(window)).astype(float)
    return window, counts


def test_watford_window_is_a_few_hundred_res9_cells(watford):
    window, counts = watford
    assert len(window) == 331
    assert {h3.get_resolution(c) for c in window} == {9}
    assert counts.std() > 0


@pytest.mark.parametrize("k", [1, 2])
def test_kring_weights_equal_plain_h3_neighbour_lists(watford, k):
    window, _ = watford
    nbrs = _neighbour_lists(window, k)
    n = len(window)
    rows = np.repeat(np.arange(n), [len(nbrs[i]) for i in range(n)])
    cols = np.concatenate([nbrs[i] for i in range(n)])
    expected = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
    got = kring_weights(window, k)
    assert (got != expected).nnz == 0


@pytest.mark.parametrize("k", [1, 2])
def test_z_equals_esda_Zs_on_poisson_field_around_watford(watford, k):
    window, counts = watford
    lg = _esda_star(counts, _neighbour_lists(window, k), permutations=0)
    # esda keeps the self-neighbours we gave it (star=True, binary): diagonal is 1
    assert np.all(lg.w.sparse.diagonal() == 1)
    gi = GetisOrdGiStar(k=k).fit(window, counts)
    np.testing.assert_allclose(gi.z_, lg.Zs, rtol=0, atol=Z_TOL)
    np.testing.assert_allclose(gi.G_, lg.Gs, rtol=0, atol=Z_TOL)
    np.testing.assert_allclose(gi.EG_, lg.EGs, rtol=0, atol=Z_TOL)
    np.testing.assert_allclose(gi.VG_, lg.VGs, rtol=1e-9, atol=0)
    # esda's p_norm is one-sided; ours is two-sided
    np.testing.assert_allclose(gi.p_, 2 * lg.p_norm, rtol=1e-9, atol=1e-15)


def test_z_equals_esda_when_only_some_cells_have_counts(watford):
    """The window gives the zeros: same answer as passing every cell explicitly."""
    window, counts = watford
    occupied = counts > 0
    cells = np.asarray(window)[occupied]
    gi = GetisOrdGiStar(k=1).fit(cells, counts[occupied], window=window)
    lg = _esda_star(counts, _neighbour_lists(window, 1), permutations=0)
    assert (gi.values_ == counts).all()
    np.testing.assert_allclose(gi.z_, lg.Zs, rtol=0, atol=Z_TOL)


# esda/getisord.py, G_Local docstring: six points, DistanceBand(threshold=15),
# y = [2, 3, 3.2, 5, 8, 7], G_Local(y, w, transform='B', star=True).Zs
ESDA_DOC_POINTS = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
ESDA_DOC_Y = np.array([2, 3, 3.2, 5, 8, 7])
ESDA_DOC_ZS_STAR_B = np.array(
    [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
)


def _esda_doc_weights():
    w = libpysal.weights.DistanceBand(ESDA_DOC_POINTS, threshold=15, silence_warnings=True)
    # star: every point its own neighbour with weight 1 (what esda's fill_diagonal does)
    return w, sparse.csr_array(w.sparse) + sparse.eye_array(6, format="csr")


def test_esda_docstring_example_printed_numbers():
    _, w_star = _esda_doc_weights()
    res = gistar_statistic(w_star, ESDA_DOC_Y)
    np.testing.assert_allclose(res.z, ESDA_DOC_ZS_STAR_B, rtol=0, atol=DOC_TOL)


def test_esda_docstring_example_against_esda_itself():
    w, w_star = _esda_doc_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lg = esda.G_Local(ESDA_DOC_Y, w, transform="B", star=True, permutations=0)
    res = gistar_statistic(w_star, ESDA_DOC_Y)
    np.testing.assert_allclose(res.z, lg.Zs, rtol=0, atol=Z_TOL)
    np.testing.assert_allclose(res.G, lg.Gs, rtol=0, atol=Z_TOL)


@pytest.mark.parametrize(
    "p",
    [
        np.array([0.01, 0.04, 0.03, 0.20]),
        np.array([0.5, 0.5, 0.5, 0.001, 1.0, 0.0]),
        np.random.default_rng(3).uniform(size=500),
        np.concatenate([np.random.default_rng(4).uniform(0, 1e-3, 50),
                        np.random.default_rng(5).uniform(size=950)]),
    ],
    ids=["small", "ties-and-ends", "uniform", "mixture"],
)
def test_benjamini_hochberg_equals_scipy(p):
    expected = stats.false_discovery_control(p, method="bh")
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12, atol=1e-15)


def test_fdr_of_the_watford_fit_equals_scipy(watford):
    window, counts = watford
    gi = GetisOrdGiStar().fit(window, counts)
    expected = stats.false_discovery_control(gi.p_, method="bh")
    np.testing.assert_allclose(gi.p_fdr_, expected, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- #
# Conditional permutations                                                    #
# --------------------------------------------------------------------------- #
def test_same_seed_same_p_sim(watford):
    window, counts = watford
    a = GetisOrdGiStar(permutations=199, seed=11).fit(window, counts).p_sim_
    b = GetisOrdGiStar(permutations=199, seed=11).fit(window, counts).p_sim_
    c = GetisOrdGiStar(permutations=199, seed=12).fit(window, counts).p_sim_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("permutations", [9, 99, 999])
def test_p_sim_never_below_one_over_permutations_plus_one(watford, permutations):
    window, counts = watford
    p_sim = GetisOrdGiStar(permutations=permutations, seed=0).fit(window, counts).p_sim_
    assert p_sim.min() >= 1.0 / (permutations + 1)
    # folded (one-sided, "directed"): never above one half plus one draw
    assert p_sim.max() <= 0.5 + 1.0 / (permutations + 1)


def _assert_close_mc(ours, theirs, permutations):
    p_bar = (ours + theirs) / 2
    allowed = MC_SIGMAS * np.sqrt(2 * p_bar * (1 - p_bar) / permutations) + 2.0 / permutations
    worst = np.max(np.abs(ours - theirs) - allowed)
    assert worst <= 0, f"p_sim differs from esda beyond the Monte Carlo allowance ({worst:.4f})"


@pytest.mark.parametrize("k", [1, 2])
def test_p_sim_close_to_esda_with_many_permutations(watford, k):
    window, counts = watford
    r = 9999
    lg = _esda_star(counts, _neighbour_lists(window, k), permutations=r, seed=5, n_jobs=1)
    ours = GetisOrdGiStar(k=k, permutations=r, seed=5).fit(window, counts).p_sim_
    _assert_close_mc(ours, lg.p_sim, r)


def test_p_sim_close_to_esda_on_the_docstring_example():
    w, w_star = _esda_doc_weights()
    r = 9999
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lg = esda.G_Local(ESDA_DOC_Y, w, transform="B", star=True, permutations=r,
                          seed=1, n_jobs=1)
    from hotspots.methods.gistar import _conditional_permutation_p

    ours = _conditional_permutation_p(w_star, ESDA_DOC_Y, r, np.random.default_rng(1))
    _assert_close_mc(ours, lg.p_sim, r)
