"""GetisOrdGiStar, kring_weights and benjamini_hochberg on small hand-built windows."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo.errors import HotspotsError, SettingError
from hotspots.defaults import FDR_ALPHA, GISTAR_CONFIDENCE, GISTAR_K
from hotspots.methods.gistar import GetisOrdGiStar, gistar_statistic
from hotspots.methods.lattice import NOT_SIGNIFICANT, benjamini_hochberg, kring_weights

CENTRE = h3.latlng_to_cell(51.656, -0.397, 9)  # Watford, res 9


@pytest.fixture()
def window():
    return list(h3.grid_disk(CENTRE, 6))  # 127 cells


@pytest.fixture()
def field(window):
    """Background counts plus a planted cluster on the centre's k=1 ring."""
    rng = np.random.default_rng(42)
    counts = rng.poisson(1.0, size=len(window)).astype(float)
    ring = set(h3.grid_disk(CENTRE, 1))
    counts[[c in ring for c in window]] += 8
    return counts


# --------------------------------------------------------------------------- #
# Parameters                                                                  #
# --------------------------------------------------------------------------- #
def test_constructor_stores_parameters_unchanged():
    gi = GetisOrdGiStar(k="x", permutations=-1, seed="s", fdr_alpha=7, confidence="c")
    assert (gi.k, gi.permutations, gi.seed, gi.fdr_alpha, gi.confidence) == ("x", -1, "s", 7, "c")


def test_defaults_come_from_defaults_module():
    gi = GetisOrdGiStar()
    assert gi.k == GISTAR_K
    assert gi.fdr_alpha == FDR_ALPHA
    assert gi.confidence == GISTAR_CONFIDENCE
    assert gi.permutations == 0 and gi.seed is None


@pytest.mark.parametrize(
    "params, words",
    [
        ({"k": 0}, "k must be an integer of at least 1"),
        ({"k": 1.5}, "k must be an integer of at least 1"),
        ({"k": True}, "k must be an integer of at least 1"),
        ({"permutations": -1}, "permutations must be a non-negative integer"),
        ({"permutations": 9.0}, "permutations must be a non-negative integer"),
        ({"fdr_alpha": 0.0}, "fdr_alpha must be a float strictly between 0 and 1 or None"),
        ({"fdr_alpha": 1.5}, "fdr_alpha must be a float strictly between 0 and 1 or None"),
        ({"confidence": ()}, "confidence must be a non-empty sequence"),
        ({"confidence": (0.9, 1.0)}, "confidence must be a non-empty sequence"),
        ({"confidence": (0.9, 0.9)}, "confidence must be a non-empty sequence"),
        ({"confidence": 0.95}, "confidence must be a sequence"),
        ({"seed": "abc"}, "seed must be None, a non-negative integer"),
        ({"seed": -3}, "seed must be None, a non-negative integer"),
    ],
)
def test_bad_parameters_raise_setting_error_saying_what_is_allowed(window, field, params, words):
    with pytest.raises(SettingError, match=words) as info:
        GetisOrdGiStar(**params).fit(window, field)
    assert info.value.fix  # every message says how to fix it
    assert isinstance(info.value, HotspotsError)


def test_seed_may_be_a_generator(window, field):
    gi = GetisOrdGiStar(permutations=19, seed=np.random.default_rng(1)).fit(window, field)
    assert gi.p_sim_.shape == (len(window),)


# --------------------------------------------------------------------------- #
# Cells and values                                                            #
# --------------------------------------------------------------------------- #
def test_strings_and_integers_give_the_same_result(window, field):
    ints = np.array([h3.str_to_int(c) for c in window], dtype=np.uint64)
    by_str = GetisOrdGiStar().fit(window, field)
    for cells in (ints, ints.astype(np.int64), [int(i) for i in ints], pd.Series(window),
                  np.array(window)):
        other = GetisOrdGiStar().fit(cells, field)
        np.testing.assert_array_equal(other.z_, by_str.z_)
        np.testing.assert_array_equal(other.cells_, by_str.cells_)


def test_to_frame_has_one_row_per_window_cell_with_string_cells(window, field):
    frame = GetisOrdGiStar().fit(window, field).to_frame()
    assert list(frame.columns) == ["cell", "value", "z", "p", "p_fdr", "class"]
    assert len(frame) == len(window)
    assert frame["cell"].tolist() == window
    assert frame["value"].tolist() == field.tolist()


def test_window_cells_without_a_value_count_as_zero(window, field):
    occupied = field > 0
    sparse_fit = GetisOrdGiStar().fit(np.asarray(window)[occupied], field[occupied], window=window)
    full_fit = GetisOrdGiStar().fit(window, field)
    np.testing.assert_array_equal(sparse_fit.cells_, full_fit.cells_)
    np.testing.assert_allclose(sparse_fit.z_, full_fit.z_, rtol=0, atol=1e-12)


def test_window_order_is_output_order_and_repeats_in_window_are_dropped(window, field):
    reordered = window[::-1] + window[:5]
    gi = GetisOrdGiStar().fit(window, field, window=reordered)
    assert gi.to_frame()["cell"].tolist() == window[::-1]


def test_shuffling_rows_changes_nothing_per_cell(window, field):
    base = GetisOrdGiStar().fit(window, field).to_frame().set_index("cell")
    order = np.random.default_rng(0).permutation(len(window))
    shuffled = GetisOrdGiStar().fit(np.asarray(window)[order], field[order]).to_frame()
    shuffled = shuffled.set_index("cell").loc[base.index]
    pd.testing.assert_frame_equal(shuffled, base, check_exact=False, rtol=1e-12, atol=1e-12)


def test_cells_outside_the_window_are_an_error(window, field):
    far = h3.latlng_to_cell(53.48, -2.24, 9)  # Manchester
    with pytest.raises(SettingError, match="outside the analysis window") as info:
        GetisOrdGiStar().fit(window + [far], np.append(field, 1.0), window=window)
    assert far in info.value.message


@pytest.mark.parametrize(
    "cells, values, words",
    [
        (["not-a-cell"], [1.0], "not H3 cell strings"),
        (["89283082fffffff"], [1.0], "not valid H3 cells"),
        ([1.5, 2.5], [1.0, 2.0], "floating-point"),
        ([-5], [1.0], "negative integer"),
        ([], [], "empty"),
        ([CENTRE, None], [1.0, 2.0], "missing value"),
        ([CENTRE, 5], [1.0, 2.0], "not H3 cell strings"),
        (np.array([CENTRE, 5], dtype=object), [1.0, 2.0], "mixes strings"),
    ],
)
def test_bad_cells_are_named_in_the_message(cells, values, words):
    with pytest.raises(SettingError, match=words):
        GetisOrdGiStar().fit(cells, values)


def test_mixed_resolutions_are_an_error(window, field):
    cells = window[:-1] + [h3.cell_to_parent(window[-1], 8)]
    with pytest.raises(SettingError, match="mixes H3 resolutions"):
        GetisOrdGiStar().fit(cells, field)


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda v: np.append(v, 1.0), "one number per cell"),
        (lambda v: np.where(np.arange(v.size) == 3, np.nan, v), "must be finite"),
        (lambda v: np.where(np.arange(v.size) == 3, -1.0, v), "never negative"),
        (lambda v: v.astype(str).astype(object) + "x", "must be numbers"),
    ],
)
def test_bad_values_raise(window, field, mutate, words):
    with pytest.raises(SettingError, match=words):
        GetisOrdGiStar().fit(window, mutate(field))


def test_repeated_cells_are_an_error_that_says_to_aggregate(window, field):
    with pytest.raises(SettingError, match="repeats some H3 cells") as info:
        GetisOrdGiStar().fit(window + window[:1], np.append(field, 1.0))
    assert "groupby" in info.value.fix


def test_all_equal_values_warn_and_give_nan_and_not_significant(window):
    with pytest.warns(UserWarning, match="Gi\\* is undefined"):
        gi = GetisOrdGiStar().fit(window, np.zeros(len(window)))
    assert np.isnan(gi.z_).all() and np.isnan(gi.p_).all() and np.isnan(gi.p_fdr_).all()
    assert set(gi.class_) == {NOT_SIGNIFICANT}
    assert not gi.significant_.any()


def test_to_frame_before_fit_is_a_setting_error():
    with pytest.raises(SettingError, match="not fitted"):
        GetisOrdGiStar().to_frame()


# --------------------------------------------------------------------------- #
# The statistic                                                               #
# --------------------------------------------------------------------------- #
def test_planted_cluster_is_a_99_percent_hot_spot(window, field):
    gi = GetisOrdGiStar().fit(window, field)
    frame = gi.to_frame().set_index("cell")
    assert frame.loc[CENTRE, "class"] == "Hot spot 99%"
    assert frame["z"].idxmax() == CENTRE


def test_z_matches_the_formula_written_out(window, field):
    gi = GetisOrdGiStar(k=2).fit(window, field)
    w = kring_weights(window, 2).toarray()
    n = len(window)
    xbar = field.mean()
    s = np.sqrt((field**2).sum() / n - xbar**2)
    w_i = w.sum(axis=1)
    s1 = (w**2).sum(axis=1)
    z = (w @ field - xbar * w_i) / (s * np.sqrt((n * s1 - w_i**2) / (n - 1)))
    np.testing.assert_allclose(gi.z_, z, rtol=1e-10)
    np.testing.assert_allclose(gi.G_, (w @ field) / field.sum(), rtol=1e-12)
    np.testing.assert_allclose(gi.EG_, w_i / n, rtol=1e-12)
    np.testing.assert_allclose((gi.G_ - gi.EG_) / np.sqrt(gi.VG_), gi.z_, rtol=1e-9)


def test_z_is_unchanged_by_shifting_or_scaling_values(window, field):
    z = GetisOrdGiStar().fit(window, field).z_
    np.testing.assert_allclose(GetisOrdGiStar().fit(window, field * 230.0).z_, z, rtol=1e-10)
    np.testing.assert_allclose(GetisOrdGiStar().fit(window, field + 5.0).z_, z, rtol=1e-9)


def test_p_is_two_sided_normal_and_fdr_never_smaller(window, field):
    gi = GetisOrdGiStar().fit(window, field)
    np.testing.assert_allclose(gi.p_, 2 * stats.norm.sf(np.abs(gi.z_)), rtol=1e-12)
    assert (gi.p_fdr_ >= gi.p_ - 1e-15).all()
    np.testing.assert_allclose(gi.p_fdr_, benjamini_hochberg(gi.p_))
    np.testing.assert_array_equal(gi.significant_, gi.p_fdr_ <= FDR_ALPHA)


def test_fdr_alpha_none_turns_the_correction_off(window, field):
    gi = GetisOrdGiStar(fdr_alpha=None).fit(window, field)
    np.testing.assert_array_equal(gi.p_fdr_, gi.p_)


def _expected_class(z, p_fdr, levels):
    label = NOT_SIGNIFICANT
    for level in sorted(levels):
        if p_fdr <= round(1 - level, 12):
            side = "Hot" if z > 0 else "Cold"
            label = f"{side} spot {level * 100:g}%"
    return label


@pytest.mark.parametrize("confidence", [GISTAR_CONFIDENCE, (0.95,), (0.8, 0.999)])
def test_classes_follow_the_written_rule(window, field, confidence):
    # a cold area too: a high baseline with a hole of zeros
    values = field + 3.0
    hole = set(h3.grid_disk(window[-1], 1))
    values[[c in hole for c in window]] = 0.0
    gi = GetisOrdGiStar(confidence=confidence, fdr_alpha=None).fit(window, values)
    expected = [_expected_class(z, p, confidence) for z, p in zip(gi.z_, gi.p_fdr_)]
    assert gi.class_.tolist() == expected
    assert set(gi.class_) <= set(gi.classes_)
    assert any(c.startswith("Cold") for c in gi.class_)
    assert any(c.startswith("Hot") for c in gi.class_)


def test_classes_are_ordered_hottest_first():
    gi = GetisOrdGiStar().fit(list(h3.grid_disk(CENTRE, 2)), np.arange(19.0))
    assert gi.classes_ == (
        "Hot spot 99%", "Hot spot 95%", "Hot spot 90%", NOT_SIGNIFICANT,
        "Cold spot 90%", "Cold spot 95%", "Cold spot 99%",
    )


def test_gistar_statistic_handles_columns_independently(window, field):
    w = kring_weights(window, 1)
    other = np.roll(field, 7)
    both = gistar_statistic(w, np.column_stack([field, other]))
    np.testing.assert_allclose(both.z[:, 0], gistar_statistic(w, field).z)
    np.testing.assert_allclose(both.z[:, 1], gistar_statistic(w, other).z)


def test_gistar_statistic_checks_shapes(window, field):
    with pytest.raises(SettingError, match="n-by-n"):
        gistar_statistic(kring_weights(window[:10], 1), field)


def test_a_neighbourhood_covering_the_whole_window_gives_nan():
    ring = list(h3.grid_disk(CENTRE, 1))
    res = gistar_statistic(kring_weights(ring, 1), np.arange(7.0))
    assert np.isnan(res.z[0])  # the centre's disk is the whole window
    assert np.isfinite(res.z[1:]).all()


# --------------------------------------------------------------------------- #
# Permutations                                                                #
# --------------------------------------------------------------------------- #
def test_permutations_add_p_sim_to_the_frame_and_refit_without_removes_it(window, field):
    gi = GetisOrdGiStar(permutations=99, seed=0).fit(window, field)
    assert "p_sim" in gi.to_frame().columns
    assert gi.p_sim_.min() >= 1 / 100
    gi.permutations = 0
    gi.fit(window, field)
    assert not hasattr(gi, "p_sim_")
    assert "p_sim" not in gi.to_frame().columns


def test_planted_cluster_has_the_smallest_possible_p_sim(window, field):
    gi = GetisOrdGiStar(permutations=199, seed=3).fit(window, field)
    centre = gi.to_frame().set_index("cell").loc[CENTRE]
    assert centre["p_sim"] == pytest.approx(1 / 200)


# --------------------------------------------------------------------------- #
# Weights                                                                     #
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("k, full", [(1, 7), (2, 19), (3, 37)])
def test_kring_weights_interior_rows_and_symmetry(k, full):
    window = list(h3.grid_disk(CENTRE, 6))
    w = kring_weights(window, k)
    assert (w != w.T).nnz == 0
    assert (w.diagonal() == 1).all()
    assert set(np.unique(w.data)) == {1.0}
    sums = np.asarray(w.sum(axis=1)).ravel()
    interior = [i for i, c in enumerate(window) if h3.grid_distance(CENTRE, c) <= 6 - k]
    assert (sums[interior] == full).all()
    assert sums.min() < full  # edge cells lose neighbours outside the window


def test_kring_weights_at_a_pentagon():
    pentagon = sorted(h3.get_pentagons(9))[0]
    window = list(h3.grid_disk(pentagon, 3))
    w = kring_weights(window, 1)
    assert w[[window.index(pentagon)], :].sum() == 6  # a pentagon has 5 neighbours


def test_kring_weights_returns_a_copy_of_the_cache(window):
    first = kring_weights(window, 1)
    first.data[:] = 5.0
    assert set(np.unique(kring_weights(window, 1).data)) == {1.0}


def test_kring_weights_rejects_repeats_and_bad_k(window):
    with pytest.raises(SettingError, match="repeats"):
        kring_weights(window + window[:1], 1)
    with pytest.raises(SettingError, match="k must be"):
        kring_weights(window, 0)


# --------------------------------------------------------------------------- #
# Benjamini-Hochberg                                                          #
# --------------------------------------------------------------------------- #
def test_bh_ignores_nan_and_keeps_shape():
    p = np.array([[0.01, np.nan], [0.04, 0.03]])
    out = benjamini_hochberg(p)
    assert out.shape == p.shape and np.isnan(out[0, 1])
    np.testing.assert_allclose(out[~np.isnan(p)], stats.false_discovery_control([0.01, 0.04, 0.03]))


def test_bh_rejects_values_outside_zero_one():
    with pytest.raises(SettingError, match="between 0 and 1"):
        benjamini_hochberg([0.2, 1.96])


def test_bh_is_monotone_in_p():
    p = np.random.default_rng(9).uniform(size=200)
    adjusted = benjamini_hochberg(p)
    order = np.argsort(p)
    assert (np.diff(adjusted[order]) >= 0).all()
    assert (adjusted >= p).all() and (adjusted <= 1).all()
