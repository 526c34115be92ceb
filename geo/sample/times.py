"""When synthetic incidents happen: hour-of-day and evening-of-week profiles, and the draw of exact minutes.

police.uk has no times, so these shapes are ILLUSTRATIVE, not derived from data. Used for the force records
export's crimes (``geo.sample.crimes``) and the A&E assaults (``geo.sample.ae``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["EVENING_WEEKDAY_WEIGHTS", "HOUR_WEIGHTS", "NIGHT_ENDS_HOUR", "draw_times"]

#: Relative weight of each hour 00 .. 23 by time profile.
HOUR_WEIGHTS: dict[str, tuple[float, ...]] = {
    # night-time economy: peaks 22:00-03:00
    "nte": (9, 9, 7, 5, 2, 1, .5, .5, .5, .6, .8, 1, 1.2, 1.3, 1.4, 1.6, 2, 2.3, 2.8, 3.3, 4, 5.5, 7, 8.5),
    # anti-social behaviour: afternoons and evenings
    "evening": (3, 2, 1.5, 1, .6, .5, .6, 1, 1.5, 2, 2.5, 3, 3.5, 3.5, 4, 5, 6, 7, 7.5, 7.5, 7, 6, 5, 4),
    # domestic violence: evenings, some at night
    "domestic": (3, 2.2, 1.6, 1.2, .8, .6, .7, 1.1, 1.6, 2, 2.3, 2.5, 2.7, 2.7, 2.8, 3.2, 3.8, 4.3, 4.8, 5, 5, 4.8,
                 4.4, 3.8),
    # robbery: late afternoon to late evening
    "robbery": (3.5, 2.5, 2, 1.2, .6, .4, .4, .6, 1, 1.3, 1.6, 2, 2.4, 2.6, 3, 4, 5, 5.5, 6, 6.5, 6.5, 6, 5.2, 4.5),
    # other violence, A&E assaults at work or school: daytime and early evening
    "day": (2, 1.5, 1.2, 1, .6, .5, .7, 1.5, 2.5, 3, 3.5, 4, 4.2, 4.2, 4.3, 4.8, 5.2, 5.2, 5, 4.5, 4, 3.5, 3, 2.5),
    # burglary: daytime (houses empty) and dark evenings
    "burglary": (2.5, 2.2, 2, 1.6, 1.2, 1, 1, 1.4, 2.2, 3, 3.4, 3.5, 3.5, 3.5, 3.6, 4, 4.6, 5.2, 5.5, 5.2, 4.6, 4,
                 3.4, 2.8),
}
#: Weight of the evening a time belongs to, Monday .. Sunday; hours before ``NIGHT_ENDS_HOUR`` belong to the
#: previous day's evening (01:00 on a Saturday is Friday night).
EVENING_WEEKDAY_WEIGHTS: dict[str, tuple[float, ...]] = {
    "nte": (1.0, 1.0, 1.1, 1.5, 2.8, 3.2, 1.3),
    "evening": (1.0, 1.0, 1.0, 1.0, 1.2, 1.25, 1.05),
    "domestic": (0.95, 0.9, 0.9, 0.9, 1.05, 1.25, 1.25),
    "robbery": (1.0, 1.0, 1.0, 1.05, 1.2, 1.2, 1.0),
    "day": (1.0,) * 7,
    "burglary": (1.0,) * 7,
}
NIGHT_ENDS_HOUR = 6


def _month_days(month: str) -> np.ndarray:
    """The days of a ``YYYY-MM`` month as datetime64[D]."""
    start = np.datetime64(month, "D")
    end = np.datetime64(str(pd.Period(month, freq="M") + 1), "D")
    return np.arange(start, end)


def _time_weights(profile: str, days: np.ndarray) -> np.ndarray:
    """Weight of every (day, hour) of ``days`` under a time profile, flattened."""
    hours = np.asarray(HOUR_WEIGHTS[profile], dtype=float)
    evening = np.asarray(EVENING_WEEKDAY_WEIGHTS[profile], dtype=float)
    weekday = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    evening_of = np.where(np.arange(24)[None, :] < NIGHT_ENDS_HOUR, (weekday[:, None] - 1) % 7, weekday[:, None])
    w = hours[None, :] * evening[evening_of]
    return (w / w.sum()).ravel()


def draw_times(rng: np.random.Generator, month: str, profile: str, n: int) -> np.ndarray:
    """``n`` minutes within a month under a time profile (datetime64[m])."""
    days = _month_days(month)
    slot = rng.choice(len(days) * 24, size=n, p=_time_weights(profile, days))
    minute = rng.integers(0, 60, n)
    base = days[slot // 24].astype("datetime64[m]")
    return base + (slot % 24 * 60 + minute).astype("timedelta64[m]")
