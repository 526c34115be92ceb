"""The sample's crimes: one row per police.uk crime or ASB incident of the run, before any file is written.

``draw_events`` draws, month by month, each type's Poisson count, its place class (in the county, no location,
just over the border, far away), its snap point and true place, and for the four force-records types an exact
time (burglary as a near-repeat, self-exciting process [1]_); domestic and weapon flags go with them. The
police.uk, force records and A&E writers (``geo.sample.police``, ``rms``, ``ae``) all read these ``Events``.

References
----------
.. [1] Bowers, K. J., Johnson, S. D. & Pease, K. (2004). Prospective hot-spotting. British Journal of
   Criminology 44(5), 641-658 (burglary risk raised within ~400 m for ~2 months).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.constants import POLICE_CATEGORIES
from geo.sample.common import jitter
from geo.sample.geography import Geography
from geo.sample.snaps import (
    FAR_PLACES,
    KIND_BORDER,
    KIND_CORE,
    KIND_FAR,
    KIND_RURAL,
    TRUE_PLACE_JITTER_M,
    Snaps,
    place_probabilities,
)
from geo.sample.times import draw_times
from geo.sample.volumes import (
    BORDER_SHARE,
    DOMESTIC_VIOLENCE_SHARE,
    FAR_OUTSIDE_SHARE,
    HOME_MIX,
    MONTHLY_COUNTS,
    NO_LOCATION_SHARE,
    NTE_CATEGORIES,
    PLACE_MIX,
    nondomestic_violence_mix,
)

__all__ = [
    "NEAR_REPEAT_MAX_DAYS", "NEAR_REPEAT_MAX_M", "PLACE_BORDER", "PLACE_COUNTY", "PLACE_FAR", "PLACE_NO_LOCATION",
    "RMS_CRIME_TYPES", "WEAPON_RATE", "Events", "draw_events",
]


# --------------------------------------------------------------------------------------------------------------
# Near-repeat burglary (a self-exciting draw)
# --------------------------------------------------------------------------------------------------------------

#: Expected number of follow-on burglaries per burglary (the branching ratio; background burglaries are thinned
#: by ``1 - ratio`` so monthly totals keep ``MONTHLY_COUNTS``). Illustrative: strong enough for a Knox test.
NEAR_REPEAT_RATIO = 0.3
#: A follow-on burglary lies within ``NEAR_REPEAT_MAX_M`` (distance exponential, mean ``NEAR_REPEAT_MEAN_M``) and
#: within ``NEAR_REPEAT_MAX_DAYS`` (delay exponential, mean ``NEAR_REPEAT_MEAN_DAYS``) of the one that triggered
#: it: risk is raised within ~400 m for ~2 months (Bowers et al. 2004; DOMAIN.md section 3).
NEAR_REPEAT_MAX_M = 400.0
NEAR_REPEAT_MEAN_M = 120.0
NEAR_REPEAT_MAX_DAYS = 60.0
NEAR_REPEAT_MEAN_DAYS = 12.0
NEAR_REPEAT_MAX_GENERATIONS = 12


# --------------------------------------------------------------------------------------------------------------
# Types with exact times, place classes, weapons
# --------------------------------------------------------------------------------------------------------------

#: police.uk type -> the force records export's "Crime Type" (``rms/mapping.toml`` maps them back). These four
#: types are drawn with exact times, which ``geo.sample.rms`` writes.
RMS_CRIME_TYPES = {
    "Violence and sexual offences": "Violence", "Anti-social behaviour": "ASB", "Robbery": "Robbery",
    "Burglary": "Burglary",
}
#: Weapon flag rates (illustrative): violence in a town core, other violence, robbery, burglary.
WEAPON_RATE = {"core_violence": 0.08, "violence": 0.03, "Robbery": 0.25, "Burglary": 0.01}

# Place classes of a police.uk row.
PLACE_COUNTY, PLACE_NO_LOCATION, PLACE_BORDER, PLACE_FAR = range(4)


@dataclass
class Events:
    """One row per police.uk crime or ASB incident (and, for four types, its RMS record)."""

    month: np.ndarray        # index into the run's months
    category: np.ndarray     # index into POLICE_CATEGORIES
    snap: np.ndarray         # snap point shown by police.uk
    place: np.ndarray        # PLACE_* class
    x: np.ndarray            # true place, metres
    y: np.ndarray
    time: np.ndarray         # datetime64[m] (NaT where no time is needed)
    domestic: np.ndarray
    weapon: np.ndarray
    last_outcome: np.ndarray | None = None
    outcome_month: np.ndarray | None = None   # -1: no outcomes-file row
    outcome_type: np.ndarray | None = None
    crime_id: np.ndarray | None = None        # set when the street files are written
    rms_reference: np.ndarray | None = None   # set when the RMS export is written

    def __len__(self) -> int:
        return len(self.month)


def _draw_places(rng: np.random.Generator, category: str, n: int) -> np.ndarray:
    """Place class of ``n`` rows: no location, far outside, just over the border or in the county."""
    u = rng.random(n)
    p_none = NO_LOCATION_SHARE[category]
    place = np.full(n, PLACE_COUNTY)
    place[u < p_none] = PLACE_NO_LOCATION
    place[(u >= p_none) & (u < p_none + FAR_OUTSIDE_SHARE)] = PLACE_FAR
    place[(u >= p_none + FAR_OUTSIDE_SHARE) & (u < p_none + FAR_OUTSIDE_SHARE + BORDER_SHARE)] = PLACE_BORDER
    return place


def _outside_snaps(rng: np.random.Generator, snaps: Snaps, place: np.ndarray) -> np.ndarray:
    """Snap points for rows placed outside the county (-1 for the others)."""
    snap = np.full(len(place), -1, dtype=np.int64)
    for place_code, kind in ((PLACE_FAR, KIND_FAR), (PLACE_BORDER, KIND_BORDER)):
        rows = np.flatnonzero(place == place_code)
        candidates = np.flatnonzero(snaps.kind == kind)
        if len(rows):
            w = snaps.weight[candidates]
            if kind == KIND_FAR:
                w = w * np.array([p[3] for p in FAR_PLACES])[snaps.group[candidates]]
            snap[rows] = rng.choice(candidates, size=len(rows), p=w / w.sum())
    return snap


def draw_events(rng: np.random.Generator, snaps: Snaps, geo: Geography, months: list[str]) -> Events:
    """All police.uk rows of the run, with true places and, for the RMS types, exact times."""
    parts = []
    for c, category in enumerate(POLICE_CATEGORIES):
        if category == "Burglary":
            parts.append(_draw_burglaries(rng, snaps, geo, months, c))
            continue
        means = np.array([MONTHLY_COUNTS[category][int(m[5:7]) - 1] for m in months], dtype=float)
        counts = rng.poisson(means)
        month = np.repeat(np.arange(len(months)), counts)
        n = len(month)
        place = _draw_places(rng, category, n)
        domestic = np.zeros(n, dtype=bool)
        if category == "Violence and sexual offences":
            domestic = rng.random(n) < DOMESTIC_VIOLENCE_SHARE
        snap = _outside_snaps(rng, snaps, place)
        inside = place <= PLACE_NO_LOCATION  # in the county, or in it but not shown
        mix = PLACE_MIX[category]
        if domestic.any():
            mix = nondomestic_violence_mix()
            rows = np.flatnonzero(inside & domestic)
            snap[rows] = rng.choice(len(snaps), size=len(rows), p=place_probabilities(snaps, HOME_MIX, False))
        rows = np.flatnonzero(inside & ~domestic)
        snap[rows] = rng.choice(len(snaps), size=len(rows),
                                p=place_probabilities(snaps, mix, category in NTE_CATEGORIES))
        x, y = jitter(rng, snaps.x[snap], snaps.y[snap], TRUE_PLACE_JITTER_M, geo.county)
        time = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
        if category in RMS_CRIME_TYPES:
            time = _draw_event_times(rng, category, month, months, snaps.kind[snap], domestic)
        weapon = _draw_weapons(rng, category, snaps.kind[snap])
        parts.append(Events(month=month, category=np.full(n, c), snap=snap, place=place, x=x, y=y, time=time,
                             domestic=domestic, weapon=weapon))
    return _concat_events(parts)


def _draw_event_times(rng: np.random.Generator, category: str, month: np.ndarray, months: list[str],
                      kind: np.ndarray, domestic: np.ndarray) -> np.ndarray:
    """Exact times for violence, ASB and robbery, by the profile that fits each row."""
    if category == "Violence and sexual offences":
        profile = np.where(domestic, "domestic", np.where(kind == KIND_CORE, "nte", "day"))
    elif category == "Robbery":
        profile = np.full(len(month), "robbery")
    else:
        profile = np.full(len(month), "evening")
    time = np.full(len(month), np.datetime64("NaT"), dtype="datetime64[m]")
    for m, label in enumerate(months):
        for name in np.unique(profile):
            rows = np.flatnonzero((month == m) & (profile == name))
            if len(rows):
                time[rows] = draw_times(rng, label, str(name), len(rows))
    return time


def _draw_weapons(rng: np.random.Generator, category: str, kind: np.ndarray) -> np.ndarray:
    """Weapon flags (illustrative rates, ``WEAPON_RATE``)."""
    if category == "Violence and sexual offences":
        rate = np.where(kind == KIND_CORE, WEAPON_RATE["core_violence"], WEAPON_RATE["violence"])
    else:
        rate = np.full(len(kind), WEAPON_RATE.get(category, 0.0))
    return rng.random(len(kind)) < rate


def _draw_burglaries(rng: np.random.Generator, snaps: Snaps, geo: Geography, months: list[str],
                     c: int) -> Events:
    """Burglaries as a self-exciting process: each one may trigger follow-ons within 400 m and 60 days."""
    category = "Burglary"
    means = np.array([MONTHLY_COUNTS[category][int(m[5:7]) - 1] for m in months], dtype=float)
    counts = rng.poisson(means * (1 - NEAR_REPEAT_RATIO))
    month = np.repeat(np.arange(len(months)), counts)
    p = place_probabilities(snaps, PLACE_MIX[category], False)
    snap = rng.choice(len(snaps), size=len(month), p=p)
    x, y = jitter(rng, snaps.x[snap], snaps.y[snap], TRUE_PLACE_JITTER_M, geo.county)
    time = np.empty(len(month), dtype="datetime64[m]")
    for m, label in enumerate(months):
        rows = np.flatnonzero(month == m)
        time[rows] = draw_times(rng, label, "burglary", len(rows))

    end = np.datetime64(str(pd.Period(months[-1], freq="M") + 1), "m")
    in_county = np.flatnonzero(snaps.kind <= KIND_RURAL)
    tree = cKDTree(np.column_stack([snaps.x[in_county], snaps.y[in_county]]))
    xs, ys, ts = [x], [y], [time]
    px, py, pt = x, y, time
    for _ in range(NEAR_REPEAT_MAX_GENERATIONS):
        children = rng.poisson(NEAR_REPEAT_RATIO, len(pt))
        if children.sum() == 0:
            break
        parent = np.repeat(np.arange(len(pt)), children)
        k = len(parent)
        # truncated exponentials by inversion
        u = rng.random(k)
        days = -NEAR_REPEAT_MEAN_DAYS * np.log(1 - u * (1 - np.exp(-NEAR_REPEAT_MAX_DAYS / NEAR_REPEAT_MEAN_DAYS)))
        u = rng.random(k)
        dist = -NEAR_REPEAT_MEAN_M * np.log(1 - u * (1 - np.exp(-NEAR_REPEAT_MAX_M / NEAR_REPEAT_MEAN_M)))
        angle = rng.random(k) * 2 * np.pi
        cx, cy = px[parent] + dist * np.cos(angle), py[parent] + dist * np.sin(angle)
        ct = pt[parent] + np.round(days * 1440).astype("timedelta64[m]")
        keep = (ct < end) & shapely.contains_xy(geo.county, cx, cy)
        px, py, pt = cx[keep], cy[keep], ct[keep]
        xs.append(px); ys.append(py); ts.append(pt)
    x, y, time = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    start = np.datetime64(months[0], "M")
    month = (time.astype("datetime64[M]") - start).astype(np.int64)
    snap = in_county[tree.query(np.column_stack([x, y]))[1]]

    place = _draw_places(rng, category, len(x))
    outside = _outside_snaps(rng, snaps, place)
    moved = outside >= 0
    snap[moved] = outside[moved]
    x[moved], y[moved] = jitter(rng, snaps.x[outside[moved]], snaps.y[outside[moved]], TRUE_PLACE_JITTER_M,
                                 geo.county)
    n = len(x)
    return Events(month=month, category=np.full(n, c), snap=snap, place=place, x=x, y=y, time=time,
                   domestic=np.zeros(n, dtype=bool), weapon=_draw_weapons(rng, category, snaps.kind[snap]))


def _concat_events(parts: list[Events]) -> Events:
    fields = ("month", "category", "snap", "place", "x", "y", "time", "domestic", "weapon")
    return Events(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})
