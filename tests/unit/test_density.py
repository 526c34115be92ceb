"""Unit tests of hotspots.methods.density: small hand-made points, parameters, invariants."""

from __future__ import annotations

import math

import h3
import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from geo.errors import HotspotsError, SettingError
from hotspots.defaults import KDE_BANDWIDTH_M
from hotspots.methods.density import FFT_NODES_PER_BANDWIDTH, QuarticKDE, default_bandwidth_m, quartic_kernel
from geo.grid import cells_to_bng

PEAK_300 = 3.0 / (math.pi * 300.0**2) * 1e6      # one crime's peak, per km², h = 300 m


def some_points(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(515_000, 150, n // 2), rng.uniform(513_000, 517_000, n - n // 2)])
    y = np.concatenate([rng.normal(207_000, 150, n // 2), rng.uniform(205_000, 209_000, n - n // 2)])
    return x, y


# ----------------------------------------------------------------- kernel


def test_kernel_values_and_support():
    k = quartic_kernel([0.0, 150.0, 299.999, 300.0, 1e6], 300.0) * math.pi * 300.0**2 / 3
    np.testing.assert_allclose(k, [1.0, 0.5625, (1 - (299.999 / 300) ** 2) ** 2, 0.0, 0.0])


def test_kernel_integrates_to_one():
    h = 300.0
    total, _ = integrate.quad(lambda r: quartic_kernel(r, h) * 2 * math.pi * r, 0, h)
    assert total == pytest.approx(1.0, rel=1e-10)


# ----------------------------------------------------------- the estimator


def test_defaults_and_unchanged_parameters():
    kde = QuarticKDE()
    assert (kde.bandwidth_m, kde.cell_size_m, kde.method) == (KDE_BANDWIDTH_M, None, "auto")
    kde.fit([0.0], [0.0])
    assert kde.bandwidth_m_ == KDE_BANDWIDTH_M
    assert kde.cell_size_m_ == KDE_BANDWIDTH_M / FFT_NODES_PER_BANDWIDTH
    assert kde.cell_size_m is None                 # the constructor's value is kept


def test_fit_returns_self_and_counts():
    x, y = [0.0, 0.0, 50.0, 80.0], [0.0, 0.0, 0.0, 0.0]
    kde = QuarticKDE(300)
    assert kde.fit(x, y, weights=[1, 2, 0, 3]) is kde
    assert (kde.n_points_, kde.n_locations_, kde.total_weight_) == (4, 2, 6.0)


def test_single_point_peak_and_ring():
    kde = QuarticKDE(300).fit([0.0], [0.0])
    out = kde.evaluate([0.0, 150.0, 0.0, 300.0, 301.0], [0.0, 0.0, -150.0, 0.0, 0.0])
    np.testing.assert_allclose(out, PEAK_300 * np.array([1.0, 0.5625, 0.5625, 0.0, 0.0]))


def test_weights_scale_and_duplicates_add():
    x, y = some_points()
    q = (x[:30] + 40.0, y[:30] - 25.0)
    base = QuarticKDE(300).fit(x, y).evaluate(*q)
    np.testing.assert_allclose(QuarticKDE(300).fit(x, y, np.full(x.size, 230.0)).evaluate(*q), 230 * base)
    doubled = QuarticKDE(300).fit(np.r_[x, x], np.r_[y, y]).evaluate(*q)
    np.testing.assert_allclose(doubled, 2 * base)
    weighted = QuarticKDE(300).fit(x, y, np.full(x.size, 2.0)).evaluate(*q)
    np.testing.assert_allclose(weighted, doubled)


def test_zero_weight_points_do_not_count():
    kde = QuarticKDE(300).fit([0.0, 100.0], [0.0, 0.0], weights=[1.0, 0.0])
    assert kde.n_locations_ == 1
    assert kde.evaluate([0.0], [0.0])[0] == pytest.approx(PEAK_300)


def test_all_zero_weights_give_zero_density():
    kde = QuarticKDE(300).fit([0.0, 10.0], [0.0, 0.0], weights=[0.0, 0.0])
    assert kde.evaluate([0.0, 5.0], [0.0, 0.0]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("method", ["exact", "fft", "auto"])
def test_row_order_does_not_matter(method):
    x, y = some_points()
    rng = np.random.default_rng(1)
    w = rng.uniform(1, 10, x.size)
    perm = rng.permutation(x.size)
    qx, qy = x[::7] + 13.0, y[::7]
    a = QuarticKDE(300, method=method).fit(x, y, w).evaluate(qx, qy)
    b = QuarticKDE(300, method=method).fit(x[perm], y[perm], w[perm]).evaluate(qx, qy)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * a.max())


def test_translation_does_not_matter_for_the_exact_path():
    x, y = some_points()
    q = (x[:20], y[:20])
    a = QuarticKDE(300, method="exact").fit(x, y).evaluate(*q)
    b = QuarticKDE(300, method="exact").fit(x - 500_000, y - 200_000).evaluate(q[0] - 500_000, q[1] - 200_000)
    np.testing.assert_allclose(a, b, rtol=1e-9)


def test_fft_matches_exact_on_a_small_case():
    x, y = some_points(2000)
    rng = np.random.default_rng(2)
    qx, qy = rng.uniform(512_500, 517_500, 3000), rng.uniform(204_500, 209_500, 3000)
    exact = QuarticKDE(300, method="exact").fit(x, y).evaluate(qx, qy)
    fast = QuarticKDE(300, method="fft").fit(x, y).evaluate(qx, qy)
    big = exact >= 0.01 * exact.max()
    assert (np.abs(fast - exact)[big] / exact[big]).max() <= 0.01
    assert np.abs(fast - exact).max() < 0.01 * exact.max()
    assert (fast >= 0).all()


@pytest.mark.parametrize("cell", [300 / 2, 300 / 7, 300 / 60])
def test_fft_contract_holds_for_any_allowed_grid(cell):
    x, y = some_points(500)
    qx, qy = x + 37.0, y - 11.0
    exact = QuarticKDE(300, method="exact").fit(x, y).evaluate(qx, qy)
    fast = QuarticKDE(300, cell_size_m=cell, method="fft").fit(x, y).evaluate(qx, qy)
    big = exact >= 0.01 * exact.max()
    assert (np.abs(fast - exact)[big] / exact[big]).max() <= 0.01


def test_auto_is_exact_for_small_jobs():
    x, y = some_points()
    q = (x + 20.0, y)
    np.testing.assert_array_equal(QuarticKDE(300).fit(x, y).evaluate(*q),
                                  QuarticKDE(300, method="exact").fit(x, y).evaluate(*q))


def test_bandwidth_none_uses_the_default_rule():
    x, y = some_points()
    kde = QuarticKDE(bandwidth_m=None).fit(x, y, weights=np.full(x.size, 200.0))
    assert kde.bandwidth_m_ == pytest.approx(default_bandwidth_m(x, y))   # counts, not harm


def test_far_queries_and_empty_queries():
    kde = QuarticKDE(300).fit([0.0], [0.0])
    assert kde.evaluate([10_000.0], [10_000.0]).tolist() == [0.0]
    assert kde.evaluate([], []).shape == (0,)


# ------------------------------------------------------------------ H3 cells


def test_density_at_cells_accepts_strings_and_integers_in_order():
    centre = h3.latlng_to_cell(51.75, -0.34, 10)
    cells = list(h3.grid_disk(centre, 2)) + [centre]          # a repeat, kept
    _, x, y = cells_to_bng([centre])
    kde = QuarticKDE(300).fit(x, y)
    by_text = kde.density_at_cells(cells)
    assert list(by_text.columns) == ["cell", "density"]
    assert by_text["cell"].tolist() == cells
    by_uint = kde.density_at_cells(np.array([h3.str_to_int(c) for c in cells], dtype=np.uint64))
    by_int = kde.density_at_cells([h3.str_to_int(c) for c in cells])
    by_series = kde.density_at_cells(pd.Series(cells))
    for other in (by_uint, by_int, by_series):
        pd.testing.assert_frame_equal(other, by_text)
    assert by_text["density"].iloc[-1] == pytest.approx(PEAK_300)
    assert by_text["density"].iloc[0] == by_text["density"].iloc[-1]


def test_density_at_no_cells():
    out = QuarticKDE(300).fit([0.0], [0.0]).density_at_cells([])
    assert list(out.columns) == ["cell", "density"] and len(out) == 0


@pytest.mark.parametrize("bad", [["not-a-cell"], ["8f195da3193ffff"], ["10.2,45.5,5"], [-5], [3.5], [None]])
def test_bad_cells_are_refused_with_a_fix(bad):
    kde = QuarticKDE(300).fit([0.0], [0.0])
    with pytest.raises(SettingError, match="H3") as info:
        kde.density_at_cells(bad)
    assert info.value.fix


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(bandwidth_m=0), "'bandwidth_m' parameter of QuarticKDE must be a float in the range"),
    (dict(bandwidth_m=-300), "Got -300 instead"),
    (dict(bandwidth_m="300"), "bandwidth_m"),
    (dict(bandwidth_m=float("nan")), "bandwidth_m"),
    (dict(bandwidth_m=True), "bandwidth_m"),
    (dict(cell_size_m=0.0), "cell_size_m"),
    (dict(cell_size_m=200.0), "between bandwidth_m / 200 and bandwidth_m / 2"),
    (dict(cell_size_m=1.0), "between bandwidth_m / 200 and bandwidth_m / 2"),
    (dict(method="kdtree"), "'method' parameter of QuarticKDE must be a str among"),
])
def test_bad_parameters_raise_setting_errors(kwargs, pattern):
    with pytest.raises(SettingError, match=pattern) as info:
        QuarticKDE(**kwargs).fit([0.0, 10.0], [0.0, 0.0])
    assert isinstance(info.value, HotspotsError) and info.value.fix


@pytest.mark.parametrize("args, pattern", [
    (([], []), "at least one incident"),
    (([0.0, 1.0], [0.0]), "same length"),
    (([0.0, np.nan], [0.0, 0.0]), "1 of the 2 points have a missing"),
    (([0.0, 1.0], [0.0, 0.0], [1.0, -1.0]), "non-negative"),
    (([0.0, 1.0], [0.0, 0.0], [1.0]), "one value per point"),
    (([0.0, 1.0], [0.0, 0.0], [1.0, np.inf]), "finite"),
    ((["a", "b"], [0.0, 0.0]), "must be numbers"),
])
def test_bad_inputs_raise_setting_errors(args, pattern):
    with pytest.raises(SettingError, match=pattern):
        QuarticKDE(300).fit(*args)


def test_not_fitted():
    with pytest.raises(SettingError, match="not fitted"):
        QuarticKDE().evaluate([0.0], [0.0])
    with pytest.raises(SettingError, match="not fitted"):
        QuarticKDE().density_at_cells(["89195da3193ffff"])


def test_missing_query_coordinates():
    with pytest.raises(SettingError, match="query points"):
        QuarticKDE(300).fit([0.0], [0.0]).evaluate([np.nan], [0.0])


def test_default_bandwidth_refuses_a_single_location():
    with pytest.raises(SettingError, match="share one location") as info:
        default_bandwidth_m([5.0, 5.0], [7.0, 7.0])
    assert "bandwidth_m" in info.value.fix
    with pytest.raises(SettingError, match="at least one point"):
        default_bandwidth_m([], [])


def test_default_bandwidth_unit_weights_equal_no_weights():
    x, y = some_points(101)
    assert default_bandwidth_m(x, y, np.ones(x.size)) == pytest.approx(default_bandwidth_m(x, y))
    x, y = some_points(100)                       # even count: the median averages two
    assert default_bandwidth_m(x, y, np.ones(x.size)) == pytest.approx(default_bandwidth_m(x, y))


# ------------------------------------------------------------- the machinery


def test_exact_sum_in_small_chunks_equals_one_chunk(monkeypatch):
    import hotspots.methods.density as density

    x, y = some_points(300)
    rng = np.random.default_rng(4)
    qx, qy = rng.uniform(513_000, 517_000, 999), rng.uniform(205_000, 209_000, 999)
    whole = QuarticKDE(300, method="exact").fit(x, y).evaluate(qx, qy)
    monkeypatch.setattr(density, "_PAIRS_PER_CHUNK", 7)
    np.testing.assert_array_equal(QuarticKDE(300, method="exact").fit(x, y).evaluate(qx, qy), whole)


def test_auto_switches_to_the_grid_for_large_jobs(monkeypatch):
    import hotspots.methods.density as density

    x, y = some_points(2000)
    qx, qy = x[::3] + 17.0, y[::3] - 9.0
    exact = QuarticKDE(300, method="exact").fit(x, y).evaluate(qx, qy)
    monkeypatch.setattr(density, "AUTO_EXACT_MIN_PAIRS", 0)
    monkeypatch.setattr(density, "AUTO_NODE_COST", 0.0)
    kde = QuarticKDE(300).fit(x, y)
    fast = kde.evaluate(qx, qy)
    assert kde._grid is not None
    big = exact >= 0.01 * exact.max()
    assert (np.abs(fast - exact)[big] / exact[big]).max() <= 0.01


def test_grid_is_coarsened_to_fit_in_memory_and_stays_accurate(monkeypatch):
    import hotspots.methods.density as density

    x, y = some_points(2000)
    qx, qy = x[::3] + 17.0, y[::3] - 9.0
    exact = QuarticKDE(300, method="exact").fit(x, y).evaluate(qx, qy)
    monkeypatch.setattr(density, "GRID_MAX_NODES", 200_000)
    kde = QuarticKDE(300, method="fft").fit(x, y)
    assert kde.cell_size_m_ > 300 / FFT_NODES_PER_BANDWIDTH
    assert kde._grid.keys.size * kde._grid.T ** 2 <= 200_000
    fast = kde.evaluate(qx, qy)
    big = exact >= 0.01 * exact.max()
    assert (np.abs(fast - exact)[big] / exact[big]).max() <= 0.01
    monkeypatch.setattr(density, "GRID_MAX_NODES", 1)          # no grid fits: all exact
    kde = QuarticKDE(300, method="fft").fit(x, y)
    assert kde._grid.value is None
    np.testing.assert_allclose(kde.evaluate(qx, qy), exact, rtol=1e-12)


def test_upper_case_and_zero_padded_cells_come_back_canonical():
    cell = h3.latlng_to_cell(51.75, -0.34, 9)
    kde = QuarticKDE(300).fit([515_000.0], [207_000.0])
    out = kde.density_at_cells([cell.upper(), "0" + cell])
    assert out["cell"].tolist() == [cell, cell]
