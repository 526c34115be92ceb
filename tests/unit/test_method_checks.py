"""One estimator check suite, run for every method in the registry (scikit-learn's ``parametrize_with_checks``
is the model): a method added to the registry is checked by adding it, nothing else.

Checks: the estimator's repr and get_params round-trip; a clear sentence before fit; the same input fitted
twice gives the same answer; a seed reproduces a random answer; shuffling the incidents' rows changes
nothing; the counts add up to the incidents selected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.crs import bng_to_lonlat
from geo.errors import SettingError
from geo.grid import lonlat_to_cells
from hotspots.methods.harm import harm_weights
from hotspots.tasks.registry import METHODS, MethodInput

RES = 9
N = 600


def incidents(seed: int = 3) -> pd.DataFrame:
    """Timed incidents over four months: a dense centre, a second cluster, scattered rest (BNG metres)."""
    rng = np.random.default_rng(seed)
    centre = rng.normal([523_000, 224_000], 60, (N // 3, 2))
    second = rng.normal([525_500, 222_500], 90, (N // 4, 2))
    rest = rng.uniform([520_000, 220_000], [528_000, 228_000], (N - len(centre) - len(second), 2))
    xy = np.vstack([centre, second, rest])
    lon, lat = bng_to_lonlat(xy[:, 0], xy[:, 1])
    start = pd.Timestamp("2021-01-01")
    at = start + pd.to_timedelta(rng.integers(0, 120 * 24 * 60, len(xy)), unit="min")
    return pd.DataFrame({
        "easting": xy[:, 0], "northing": xy[:, 1], "lon": lon, "lat": lat,
        "h3_11": lonlat_to_cells(lon, lat, 11),
        "category": rng.choice(["Burglary", "Robbery", "Violence and sexual offences"], len(xy)),
        "month": at.strftime("%Y-%m"), "location": rng.choice(["On or near A Street", "On or near B Road"], len(xy)),
        "occurred_at": at, "occurred_until": pd.NaT, "time_precision": "minute", "source": "rms",
        "force": "Test", "weapon": None})


def run(name: str, inc: pd.DataFrame, **params):
    inputs = MethodInput(inc, RES, None, False, harm_weights(False), {})
    return METHODS[name].run(inputs, params)


def _by_cell(result):
    """A result's score per cell, in cell order (a per-cell method) or its table (clusters, tests)."""
    if result.cells.size:
        return pd.Series(result.score, index=result.cells).sort_index()
    return result.table.reset_index(drop=True)


def _equal(a, b):
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, rtol=1e-9)
    else:
        pd.testing.assert_frame_equal(a, b, rtol=1e-9)


#: Knox is random unless seeded; the others pass the seed to nothing random.
SEEDED = {"knox": {"permutations": 19}, "gistar": {"permutations": 19}}
METHOD_NAMES = sorted(METHODS)
ESTIMATORS = sorted(n for n, m in METHODS.items() if m.estimator is not None)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return incidents()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_repr_and_get_params_round_trip(name):
    cls = METHODS[name].estimator
    est = cls()
    params = est.get_params()
    assert cls(**params).get_params() == params
    assert repr(est).startswith(cls.__name__ + "(")
    changed = est.set_params(**{k: v for k, v in params.items()})
    assert changed is est


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_result_before_fit_is_a_sentence(name):
    est = METHODS[name].estimator()
    with pytest.raises(SettingError, match="not fitted yet") as info:
        est.to_frame() if not hasattr(est, "predict") else est.predict()
    assert info.value.fix and "fit(" in info.value.fix


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_fitting_twice_gives_the_same_answer(name, data):
    params = {**SEEDED.get(name, {}), **({"seed": 11} if name in SEEDED else {})}
    _equal(_by_cell(run(name, data, **params)), _by_cell(run(name, data, **params)))


@pytest.mark.parametrize("name", sorted(n for n in METHODS if "seed" in METHODS[n].params))
def test_a_seed_reproduces_a_random_answer(name, data):
    a = run(name, data, **SEEDED[name], seed=5).table
    b = run(name, data, **SEEDED[name], seed=5).table
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_shuffling_the_rows_changes_nothing(name, data):
    params = {**SEEDED.get(name, {}), **({"seed": 11} if name in SEEDED else {})}
    shuffled = data.sample(frac=1.0, random_state=7).reset_index(drop=True)
    a, b = _by_cell(run(name, data, **params)), _by_cell(run(name, shuffled, **params))
    if isinstance(a, pd.DataFrame) and "cluster" in a:  # clusters: the same clusters, in the same order
        a, b = a.drop(columns=["geometry"]), b.drop(columns=["geometry"])
    if name == "knox":  # what the permutations give depends on the order the rows are drawn in
        a, b = a.drop(columns=["expected", "ratio", "p"]), b.drop(columns=["expected", "ratio", "p"])
    _equal(a, b)


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_counts_add_up_to_the_incidents_selected(name, data):
    params = {**SEEDED.get(name, {}), **({"seed": 11} if name in SEEDED else {})}
    result = run(name, data, **params)
    t = result.table
    if METHODS[name].per_cell:
        assert t["count"].sum() == len(data)
    elif "cluster" in t:
        assert t["count"].sum() + result.summary["noise"] == len(data)
    else:  # a test over pairs of incidents: each pair inside the outer bands counted once (brute force)
        est = METHODS[name].estimator()
        xy = data[["easting", "northing"]].to_numpy()
        t = data["occurred_at"].to_numpy().astype("datetime64[s]").astype(np.int64) / 86_400.0
        i, j = np.triu_indices(len(data), 1)
        near = np.hypot(*(xy[i] - xy[j]).T) < est.distance_bands_m[-1]
        soon = np.abs(t[i] - t[j]) < est.time_bands_days[-1]
        assert result.table["observed"].sum() == int((near & soon).sum())
        assert result.summary["pairs"] == int(near.sum())  # the pairs close in space, compared in time
