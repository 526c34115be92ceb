"""Unit tests for hotspots.methods.clusters: settings, invariants, hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.errors import HotspotsError, SettingError
from hotspots.methods.clusters import (
    CLUSTER_BUFFER_M,
    WeightedDBSCAN,
    WeightedHDBSCAN,
    default_eps_m,
    summarise_clusters,
)
from hotspots.defaults import DBSCAN_EPS_M, DBSCAN_MIN_SAMPLES, HDBSCAN_MIN_CLUSTER_SIZE

CATEGORIES = ["Violence and sexual offences", "Anti-social behaviour", "Shoplifting",
              "Burglary", "Public order"]


def incidents(seed=0, n_loc=400):
    """Snap-point incidents in three towns and a scatter, with category, location and
    month columns, rows shuffled."""
    rng = np.random.default_rng(seed)
    towns = np.array([[510_000.0, 210_000.0], [515_000.0, 212_000.0], [520_000.0, 205_000.0]])
    k = rng.integers(0, 3, n_loc)
    loc = np.round(towns[k] + rng.normal(0, 400, (n_loc, 2)))
    loc = np.vstack([loc, np.round(rng.uniform([505_000, 200_000], [525_000, 215_000], (80, 2)))])
    per = np.minimum(np.floor(rng.pareto(1.2, len(loc)) + 1), 80).astype(int)
    xy = np.repeat(loc, per, axis=0)
    street = np.repeat(np.arange(len(loc)), per)
    p = rng.permutation(len(xy))
    n = len(xy)
    return pd.DataFrame({
        "x_m": xy[p, 0], "y_m": xy[p, 1],
        "category": np.array(CATEGORIES)[rng.integers(0, 5, n)],
        "location": np.array([f"On or near Street {i % 90}" for i in street[p]], dtype=object),
        "month": np.array([f"2021-{m:02d}" for m in range(1, 13)])[rng.integers(0, 12, n)],
    })


# ---------------------------------------------------------------------- settings
def test_constructors_store_parameters_unchanged_and_default_from_defaults():
    db = WeightedDBSCAN()
    assert (db.eps_m, db.min_samples) == (DBSCAN_EPS_M, DBSCAN_MIN_SAMPLES)
    hdb = WeightedHDBSCAN()
    assert (hdb.min_cluster_size, hdb.min_samples) == (HDBSCAN_MIN_CLUSTER_SIZE, None)
    odd = WeightedDBSCAN(eps_m="wide", min_samples=-3)  # validated in fit, not here
    assert odd.get_params() == {"eps_m": "wide", "min_samples": -3}
    assert repr(WeightedDBSCAN(eps_m=200.0)) == "WeightedDBSCAN(eps_m=200.0)"
    assert WeightedHDBSCAN().set_params(min_samples=5).min_samples == 5


@pytest.mark.parametrize("est, pattern", [
    (WeightedDBSCAN(eps_m=0), r"'eps_m' parameter of WeightedDBSCAN must be a float in the range \(0.0, inf\). Got 0"),
    (WeightedDBSCAN(eps_m=-5.0), r"Got -5.0 instead"),
    (WeightedDBSCAN(eps_m=float("nan")), r"'eps_m'"),
    (WeightedDBSCAN(eps_m="150"), r"'eps_m'"),
    (WeightedDBSCAN(min_samples=0),
     r"'min_samples' parameter of WeightedDBSCAN must be an int in the range \[1, inf\)"),
    (WeightedDBSCAN(min_samples=2.5), r"'min_samples'"),
    (WeightedDBSCAN(min_samples=True), r"'min_samples'"),
    (WeightedHDBSCAN(min_cluster_size=1),
     r"'min_cluster_size' parameter of WeightedHDBSCAN must be an int in the range \[2, inf\)"),
    (WeightedHDBSCAN(min_samples=0), r"'min_samples' parameter of WeightedHDBSCAN"),
])
def test_bad_parameters_raise_setting_errors_that_say_what_is_allowed(est, pattern):
    with pytest.raises(SettingError, match=pattern) as err:
        est.fit([0.0, 1.0, 2.0], [0.0, 0.0, 0.0])
    assert isinstance(err.value, HotspotsError) and isinstance(err.value, ValueError)
    assert err.value.fix


@pytest.mark.parametrize("x, y, weights, pattern", [
    ([0.0, 1.0], [0.0], None, "same length; got 2 and 1"),
    ([], [], None, "no incidents"),
    ([0.0, np.nan, 2.0], [0.0, 0.0, 0.0], None,
     r"missing or infinite coordinate; the first is at position 1 \(x_m=nan"),
    ([0.0, 1.0], [0.0, np.inf], None, "position 1"),
    (["a", "b"], [0.0, 0.0], None, "must hold numbers"),
    ([[0.0, 1.0]], [[0.0, 1.0]], None, "1-D"),
    ([0.0, 1.0], [0.0, 0.0], [1.0, -1.0], r"finite and 0 or more; position 1 holds -1\.0 "),
    ([0.0, 1.0], [0.0, 0.0], [1.0], "one value per incident"),
    ([0.0, 1.0], [0.0, 0.0], [1.0, np.nan], "position 1"),
])
def test_bad_inputs_raise_setting_errors_naming_the_problem(x, y, weights, pattern):
    with pytest.raises(SettingError, match=pattern):
        WeightedDBSCAN().fit(x, y, weights)


def test_hdbscan_needs_positive_weights_and_enough_incidents():
    with pytest.raises(SettingError, match="greater than 0"):
        WeightedHDBSCAN(min_cluster_size=2).fit([0.0, 1.0, 2.0], [0, 0, 0], weights=[1, 0, 1])
    with pytest.raises(SettingError, match=r"min_samples \(20\) must be at most .* \(3\)"):
        WeightedHDBSCAN().fit([0.0, 1.0, 2.0], [0.0, 0.0, 0.0])


# ------------------------------------------------------------------ invariants
@pytest.mark.parametrize("estimator", [WeightedDBSCAN(), WeightedDBSCAN(eps_m=300, min_samples=30),
                                       WeightedHDBSCAN(), WeightedHDBSCAN(min_cluster_size=40, min_samples=5)])
def test_shuffling_rows_changes_nothing_not_even_label_names(estimator):
    df = incidents(1)
    first = estimator.fit(df["x_m"], df["y_m"]).labels_.copy()
    assert estimator.n_clusters_ > 1
    p = np.random.default_rng(5).permutation(len(df))
    again = np.empty_like(first)
    again[p] = estimator.fit(df["x_m"].to_numpy()[p], df["y_m"].to_numpy()[p]).labels_
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("estimator", [WeightedDBSCAN(), WeightedHDBSCAN()])
def test_clusters_are_numbered_by_size_and_incidents_at_one_point_share_a_label(estimator):
    df = incidents(2)
    labels = estimator.fit_predict(df["x_m"], df["y_m"])
    sizes = np.bincount(labels[labels >= 0])
    assert sizes.size == estimator.n_clusters_
    assert np.all(np.diff(sizes) <= 0)
    per_point = df.assign(label=labels).groupby(["x_m", "y_m"])["label"].nunique()
    assert (per_point == 1).all()
    assert estimator.n_locations_ == len(per_point)


def test_a_border_location_goes_to_the_cluster_of_its_nearest_core_location():
    # eps 100 m, min_samples 5. Left: 5 incidents at x=0 and 1 at x=90 (both core);
    # right: 5 at x=300 and 1 at x=210 (both core). One incident at x=145 sees only
    # the two single incidents (55 m and 65 m away): not core, border to both
    # clusters, and nearer the left one, whatever the row order.
    x = np.array([0.0] * 5 + [90.0] + [300.0] * 5 + [210.0] + [145.0])
    y = np.zeros(x.size)
    for seed in range(6):
        p = np.random.default_rng(seed).permutation(x.size)
        db = WeightedDBSCAN(eps_m=100.0, min_samples=5).fit(x[p], y[p])
        labels = np.empty(x.size, dtype=int)
        labels[p] = db.labels_
        assert db.n_clusters_ == 2
        assert labels[-1] == labels[0] != labels[6]
        assert sorted(p[db.core_sample_indices_]) == list(range(12))


def test_dbscan_zero_weights_count_for_nothing_but_still_get_a_label():
    x = np.array([0.0, 1.0, 2.0, 3.0, 50.0])
    y = np.zeros(5)
    # the weight-0 incident sees two others within 48.5 m: border, not core
    db = WeightedDBSCAN(eps_m=48.5, min_samples=4).fit(x, y, weights=[1, 1, 1, 1, 0])
    np.testing.assert_array_equal(db.labels_, [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(db.core_sample_indices_, [0, 1, 2, 3])
    db = WeightedDBSCAN(eps_m=48.5, min_samples=5).fit(x, y, weights=[1, 1, 1, 1, 0])
    np.testing.assert_array_equal(db.labels_, [-1] * 5)


def test_hdbscan_scaling_all_weights_and_both_sizes_together_changes_nothing():
    df = incidents(3, n_loc=150)
    x, y = df["x_m"].to_numpy(), df["y_m"].to_numpy()
    base = WeightedHDBSCAN(min_cluster_size=20, min_samples=4).fit(x, y)
    assert base.n_clusters_ > 1
    double = WeightedHDBSCAN(min_cluster_size=40, min_samples=8).fit(x, y, weights=np.full(len(x), 2.0))
    half = WeightedHDBSCAN(min_cluster_size=10, min_samples=2).fit(x, y, weights=np.full(len(x), 0.5))
    np.testing.assert_array_equal(base.labels_, double.labels_)
    np.testing.assert_array_equal(base.labels_, half.labels_)
    np.testing.assert_allclose(base.probabilities_, half.probabilities_)


def test_hdbscan_on_one_location_finds_no_cluster():
    hdb = WeightedHDBSCAN(min_cluster_size=5).fit(np.zeros(30), np.zeros(30))
    assert hdb.n_clusters_ == 0 and (hdb.labels_ == -1).all() and hdb.n_locations_ == 1
    assert (hdb.probabilities_ == 0).all()


def test_hdbscan_probabilities_are_in_unit_interval_and_zero_for_noise():
    df = incidents(4)
    hdb = WeightedHDBSCAN().fit(df["x_m"], df["y_m"])
    assert ((hdb.probabilities_ >= 0) & (hdb.probabilities_ <= 1)).all()
    assert (hdb.probabilities_[hdb.labels_ == -1] == 0).all()
    assert (hdb.probabilities_[hdb.labels_ >= 0] > 0).any()


# ------------------------------------------------------------------ default eps
def test_default_eps_settings_and_degenerate_data():
    x = np.r_[np.arange(10) * 10.0, 1000.0]
    y = np.zeros(11)
    with pytest.raises(SettingError, match="'rule' parameter of default_eps_m must be 'knee' or 'arcgis'"):
        default_eps_m(x, y, 3, rule="elbow")
    with pytest.raises(SettingError, match=r"min_samples \(20\) must be at most"):
        default_eps_m(x, y, 20)
    # every incident on one of two snap points of 50: core distance 0 everywhere
    with pytest.raises(SettingError, match="0 m") as err:
        default_eps_m(np.repeat([0.0, 100.0], 50), np.zeros(100), 10)
    assert "eps_m" in err.value.fix
    # weights count towards the core distance as in WeightedDBSCAN
    assert default_eps_m(x, y, 6, weights=np.full(11, 2.0)) == default_eps_m(x, y, 3)


def test_default_eps_rules_are_ordered_and_monotone_in_min_samples():
    df = incidents(5)
    eps = [default_eps_m(df["x_m"], df["y_m"], m, rule="arcgis") for m in (5, 10, 20)]
    assert eps == sorted(eps)
    assert default_eps_m(df["x_m"], df["y_m"], 10) <= eps[1]


# ---------------------------------------------------------------------- summary
@pytest.fixture(scope="module")
def clustered():
    df = incidents(6)
    labels = WeightedDBSCAN().fit(df["x_m"], df["y_m"]).labels_
    return df, labels


def summary(df, labels, **kw):
    return summarise_clusters(labels, df["x_m"], df["y_m"], df["category"], df["location"],
                              df["month"], **kw)


def test_summary_counts_sum_to_the_clustered_incidents(clustered):
    df, labels = clustered
    table = summary(df, labels)
    assert list(table.columns) == ["cluster", "count", "harm", "area_km2", "top_categories",
                                   "top_locations", "months_active", "first_month",
                                   "last_month", "geometry"]
    assert table["cluster"].tolist() == list(range(labels.max() + 1))
    assert table["count"].sum() == (labels >= 0).sum()
    assert table["count"].tolist() == np.bincount(labels[labels >= 0]).tolist()


def test_summary_harm_of_ones_equals_counts_and_default_is_cchi(clustered):
    df, labels = clustered
    ones = summary(df, labels, harm=np.ones(len(df)))
    assert (ones["harm"] == ones["count"]).all()
    cchi = {"Violence and sexual offences": 200.0, "Anti-social behaviour": 1.0,
            "Shoplifting": 1.0, "Burglary": 230.0, "Public order": 7.5}
    expected = df.assign(h=df["category"].map(cchi), c=labels)[labels >= 0].groupby("c")["h"].sum()
    np.testing.assert_allclose(summary(df, labels)["harm"], expected.to_numpy())


def test_summary_hulls_contain_their_points(clustered):
    df, labels = clustered
    table = summary(df, labels)
    for row in table.itertuples():
        assert row.geometry.geom_type == "Polygon" and row.geometry.is_valid
        assert row.area_km2 == pytest.approx(row.geometry.area / 1e6)
        members = labels == row.cluster
        points = shapely.points(df["x_m"].to_numpy()[members], df["y_m"].to_numpy()[members])
        assert shapely.covers(row.geometry.buffer(1e-6), points).all()


def test_summary_shapes_small_and_straight_clusters_get_a_buffer():
    # cluster 0: one snap point; 1: three points; 2: four points on a line (a street);
    # 3: an L-shaped street, where the concave hull hugs the street
    xs = [0.0] * 3 + [1000.0, 1010.0, 1000.0] + [2000.0, 2050.0, 2100.0, 2150.0]
    ys = [0.0] * 3 + [0.0, 0.0, 10.0] + [0.0] * 4
    leg = np.arange(0, 500, 25.0)
    lx = np.r_[leg, leg, np.zeros(20), np.full(20, 20.0)] + 5000.0  # two sides of the street
    ly = np.r_[np.zeros(20), np.full(20, 20.0), leg + 25, leg + 25]
    x = np.r_[xs, lx]
    y = np.r_[ys, ly]
    labels = np.r_[[0] * 3, [1] * 3, [2] * 4, [3] * 80]
    n = len(x)
    table = summarise_clusters(labels, x, y, ["Burglary"] * n, ["On or near Lane"] * n,
                               ["2021-05"] * n)
    g = table["geometry"]
    assert g[0].area == pytest.approx(np.pi * CLUSTER_BUFFER_M**2, rel=0.02)  # a disc
    assert g[1].covers(shapely.Polygon([(1000, 0), (1010, 0), (1000, 10)]))
    assert g[1].area > 50 + np.pi * CLUSTER_BUFFER_M**2 * 0.9
    assert g[2].area == pytest.approx(150 * 2 * CLUSTER_BUFFER_M + np.pi * CLUSTER_BUFFER_M**2, rel=0.02)
    convex = shapely.multipoints(np.c_[lx, ly]).convex_hull
    assert g[3].area < 0.3 * convex.area  # concave: the L, not the triangle
    assert (table["area_km2"] > 0).all()
    one = summarise_clusters(labels, x, y, ["Burglary"] * n, ["x"] * n, ["2021-05"] * n,
                             concave_ratio=1.0)
    assert one["geometry"][3].area == pytest.approx(convex.area)


def test_summary_text_columns():
    labels = np.array([0] * 10 + [-1])
    category = ["Violence and sexual offences"] * 5 + ["Public order"] * 3 + ["Drugs"] + ["Robbery"] + ["Burglary"]
    location = (["On or near High Street"] * 4 + ["On or near Bus Station"] * 3
                + ["On or near Park"] * 2 + [None, "On or near Nowhere"])
    month = ["2021-01", "2021-01", "2021-03", "2021-03", "2021-07"] + ["2021-07"] * 4 + [None, "2021-09"]
    x = np.arange(11) * 10.0
    y = np.arange(11) * 3.0
    row = summarise_clusters(labels, x, y, category, location, month).iloc[0]
    assert row["top_categories"] == "Violence and sexual offences 50%, Public order 30%, Drugs 10%"
    assert row["top_locations"] == ("On or near High Street (4), On or near Bus Station (3), "
                                    "On or near Park (2)")
    assert (row["months_active"], row["first_month"], row["last_month"]) == (3, "2021-01", "2021-07")
    assert row["count"] == 10


def test_summary_accepts_datetimes_and_periods_for_months(clustered):
    df, labels = clustered
    as_text = summary(df, labels)
    as_dates = summary(df.assign(month=pd.to_datetime(df["month"], format="%Y-%m")), labels)
    as_periods = summary(df.assign(month=pd.PeriodIndex(df["month"], freq="M")), labels)
    cols = ["months_active", "first_month", "last_month"]
    pd.testing.assert_frame_equal(as_text[cols], as_dates[cols])
    pd.testing.assert_frame_equal(as_text[cols], as_periods[cols])


def test_summary_reads_columns_by_position_not_by_index(clustered):
    df, labels = clustered
    shifted = df.set_index(np.arange(len(df))[::-1] * 7)  # a filtered table's index
    a = summary(df, labels).drop(columns="geometry")
    b = summary(shifted, labels).drop(columns="geometry")
    pd.testing.assert_frame_equal(a, b)


def test_summary_of_only_noise_is_an_empty_table_with_the_columns():
    table = summarise_clusters([-1, -1], [0.0, 1.0], [0.0, 0.0], ["Burglary"] * 2, ["a"] * 2,
                               ["2021-01"] * 2)
    assert table.empty and "geometry" in table.columns and "top_locations" in table.columns


def test_summary_harm_of_a_category_without_weight_is_zero():
    table = summarise_clusters([0, 0], [0.0, 1.0], [0.0, 0.0], ["A&E assault", "Robbery"],
                               ["a", "b"], ["2021-01"] * 2)
    assert table.loc[0, "harm"] == 365.0


@pytest.mark.parametrize("kw, pattern", [
    ({"month": ["2021-01", "June"]}, "position 1 holds 'June'"),
    ({"month": ["2021-01"]}, "one value per incident"),
    ({"category": ["Burglary"]}, "'category' must have one value per incident"),
    ({"labels": [0.5, 0]}, "whole numbers"),
    ({"harm": [1.0, -2.0]}, "0 or more"),
    ({"concave_ratio": 1.5},
     r"'concave_ratio' parameter of summarise_clusters must be a float in the range \[0.0, 1.0\]"),
    ({"buffer_m": 0}, "'buffer_m'"),
])
def test_summary_bad_inputs(kw, pattern):
    args = dict(labels=[0, 0], x_m=[0.0, 1.0], y_m=[0.0, 0.0], category=["Burglary"] * 2,
                location=["a", "b"], month=["2021-01", "2021-02"])
    args.update(kw)
    with pytest.raises(SettingError, match=pattern):
        summarise_clusters(**args)
