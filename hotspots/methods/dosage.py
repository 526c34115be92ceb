"""Patrol dosage: shifts, and the Koper-curve timetable (short visits, random order, about every two hours).

References
----------
Koper, C. S. (1995). Just enough police presence. Justice Quarterly 12(4), 649-672. Telep, C. W., Mitchell,
R. J. & Weisburd, D. (2014). How much time should the police spend at crime hot spots? Justice Quarterly
31(5), 905-933.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.errors import SettingError
from hotspots import defaults
from hotspots.methods.routing import visiting_order
from hotspots.methods.words import plural

__all__ = ["dosage_schedule", "hhmm", "parse_shift", "shift_hours", "shift_share"]


_SHIFT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_shift(shift: str) -> tuple[int, int, str]:
    """The shift as (start, end) minutes from the start day's midnight, and a label.

    Named shifts are ``defaults.PATROL_SHIFTS`` (early, late, night); otherwise
    ``HH:MM-HH:MM``. An end at or before the start runs past midnight.

    Examples
    --------
    >>> parse_shift("18:00-02:00")
    (1080, 1560, '18:00-02:00')
    >>> parse_shift("late")
    (900, 1380, 'late (15:00-23:00)')
    """
    text = str(shift).strip()
    named = defaults.PATROL_SHIFTS.get(text.lower())
    spec = named or text
    m = _SHIFT.match(spec)
    if not m:
        raise SettingError(f"The shift '{text}' is not a shift.",
                           f"Write it as HH:MM-HH:MM (e.g. 18:00-02:00) or name one of: "
                           f"{', '.join(f'{k} ({v})' for k, v in defaults.PATROL_SHIFTS.items())}.")
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    if h0 > 23 or h1 > 24 or m0 > 59 or m1 > 59 or (h1 == 24 and m1):
        raise SettingError(f"The shift '{text}' has a time that does not exist.", "Use 00:00 to 23:59.")
    start, end = h0 * 60 + m0, h1 * 60 + m1
    if end <= start:
        end += 1440
    if end - start < 60:
        raise SettingError(f"The shift '{text}' is shorter than an hour.", "Give a shift of at least an hour.")
    label = f"{text.lower()} ({spec})" if named else f"{hhmm(start)}-{hhmm(end)}"
    return start, end, label


def shift_share(grid, shift: str) -> float:
    """Share (0-1) of a day-by-hour grid's total in the clock hours a shift touches, every day.

    An hour counts when the shift covers any of it (07:30-15:00 takes 07:00-07:59).

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> g = pd.DataFrame([[1.0] * 24], columns=range(24))
    >>> shift_share(SimpleNamespace(grid=g, total=24.0), "23:00-07:00")
    0.3333333333333333
    """
    return float(grid.grid[shift_hours(shift)].to_numpy().sum()) / float(grid.total)


def shift_hours(shift: str) -> list[int]:
    """The clock hours (0-23) a shift touches, in order.

    >>> shift_hours("night"), shift_hours("22:30-23:30")
    ([0, 1, 2, 3, 4, 5, 6, 23], [22, 23])
    """
    s0, s1, _ = parse_shift(shift)
    return sorted({h % 24 for h in range(s0 // 60, -(-s1 // 60))})


def hhmm(minutes: float) -> str:
    m = int(round(minutes)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def dosage_schedule(areas, shift: str, *, visit_min: float = defaults.PATROL_VISIT_MIN,
                    revisit_min: float = defaults.PATROL_REVISIT_MIN, seed: int | None = 0,
                    x_m=None, y_m=None) -> pd.DataFrame:
    """A Koper-curve timetable: short visits, random order, each area about every two hours.

    Areas are split into teams of at most ``revisit_min // (visit_min + travel)`` areas
    (``defaults.PATROL_TRAVEL_MIN`` minutes to get between areas), so one officer or crew
    can give each of them a visit every ``revisit_min`` minutes; with
    centroids given, teams take consecutive stretches of a short tour over them. A
    team's shift is cut into rounds of ``revisit_min`` minutes; in each round every
    area of the team gets one visit of ``visit_min`` minutes, at evenly spaced start
    times (the gaps are for walking between areas). The order of the first round is
    random; each later round shuffles the previous order within short blocks, so the
    order keeps changing but no area waits more than ``defaults.PATROL_REVISIT_TOLERANCE_MIN``
    minutes more or less than ``revisit_min`` between visits.

    Parameters
    ----------
    areas : sequence of str
        Area names, in rank order.
    shift : str
        A shift (:func:`parse_shift`).
    visit_min : float
        Minutes per visit, 10-15 (the Koper curve).
    revisit_min : float
        Minutes between visits to one area (about 120).
    seed : int, optional
        Random seed of the order.
    x_m, y_m : array_like, optional
        Area centroids (m, British National Grid), to form teams of neighbouring areas.

    Returns
    -------
    DataFrame
        One row per visit: ``team``, ``round``, ``start``, ``end`` (HH:MM), ``area``,
        ``minutes``, ``start_min`` (minutes after the shift starts).

    Examples
    --------
    >>> sch = dosage_schedule(["A", "B", "C"], "18:00-22:00", seed=1)
    >>> sorted(sch.groupby("area").size().tolist()), sch["minutes"].unique().tolist()
    ([2, 2, 2], [15.0])
    """
    lo, hi = defaults.PATROL_VISIT_RANGE_MIN
    visit = float(visit_min)
    if not lo <= visit <= hi:
        raise SettingError(f"A visit must last {lo:g} to {hi:g} minutes (the Koper curve); got {visit_min!r}.",
                           f"Use {defaults.PATROL_VISIT_MIN:g} minutes.")
    revisit = float(revisit_min)
    if not 60 <= revisit <= 240:
        raise SettingError(f"The time between visits must be 60 to 240 minutes; got {revisit_min!r}.",
                           "Use 120 minutes (about every two hours).")
    start, end, _label = parse_shift(shift)
    length = end - start
    names = [str(a) for a in areas]
    if not names:
        return pd.DataFrame(columns=["team", "round", "start", "end", "area", "minutes", "start_min"])
    per_team = max(1, int(revisit // (visit + defaults.PATROL_TRAVEL_MIN)))
    order = list(range(len(names)))
    if x_m is not None and len(names) > per_team:
        order = list(visiting_order(np.asarray(x_m, float), np.asarray(y_m, float))[0])
    teams = [order[i:i + per_team] for i in range(0, len(order), per_team)]
    rng = np.random.default_rng(seed)
    tol = defaults.PATROL_REVISIT_TOLERANCE_MIN
    rows = []
    for t, members in enumerate(teams, start=1):
        n = len(members)
        cycle = min(revisit, float(length))
        slot = max(cycle / n, visit + defaults.PATROL_TRAVEL_MIN)   # time to get to the next area
        block = max(1, int(tol // slot) + 1)   # shuffling within blocks moves a visit by < block slots
        seq = list(rng.permutation(members))
        r = 0
        while r * revisit + (n - 1) * slot + visit <= length + 1e-9:
            if r > 0:
                off = int(rng.integers(0, block)) if block > 1 else 0
                cuts = [0] + list(range(off if off else block, n, block)) + [n]
                cuts = sorted(set(cuts))
                new = []
                for a, b in zip(cuts[:-1], cuts[1:]):
                    part = seq[a:b]
                    new += list(rng.permutation(part)) if len(part) > 1 else part
                seq = new
            for i, a in enumerate(seq):
                s0 = r * revisit + i * slot
                rows.append({"team": t, "round": r + 1, "start": hhmm(start + s0),
                             "end": hhmm(start + s0 + visit), "area": names[a], "minutes": visit,
                             "start_min": float(s0)})
            r += 1
        if r == 0:
            raise SettingError(f"The shift ({length / 60:g} h) is too short to visit {plural(n, 'area')} once each.",
                               "Choose a longer shift or fewer areas.")
    return pd.DataFrame(rows)
