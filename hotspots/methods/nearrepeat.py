"""Near-repeat analysis: the Knox test over distance and time bands.

For every pair of incidents, the distance between them (metres on British National
Grid) and the time between them (days) fall in one cell of a table of distance
bands x time bands. The Knox test asks whether pairs close in space are also
close in time more often than chance allows: it compares the observed count in
each cell with the counts obtained after shuffling the times over the locations
(Monte Carlo), as in Ratcliffe's Near Repeat Calculator and in Johnson & Bowers'
studies of burglary (risk is raised within ~400 m for ~2 months; Bowers et al.
2004, ../shared/DOMAIN.md section 3).

Bands. Edges ``(e0, e1, ..., em)`` make the bands ``[e0, e1], (e1, e2], ...,
(e_{m-1}, em]``: the first band is closed at both ends (same place, same day
counts), the others are open below and closed above, as in the Near Repeat
Calculator ("0 to 100 m", "101 to 200 m") and in pointpats, whose single
thresholds are inclusive (``d <= delta``, ``|dt| <= tau``). Summing the first
``a`` distance bands and ``b`` time bands therefore gives pointpats'
``Knox(delta=e_a, tau=t_b).statistic_``. Time differences are exact (nanoseconds)
and measured in days, fractions included: 7 days and 1 minute is in ``(7, 14]``.
Pairs farther apart than the last distance edge, or further apart in time than
the last time edge, are not counted.

Month-only data are refused. police.uk gives only the month of each crime
(loaded as the 1st of the month at midnight, ``time_precision == "month"``), so
time differences of days cannot be measured: the test would find "near
repeats" in every same-month pair. :meth:`KnoxTest.fit` raises if **any** row
is month-only (a few such rows put their pairs at 0 or ~30 days and distort the
near bands, and leaving them out is a one-line filter), and, when no precision
is given, if every timestamp is the 1st of a month at midnight.
"""

from __future__ import annotations

import datetime as _dt
from numbers import Integral

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.constants import PRECISION_MONTH, PRECISIONS
from geo.errors import SettingError
from hotspots.defaults import KNOX_DISTANCE_BANDS_M, KNOX_TIME_BANDS_DAYS, PERMUTATIONS
from hotspots.methods.base import Estimator
from hotspots.methods.words import plural

__all__ = ["KNOX_MAX_PAIRS", "KnoxTest"]

_NS_PER_DAY = 86_400 * 10**9
#: Most pairs closer than the last distance band the test will handle: with 999
#: permutations that is ~1.5 min on 2 cores (~9 ns a pair a permutation) and
#: ~0.5 GB. All 106,676 Hertfordshire crimes of 2021 make 48 million pairs within
#: 800 m (snap points); its 3,696 burglaries make 43,000 (0.8 s).
KNOX_MAX_PAIRS = 10_000_000
#: Elements per block of vectorised permutations (bounds memory to ~100 MB).
_BLOCK_ELEMENTS = 1 << 21

_MONTH_MESSAGE = (
    "police.uk data gives only the month of each crime, so time differences of days "
    "cannot be measured"
)
_MONTH_FIX = (
    "Load force records (RMS) with dates, or leave out the month-only rows "
    "(time_precision == 'month') before running the Knox test."
)


def _check_edges(name: str, edges) -> np.ndarray:
    try:
        e = np.asarray(edges, dtype=float)
    except (TypeError, ValueError):
        e = np.array([np.nan])
    if e.ndim != 1 or e.size < 2 or not np.isfinite(e).all() or e[0] < 0 or (np.diff(e) <= 0).any():
        raise SettingError(
            f"The '{name}' parameter of KnoxTest must be a sequence of at least two "
            f"non-negative, strictly increasing band edges. Got {edges!r} instead.",
            f"Pass edges such as {name}="
            f"{KNOX_DISTANCE_BANDS_M if 'distance' in name else KNOX_TIME_BANDS_DAYS}.",
        )
    return e


def _to_ns(t, n: int) -> np.ndarray:
    """Datetimes (numpy, pandas, or datetime objects; tz-aware -> UTC) as int64 ns."""
    if isinstance(t, (pd.Series, pd.Index)):
        s = t
    else:
        arr = np.asarray(t)
        if arr.dtype.kind == "M":
            s = pd.Series(arr.ravel())
        elif arr.dtype.kind == "O" and all(
            isinstance(v, (_dt.datetime, _dt.date, np.datetime64)) or v is pd.NaT
            for v in arr.ravel()
        ):
            s = pd.Series(pd.to_datetime(arr.ravel()))
        else:
            s = pd.Series(arr.ravel())
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    if not pd.api.types.is_datetime64_dtype(s.dtype):
        raise SettingError(
            f"t must hold datetimes (numpy datetime64 or pandas datetimes); got "
            f"values of type {s.dtype}.",
            "Convert the dates first, e.g. pandas.to_datetime(df['occurred_at'], "
            "dayfirst=True) for British day/month/year text.",
        )
    if len(s) != n:
        raise SettingError(
            f"t must have one time per incident; got {len(s)} for {plural(n, 'incident')}.",
            "Pass x_m, y_m and t from the same rows.",
        )
    if s.isna().any():
        raise SettingError(
            f"{int(s.isna().sum())} of the {n} incidents have no time (NaT).",
            "Drop or fix the rows without a date before running the Knox test.",
        )
    return np.asarray(s.astype("datetime64[ns]")).view(np.int64)


def _check_precision(precision, n: int) -> None:
    if precision is None:
        return
    if isinstance(precision, str):
        values = np.array([precision], dtype=object)
    else:
        values = np.asarray(pd.Series(precision, dtype=object)).ravel()
        if values.size != n:
            raise SettingError(
                f"precision must be one value or one per incident; got {values.size} "
                f"for {plural(n, 'incident')}.",
                "Pass the store's time_precision column from the same rows.",
            )
    unknown = sorted({str(v) for v in values} - set(PRECISIONS))
    if unknown:
        raise SettingError(
            f"precision values must be among {list(PRECISIONS)}; got {unknown}.",
            "Pass the store's time_precision column unchanged.",
        )
    months = int(np.sum(values == PRECISION_MONTH))
    if months:
        count = "all" if months == values.size else f"{months} of the {n}"
        raise SettingError(
            f"The Knox test needs the day of each incident, but {count} incidents are "
            f"known only to the month (time_precision 'month'): {_MONTH_MESSAGE}.",
            _MONTH_FIX,
        )


def _looks_month_only(t_ns: np.ndarray) -> bool:
    stamps = pd.DatetimeIndex(t_ns.view("datetime64[ns]"))
    return bool(((stamps.day == 1) & (stamps == stamps.normalize())).all())


def _compact_times(t_ns: np.ndarray, edges_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times and edges as int32 seconds when that is exact (faster), else int64 ns."""
    rel = t_ns - t_ns.min()
    if (rel % 10**9 == 0).all() and (edges_ns % 10**9 == 0).all() and rel.max() // 10**9 < 2**31 - 1:
        return (rel // 10**9).astype(np.int32), np.minimum(edges_ns // 10**9, 2**31 - 1).astype(np.int32)
    return rel, edges_ns


def _band_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Band of each value: 0 for [e0, e1], k for (e_k, e_{k+1}]; -1 or m outside."""
    idx = np.searchsorted(edges, values, side="left") - 1
    return np.where(values == edges[0], 0, idx)


class KnoxTest(Estimator):
    """Knox test of space-time interaction over distance x time bands.

    Parameters
    ----------
    distance_bands_m : sequence of float, default ``KNOX_DISTANCE_BANDS_M``
        Distance band edges in metres, strictly increasing from 0 or more
        (default ``(0, 100, 200, 400, 800)``: four bands).
    time_bands_days : sequence of float, default ``KNOX_TIME_BANDS_DAYS``
        Time band edges in days (default ``(0, 7, 14, 30, 60)``: four bands).
    permutations : int, default ``PERMUTATIONS`` (999)
        Monte Carlo shuffles of the times over the locations; at least 1.
    seed : None, int or numpy.random.Generator, default None
        Seed of the shuffles (``numpy.random.default_rng(seed)``): the same integer
        gives the same expected counts and p-values.

    Attributes
    ----------
    observed_ : numpy.ndarray of int, shape (n_distance_bands, n_time_bands)
        Pairs of incidents in each distance band x time band.
    expected_ : numpy.ndarray of float, same shape
        Mean count over the permutations.
    ratio_ : numpy.ndarray of float, same shape
        Knox ratio ``observed_ / expected_`` (NaN where both are 0, inf where only
        the expected count is 0).
    p_ : numpy.ndarray of float, same shape
        One-sided pseudo p-value ``(1 + #{sim >= observed}) / (permutations + 1)``:
        small when there are more pairs than chance gives.
    sim_ : numpy.ndarray of int, shape (permutations, n_distance_bands, n_time_bands)
        The counts of each permutation.
    n_ : int
        Number of incidents.
    n_pairs_ : int
        Pairs closer than the last distance edge (the only ones ever counted).

    Notes
    -----
    The shuffle keeps the locations and the set of times and breaks only their
    link, so the spatial clustering of crime and its seasonality are both kept in
    the expected counts. The expectation of a cell under the shuffle is exactly
    ``S_i T_j / (n (n - 1) / 2)`` (``S_i`` pairs in distance band ``i``, ``T_j``
    pairs of times in time band ``j``); ``expected_`` is its Monte Carlo estimate,
    as the Near Repeat Calculator reports. Close pairs are found once with
    ``cKDTree.query_pairs``; each permutation only re-reads the times of their
    ends, in vectorised blocks. Multiple cells are tested at once: expect about
    one in twenty to have ``p_ < 0.05`` by chance.

    References
    ----------
    Knox, E. G. (1964). The detection of space-time interactions. *Journal of the
    Royal Statistical Society C* 13(1), 25-30.
    Ratcliffe, J. H. (2020). Near Repeat Calculator (version 2.0). Temple
    University Center for Security and Crime Science.
    Johnson, S. D. and Bowers, K. J. (2004). The burglary as clue to the future:
    the beginnings of prospective hot-spotting. *European Journal of Criminology*
    1(2), 237-255.
    Bowers, K. J., Johnson, S. D. and Pease, K. (2004). Prospective hot-spotting:
    the future of crime mapping? *British Journal of Criminology* 44(5), 641-658.

    Examples
    --------
    Three burglaries: two 100 m and 7 days apart, the third 150 m and 10 days
    from the first (and 92 m and 3 days from the second).

    >>> import numpy as np
    >>> t = np.array(["2023-03-01", "2023-03-08", "2023-03-11"], dtype="datetime64[D]")
    >>> knox = KnoxTest(distance_bands_m=(0, 100, 200), time_bands_days=(0, 7, 14),
    ...                 permutations=99, seed=1).fit([0, 60, 0], [0, 80, 150], t)
    >>> knox.observed_
    array([[2, 0],
           [0, 1]])
    >>> knox.to_frame()[["distance_to_m", "time_to_days", "observed"]].to_numpy().tolist()
    [[100.0, 7.0, 2.0], [100.0, 14.0, 0.0], [200.0, 7.0, 0.0], [200.0, 14.0, 1.0]]
    """

    def __init__(self, distance_bands_m=KNOX_DISTANCE_BANDS_M, time_bands_days=KNOX_TIME_BANDS_DAYS,
                 permutations=PERMUTATIONS, seed=None):
        self.distance_bands_m = distance_bands_m
        self.time_bands_days = time_bands_days
        self.permutations = permutations
        self.seed = seed

    def fit(self, x_m, y_m, t, precision=None) -> "KnoxTest":
        """Count pairs per band and compare them with shuffled times.

        Parameters
        ----------
        x_m, y_m : array_like
            Easting and northing of each incident in metres (EPSG:27700).
        t : array_like of datetime
            When each incident happened: numpy ``datetime64`` or pandas datetimes
            (time-zone aware ones are compared in UTC). For a from-to window pass
            one instant (its start or midpoint).
        precision : str or array_like of str, optional
            How exactly each time is known: the store's ``time_precision`` column
            (``"month"``, ``"day"``, ``"minute"`` or ``"window"``), or one value for
            all rows.

        Returns
        -------
        KnoxTest
            ``self``, fitted.

        Raises
        ------
        SettingError
            For bad parameters or inputs, fewer than two incidents, or month-only
            times (any ``precision == "month"``, or every time on the 1st of a
            month at midnight): police.uk data gives only the month of each crime,
            so time differences of days cannot be measured.
        """
        d_edges = _check_edges("distance_bands_m", self.distance_bands_m)
        t_edges = _check_edges("time_bands_days", self.time_bands_days)
        perms = self.permutations
        if not isinstance(perms, Integral) or isinstance(perms, bool) or perms < 1:
            raise SettingError(
                f"The 'permutations' parameter of KnoxTest must be an int in the range "
                f"[1, inf). Got {perms!r} instead.",
                f"Use permutations={PERMUTATIONS} (99 for a quick look).",
            )
        try:
            rng = np.random.default_rng(self.seed)
        except (TypeError, ValueError):
            raise SettingError(
                f"The 'seed' parameter of KnoxTest must be None, an int or a numpy "
                f"Generator. Got {self.seed!r} instead.",
                "Pass an integer such as seed=0 to make the p-values repeatable.",
            ) from None
        x, y = _coords(x_m, y_m)
        n = x.size
        if n < 2:
            raise SettingError(
                f"The Knox test needs at least two incidents; got {n}.",
                "Widen the period, area or categories.",
            )
        t_ns = _to_ns(t, n)
        _check_precision(precision, n)
        if precision is None and _looks_month_only(t_ns):
            raise SettingError(
                "Every time is the 1st of a month at midnight, the way month-only "
                f"records load: {_MONTH_MESSAGE}.",
                _MONTH_FIX,
            )

        # Close pairs, once (counted first: snap points can make tens of millions).
        tree = cKDTree(np.column_stack([x, y]))
        reach = float(d_edges[-1]) * (1 + 1e-12) + 1e-9
        n_close = (int(tree.count_neighbors(tree, reach)) - n) // 2
        if n_close > KNOX_MAX_PAIRS:
            raise SettingError(
                f"{n_close:,} pairs of incidents lie within {d_edges[-1]:g} m of each "
                f"other; the Knox test handles at most {KNOX_MAX_PAIRS:,} (each "
                "permutation re-reads every pair).",
                "Run it on one crime type (near repeats are a burglary pattern), a "
                "shorter period or a smaller area, or use a smaller last distance band.",
            )
        pairs = tree.query_pairs(r=reach, output_type="ndarray").astype(np.int32)
        i, j = pairs[:, 0], pairs[:, 1]
        dist = np.hypot(x[i] - x[j], y[i] - y[j])
        dband = _band_index(dist, d_edges)
        keep = (dband >= 0) & (dband < d_edges.size - 1)
        i, j, dband = i[keep], j[keep], dband[keep]

        n_d, n_t = d_edges.size - 1, t_edges.size - 1
        t_edges_ns = np.round(t_edges * _NS_PER_DAY).astype(np.int64)
        times, t_cut = _compact_times(t_ns, t_edges_ns)
        width = n_t + 1                      # last column: outside the time bands
        cell = (dband * width).astype(np.int32)

        def counts(block_times: np.ndarray) -> np.ndarray:
            """Counts for a block of time vectors, shape (block, n) -> (block, n_d, n_t)."""
            block = block_times.shape[0]
            gap = np.take(block_times, i, axis=1)          # np.take: ~3x faster than [:, i]
            gap -= np.take(block_times, j, axis=1)
            np.abs(gap, out=gap)
            # Band k for gap in (t_k, t_{k+1}] (band 0 closed below); n_t = outside.
            tband = np.zeros(gap.shape, dtype=np.int32)
            for edge in t_cut[1:]:
                tband += gap > edge
            if t_cut[0] > 0:
                tband[gap < t_cut[0]] = n_t
            codes = tband
            codes += cell[None, :]
            codes += (np.arange(block, dtype=np.int32) * (n_d * width))[:, None]
            tally = np.bincount(codes.ravel(), minlength=block * n_d * width)
            return tally.reshape(block, n_d, width)[:, :, :n_t]

        observed = counts(times[None, :])[0]
        sim = np.empty((perms, n_d, n_t), dtype=np.int64)
        block = max(1, _BLOCK_ELEMENTS // max(i.size, n, 1))
        order = np.arange(n)
        for start in range(0, perms, block):
            stop = min(start + block, perms)
            shuffled = rng.permuted(np.broadcast_to(order, (stop - start, n)), axis=1)
            sim[start:stop] = counts(times[shuffled])

        expected = sim.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = observed / expected
        self.observed_ = observed
        self.expected_ = expected
        self.ratio_ = ratio
        self.p_ = (1.0 + (sim >= observed[None]).sum(axis=0)) / (perms + 1.0)
        self.sim_ = sim
        self.n_ = int(n)
        self.n_pairs_ = int(i.size)
        self._edges = (d_edges, t_edges)
        return self

    def to_frame(self) -> pd.DataFrame:
        """The table in long form, one row per distance band x time band.

        Returns
        -------
        pandas.DataFrame
            Columns ``distance_from_m, distance_to_m, time_from_days, time_to_days,
            observed, expected, ratio, p``; distance bands vary slowest.

        Raises
        ------
        SettingError
            If the test has not been fitted.
        """
        if not hasattr(self, "observed_"):
            raise SettingError(
                "This KnoxTest instance is not fitted yet.",
                "Call fit(x_m, y_m, t) before to_frame().",
            )
        d_edges, t_edges = self._edges
        n_d, n_t = self.observed_.shape
        di, ti = np.meshgrid(np.arange(n_d), np.arange(n_t), indexing="ij")
        di, ti = di.ravel(), ti.ravel()
        return pd.DataFrame({
            "distance_from_m": d_edges[di],
            "distance_to_m": d_edges[di + 1],
            "time_from_days": t_edges[ti],
            "time_to_days": t_edges[ti + 1],
            "observed": self.observed_.ravel(),
            "expected": self.expected_.ravel(),
            "ratio": self.ratio_.ravel(),
            "p": self.p_.ravel(),
        })


def _coords(x_m, y_m) -> tuple[np.ndarray, np.ndarray]:
    try:
        x = np.asarray(x_m, dtype=float).ravel()
        y = np.asarray(y_m, dtype=float).ravel()
    except (TypeError, ValueError):
        raise SettingError(
            "x_m and y_m must be numbers (metres on British National Grid).",
            "Pass numeric easting and northing arrays.",
        ) from None
    if x.shape != y.shape:
        raise SettingError(
            f"x_m and y_m must have the same length; got {x.size} and {y.size}.",
            "Pass one easting and one northing per incident.",
        )
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        raise SettingError(
            f"{int(bad.sum())} of the {plural(x.size, 'incident')} {'has' if int(bad.sum()) == 1 else 'have'} a missing or infinite "
            "coordinate.",
            "Drop rows without coordinates first and report how many were dropped.",
        )
    return x, y
