"""Unit tests of hotspots.methods.nearrepeat.KnoxTest: hand-made pairs, parameters, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import SettingError
from hotspots.defaults import KNOX_DISTANCE_BANDS_M, KNOX_TIME_BANDS_DAYS, PERMUTATIONS
from hotspots.methods.nearrepeat import KnoxTest

DAY = np.timedelta64(1, "D")
T0 = np.datetime64("2023-03-02T09:30", "m")


def hand_made():
    """A(0,0) day 0; B(60,80) day 7; C(0,150) day 10; D far away, day 100.

    A-B: 100 m (exactly), 7 days (exactly) -> band [0,100] x [0,7]
    B-C: 92.2 m, 3 days                    -> band [0,100] x [0,7]
    A-C: 150 m, 10 days                    -> band (100,200] x (7,14]
    D is over 800 m from everyone.
    """
    x = np.array([0.0, 60.0, 0.0, 5000.0])
    y = np.array([0.0, 80.0, 150.0, 0.0])
    t = T0 + np.array([0, 7, 10, 100]) * DAY
    return x, y, t


def test_defaults_are_the_project_defaults():
    k = KnoxTest()
    assert k.distance_bands_m == KNOX_DISTANCE_BANDS_M
    assert k.time_bands_days == KNOX_TIME_BANDS_DAYS
    assert k.permutations == PERMUTATIONS and k.seed is None


def test_hand_made_pair_counts():
    x, y, t = hand_made()
    knox = KnoxTest(permutations=99, seed=0).fit(x, y, t)
    expected = np.zeros((4, 4), dtype=int)
    expected[0, 0] = 2
    expected[1, 1] = 1
    np.testing.assert_array_equal(knox.observed_, expected)
    assert knox.n_ == 4 and knox.n_pairs_ == 3
    assert knox.observed_.shape == knox.expected_.shape == knox.ratio_.shape == knox.p_.shape
    assert knox.sim_.shape == (99, 4, 4)


def test_band_edges_first_closed_then_open_below():
    x = np.array([0.0, 100.0, 0.0, 0.0])
    y = np.array([0.0, 0.0, 1000.0, 1100.000001])
    t = T0 + np.array([0, 7 * 24 * 60, 0, 7 * 24 * 60 + 1]) * np.timedelta64(1, "m")
    knox = KnoxTest(distance_bands_m=(0, 100, 200), time_bands_days=(0, 7, 14),
                    permutations=9, seed=0).fit(x, y, t)
    # 100 m and 7 days exactly: first bands; 100.000001 m and 7 days + 1 minute: second.
    np.testing.assert_array_equal(knox.observed_, [[1, 0], [0, 1]])


def test_same_place_same_time_is_in_the_first_band():
    t = np.array([T0, T0, T0 + 40 * DAY])
    knox = KnoxTest(permutations=9, seed=0).fit([5.0, 5.0, 5.0], [5.0, 5.0, 5.0], t)
    assert knox.observed_[0, 0] == 1 and knox.observed_[0, 3] == 2


def test_pairs_beyond_the_last_bands_are_not_counted():
    t = T0 + np.array([0, 61, 1]) * DAY
    knox = KnoxTest(permutations=9, seed=0).fit([0.0, 10.0, 900.0], [0.0, 0.0, 0.0], t)
    assert knox.observed_.sum() == 0            # 61 days apart; 890 m and 900 m apart


def test_first_edge_above_zero_excludes_closer_pairs():
    t = T0 + np.array([0, 1, 2]) * DAY
    knox = KnoxTest(distance_bands_m=(50, 100), time_bands_days=(0.5, 7),
                    permutations=9, seed=0).fit([0.0, 10.0, 80.0], [0.0, 0.0, 0.0], t)
    # 10 m (too close), 80 m at 2 days, 70 m at 1 day: two pairs in [50, 100] x [0.5, 7].
    np.testing.assert_array_equal(knox.observed_, [[2]])


def test_same_seed_same_answer_and_p_bounds():
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 2000, 150), rng.uniform(0, 2000, 150)
    t = T0 + rng.integers(0, 365, 150) * DAY
    a = KnoxTest(permutations=199, seed=42).fit(x, y, t)
    b = KnoxTest(permutations=199, seed=42).fit(x, y, t)
    c = KnoxTest(permutations=199, seed=43).fit(x, y, t)
    np.testing.assert_array_equal(a.p_, b.p_)
    np.testing.assert_array_equal(a.expected_, b.expected_)
    assert not np.array_equal(a.sim_, c.sim_)
    assert ((a.p_ >= 1 / 200) & (a.p_ <= 1)).all()
    np.testing.assert_array_equal(a.observed_, c.observed_)


def test_expected_matches_the_exact_permutation_expectation():
    # Under shuffled times a pair of locations gets a uniformly random pair of times,
    # so E[cell (i, j)] = S_i * T_j / (n (n - 1) / 2).
    rng = np.random.default_rng(9)
    n = 120
    x, y = rng.uniform(0, 1500, n), rng.uniform(0, 1500, n)
    days = rng.integers(0, 120, n)
    t = T0 + days * DAY
    knox = KnoxTest(permutations=2000, seed=1).fit(x, y, t)
    iu = np.triu_indices(n, 1)
    dist = np.hypot(x[iu[0]] - x[iu[1]], y[iu[0]] - y[iu[1]])
    gap = np.abs(days[iu[0]] - days[iu[1]])
    d_edges, t_edges = np.array(KNOX_DISTANCE_BANDS_M), np.array(KNOX_TIME_BANDS_DAYS)
    s = np.histogram(dist, bins=d_edges)[0]     # numpy bins are [a, b); no pair sits on an edge
    tt = np.array([((gap > lo) | (lo == 0)) & (gap <= hi)
                   for lo, hi in zip(t_edges[:-1], t_edges[1:])]).sum(1)
    exact = np.outer(s, tt) / iu[0].size
    se = knox.sim_.std(axis=0) / np.sqrt(knox.permutations)
    assert (np.abs(knox.expected_ - exact) <= 5 * se + 1e-9).all()


def test_to_frame_long_format():
    x, y, t = hand_made()
    knox = KnoxTest(permutations=19, seed=0).fit(x, y, t)
    frame = knox.to_frame()
    assert frame.columns.tolist() == ["distance_from_m", "distance_to_m", "time_from_days",
                                      "time_to_days", "observed", "expected", "ratio", "p"]
    assert len(frame) == 16
    first = frame.iloc[0]
    bands = (first.distance_from_m, first.distance_to_m, first.time_from_days, first.time_to_days)
    assert bands == (0, 100, 0, 7)
    assert first.observed == 2
    sixth = frame.iloc[5]
    assert (sixth.observed, sixth.distance_from_m, sixth.time_from_days) == (1, 100, 7)
    np.testing.assert_array_equal(frame["p"].to_numpy().reshape(4, 4), knox.p_)


def test_ratio_nan_and_inf_where_nothing_is_expected():
    x, y, t = hand_made()
    knox = KnoxTest(permutations=19, seed=0).fit(x, y, t)
    assert np.isnan(knox.ratio_[3, 3])          # no pair 400-800 m apart at all


def test_time_inputs_numpy_pandas_and_time_zones_agree():
    x, y, t = hand_made()
    base = KnoxTest(permutations=19, seed=3).fit(x, y, t)
    as_series = pd.Series(pd.to_datetime(t))
    london = as_series.dt.tz_localize("Europe/London")
    for other in (as_series, pd.DatetimeIndex(t), london, list(pd.to_datetime(t).to_pydatetime())):
        again = KnoxTest(permutations=19, seed=3).fit(x, y, other)
        np.testing.assert_array_equal(again.observed_, base.observed_)
        np.testing.assert_array_equal(again.p_, base.p_)


# ------------------------------------------------------------ month-only data


@pytest.mark.parametrize("precision", ["month", ["day", "month", "day", "day"]])
def test_month_precision_is_refused(precision):
    x, y, t = hand_made()
    with pytest.raises(SettingError, match="police.uk data gives only the month of each crime, so "
                                           "time differences of days cannot be measured") as info:
        KnoxTest(permutations=9).fit(x, y, t, precision=precision)
    assert "force records (RMS) with dates" in info.value.fix


def test_first_of_the_month_at_midnight_is_refused_without_precision():
    x, y, _ = hand_made()
    months = np.array(["2021-03", "2021-04", "2021-04", "2021-06"], dtype="datetime64[M]")
    with pytest.raises(SettingError, match="1st of a month at midnight") as info:
        KnoxTest(permutations=9).fit(x, y, months.astype("datetime64[ns]"))
    assert "RMS" in info.value.fix


def test_precision_day_is_trusted_on_the_first_of_the_month():
    x, y, _ = hand_made()
    t = np.array(["2021-03-01", "2021-04-01", "2021-04-01", "2021-06-01"], dtype="datetime64[D]")
    knox = KnoxTest(permutations=9, seed=0).fit(x, y, t, precision="day")
    # B-C the same day, 92 m; A-B and A-C 31 days apart, 100 m and 150 m.
    assert (knox.observed_[0, 0], knox.observed_[0, 3], knox.observed_[1, 3]) == (1, 1, 1)
    assert knox.observed_.sum() == 3


def test_minute_and_window_precisions_are_accepted():
    x, y, t = hand_made()
    with_precision = KnoxTest(permutations=9, seed=0).fit(x, y, t, precision=["minute", "window", "day", "minute"])
    without = KnoxTest(permutations=9, seed=0).fit(x, y, t)
    # dated precisions are accepted and change nothing: the same pairs are counted
    np.testing.assert_array_equal(with_precision.observed_, without.observed_)
    assert with_precision.observed_.sum() > 0


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(distance_bands_m=(0, 200, 100)), "'distance_bands_m' parameter of KnoxTest must be"),
    (dict(distance_bands_m=(100,)), "at least two"),
    (dict(distance_bands_m=(-1, 100)), "non-negative"),
    (dict(time_bands_days=(0, 7, 7)), "'time_bands_days' parameter"),
    (dict(time_bands_days="0-7"), "time_bands_days"),
    (dict(permutations=0), "'permutations' parameter of KnoxTest must be an int in the range"),
    (dict(permutations=9.5), "Got 9.5 instead"),
    (dict(permutations=True), "permutations"),
    (dict(seed="abc"), "'seed' parameter"),
])
def test_bad_parameters(kwargs, pattern):
    x, y, t = hand_made()
    with pytest.raises(SettingError, match=pattern) as info:
        KnoxTest(**kwargs).fit(x, y, t)
    assert info.value.fix


@pytest.mark.parametrize("change, pattern", [
    (lambda x, y, t: (x, y, np.arange(4.0)), "t must hold datetimes"),
    (lambda x, y, t: (x, y, ["2023-03-01"] * 4), "t must hold datetimes"),
    (lambda x, y, t: (x, y, t[:3]), "one time per incident"),
    (lambda x, y, t: (x, y, np.r_[t[:3], np.datetime64("NaT")]), "no time"),
    (lambda x, y, t: (x[:1], y[:1], t[:1]), "at least two incidents"),
    (lambda x, y, t: (np.r_[x[:3], np.nan], y, t), "missing or infinite"),
    (lambda x, y, t: (x[:3], y, t), "same length"),
])
def test_bad_inputs(change, pattern):
    with pytest.raises(SettingError, match=pattern):
        KnoxTest(permutations=9).fit(*change(*hand_made()))


def test_bad_precision_values():
    x, y, t = hand_made()
    with pytest.raises(SettingError, match="precision values must be among"):
        KnoxTest(permutations=9).fit(x, y, t, precision="hour")
    with pytest.raises(SettingError, match="one value or one per incident"):
        KnoxTest(permutations=9).fit(x, y, t, precision=["day", "day"])


def test_to_frame_before_fit():
    with pytest.raises(SettingError, match="not fitted"):
        KnoxTest().to_frame()


def test_too_many_pairs_are_refused_before_counting(monkeypatch):
    import hotspots.methods.nearrepeat as nearrepeat

    monkeypatch.setattr(nearrepeat, "KNOX_MAX_PAIRS", 2)
    x, y, t = hand_made()
    with pytest.raises(SettingError, match="3 pairs of incidents lie within 800 m") as info:
        KnoxTest(permutations=9).fit(x, y, t)
    assert "one crime type" in info.value.fix
