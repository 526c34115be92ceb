"""When crime happens: month-by-month series, and a day-of-week x hour grid.

:func:`monthly_series` counts (or weighs by harm) the selected incidents per month
and category, every month of the period included, empty months as zeros.

:func:`day_hour_grid` spreads incidents over the 7 x 24 hours of the week. An
incident with an exact time puts its whole weight in its hour. An incident known
only to have happened inside a from-to window ("left the car at 22:00, found it
damaged at 02:00") is spread by *aoristic* weighting (Ratcliffe 2000): its weight
of 1 is shared evenly over the time the window covers, each hour getting the
fraction of the window that falls in it. So a window from Friday 22:00 to Saturday
02:00 puts 0.25 in each of four hours, and a window 22:30-23:30 puts 0.5 in 22:00
and 0.5 in 23:00. Totals are kept: the grid adds up to the number (or the harm) of
the incidents used.

What the grid cannot use, it leaves out and counts, with the reason:

- ``month`` precision (police.uk street crime): only the month is known.
- ``day`` precision: the date is known but not the hour.
- no start time, or a window without its end.

Windows longer than ``MAX_WINDOW_DAYS`` (7 days) are cut to their first 7 days.
A 7-day window covers every hour of the week exactly once, so it spreads its
weight evenly (1/168 to each hour): it says nothing about the day or the hour, and
cutting it keeps a weeks-long window (a holiday home found burgled) from
weighing some hours twice and others once by the accident of its length.

Times are the clock times recorded in the source (local time); a window across a
clock change is measured on the clock, so it can be an hour longer or shorter
than it really was.

References
----------
Ratcliffe, J. H. (2000). Aoristic analysis: the spatial interpretation of
unspecific temporal events. International Journal of Geographical Information
Science 14(7), 669-679.
Ratcliffe, J. H. (2002). Aoristic signatures and the spatio-temporal analysis of
high volume crime patterns. Journal of Quantitative Criminology 18(1), 23-43.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.constants import PRECISION_DAY, PRECISION_MINUTE, PRECISION_MONTH, PRECISION_WINDOW
from geo.errors import SettingError
from geo.months import months_between
from hotspots.methods.harm import harm_of
from hotspots.methods.words import plural, verb

__all__ = ["DAYS", "MAX_WINDOW_DAYS", "DayHourGrid", "day_hour_grid", "monthly_series"]

#: Rows of the day x hour grid, Monday first (ISO 8601; pandas' ``day_of_week`` 0).
DAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Windows longer than this are cut to their first 7 days: a 7-day window already
#: spreads evenly over every hour of the week (module docstring).
MAX_WINDOW_DAYS = 7

#: Why a row is left out of the day x hour grid, in plain words (keys are stable).
LEFT_OUT_REASONS = {
    "month": "only the month is known (police.uk gives no day or time)",
    "day": "only the date is known, not the hour",
    "no_time": "no time recorded",
    "no_end": "a from-to window without its end",
    "unknown": "the time precision is not one of month, day, minute or window",
}

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TOTAL = "All selected types"


# --------------------------------------------------------------------------- months


def _month_text(values) -> pd.Series:
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m")
    return s.astype(str).str.slice(0, 7)


def monthly_series(incidents: pd.DataFrame, by: str | None = "category", *, date_from: str | None = None,
                   date_to: str | None = None, keys=(), harm: bool = False,
                   weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Incidents (or harm) a month, one column per category: every month, zeros filled.

    Parameters
    ----------
    incidents : DataFrame
        With ``month`` (``YYYY-MM`` text or dates), the ``by`` column, and
        ``category`` when ``harm``.
    by : str or None
        The column to split by (``category``, ``source``, ...); ``None``: one column,
        ``"All selected types"``.
    date_from, date_to : str, optional
        The period, ``YYYY-MM``; every month in it gets a row, empty or not. The
        rows span at least the incidents' own months (nothing is dropped, so the
        table always adds up to the incidents given).
    keys : sequence of str
        Columns to include even when they have no incidents (e.g. the crime types a
        user chose).
    harm : bool
        Sum the harm of each incident (approximate CCHI days) instead of counting.
    weights : dict, optional
        Harm weight per category (default: ``hotspots.methods.harm``'s table).

    Returns
    -------
    DataFrame
        Index ``month`` (``YYYY-MM`` text, ascending), one column per key (sorted,
        the ``keys`` given included); integer counts, or float harm.

    Raises
    ------
    SettingError
        A column is missing, or a period month is not ``YYYY-MM``.

    Examples
    --------
    >>> inc = pd.DataFrame({"month": ["2021-01", "2021-03", "2021-03"],
    ...                     "category": ["Burglary", "Burglary", "Robbery"]})
    >>> monthly_series(inc)
    category  Burglary  Robbery
    month
    2021-01          1        0
    2021-02          0        0
    2021-03          1        1
    >>> monthly_series(inc, harm=True)["Robbery"].tolist()
    [0.0, 0.0, 365.0]
    """
    need = ["month"] + ([by] if by else []) + (["category"] if harm else [])
    missing = [c for c in dict.fromkeys(need) if c not in incidents.columns]
    if missing:
        raise SettingError(f"The incidents have no '{missing[0]}' column, which a monthly series needs.",
                           f"Select the columns {', '.join(dict.fromkeys(need))}.")
    for name, value in (("From month", date_from), ("To month", date_to)):
        if value is not None and not (isinstance(value, str) and _MONTH.match(value)):
            raise SettingError(f"{name} '{value}' is not a month.", "Write months as YYYY-MM, e.g. 2021-06.")
    month = _month_text(incidents["month"].to_numpy()) if len(incidents) else pd.Series([], dtype=object)
    key = (incidents[by].astype(str).to_numpy() if by else np.full(len(incidents), _TOTAL, dtype=object))
    value = (harm_of(incidents["category"].to_numpy(), weights) if harm else np.ones(len(incidents)))
    bounds = [m for m in (date_from, date_to) if m] + ([month.min(), month.max()] if len(month) else [])
    columns = sorted(set(key.tolist()) | {str(k) for k in keys} | (set() if by else {_TOTAL}))
    index = months_between(min(bounds), max(bounds)) if bounds else []  # bounded: millennia are refused
    frame = pd.DataFrame({"month": month.to_numpy(), "key": key, "value": value})
    table = (frame.pivot_table(index="month", columns="key", values="value", aggfunc="sum", fill_value=0)
             if len(frame) else pd.DataFrame())
    table = table.reindex(index=index, columns=columns, fill_value=0).fillna(0)
    table = table.astype(np.float64 if harm else np.int64)
    table.index.name, table.columns.name = "month", (by or "series")
    return table


# ------------------------------------------------------------------------ day x hour


@dataclass
class DayHourGrid:
    """Incidents (or harm) in each hour of the week, and what was left out.

    Attributes
    ----------
    grid : DataFrame
        7 x 24: index ``day`` (``DAYS``, Monday first), columns ``hour`` 0-23 (the
        hour starting then); float, aoristic.
    exact : int
        Incidents with an exact time (or a window of no length): one hour each.
    windows : int
        Incidents with a from-to window, spread over it.
    capped : int
        Of ``windows``, those longer than ``max_window_days``, cut to that length.
    left_out : dict
        Reason (``LEFT_OUT_REASONS`` key) -> incidents left out for it.
    value : str
        ``"incidents"`` or ``"harm"`` (approximate CCHI days).
    max_window_days : float
        The cap used.
    """

    grid: pd.DataFrame
    exact: int = 0
    windows: int = 0
    capped: int = 0
    left_out: dict = field(default_factory=dict)
    value: str = "incidents"
    max_window_days: float = MAX_WINDOW_DAYS

    @property
    def used(self) -> int:
        """Incidents in the grid."""
        return self.exact + self.windows

    @property
    def n_left_out(self) -> int:
        return int(sum(self.left_out.values()))

    @property
    def total(self) -> float:
        """The grid's sum: ``used`` when counting, their harm when weighing."""
        return float(self.grid.to_numpy().sum())

    def to_long(self) -> pd.DataFrame:
        """One row per day and hour: ``day``, ``hour``, ``value`` (for charts)."""
        long = self.grid.stack().rename("value").reset_index()
        long.columns = ["day", "hour", "value"]
        return long

    def notes(self) -> list[str]:
        """What the grid holds and what it left out, as sentences."""
        out = [f"{plural(self.used, 'incident')} {verb(self.used, 'is', 'are')} in the grid: {self.exact:,} with an "
               f"exact time, {self.windows:,} with a from-to window spread evenly over the hours it covers (aoristic "
               "weighting)."]
        if self.capped:
            out.append(f"{plural(self.capped, 'window')} {verb(self.capped, 'was', 'were')} longer than "
                       f"{plural(self.max_window_days, 'day', fmt='g')} and cut to the first "
                       f"{plural(self.max_window_days, 'day', fmt='g')}, which spreads them evenly over the week.")
        for reason, n in self.left_out.items():
            if n:
                out.append(f"{plural(n, 'incident')} {verb(n, 'is', 'are')} left out: "
                           f"{LEFT_OUT_REASONS.get(reason, reason)}.")
        return out


def _empty_grid() -> pd.DataFrame:
    g = pd.DataFrame(np.zeros((7, 24)), index=pd.Index(DAYS, name="day"), columns=pd.Index(range(24), name="hour"))
    return g


def _minute_of_week(t: pd.Series) -> np.ndarray:
    return (t.dt.day_of_week * 1440 + t.dt.hour * 60 + t.dt.minute + t.dt.second / 60.0).to_numpy(dtype=float)


def _spread(start_min: np.ndarray, length_min: np.ndarray, weight: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Aoristic weights over the 168 hours of the week, summed over windows.

    A window ``[a, a + L)`` (minutes from Monday 00:00, ``0 <= a < 10080``,
    ``0 < L <= 10080``) lies inside two consecutive weeks; its overlap with hour
    ``j`` of those two weeks is ``clip(a + L - 60 j, 0, 60) - clip(a - 60 j, 0, 60)``,
    folded back onto the week.
    """
    out = np.zeros(168)
    edges = 60.0 * np.arange(336)
    for i in range(0, start_min.size, chunk):
        a = start_min[i:i + chunk, None]
        L = length_min[i:i + chunk, None]
        overlap = np.clip(a + L - edges, 0.0, 60.0) - np.clip(a - edges, 0.0, 60.0)
        share = overlap / L * weight[i:i + chunk, None]
        out += share[:, :168].sum(axis=0) + share[:, 168:].sum(axis=0)
    return out


def day_hour_grid(incidents: pd.DataFrame, *, max_window_days: float = MAX_WINDOW_DAYS, harm: bool = False,
                  weights: dict[str, float] | None = None) -> DayHourGrid:
    """Incidents in each hour of the week, windows spread by aoristic weighting.

    Parameters
    ----------
    incidents : DataFrame
        With ``occurred_at``, ``time_precision``, ``occurred_until`` (needed when any
        row is a ``window``) and ``category`` (when ``harm``).
    max_window_days : float
        Windows longer than this are cut to their first ``max_window_days`` days
        (default 7: the whole week, evenly; module docstring).
    harm : bool
        Spread each incident's harm (approximate CCHI days) instead of a weight of 1.
    weights : dict, optional
        Harm weight per category (default: ``hotspots.methods.harm``'s table).

    Returns
    -------
    DayHourGrid
        The 7 x 24 grid, the incidents used (exact, windows, capped) and those left
        out with the reason. Counting, the grid sums to ``used``.

    Raises
    ------
    SettingError
        A column is missing, or ``max_window_days`` is not a positive number.

    References
    ----------
    Ratcliffe, J. H. (2000). Aoristic analysis: the spatial interpretation of
    unspecific temporal events. IJGIS 14(7), 669-679.

    Examples
    --------
    A burglary between Friday 22:00 and Saturday 02:00, and an assault on Friday at 23:10:

    >>> inc = pd.DataFrame({
    ...     "occurred_at": pd.to_datetime(["2021-06-04 22:00", "2021-06-04 23:10"]),
    ...     "occurred_until": pd.to_datetime(["2021-06-05 02:00", None]),
    ...     "time_precision": ["window", "minute"]})
    >>> g = day_hour_grid(inc)
    >>> g.grid.loc["Friday", [22, 23]].tolist(), g.grid.loc["Saturday", [0, 1]].tolist()
    ([0.25, 1.25], [0.25, 0.25])
    >>> g.used, g.total
    (2, 2.0)
    """
    try:
        cap_min = float(max_window_days) * 1440.0
    except (TypeError, ValueError):
        cap_min = float("nan")
    if not cap_min > 0 or not np.isfinite(cap_min):
        raise SettingError(f"max_window_days must be a positive number of days; got {max_window_days!r}.",
                           f"Use e.g. {MAX_WINDOW_DAYS} (a week).")
    need = ["occurred_at", "time_precision"] + (["category"] if harm else [])
    missing = [c for c in need if c not in incidents.columns]
    if missing:
        raise SettingError(f"The incidents have no '{missing[0]}' column, which the day and hour grid needs.",
                           f"Select the columns {', '.join(need)} (and occurred_until for windows).")
    value = "harm" if harm else "incidents"
    n = len(incidents)
    if n == 0:
        return DayHourGrid(_empty_grid(), value=value, max_window_days=float(max_window_days))
    prec = incidents["time_precision"].astype(str).str.lower().to_numpy()
    start = pd.to_datetime(incidents["occurred_at"]).reset_index(drop=True)
    if "occurred_until" in incidents.columns:
        end = pd.to_datetime(incidents["occurred_until"]).reset_index(drop=True)
    else:
        end = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
    w = harm_of(incidents["category"].to_numpy(), weights) if harm else np.ones(n)

    has_start = start.notna().to_numpy()
    is_window = prec == PRECISION_WINDOW
    has_end = end.notna().to_numpy()
    length = ((end - start).dt.total_seconds() / 60.0).to_numpy(dtype=float)
    known = np.isin(prec, (PRECISION_MONTH, PRECISION_DAY, PRECISION_MINUTE, PRECISION_WINDOW))
    point = has_start & ((prec == PRECISION_MINUTE) | (is_window & has_end & (length <= 0)))
    window = has_start & is_window & has_end & (length > 0)
    left_out = {
        "month": int((prec == PRECISION_MONTH).sum()),
        "day": int((prec == PRECISION_DAY).sum()),
        "no_time": int((~has_start & ((prec == PRECISION_MINUTE) | is_window)).sum()),
        "no_end": int((has_start & is_window & ~has_end).sum()),
        "unknown": int((~known).sum()),
    }
    flat = np.zeros(168)
    if point.any():
        mow = _minute_of_week(start[point])
        flat += np.bincount((mow // 60).astype(np.int64), weights=w[point], minlength=168)[:168]
    capped = window & (length > cap_min)
    if window.any():
        flat += _spread(_minute_of_week(start[window]), np.minimum(length[window], cap_min), w[window])
    grid = _empty_grid()
    grid.loc[:, :] = flat.reshape(7, 24)
    return DayHourGrid(grid, exact=int(point.sum()), windows=int(window.sum()), capped=int(capped.sum()),
                       left_out={k: v for k, v in left_out.items() if v}, value=value,
                       max_window_days=float(max_window_days))
