"""Known answers for the Knox test.

* Pair counts equal pointpats' ``spacetime.Knox`` (inclusive thresholds
  ``d <= delta``, ``|dt| <= tau``, time in the units given: days here) for every
  cumulative block of bands, and our Monte Carlo expected count matches
  pointpats' analytic one (``NS * NT / pairs``, the exact expectation under
  shuffled times).
* A space-time clustered (near-repeat) pattern gives ratio > 1 and p < 0.05 in the
  near bands; independent space and time give p-values that are not small on
  average.
* The real police.uk file (month only) is refused.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import SettingError
from hotspots.defaults import KNOX_DISTANCE_BANDS_M, KNOX_TIME_BANDS_DAYS
from hotspots.methods.nearrepeat import KnoxTest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
JUNE_2021 = SHARED_DATA / "police" / "hertfordshire_2021" / "street" / "2021-06-hertfordshire-street.csv"
SKIP_REASON = "needs ../shared/data (the real police.uk files); CI has it"

START = np.datetime64("2022-01-01T00:00", "m")


def burglaries(n_background=400, n_repeats=0, seed=0, side_m=3000.0, days=365):
    """Uniform burglaries in a square over a year, optionally each of ``n_repeats``
    of them followed by a near repeat (within 60 m and 0-6 days)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, side_m, n_background)
    y = rng.uniform(0, side_m, n_background)
    minutes = rng.integers(0, days * 1440, n_background)
    if n_repeats:
        src = rng.choice(n_background, n_repeats, replace=False)
        angle = rng.uniform(0, 2 * np.pi, n_repeats)
        r = rng.uniform(0, 60, n_repeats)
        x = np.r_[x, x[src] + r * np.cos(angle)]
        y = np.r_[y, y[src] + r * np.sin(angle)]
        minutes = np.r_[minutes, minutes[src] + rng.integers(0, 6 * 1440, n_repeats)]
    return x + 520_000, y + 210_000, START + minutes * np.timedelta64(1, "m")


@pytest.mark.parametrize("seed", [0, 1])
def test_pair_counts_equal_pointpats_knox(seed):
    spacetime = pytest.importorskip("pointpats.spacetime")
    x, y, t = burglaries(300, 40, seed=seed)
    days = (t - t.min()) / np.timedelta64(1, "D")
    knox = KnoxTest(permutations=999, seed=seed).fit(x, y, t)
    coords = np.column_stack([x, y])
    d_edges, t_edges = KNOX_DISTANCE_BANDS_M, KNOX_TIME_BANDS_DAYS
    for a in range(1, len(d_edges)):
        for b in range(1, len(t_edges)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = spacetime.Knox(coords, days.reshape(-1, 1), delta=d_edges[a],
                                     tau=t_edges[b], permutations=0)
            ours = knox.observed_[:a, :b].sum()
            assert ours == ref.statistic_, (d_edges[a], t_edges[b])
            # pointpats' expected count is the exact expectation under shuffled times.
            sims = knox.sim_[:, :a, :b].sum(axis=(1, 2))
            se = sims.std() / np.sqrt(sims.size)
            assert abs(sims.mean() - ref.expected[0, 0]) <= 5 * se + 1e-9


def test_near_repeats_are_found():
    x, y, t = burglaries(400, 80, seed=3)
    knox = KnoxTest(seed=3).fit(x, y, t)
    assert knox.ratio_[0, 0] > 2
    assert knox.p_[0, 0] < 0.05
    assert knox.p_[0, 0] == pytest.approx(1 / 1000)
    # Far in space and in time, nothing special.
    assert knox.ratio_[3, 3] == pytest.approx(1, abs=0.2)
    assert knox.ratio_[3, 0] == pytest.approx(1, abs=0.2)


def test_independent_space_and_time_are_not_significant_on_average():
    ps = []
    for seed in range(40):
        x, y, t = burglaries(400, 0, seed=100 + seed, side_m=2000.0)
        ps.append(KnoxTest(permutations=99, seed=seed).fit(x, y, t).p_.ravel())
    ps = np.concatenate(ps)
    assert 0.4 <= ps.mean() <= 0.65
    assert (ps <= 0.05).mean() <= 0.10
    assert (ps <= 0.5).mean() == pytest.approx(0.5, abs=0.12)


def test_results_do_not_depend_on_row_order():
    x, y, t = burglaries(200, 30, seed=8)
    a = KnoxTest(permutations=9, seed=0).fit(x, y, t)
    perm = np.random.default_rng(1).permutation(x.size)
    b = KnoxTest(permutations=9, seed=0).fit(x[perm], y[perm], t[perm])
    np.testing.assert_array_equal(a.observed_, b.observed_)


@pytest.mark.shared
def test_real_police_uk_months_are_refused():
    if not JUNE_2021.is_file():
        pytest.skip(SKIP_REASON)
    df = pd.read_csv(JUNE_2021, usecols=["Month", "Longitude", "Latitude", "Crime type"]).dropna()
    df = df[df["Crime type"] == "Burglary"]
    import pyproj

    to_bng = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_bng.transform(df["Longitude"].to_numpy(), df["Latitude"].to_numpy())
    t = pd.to_datetime(df["Month"], format="%Y-%m")
    with pytest.raises(SettingError, match="police.uk data gives only the month of each crime"):
        KnoxTest(permutations=9).fit(x, y, t)
    with pytest.raises(SettingError, match="time differences of days cannot be measured"):
        KnoxTest(permutations=9).fit(x, y, t, precision="month")
