"""Is a change in a count beyond normal variation? An exact test of two Poisson counts, and a usual range.

References
----------
Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing samples from Poisson series.
Biometrika 31(3/4), 313-323 (the conditional binomial test of two Poisson means).
"""

from __future__ import annotations

import numpy as np

from geo.errors import SettingError
from hotspots.methods.heavy import scipy_stats

__all__ = ["compare_counts", "usual_range"]


def compare_counts(n_now: int, n_before: int, days_now: float = 1.0, days_before: float = 1.0) -> float:
    """Two-sided p-value that two Poisson counts come from the same daily rate.

    The conditional (binomial) test of Przyborowski & Wilenski (1940): given the
    total ``n = n_now + n_before``, under equal rates ``n_now`` is binomial with
    ``n`` trials and success probability ``days_now / (days_now + days_before)``
    (so a 31-day month is not "up" on a 30-day one by length alone). The p-value is
    scipy's exact two-sided binomial test. It is exact for any counts, small ones
    included, which is why it is used here rather than a normal approximation.

    Crime counts vary more than a Poisson count does (seasons, events, recording
    changes), so "beyond normal variation" is a prompt to look, not proof; the
    briefing says so, and shows the usual range of the last 12 months beside it.

    References
    ----------
    Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing
    samples from Poisson series. Biometrika 31(3/4), 313-323.

    Krishnamoorthy, K. & Thomson, J. (2004). A more powerful test for comparing
    two Poisson means. Journal of Statistical Planning and Inference 119, 23-35
    (section 1: the conditional test, "C-test").

    Examples
    --------
    Ten against two in equal periods: 2 x P(X >= 10), X ~ Binomial(12, 1/2) = 158/4096.

    >>> round(compare_counts(10, 2), 5), round(158 / 4096, 5)
    (0.03857, 0.03857)
    >>> compare_counts(0, 0)
    1.0
    """
    n_now, n_before = int(n_now), int(n_before)
    if n_now < 0 or n_before < 0:
        raise SettingError("Counts cannot be negative.", "Pass the numbers of incidents in each period.")
    n = n_now + n_before
    if n == 0:
        return 1.0
    p = float(days_now) / (float(days_now) + float(days_before))
    return float(scipy_stats().binomtest(n_now, n, p, alternative="two-sided").pvalue)


def usual_range(history) -> tuple[float, float, float] | None:
    """The usual range of a monthly count: mean +- 2 standard deviations (floored at 0).

    About 95 % of months fall inside it when counts are roughly normal (the "2-sigma"
    control limits of a Shewhart chart; Montgomery, Introduction to Statistical
    Quality Control, ch. 6). The sample standard deviation of the months is used,
    so the range includes the extra-Poisson variation real crime counts have.
    Needs at least 3 months.

    Returns
    -------
    (low, mean, high) or None

    >>> usual_range([10, 12, 14])
    (8.0, 12.0, 16.0)
    >>> usual_range([1, 2]) is None
    True
    """
    h = np.asarray(list(history), dtype=float)
    if len(h) < 3:
        return None
    mean, sd = float(h.mean()), float(h.std(ddof=1))
    return max(0.0, mean - 2 * sd), mean, mean + 2 * sd
