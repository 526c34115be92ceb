"""Known answers for the quartic kernel density.

* the exact path equals a hand-written double loop over points and query points;
* the FFT path is within its contract of the exact sum (a KD-tree direct sum,
  ``cKDTree.query_ball_point``, written out here) at every H3 cell centre within a
  bandwidth of the data, at res 9 and 10, for bandwidths 150, 300 and 600 m, on
  clustered synthetic points with harm weights and on the real police.uk file
  (Hertfordshire, June 2021);
* the density integrates to the number of points (and to the total harm);
* the default bandwidth equals ArcGIS's formula worked by hand.

The contract (hotspots/density.py): relative error <= 1 % wherever the exact
density is >= 1 % of its maximum over the cells; elsewhere absolute error < 1 %
of that maximum (in practice ~1e-4 of it).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
from scipy.spatial import cKDTree

from hotspots.defaults import HARM_WEIGHTS_CCHI_APPROX
from hotspots.methods.density import QuarticKDE, default_bandwidth_m
from geo.grid import cells_to_bng

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
JUNE_2021 = SHARED_DATA / "police" / "hertfordshire_2021" / "street" / "2021-06-hertfordshire-street.csv"
SKIP_REASON = "needs ../shared/data (the real police.uk files); CI has it"

#: The FFT path's accuracy contract.
RTOL = 0.01
FLOOR = 0.01

TO_BNG = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
TO_LONLAT = pyproj.Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


# ---------------------------------------------------------------- references


def hand_sum(px, py, w, qx, qy, h):
    """The definition, one pair at a time (per km²)."""
    out = []
    for a, b in zip(qx, qy):
        total = 0.0
        for x, y, wt in zip(px, py, w):
            d2 = (a - x) ** 2 + (b - y) ** 2
            if d2 < h * h:
                total += wt * 3.0 / (math.pi * h * h) * (1.0 - d2 / (h * h)) ** 2
        out.append(total * 1e6)
    return np.array(out)


def kdtree_sum(px, py, w, qx, qy, h):
    """Direct sum over the points within h of each query (cKDTree.query_ball_point)."""
    tree = cKDTree(np.column_stack([px, py]))
    near = tree.query_ball_point(np.column_stack([qx, qy]), r=h)
    lens = np.fromiter(map(len, near), dtype=np.int64, count=len(near))
    idx = np.fromiter(itertools.chain.from_iterable(near), dtype=np.int64, count=int(lens.sum()))
    q = np.repeat(np.arange(len(near)), lens)
    d2 = (px[idx] - qx[q]) ** 2 + (py[idx] - qy[q]) ** 2
    k = np.where(d2 < h * h, (1.0 - d2 / (h * h)) ** 2, 0.0) * 3.0 / (math.pi * h * h)
    return np.bincount(q, weights=w[idx] * k, minlength=len(near)) * 1e6


def cells_within(px, py, res, h):
    """Every H3 cell whose centre can be within h of a point (generous k-rings)."""
    lon, lat = TO_LONLAT.transform(px, py)
    seeds = {h3.latlng_to_cell(b, a, res) for a, b in zip(lon, lat)}
    k = int(math.ceil(h / (1.5 * h3.average_hexagon_edge_length(res, "m")))) + 2
    cells = set()
    for c in seeds:
        cells.update(h3.grid_disk(c, k))
    return sorted(cells)


def assert_contract(fast, exact):
    top = exact.max()
    big = exact >= FLOOR * top
    err = np.abs(fast - exact)
    rel = err[big] / exact[big]
    assert rel.max() <= RTOL, f"max relative error {rel.max():.4f} above {RTOL}"
    if (~big).any():
        assert err[~big].max() < RTOL * top
    return rel.max(), (err[~big].max() / top if (~big).any() else 0.0)


# ------------------------------------------------------------------- data


def clustered_points(seed=20210601):
    """Thomas-process clusters of three sizes, background noise and snap points,
    around Hertfordshire on BNG, with CCHI harm weights."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for sigma in (25.0, 80.0, 200.0):
        centres = rng.uniform([510_000, 200_000], [530_000, 220_000], size=(8, 2))
        for cx, cy in centres:
            m = rng.poisson(60)
            xs.append(rng.normal(cx, sigma, m))
            ys.append(rng.normal(cy, sigma, m))
    xs.append(rng.uniform(508_000, 532_000, 400))
    ys.append(rng.uniform(198_000, 222_000, 400))
    snaps = rng.uniform([510_000, 200_000], [530_000, 220_000], size=(10, 2))
    mult = rng.integers(5, 30, size=10)
    xs.append(np.repeat(snaps[:, 0], mult))
    ys.append(np.repeat(snaps[:, 1], mult))
    x, y = np.concatenate(xs), np.concatenate(ys)
    cats = list(HARM_WEIGHTS_CCHI_APPROX)
    w = np.array([HARM_WEIGHTS_CCHI_APPROX[c] for c in rng.choice(cats, size=x.size)])
    return x, y, w


@pytest.fixture(scope="module")
def synthetic():
    return clustered_points()


@pytest.fixture(scope="module")
def june_2021():
    if not JUNE_2021.is_file():
        pytest.skip(SKIP_REASON)
    df = pd.read_csv(JUNE_2021, usecols=["Longitude", "Latitude"]).dropna()
    x, y = TO_BNG.transform(df["Longitude"].to_numpy(), df["Latitude"].to_numpy())
    return np.asarray(x), np.asarray(y), np.ones(len(df))


# ------------------------------------------------------------------- tests


def test_exact_path_equals_the_hand_written_sum():
    rng = np.random.default_rng(7)
    px = rng.uniform(0, 1000, 60)
    py = rng.uniform(0, 1000, 60)
    px[:5], py[:5] = 500.0, 500.0                  # a snap point: five crimes at one place
    w = rng.uniform(0, 10, 60)
    qx = np.concatenate([rng.uniform(-200, 1200, 80), px[:10], [500.0 + 250.0]])
    qy = np.concatenate([rng.uniform(-200, 1200, 80), py[:10], [500.0]])
    kde = QuarticKDE(bandwidth_m=250, method="exact").fit(px, py, w)
    np.testing.assert_allclose(kde.evaluate(qx, qy), hand_sum(px, py, w, qx, qy, 250),
                               rtol=1e-12, atol=1e-12)
    assert kde.n_locations_ == 56


@pytest.mark.parametrize("res", [9, 10])
@pytest.mark.parametrize("h", [150.0, 300.0, 600.0])
def test_fft_path_within_one_percent_at_h3_centres_synthetic(synthetic, res, h):
    x, y, w = synthetic
    cells = cells_within(x, y, res, h)
    _, qx, qy = cells_to_bng(cells)
    exact = kdtree_sum(x, y, w, qx, qy, h)
    kde = QuarticKDE(bandwidth_m=h, method="fft").fit(x, y, w)
    fast = kde.density_at_cells(cells)
    assert fast["cell"].tolist() == list(cells)
    assert_contract(fast["density"].to_numpy(), exact)
    refined, total = kde._last_refined
    assert refined < total / 2, "the grid, not the exact fix-up, should carry most cells"


@pytest.mark.shared
@pytest.mark.parametrize("res", [9, 10])
@pytest.mark.parametrize("h", [150.0, 300.0, 600.0])
def test_fft_path_within_one_percent_at_h3_centres_police_uk(june_2021, res, h):
    x, y, w = june_2021
    cells = cells_within(x, y, res, h)
    _, qx, qy = cells_to_bng(cells)
    exact = kdtree_sum(x, y, w, qx, qy, h)
    fast = QuarticKDE(bandwidth_m=h, method="fft").fit(x, y).evaluate(qx, qy)
    assert_contract(fast, exact)
    auto = QuarticKDE(bandwidth_m=h).fit(x, y).evaluate(qx, qy)
    np.testing.assert_allclose(auto, exact, rtol=1e-9, atol=1e-12 * exact.max())


@pytest.mark.parametrize("method", ["exact", "fft"])
def test_density_integrates_to_the_number_of_points(method):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(1500, 300, 200), rng.uniform(0, 3000, 100)])
    y = np.concatenate([rng.normal(1500, 300, 200), rng.uniform(0, 3000, 100)])
    h, step = 150.0, 10.0
    gx, gy = np.meshgrid(np.arange(x.min() - h, x.max() + h, step) + step / 2,
                         np.arange(y.min() - h, y.max() + h, step) + step / 2)
    kde = QuarticKDE(bandwidth_m=h, method=method).fit(x, y)
    total = kde.evaluate(gx.ravel(), gy.ravel()).sum() * step * step / 1e6
    assert total == pytest.approx(x.size, rel=0.01)
    w = rng.uniform(1, 365, x.size)
    harm = QuarticKDE(bandwidth_m=h, method=method).fit(x, y, w).evaluate(gx.ravel(), gy.ravel())
    assert harm.sum() * step * step / 1e6 == pytest.approx(w.sum(), rel=0.01)


def test_density_times_h3_cell_area_sums_to_the_number_of_points():
    rng = np.random.default_rng(11)
    lon, lat = rng.normal(-0.34, 0.01, 150), rng.normal(51.75, 0.006, 150)
    x, y = TO_BNG.transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    cells = cells_within(x, y, 11, 300.0)
    out = QuarticKDE(bandwidth_m=300).fit(x, y).density_at_cells(cells)
    area_km2 = np.array([h3.cell_area(c, "km^2") for c in out["cell"]])
    assert (out["density"] * area_km2).sum() == pytest.approx(150, rel=0.01)


def test_cell_centres_match_h3_and_pyproj_one_by_one():
    cells = list(h3.grid_disk(h3.latlng_to_cell(51.75, -0.34, 9), 3))
    text, x, y = cells_to_bng(cells)
    for c, a, b in zip(text, x, y):
        lat, lon = h3.cell_to_latlng(c)
        ex, ey = TO_BNG.transform(lon, lat)
        assert (a, b) == pytest.approx((ex, ey), abs=1e-6)


def test_default_bandwidth_by_hand():
    # Weighted: mean centre (0, 0); distances 100, 100, 0 with weights 1, 1, 2;
    # the weighted median sits on a tie at half the weight -> (0 + 100) / 2 = 50;
    # SD = sqrt((10000 + 10000) / 4) = 70.71 > sqrt(1/ln 2) * 50 = 60.06, so
    # h = 0.9 * 60.056 * 4 ** -0.2 = 40.9626 m.
    h = default_bandwidth_m([-100, 100, 0], [0, 0, 0], weights=[1, 1, 2])
    assert h == pytest.approx(0.9 * 50 / math.sqrt(math.log(2)) * 4**-0.2, rel=1e-12)
    assert h == pytest.approx(40.9626, abs=1e-4)
    # Unweighted with two far outliers: Dm = 1 m while SD = 632 m: the median wins.
    h = default_bandwidth_m([-1, 1, 0, 0, 0], [0, 0, 0, 1000, -1000])
    assert h == pytest.approx(0.9 * 1.2011224 * 5**-0.2, rel=1e-6)
    # Without outliers the standard distance wins: SD = sqrt(8000), Dm = 100.
    h = default_bandwidth_m([100, -100, 0, 0, 0], [0, 0, 100, -100, 0])
    assert h == pytest.approx(0.9 * math.sqrt(8000) * 5**-0.2, rel=1e-12)


@pytest.mark.shared
def test_default_bandwidth_on_police_uk_is_town_scale(june_2021):
    x, y, _ = june_2021
    h = default_bandwidth_m(x, y)
    # ~9,000 crimes over a county ~50 km across, ~1 % located far away: the
    # median-distance branch keeps the outliers from inflating it, but the rule
    # still gives a town-scale radius (2.6 km), which is why the project's
    # default is a fixed street-scale KDE_BANDWIDTH_M (300 m).
    assert 1500 < h < 4000
    lon, lat = TO_LONLAT.transform(x, y)
    far = (np.abs(np.asarray(lon) + 0.25) > 1.5) | (np.abs(np.asarray(lat) - 51.8) > 1.0)
    assert far.any()
    assert default_bandwidth_m(x[~far], y[~far]) == pytest.approx(h, rel=0.1)
