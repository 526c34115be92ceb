"""Small-number suppression: primary (1..7 hidden), secondary (totals reveal nothing), the checker.

The attacker here is independent of hotspots.methods.suppress.audit_group: a linear programme
(scipy's HiGHS) that minimises and maximises each hidden count subject to everything
published (shown counts, the total, "1 to 7" on primary cells, and on a "suppressed" cell what its
label says: a count above the threshold, since only counts of 8 or more are ever hidden as "suppressed").
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from geo.errors import SettingError
from geo.query import Selection
from hotspots.methods.suppress import (SECONDARY_LABEL, assert_no_small_counts, audit_group, primary_label,
                                       suppress_counts, suppress_table)

LAB = primary_label(7)


def lp_ranges(published, total, threshold=7, lower=None, upper=None):
    """What an attacker can learn of each hidden cell: (min, max) by linear programming."""
    hidden = [i for i, v in enumerate(published) if not isinstance(v, (int, np.integer))]
    shown_sum = sum(int(v) for v in published if isinstance(v, (int, np.integer)))
    bounds = []
    for i in hidden:
        # "suppressed" is only ever a count above the threshold (0 is shown, 1..t is "1 to t")
        lo = 1.0 if published[i] == primary_label(threshold) else \
            float(threshold + 1) if published[i] == SECONDARY_LABEL else 0.0
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


def test_one_hidden_cell_gets_a_partner_with_room_to_hide_it():
    # by hand: 3 alone would be total - 8 - 9 - 40 = 3. A partner is known to be 8 or more, so hiding 8 says
    # 3 + 8.. = 11 -> the small one is exactly 3; hiding 9 too (sum 20, partners >= 16) leaves it at most 4.
    # Only 40 leaves room: 43 = small + partner, partner >= 8 -> small anywhere in 1..35, i.e. 1..7
    s = suppress_counts([3, 9, 8, 40])
    assert s.labels() == [LAB, 9, 8, SECONDARY_LABEL]
    assert s.total_label() == 60
    pub = s.labels()
    assert subtraction_attack(pub, 60) is None
    assert lp_ranges(pub, 60)[0] == (1, 7)
    assert lp_ranges(pub, 60)[3] == (36, 42)


@pytest.mark.parametrize("values", [[1, 8], [1, 1, 8, 9], [3, 9], [40, 30, 20, 9, 8, 3], [1, 8, 8, 8], [2, 9, 9, 9]])
def test_secondary_label_is_known_to_be_above_the_threshold(values):
    # review finding 1: "suppressed" only ever hides a count of 8 or more, so a reader takes it as >= 8.
    # [1, 8] published as ["1 to 7", "suppressed"] with total 9 pinned the small count to 1; [1, 1, 8, 9]
    # (19) pinned both to 1; [3, 9] (12) left 1..4; 40/30/20/9/8/3 (110) left 1..3.
    s = suppress_counts(values)
    pub, total = s.labels(), s.total_label()
    assert_no_small_counts(pub, total=total)
    if isinstance(total, int):
        for i, (lo, hi) in lp_ranges(pub, total).items():
            if pub[i] == LAB:
                assert (lo, hi) == (1, 7), (values, pub, total, i, lo, hi)
    # by hand: [1, 8] has nothing with room (8 - 8 = 0): the total is withheld
    if values == [1, 8]:
        assert pub == [LAB, 8] and total == SECONDARY_LABEL
    if values == [40, 30, 20, 9, 8, 3]:
        # 8 and 9 give 0 and 1 of room; 20 (12 of room) is the smallest that alone leaves 3 anywhere in 1..7
        assert pub == [40, 30, SECONDARY_LABEL, 9, 8, LAB] and total == 110


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
    # 2 needs a partner with 5 of room above 8: 10 has 2, 25 has 17
    assert t["n"].tolist() == [10, LAB, SECONDARY_LABEL]
    assert t["pct"].tolist()[1:] == [None, None] and t["pct"].iat[0] == pytest.approx(100 * 10 / 37)
    assert t["n_suppressed"].tolist() == [False, True, True]
    # from the shown share and the total, 10 is recovered (it is shown anyway); nothing else is
    assert s.total_label() == 37


def test_class_bounds_count_as_published_knowledge():
    # a partner of 12 that a map class says is ">= 12" gives no room: 1 would be pinned (13 - 12 = 1);
    # without the class, 12 would have had 4 of room (not enough either)
    v = [2, 12, 30]
    lower, upper = [0, 12, 12], [11, np.inf, np.inf]
    s = suppress_counts(v, lower=lower, upper=upper)
    pub = s.labels()
    assert pub == [LAB, 12, SECONDARY_LABEL]                 # 30 has 18 of room
    assert lp_ranges(pub, s.total, lower=lower, upper=upper)[0] == (1, 7)
    # a class that caps the partner narrows from below: 9 (has 1 of room, enough above) but known to be
    # at most 9, 6 + 9 = 15 would say the small one is 6 or 7; 30 (no cap) is hidden instead
    v, lower, upper = [6, 9, 30], [0, 0, 10], [9, 9, np.inf]
    s = suppress_counts(v, lower=lower, upper=upper)
    pub = s.labels()
    assert pub == [LAB, 9, SECONDARY_LABEL]
    assert lp_ranges(pub, s.total, lower=lower, upper=upper)[0] == (1, 7)
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
    # "suppressed" is a count of 8 or more: with the total 9, "1 to 7" is 1 (review finding 1)
    with pytest.raises(AssertionError, match="can only be 1"):
        assert_no_small_counts([LAB, SECONDARY_LABEL], total=9)
    with pytest.raises(AssertionError, match="can only be 1 to 3"):
        assert_no_small_counts([40, 30, 20, 9, SECONDARY_LABEL, LAB], total=110)
    assert_no_small_counts([0, LAB, 12])                 # no total published: nothing to subtract


def test_refuse_ae():
    # the one refusal, now in geo.query (suppress.refuse_ae's sentence and fix, unchanged)
    Selection(sources=("police", "rms")).for_analysis("detect")
    with pytest.raises(SettingError, match="does not use A&E data") as e:
        Selection(sources=("ae",)).for_analysis("detect")
    assert "overlay" in e.value.fix
