"""Small-number suppression of A&E counts: the one gate every A&E number leaves through.

A&E assault data is health data. In any export, briefing or projected view, A&E
counts from 1 to ``AE_SUPPRESS_MAX`` (7) are never shown as numbers (NHS Hospital
Episode Statistics practice, ../shared/DOMAIN.md section 4), and no total may let a
reader work a suppressed count out by subtraction. Zero may be shown as 0.

How it works
------------
*Primary suppression*: a count ``1 <= n <= threshold`` is published as the label
``"1 to 7"``, never as its number. (Not ``"1-7"``: a spreadsheet opens that as the
1st of July.)

*Secondary suppression*, for a group of counts published with its total (the
hexagons of an overlay and their sum, the weapon classes and their sum, the 168
hours of the week and their sum): a reader who knows the total and the shown counts
knows the sum ``S`` of the hidden ones, and each hidden count's bounds: 1 to 7 for a
primary; **at least 8** for a secondary (``"suppressed"``), since zero is always shown
and 1 to 7 is always "1 to 7", so only a count above the threshold is ever hidden as
"suppressed"; and whatever else the output says about it, e.g. "at least 10" from a
map class. From these the exact range a hidden count can still take is, for one
linear sum with box bounds,

    lo_i = max(lo_i, S - sum_{j != i} hi_j),   hi_i = min(hi_i, S - sum_{j != i} lo_j)

(:func:`audit_group`; this is the interval an LP attacker gets, as in tau-ARGUS's
audit). The rule here is stricter than "never exactly one hidden cell": every
primary count must keep its *whole* range ``1..threshold``, so the total tells a
reader nothing about it. For the top of the range that needs the hidden counts'
*room* (each count minus what a reader knows it is at least: ``n - 1`` for a primary,
``n - 8`` for a secondary) to add up to ``threshold - 1``; a hidden 8 adds no room
at all ([1, 8] with total 9 would pin the 1). While some primary count is narrowed,
another count above the threshold is hidden too (labelled ``"suppressed"``): the
smallest that alone protects the group, else the smallest that adds room, and the
group is audited again. Exactly one hidden cell always fails (its range is the
single value ``S``), so that case is always covered; two hidden counts of 1 (sum 2,
both pinned to 1) are caught as well, which the "exactly one" rule would miss. If
no count is left to hide, the total itself is withheld (published as
``"suppressed"``), and then nothing can be subtracted.

Shares and percentages derived from a hidden count are hidden with it
(:func:`suppress_table`). A class boundary on A&E counts must not fall inside
``2..threshold`` (it would tell a reader that a "1 to 7" cell is, say, 7):
``hotspots.tasks.overlay`` puts its "high" cut at ``threshold + 1`` or above.

What suppression alone does not cover: differencing two different queries (two periods, two
areas or two resolutions that overlap). That is what :func:`publish_counts` adds: every shown
count is perturbed by its records' cell key (``hotspots.methods.ckm``), and a larger count the
perturbation brings to the threshold or below is hidden as "1 to 7" too (so "1 to 7" reads,
to a reader who knows the method, 1 to 10); the same records always give the same number.
Not covered: a reader who knows how the secondary cell is chosen (e.g. that a smaller shown
count was not enough to protect), the usual limit of cell suppression.

:func:`assert_no_small_counts` is the checker used by the tests: it fails on any
published A&E count in ``1..threshold`` and on any hidden count a total narrows
(reading "suppressed" as a count above the threshold, as a reader may).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import SettingError
from hotspots.defaults import AE_SUPPRESS_MAX
from hotspots.methods.ckm import perturb

__all__ = ["SECONDARY_LABEL", "Suppressed", "assert_no_small_counts", "audit_group", "primary_label",
           "publish_counts", "published_small", "suppress_counts", "suppress_table"]

#: What a secondary suppression (a count hidden only to protect a small one) shows.
SECONDARY_LABEL = "suppressed"


def primary_label(threshold: int = AE_SUPPRESS_MAX) -> str:
    """What a small count shows instead of its number.

    >>> primary_label(7)
    '1 to 7'
    """
    return f"1 to {int(threshold)}"


def _check_threshold(threshold) -> int:
    try:
        t = int(threshold)
    except (TypeError, ValueError):
        t = -1
    if t < 0 or t != threshold:
        raise SettingError(f"The suppression threshold must be a whole number of 0 or more; got {threshold!r}.",
                           f"Use {AE_SUPPRESS_MAX} (counts 1 to {AE_SUPPRESS_MAX} hidden, NHS HES practice).")
    return t


@dataclass(frozen=True)
class Suppressed:
    """A group of counts after suppression: what may be published, and why.

    Attributes
    ----------
    values : ndarray of int
        The true counts. Library-internal: never published as such.
    primary : ndarray of bool
        Counts in ``1..threshold``.
    secondary : ndarray of bool
        Counts hidden to protect the primary ones from the total.
    total : int
        The true sum.
    total_shown : bool
        Whether the total may be published (False: no count was left to hide, or the
        total is itself a small number).
    threshold : int
    """

    values: np.ndarray
    primary: np.ndarray
    secondary: np.ndarray
    total: int
    total_shown: bool
    threshold: int

    @property
    def hidden(self) -> np.ndarray:
        return self.primary | self.secondary

    def labels(self) -> list:
        """Per count: the int, ``"1 to 7"`` or ``"suppressed"`` (object values for tables and JSON)."""
        lab = primary_label(self.threshold)
        return [lab if p else SECONDARY_LABEL if s else int(v)
                for v, p, s in zip(self.values, self.primary, self.secondary)]

    def shown_values(self) -> np.ndarray:
        """Per count: the number, NaN where hidden (for charts)."""
        return np.where(self.hidden, np.nan, self.values.astype(float))

    def total_label(self):
        """The total as published: the int, ``"1 to 7"`` (itself small) or ``"suppressed"``."""
        if 1 <= self.total <= self.threshold:
            return primary_label(self.threshold)
        return int(self.total) if self.total_shown else SECONDARY_LABEL


def publish_counts(counts, cell_keys, *, threshold: int = AE_SUPPRESS_MAX, hidden=None) -> list:
    """The one publication function of A&E counts: hidden when small, otherwise perturbed.

    Parameters
    ----------
    counts : array of int
        Exact counts (of cells, of a total: a total is a cell like any other, with its own key sum).
    cell_keys : array of int
        Each count's cell key: the sum of its records' keys modulo 65,536 (``Store.ae_key_sums``).
    threshold : int
        Counts ``1..threshold`` are published as ``"1 to 7"``.
    hidden : array of bool, optional
        Counts hidden for another reason (secondary suppression): published as ``"suppressed"``.

    Returns
    -------
    list
        Per count: 0, ``"1 to 7"`` (a count from 1 to 7, or a larger one the perturbation brought to 7 or
        below), ``"suppressed"`` or the perturbed int (never in ``1..threshold``; ``hotspots.methods.ckm``).
        The same records (same count, same key) always give the same value.

    Examples
    --------
    >>> publish_counts([0, 3, 40], [0, 9, 77])[:2]
    [0, '1 to 7']
    >>> abs(publish_counts([0, 3, 40], [0, 9, 77])[2] - 40) <= 3
    True
    >>> publish_counts([40], [77], hidden=[True])
    ['suppressed']
    """
    t = _check_threshold(threshold)
    n = np.asarray(counts, dtype=np.int64)
    sec = np.zeros(n.shape, dtype=bool) if hidden is None else np.asarray(hidden, dtype=bool)
    moved = perturb(n, np.asarray(cell_keys, dtype=np.int64), t)
    small = (n >= 1) & (moved <= t)  # as published_small: 1 to 7, and larger counts moved to 7 or below
    lab = primary_label(t)
    return [lab if sm else SECONDARY_LABEL if h else int(m) for sm, h, m in zip(small, sec, moved)]


def published_small(counts, cell_keys, *, threshold: int = AE_SUPPRESS_MAX) -> np.ndarray:
    """Which counts are published as ``"1 to 7"``: those from 1 to ``threshold``, and larger ones the
    perturbation brings to ``threshold`` or below (``hotspots.methods.ckm``). Pass it as ``primary`` to
    :func:`suppress_counts` so that secondary suppression protects them all.

    >>> published_small([0, 3, 400], [0, 9, 77]).tolist()
    [False, True, False]
    """
    t = _check_threshold(threshold)
    n = np.asarray(counts, dtype=np.int64)
    moved = perturb(n, np.asarray(cell_keys, dtype=np.int64), t)
    return (n >= 1) & (moved <= t)


def audit_group(shown_total: float | None, values, hidden, lower, upper,
                spread: tuple[float, float] = (0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """The range each hidden count can still take, given the published total and bounds.

    Parameters
    ----------
    shown_total : float or None
        The published total of the group (None: no total, so nothing is learnt).
    values : array of int
        The true counts (only their hidden sum is used, which the total reveals).
    hidden : array of bool
    lower, upper : array of float
        What a reader knows of each hidden count without the total (``inf`` allowed).
    spread : (below, above)
        How far below and above ``shown_total - sum(shown values)`` the hidden counts' sum may truly be
        (0, 0: all exact; published values that are perturbed leave a reader only a range).

    Returns
    -------
    (lo, hi) : arrays
        For hidden counts, the tightest bounds; for shown ones, the value itself.

    Examples
    --------
    One hidden count: the total gives it away.

    >>> lo, hi = audit_group(10, [3, 7], [False, True], [0, 1], [np.inf, 7])
    >>> lo.tolist(), hi.tolist()
    ([3.0, 7.0], [3.0, 7.0])

    Two hidden counts of 1: both pinned (their sum 2 leaves no room).

    >>> audit_group(12, [10, 1, 1], [False, True, True], [0, 1, 1], [np.inf, 7, 7])[1].tolist()
    [10.0, 1.0, 1.0]
    """
    v = np.asarray(values, dtype=float)
    h = np.asarray(hidden, dtype=bool)
    lo = np.where(h, np.asarray(lower, dtype=float), v)
    hi = np.where(h, np.asarray(upper, dtype=float), v)
    if shown_total is None or not h.any():
        return lo, hi
    s = float(shown_total) - v[~h].sum()  # the sum of the hidden counts, known to the reader
    sum_lo = lo[h].sum()
    with np.errstate(invalid="ignore"):
        others_lo = sum_lo - lo
        # sum of the others' upper bounds, with infinities counted apart
        n_inf = int(np.isinf(hi[h]).sum())
        finite_hi = np.where(np.isinf(hi), 0.0, hi)
        others_hi_finite = finite_hi[h].sum() - finite_hi
        others_inf = n_inf - np.isinf(hi).astype(int)
        others_hi = np.where(others_inf > 0, np.inf, others_hi_finite)
        new_lo = np.maximum(lo, (s - float(spread[0])) - others_hi)
        new_hi = np.minimum(hi, (s + float(spread[1])) - others_lo)
    return np.where(h, new_lo, v), np.where(h, new_hi, v)


def _reader_bounds(primary, base_lo, base_hi, t: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each count if hidden: 1..t under "1 to t", at least t + 1 under
    "suppressed" (only counts above t are ever hidden as secondaries), and any bounds from elsewhere."""
    lo = np.where(primary, np.maximum(base_lo, 1.0), np.maximum(base_lo, float(t + 1)))
    hi = np.where(primary, np.minimum(base_hi, float(t)), base_hi)
    return lo, hi


def suppress_counts(values, *, threshold: int = AE_SUPPRESS_MAX, with_total: bool = True,
                    lower=None, upper=None, primary=None) -> Suppressed:
    """Primary and secondary suppression of one group of counts.

    Parameters
    ----------
    values : array of int
        Counts (A&E assaults per hexagon, per weapon class, per hour of the week ...).
    threshold : int
        Counts ``1..threshold`` are hidden (default ``AE_SUPPRESS_MAX`` = 7; 0 hides nothing).
    with_total : bool
        The group's total is published too: hide more counts (smallest first) until the
        total tells nothing about any small one, else withhold the total.
    lower, upper : array, optional
        What else the output tells a reader about each count if it were hidden (e.g. a
        map class "A&E high" says ``>= 10``). Default: 0 and infinity; a hidden count
        above the threshold is in any case known to be at least ``threshold + 1``.
    primary : array of bool, optional
        The counts published as "1 to 7" (default: those from 1 to ``threshold``; with cell-key
        perturbation, :func:`published_small`, which adds larger counts moved to 7 or below).

    Returns
    -------
    Suppressed

    Examples
    --------
    >>> s = suppress_counts([0, 3, 12, 40])
    >>> s.labels(), s.total_label()
    ([0, '1 to 7', 'suppressed', 40], 55)
    >>> suppress_counts([3, 5, 20]).labels()          # 3 + 5 = 8 leaves each anywhere in 1..7
    ['1 to 7', '1 to 7', 20]
    >>> suppress_counts([1, 1, 20]).labels()          # 1 + 1 = 2 would pin both: 20 is hidden too
    ['1 to 7', '1 to 7', 'suppressed']
    >>> suppress_counts([1, 8, 30]).labels()          # 8 (known >= 8) leaves no room; 30 does
    ['1 to 7', 8, 'suppressed']
    >>> suppress_counts([3, 6]).total_label()         # 9 would say each is 2 or more: total withheld
    'suppressed'
    """
    t = _check_threshold(threshold)
    v = np.asarray(values)
    if v.size and (np.any(v < 0) or np.any(np.asarray(v, dtype=float) % 1 != 0)):
        raise SettingError("Counts to suppress must be whole numbers of 0 or more.",
                           "Pass counts of assaults, not rates or shares.")
    v = v.astype(np.int64)
    n = v.size
    primary = (v >= 1) & (v <= t) if primary is None else np.asarray(primary, dtype=bool) & (v >= 1)
    secondary = np.zeros(n, dtype=bool)
    total = int(v.sum())
    base_lo = np.zeros(n) if lower is None else np.asarray(lower, dtype=float)
    base_hi = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float)
    total_shown = bool(with_total) and not (1 <= total <= t)
    if total_shown and primary.any():
        lo, hi = _reader_bounds(primary, base_lo, base_hi, t)
        room = v - lo                      # how far above what a reader knows each count is
        candidates = [int(i) for i in np.argsort(v, kind="stable") if not primary[i] and v[i] > 0]

        def protected(sec) -> bool:
            a_lo, a_hi = audit_group(total, v, primary | sec, lo, hi)
            return bool(np.all(a_lo[primary] <= 1.0) and np.all(a_hi[primary] >= t))

        while not protected(secondary):
            if not candidates:
                total_shown = False
                secondary[:] = False  # a withheld total needs no secondary suppression
                break
            # every primary keeps its top (t) only if the hidden counts' room adds up to t - 1
            need = (t - 1) - float(room[primary | secondary].sum())
            pick = None
            for i in candidates:       # the smallest count that alone protects the group
                if room[i] >= need:
                    trial = secondary.copy()
                    trial[i] = True
                    if protected(trial):
                        pick = i
                        break
            if pick is None:           # none alone: the smallest that adds room, else the smallest
                pick = next((i for i in candidates if room[i] > 0), candidates[0])
            candidates.remove(pick)
            secondary[pick] = True
    return Suppressed(v, primary, secondary, total, total_shown, t)


def suppress_table(df: pd.DataFrame, count_col: str, *, derived=(), threshold: int = AE_SUPPRESS_MAX,
                   with_total: bool = True, lower=None, upper=None,
                   primary=None) -> tuple[pd.DataFrame, Suppressed]:
    """The one function every A&E table goes through before it leaves the library.

    Parameters
    ----------
    df : DataFrame
        One row per group member (hexagon, weapon class, ...), ``count_col`` holding A&E counts.
    count_col : str
        The A&E count column: replaced by the published labels (int, ``"1 to 7"``,
        ``"suppressed"``; object dtype).
    derived : sequence of str
        Columns computed from the count (shares, percentages, excess over expected):
        set to None wherever the count is hidden.
    threshold, with_total, lower, upper, primary
        As :func:`suppress_counts`.

    Returns
    -------
    (DataFrame, Suppressed)
        The table as it may be published (a ``<count_col>_suppressed`` column says which
        counts are hidden), and the suppression (for the total's label).

    Examples
    --------
    >>> t, s = suppress_table(pd.DataFrame({"weapon": ["knife/sharp", "body"], "n": [2, 30],
    ...                                     "pct": [6.25, 93.75]}), "n", derived=["pct"])
    >>> t.to_dict(orient="list")["n"], t["pct"].tolist(), s.total_label()
    (['1 to 7', 'suppressed'], [None, None], 32)
    """
    s = suppress_counts(df[count_col].to_numpy(), threshold=threshold, with_total=with_total,
                        lower=lower, upper=upper, primary=primary)
    out = df.copy()
    out[count_col] = pd.Series(s.labels(), index=out.index, dtype=object)
    for col in derived:
        vals = out[col].astype(object)
        out[col] = vals.where(~s.hidden, None)
    out[f"{count_col}_suppressed"] = s.hidden
    return out, s


def _as_int(x) -> int | None:
    """The whole number a published value shows, or None if it shows none."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return int(x) if math.isfinite(x) and float(x).is_integer() else None
    text = str(x).strip().replace(",", "")
    try:
        f = float(text)
    except ValueError:
        return None
    return int(f) if math.isfinite(f) and f.is_integer() else None


def assert_no_small_counts(published, *, total=None, threshold: int = AE_SUPPRESS_MAX,
                           lower=None, upper=None, what: str = "A&E counts", move: int = 0) -> None:
    """Fail (AssertionError) if published A&E counts show a small number or let one be recovered.

    Parameters
    ----------
    published : sequence
        The published values of one group as a reader sees them (ints, text such as
        ``"12"`` or ``"1 to 7"``, None / NaN for hidden).
    total : optional
        The group's published total (int or text); None or a label: no total published.
    threshold : int
    lower, upper : array, optional
        Bounds a reader knows of each count from elsewhere in the output (class cuts).
    what : str
        Named in the message.
    move : int
        How far a published number above the threshold (and the total) may be from the exact count
        (``hotspots.methods.ckm.MAX_MOVE`` for perturbed counts; 0: published numbers are exact). A shown
        ``v`` is then known only to be in ``max(threshold + 1, v - move) .. v + move``.

    Raises
    ------
    AssertionError
        A value in ``1..threshold`` is shown, or a hidden count's range, given the
        total, is narrower than ``1..threshold``.

    Examples
    --------
    >>> assert_no_small_counts([0, "1 to 7", "suppressed", 40], total=55)
    >>> assert_no_small_counts([0, "1 to 7", 12], total=15)
    Traceback (most recent call last):
    ...
    AssertionError: A&E counts: a hidden count at position 1 can only be 3 given the total 15 ...
    """
    t = _check_threshold(threshold)
    shown = [_as_int(x) for x in published]
    small = [(i, n) for i, n in enumerate(shown) if n is not None and 1 <= n <= t]
    if small:
        raise AssertionError(f"{what}: small counts are published as numbers at positions {small[:10]}.")
    tot = _as_int(total) if total is not None else None
    if tot is not None and 1 <= tot <= t:
        raise AssertionError(f"{what}: the total {tot} is itself a small count.")
    hidden = np.array([n is None for n in shown], dtype=bool)
    if tot is None or not hidden.any():
        return
    lab = primary_label(t)
    prim = np.array([str(x).strip() == lab for x in published], dtype=bool)
    sec = np.array([str(x).strip() == SECONDARY_LABEL for x in published], dtype=bool)
    vals = np.array([0 if n is None else n for n in shown], dtype=float)
    base_lo = np.zeros(len(shown)) if lower is None else np.asarray(lower, dtype=float)
    base_hi = np.full(len(shown), np.inf) if upper is None else np.asarray(upper, dtype=float)
    # "1 to t" is 1..t; "suppressed" is only ever a count above t (0 is shown, 1..t is "1 to t");
    # any other hidden value (None, NaN) is at least 0
    lo = np.where(prim, np.maximum(base_lo, 1.0), np.where(sec, np.maximum(base_lo, float(t + 1)), base_lo))
    hi = np.where(prim, np.minimum(base_hi, float(t)), base_hi)
    # the reader knows only the hidden sum, tot - shown; audit_group derives it from the total (with
    # perturbed numbers, only up to the moves of the total and of each shown number)
    shown_pos = ~hidden & (vals > 0)
    v_lo = np.maximum(float(t + 1), vals - move)
    below = move + float(move * np.sum(shown_pos))
    above = move + float(np.sum(np.where(shown_pos, vals - v_lo, 0.0)))
    a_lo, a_hi = audit_group(tot, vals, hidden, lo, hi, spread=(below, above) if move else (0.0, 0.0))
    for i in np.flatnonzero(prim):
        if a_lo[i] > 1 or a_hi[i] < t:
            rng = f"only be {a_lo[i]:g}" if a_lo[i] == a_hi[i] else f"only be {a_lo[i]:g} to {a_hi[i]:g}"
            raise AssertionError(f"{what}: a hidden count at position {i} can {rng} given the total {tot} "
                                 f"(it must stay anywhere in 1 to {t}).")
