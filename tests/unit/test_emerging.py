"""EmergingHotspots, the 17-pattern classifier and the Mann-Kendall test."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo.errors import SettingError
from hotspots.defaults import FDR_ALPHA, GISTAR_K
from hotspots.methods.emerging import (
    COLD_PATTERNS,
    HOT_PATTERNS,
    NO_PATTERN,
    PATTERNS,
    EmergingHotspots,
    classify_series,
    mann_kendall,
)
from hotspots.methods.gistar import GetisOrdGiStar

CENTRE = h3.latlng_to_cell(51.656, -0.397, 9)  # Watford, res 9
SIG_Z = 1.96  # |z| at or above this is "significant" in the constructed series


# --------------------------------------------------------------------------- #
# Mann-Kendall                                                                #
# --------------------------------------------------------------------------- #
def test_mann_kendall_by_hand_with_a_tie():
    # x = 1, 2, 2, 3, 5. The 10 pairs i<j: (1,2)+ (1,2)+ (1,3)+ (1,5)+ (2,2)0
    # (2,3)+ (2,5)+ (2,3)+ (2,5)+ (3,5)+  ->  S = 9.
    # Var(S) = [5*4*15 - 2*1*9] / 18 = (300 - 18) / 18 = 15.666...
    # z = (9 - 1) / sqrt(15.666...) = 2.02116;  p = 2 * (1 - Phi(2.02116)) = 0.04326
    res = mann_kendall([1, 2, 2, 3, 5])
    assert res.s == 9
    assert res.var_s == pytest.approx(282 / 18)
    assert res.z == pytest.approx(8 / np.sqrt(282 / 18))
    assert res.z == pytest.approx(2.02116, abs=1e-5)
    assert res.p == pytest.approx(0.04326, abs=1e-5)


def test_mann_kendall_by_hand_without_ties_and_decreasing():
    # x = 6, 3, 4, 2: pairs (6,3)- (6,4)- (6,2)- (3,4)+ (3,2)- (4,2)-  ->  S = -4
    # Var(S) = 4*3*13/18 = 8.666...;  z = (-4 + 1) / sqrt(8.666...) = -1.01905
    res = mann_kendall([6, 3, 4, 2])
    assert res.s == -4
    assert res.var_s == pytest.approx(156 / 18)
    assert res.z == pytest.approx(-3 / np.sqrt(156 / 18))
    assert res.p == pytest.approx(2 * stats.norm.sf(3 / np.sqrt(156 / 18)))


def test_mann_kendall_of_a_flat_series_is_no_trend():
    res = mann_kendall([2, 2, 2, 2])
    assert (res.s, res.var_s, res.z, res.p) == (0.0, 0.0, 0.0, 1.0)


def test_mann_kendall_agrees_with_scipy_kendalltau_on_the_index():
    """Direction from kendalltau; S and the tie-corrected variance from its tau-b and p."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(4, 30))
        x = rng.poisson(3, n).astype(float) + rng.integers(0, 2) * np.arange(n) * 0.5
        res = mann_kendall(x)
        tau = stats.kendalltau(np.arange(n), x, method="asymptotic")
        if np.isnan(tau.statistic):
            assert res.s == 0
            continue
        assert np.sign(res.z) == np.sign(tau.statistic) or res.z == 0
        # tau-b = S / sqrt(n0 (n0 - n2)), n2 = tied pairs in x (the index has none)
        n0 = n * (n - 1) / 2
        _, counts = np.unique(x, return_counts=True)
        n2 = (counts * (counts - 1) / 2).sum()
        assert res.s == pytest.approx(tau.statistic * np.sqrt(n0 * (n0 - n2)))
        # scipy's asymptotic p has no continuity correction: p = 2 sf(|S| / sqrt(Var S))
        assert tau.pvalue == pytest.approx(2 * stats.norm.sf(abs(res.s) / np.sqrt(res.var_s)))


def test_mann_kendall_rows_equal_single_series():
    x = np.random.default_rng(1).poisson(2, size=(5, 12)).astype(float)
    both = mann_kendall(x)
    for i in range(5):
        one = mann_kendall(x[i])
        assert (both.s[i], both.var_s[i], both.z[i], both.p[i]) == pytest.approx(
            (one.s, one.var_s, one.z, one.p))


@pytest.mark.parametrize("bad", [[1.0], [1.0, np.nan, 2.0]])
def test_mann_kendall_rejects_short_or_missing(bad):
    with pytest.raises(SettingError):
        mann_kendall(bad)


# --------------------------------------------------------------------------- #
# The classifier: one constructed z-series per pattern (10 steps)             #
# --------------------------------------------------------------------------- #
HOT_SERIES = {
    "New hot spot": [0.1, 0.3, -0.2, 0.0, 0.4, -0.1, 0.2, 0.1, -0.3, 3.0],
    "Consecutive hot spot": [0.1, -0.2, 0.3, 0.0, -0.1, 0.2, 0.1, 2.5, 3.0, 3.2],
    "Intensifying hot spot": [2.1, 2.3, 2.6, 2.8, 3.0, 3.3, 3.5, 3.9, 4.2, 4.6],
    "Persistent hot spot": [3.1, 2.9, 3.3, 2.8, 3.2, 3.0, 2.7, 3.4, 2.95, 3.05],
    "Diminishing hot spot": [4.6, 4.2, 3.9, 3.5, 3.3, 3.0, 2.8, 2.6, 2.3, 2.1],
    "Sporadic hot spot": [3.0, 0.1, 0.2, 3.1, -0.1, 0.0, 2.8, 0.3, 0.1, 3.2],
    "Oscillating hot spot": [0.1, -3.0, 0.2, 0.0, 3.1, 0.1, -0.2, 0.3, 0.0, 3.0],
    "Historical hot spot": [3.0, 3.2, 3.1, 2.9, 3.3, 3.0, 3.1, 3.2, 2.9, 0.5],
}
SERIES = dict(HOT_SERIES)
SERIES.update({name.replace("hot", "cold"): [-v for v in z] for name, z in HOT_SERIES.items()})
SERIES[NO_PATTERN] = [0.1, -0.2, 3.0, 0.0, 0.2, -0.1, 0.3, 0.1, -0.2, 0.0]


def _classify_z(z_rows):
    z = np.asarray(z_rows, dtype=float)
    trend = mann_kendall(z)
    return classify_series(z >= SIG_Z, z <= -SIG_Z, trend.z, trend.p)


def test_there_are_17_patterns_and_one_series_for_each():
    assert len(PATTERNS) == 17 == len(set(PATTERNS))
    assert set(SERIES) == set(PATTERNS)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_constructed_series_gets_its_pattern(pattern):
    assert _classify_z([SERIES[pattern]])[0] == pattern


def test_all_17_at_once():
    names = list(SERIES)
    assert _classify_z([SERIES[n] for n in names]).tolist() == names


def test_constructed_trends_are_what_the_names_say():
    for name in ("Intensifying hot spot", "Diminishing cold spot"):
        assert mann_kendall(SERIES[name]).z > 0 and mann_kendall(SERIES[name]).p <= 0.05
    for name in ("Diminishing hot spot", "Intensifying cold spot"):
        assert mann_kendall(SERIES[name]).z < 0 and mann_kendall(SERIES[name]).p <= 0.05
    for name in ("Persistent hot spot", "Persistent cold spot"):
        assert mann_kendall(SERIES[name]).p > 0.05


H, C, o = 3.0, -3.0, 0.0


@pytest.mark.parametrize(
    "z, expected",
    [
        # a prior cold spot makes a first-time hot spot Oscillating, not New
        ([o, o, C, o, o, o, o, o, o, H], "Oscillating hot spot"),
        # two hot steps at the end: Consecutive; with a gap: Sporadic
        ([o, o, o, o, o, o, o, o, H, H], "Consecutive hot spot"),
        ([o, o, o, o, o, o, o, H, o, H], "Sporadic hot spot"),
        # hot before the final run: not Consecutive
        ([H, o, o, o, o, o, o, H, H, H], "Sporadic hot spot"),
        # 9 of 10 hot then cold in the final step: the final step decides
        ([H, H, H, H, H, H, H, H, H, C], "Oscillating cold spot"),
        # exactly 90 % hot including the final step, flat: Persistent
        ([o, H, H, H, H, H, H, H, H, H], "Persistent hot spot"),
        # 80 % hot, final run of 8: Consecutive (< 90 %)
        ([o, o, H, H, H, H, H, H, H, H], "Consecutive hot spot"),
        # hot some time but not at the end, < 90 %: no pattern
        ([H, H, H, o, o, o, o, o, o, o], NO_PATTERN),
        ([o] * 10, NO_PATTERN),
    ],
)
def test_boundaries_between_patterns(z, expected):
    assert _classify_z([z])[0] == expected


def test_with_fewer_than_10_steps_90_percent_means_every_step():
    assert _classify_z([[H, H, H, H, H]])[0] == "Persistent hot spot"
    assert _classify_z([[o, H, H, H, H]])[0] == "Consecutive hot spot"
    assert _classify_z([[H, H, H, H, o]])[0] == NO_PATTERN  # 80 %, not Historical


def test_classifier_accepts_one_series_and_checks_shapes():
    assert classify_series([0, 0, 1], [0, 0, 0], 0.0, 1.0) == "New hot spot"
    with pytest.raises(SettingError, match="same shape"):
        classify_series([[0, 1]], [[0, 1, 0]], [0.0], [1.0])
    with pytest.raises(SettingError, match="hot and a cold spot in the same time step"):
        classify_series([[0, 1]], [[0, 1]], [0.0], [1.0])
    with pytest.raises(SettingError, match="trend_alpha"):
        classify_series([[0, 1]], [[0, 0]], [0.0], [1.0], trend_alpha=5)


def test_hot_and_cold_pattern_lists_mirror_each_other():
    assert [p.replace("hot", "cold") for p in HOT_PATTERNS] == list(COLD_PATTERNS)


# --------------------------------------------------------------------------- #
# The estimator on a real H3 window                                           #
# --------------------------------------------------------------------------- #
@pytest.fixture()
def window():
    return list(h3.grid_disk(CENTRE, 6))  # 127 cells


def _background(window, periods, seed):
    return np.random.default_rng(seed).poisson(1.0, size=(len(window), periods)).astype(float)


def _ring_mask(window, centre):
    ring = set(h3.grid_disk(centre, 1))
    return np.array([c in ring for c in window])


def test_defaults():
    e = EmergingHotspots()
    assert (e.k, e.fdr_alpha, e.trend_alpha, e.trend_on) == (GISTAR_K, FDR_ALPHA, 0.05, "z")


def test_new_hot_spot_planted_in_the_final_month(window):
    x = _background(window, 12, seed=2)
    x[_ring_mask(window, CENTRE), -1] += 12
    frame = EmergingHotspots().fit(x, cells=window).to_frame().set_index("cell")
    assert frame.loc[CENTRE, "class"] == "New hot spot"
    assert frame.loc[CENTRE, "n_hot"] == 1


def test_persistent_hot_spot_planted_every_month(window):
    x = _background(window, 12, seed=3)
    x[_ring_mask(window, CENTRE)] += 8
    frame = EmergingHotspots().fit(x, cells=window).to_frame().set_index("cell")
    assert frame.loc[CENTRE, "class"] == "Persistent hot spot"
    assert frame.loc[CENTRE, "n_hot"] == 12


@pytest.mark.parametrize("direction, expected", [(1, "Intensifying hot spot"),
                                                 (-1, "Diminishing hot spot")])
def test_trend_on_values_finds_rising_and_falling_counts(window, direction, expected):
    x = _background(window, 12, seed=4)
    growth = 6 + 2 * np.arange(12)
    x[_ring_mask(window, CENTRE)] += growth if direction > 0 else growth[::-1]
    e = EmergingHotspots(trend_on="value").fit(x, cells=window)
    row = e.to_frame().set_index("cell").loc[CENTRE]
    assert row["class"] == expected
    assert np.sign(row["trend_z"]) == direction


def test_each_step_is_the_gistar_of_that_step(window):
    x = _background(window, 6, seed=5)
    x[_ring_mask(window, CENTRE), 3:] += 6
    e = EmergingHotspots().fit(x, cells=window)
    for t in range(6):
        gi = GetisOrdGiStar().fit(window, x[:, t])
        np.testing.assert_allclose(e.z_[:, t], gi.z_, rtol=1e-12)
        np.testing.assert_allclose(e.p_fdr_[:, t], gi.p_fdr_, rtol=1e-12)
        np.testing.assert_array_equal(e.hot_[:, t], gi.significant_ & (gi.z_ > 0))
        np.testing.assert_array_equal(e.cold_[:, t], gi.significant_ & (gi.z_ < 0))
    np.testing.assert_array_equal(e.final_z_, e.z_[:, -1])
    np.testing.assert_array_equal(e.n_hot_, e.hot_.sum(axis=1))
    trend = mann_kendall(e.z_)
    np.testing.assert_allclose(e.trend_z_, trend.z)


def test_dataframe_and_array_inputs_agree_and_missing_rows_are_zero(window):
    x = _background(window, 5, seed=6)
    months = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    rows = [(window[i], months[t], x[i, t]) for i in range(len(window)) for t in range(5)
            if x[i, t] > 0]
    df = pd.DataFrame(rows, columns=["cell", "period", "value"]).sample(frac=1, random_state=0)
    by_frame = EmergingHotspots().fit(df, window=window)
    by_array = EmergingHotspots().fit(x, cells=window, periods=months)
    assert by_frame.periods_ == months
    np.testing.assert_array_equal(by_frame.values_, by_array.values_)
    np.testing.assert_allclose(by_frame.z_, by_array.z_)
    pd.testing.assert_frame_equal(by_frame.to_frame(), by_array.to_frame())


def test_integer_cells_in_a_frame(window):
    x = _background(window, 4, seed=7)
    ints = [h3.str_to_int(c) for c in window]
    df = pd.DataFrame({"cell": np.repeat(np.array(ints, dtype=np.uint64), 4),
                       "period": np.tile(np.arange(4), len(window)), "value": x.ravel()})
    frame = EmergingHotspots().fit(df).to_frame()
    assert frame["cell"].tolist() == window


def test_a_period_without_rows_needs_periods_and_warns_as_constant(window):
    x = _background(window, 4, seed=8)
    df = pd.DataFrame({"cell": np.repeat(window, 4), "period": np.tile([1, 2, 4, 5], len(window)),
                       "value": x.ravel()})
    with pytest.warns(UserWarning, match="every cell has the same value"):
        e = EmergingHotspots().fit(df, periods=[1, 2, 3, 4, 5])
    assert e.constant_periods_ == [3]
    assert not e.hot_[:, 2].any() and not e.cold_[:, 2].any()
    assert np.isnan(e.z_[:, 2]).all()


def test_to_frame_columns(window):
    frame = EmergingHotspots().fit(_background(window, 3, seed=9), cells=window).to_frame()
    assert list(frame.columns) == ["cell", "class", "trend_z", "trend_p", "n_hot", "n_cold",
                                   "final_z"]
    assert len(frame) == len(window)
    assert set(frame["class"]) <= set(PATTERNS)


@pytest.mark.parametrize(
    "params, words",
    [
        ({"k": 0}, "k must be an integer"),
        ({"fdr_alpha": None}, "fdr_alpha must be a float strictly between 0 and 1"),
        ({"trend_alpha": 1.0}, "trend_alpha must be a float strictly between 0 and 1"),
        ({"trend_on": "counts"}, "trend_on must be one of"),
    ],
)
def test_bad_parameters(window, params, words):
    with pytest.raises(SettingError, match=words):
        EmergingHotspots(**params).fit(_background(window, 3, seed=1), cells=window)


def test_bad_inputs(window):
    x = _background(window, 3, seed=1)
    df = pd.DataFrame({"cell": np.repeat(window, 3), "period": np.tile([1, 2, 3], len(window)),
                       "value": x.ravel()})
    with pytest.raises(SettingError, match="missing column"):
        EmergingHotspots().fit(df.rename(columns={"value": "count"}))
    with pytest.raises(SettingError, match="more than one row for the same cell and period"):
        EmergingHotspots().fit(pd.concat([df, df.head(1)]))
    with pytest.raises(SettingError, match="cells is required"):
        EmergingHotspots().fit(x)
    with pytest.raises(SettingError, match="at least 2 periods"):
        EmergingHotspots().fit(x[:, :1], cells=window)
    with pytest.raises(SettingError, match="outside the analysis window"):
        EmergingHotspots().fit(df, window=window[:50])
    with pytest.raises(SettingError, match="not one of periods"):
        EmergingHotspots().fit(df, periods=[1, 2])
    with pytest.raises(SettingError, match="never negative"):
        EmergingHotspots().fit(-x, cells=window)
    with pytest.raises(SettingError, match="not fitted"):
        EmergingHotspots().to_frame()
