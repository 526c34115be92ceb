"""Small-number suppression: primary (1..7 hidden), secondary (totals reveal nothing), the checker.

The attacker here is independent of hotspots.suppress.audit_group: a linear programme
(scipy's HiGHS) that minimises and maximises each hidden count subject to everything
published (shown counts, the total, "1 to 7" on primary cells, >= 0 on other hidden cells).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from geo.errors import SettingError
from hotspots.suppress import (SECONDARY_LABEL, assert_no_small_counts, audit_group, primary_label, refuse_ae,
                               suppress_counts, suppress_table)

LAB = primary_label(7)


def lp_ranges(published, total, threshold=7, lower=None, upper=None):
    """What an attacker can learn of each hidden cell: (min, max) by linear programming."""
    hidden = [i for i, v in enumerate(published) if not isinstance(v, (int, np.integer))]
    shown_sum = sum(int(v) for v in published if isinstance(v, (int, np.integer)))
    bounds = []
    for i in hidden:
        lo = 1.0 if published[i] == primary_label(threshold) else 0.0
        hi = float(threshold) if published[i] == primary_label(threshold) else None
        if lower is not None:
            lo = max(lo, float(lower[i]))
        if upper is not None and np.isfinite(upper[i]):
            hi = float(upper[i]) if hi is None else min(hi, float(upper[i]))
        bounds.append((lo, hi))
    out = {}
    for k, i in enumerate(hidden):
        c = np.zeros(len(hidden))
        c[k] = 1.0
        a = np.ones((1, len(hidden)))
        lo = linprog(c, A_eq=a, b_eq=[total - shown_sum], bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=a, b_eq=[total - shown_sum], bounds=bounds, method="highs")
        assert lo.status == 0 and hi.status in (0, 3)  # 3: unbounded above (a secondary with no upper bound)
        out[i] = (round(lo.fun, 6), np.inf if hi.status == 3 else round(-hi.fun, 6))
    return out


def subtraction_attack(published, total):
    """The simplest attack: exactly one hidden cell in a group with a total."""
    hidden = [i for i, v in enumerate(published) if not isinstance(v, (int, np.integer))]
    if len(hidden) != 1:
        return None
    return total - sum(int(v) for v in published if isinstance(v, (int, np.integer)))


# ------------------------------------------------------------------------------ primary


def test_primary_hides_1_to_7_shows_0_and_8():
    s = suppress_counts([0, 1, 7, 8, 100, 3], with_total=False)
    assert s.labels() == [0, LAB, LAB, 8, 100, LAB]
    assert not s.total_shown and s.total_label() == SECONDARY_LABEL   # asked for no total


def test_threshold_is_configurable():
    assert suppress_counts([0, 3, 5, 9], threshold=4, with_total=False).labels() == [0, "1 to 4", 5, 9]
    assert suppress_counts([1, 2], threshold=0, with_total=True).labels() == [1, 2]   # 0: nothing hidden
    with pytest.raises(SettingError, match="whole number"):
        suppress_counts([1], threshold=2.5)
    with pytest.raises(SettingError, match="whole numbers"):
        suppress_counts([1.5, 2])


def test_total_that_is_itself_small_is_hidden():
    s = suppress_counts([0, 2, 3])
    assert s.total_label() == LAB


# ------------------------------------------------------------------------------ secondary


def test_one_hidden_cell_gets_a_partner_the_smallest_above_7():
    # by hand: 3 alone would be total - 8 - 9 - 40 = 3; the next smallest shown count (8) is hidden with it
    s = suppress_counts([3, 9, 8, 40])
    assert s.labels() == [LAB, 9, SECONDARY_LABEL, 40]
    assert s.total_label() == 60
    pub = s.labels()
    assert subtraction_attack(pub, 60) is None
    assert lp_ranges(pub, 60)[0] == (1, 7)


def test_two_ones_would_be_pinned_by_their_sum():
    # 1 + 1 = 2 hidden: each can only be 1 -> hide 20 as well; 3 + 5 = 8: each anywhere in 1..7 -> nothing more
    assert suppress_counts([1, 1, 20, 30]).labels() == [LAB, LAB, SECONDARY_LABEL, 30]
    assert suppress_counts([3, 5, 20]).labels() == [LAB, LAB, 20]
    assert lp_ranges([LAB, LAB, 20], 28) == {0: (1, 7), 1: (1, 7)}
    # 7 + 7 + 7 = 21: each pinned to 7 from above -> a partner needed
    assert SECONDARY_LABEL in suppress_counts([7, 7, 7, 50, 60]).labels()


def test_no_partner_left_withholds_the_total():
    s = suppress_counts([3, 6])   # 9: each at least 2 -> nothing else to hide, so the total goes
    assert s.labels() == [LAB, LAB] and s.total_label() == SECONDARY_LABEL


def test_derived_shares_are_hidden_with_their_count():
    import pandas as pd

    df = pd.DataFrame({"weapon": ["knife", "glass", "body"], "n": [10, 2, 25]})
    df["pct"] = 100 * df["n"] / df["n"].sum()
    t, s = suppress_table(df, "n", derived=["pct"])
    assert t["n"].tolist() == [SECONDARY_LABEL, LAB, 25]
    assert t["pct"].tolist()[:2] == [None, None] and t["pct"].iat[2] == pytest.approx(100 * 25 / 37)
    assert t["n_suppressed"].tolist() == [True, True, False]
    # from the shown share and the total, 25 is recovered (it is shown anyway); nothing else is
    assert s.total_label() == 37


def test_class_bounds_count_as_published_knowledge():
    # a partner of 8 that a map class says is ">= 8" gives no room: 1 would be pinned (9 - 8 = 1)
    v = [1, 8, 30]
    lower, upper = [0, 8, 8], [7, np.inf, np.inf]
    s = suppress_counts(v, lower=lower, upper=upper)
    pub = s.labels()
    assert pub == [LAB, SECONDARY_LABEL, SECONDARY_LABEL]   # 8 was not enough; 30 hidden too
    assert lp_ranges(pub, s.total, lower=lower, upper=upper)[0] == (1, 7)


# ------------------------------------------------------------------------------ random groups, LP attacker


@pytest.mark.parametrize("seed", range(3))
def test_no_hidden_value_recoverable_in_random_groups(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        n = int(rng.integers(1, 20))
        # sparse counts like A&E per hexagon: many zeros and ones, a few large
        v = np.where(rng.random(n) < 0.4, 0, rng.geometric(0.25, n)) + np.where(rng.random(n) < 0.1, 15, 0)
        s = suppress_counts(v)
        pub, total = s.labels(), s.total_label()
        assert_no_small_counts(pub, total=total)
        if not isinstance(total, int):
            continue                                      # no total published: nothing to subtract from
        assert subtraction_attack(pub, total) is None or not (1 <= subtraction_attack(pub, total) <= 7)
        for i, (lo, hi) in lp_ranges(pub, total).items():
            if pub[i] == LAB:
                assert (lo, hi) == (1, 7), (v.tolist(), pub, i, lo, hi)


def test_audit_matches_the_lp():
    rng = np.random.default_rng(11)
    for _ in range(40):
        n = int(rng.integers(2, 10))
        v = rng.integers(0, 15, n)
        hidden = rng.random(n) < 0.5
        if not hidden.any():
            continue
        lower = np.where((v >= 1) & (v <= 7), 1.0, 0.0)
        upper = np.where((v >= 1) & (v <= 7), 7.0, np.inf)
        pub = [LAB if h and 1 <= x <= 7 else "x" if h else int(x) for x, h in zip(v, hidden)]
        lo, hi = audit_group(int(v.sum()), v, hidden, lower, upper)
        for i, (a, b) in lp_ranges(pub, int(v.sum())).items():
            assert (lo[i], hi[i]) == (a, b)


# ------------------------------------------------------------------------------ the checker


def test_checker_catches_a_shown_small_count_and_a_recoverable_one():
    with pytest.raises(AssertionError, match="published as numbers"):
        assert_no_small_counts([0, 3, 12])
    with pytest.raises(AssertionError, match="published as numbers"):
        assert_no_small_counts(["0", "3", "12"])          # text in a CSV counts too
    with pytest.raises(AssertionError, match="can only be 3"):
        assert_no_small_counts([0, LAB, 12], total=15)
    with pytest.raises(AssertionError, match="itself a small count"):
        assert_no_small_counts([0, LAB], total=5)
    assert_no_small_counts([0, LAB, SECONDARY_LABEL, 40], total=55)
    assert_no_small_counts([0, LAB, 12])                 # no total published: nothing to subtract


def test_refuse_ae():
    refuse_ae(("police", "rms"))
    with pytest.raises(SettingError, match="does not use A&E data") as e:
        refuse_ae(("ae",), "detect")
    assert "overlay" in e.value.fix
