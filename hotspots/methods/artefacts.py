"""Recording artefacts among police.uk snap points: places where crime is recorded rather than where it happens.

police.uk places each crime at an anonymised "snap point" named "On or near <street or place>". Some of those
points collect crime that did not happen there (DOMAIN.md section 2, "Recording artefacts"):

By name
    "On or near Police Station" (crimes reported at the station are often located there), "On or near
    Hospital" (crimes whose victims are treated there), "On or near Supermarket" and "On or near Petrol
    Station" (shoplifting and making off without payment that the shop's own CCTV covers).
    ``defaults.ARTEFACT_PLACES`` holds the names and the reason of each; a name is matched whole, so
    "On or near Hospital Road" is a street.

By share
    A snap point holding at least ``share_pct`` % of the incidents recorded in its H3 hexagon (res
    ``defaults.ARTEFACT_RES``) and the six around it, and at least ``min_incidents`` of them. A snap point
    has 8 or more postal addresses in its catchment, so a town's 0.7 km² holds dozens of points: one taking
    half of all the crime around it is where crime is recorded (a hospital car park, a custody suite, a
    prison, motorway services), not a street where it is spread. The ring (not the hexagon alone) keeps busy
    town-centre places out: a nightclub holds much of its own hexagon's violence, never half of its
    neighbourhood's. Defaults ``defaults.ARTEFACT_SHARE_PCT`` and ``defaults.ARTEFACT_MIN_INCIDENTS``.

A plan leaves the flagged points' incidents out by default and says so in one line each
(:func:`artefact_notes`); the planners' tables and maps flag them (:func:`flag_words`).

References
----------
police.uk, "About the data: location anonymisation" (snap points, at least 8 postal addresses).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.errors import SettingError
from geo.grid import cell_to_parent, cells_to_str, grid_disk
from hotspots import defaults

__all__ = ["ARTEFACT_COLUMNS", "ArtefactFinder", "artefact_notes", "artefacts_in_cells", "artefacts_near",
           "flag_words", "place_of", "split_artefacts"]

#: Columns of ``ArtefactFinder.points_``.
ARTEFACT_COLUMNS = ["easting", "northing", "location", "incidents", "place", "share_pct", "rule", "why", "h3_11"]

_PREFIX = re.compile(r"^\s*on or near\s+", flags=re.I)


def place_of(location) -> str:
    """The artefact place a location names (``defaults.ARTEFACT_PLACES``' spelling), or "".

    >>> place_of("On or near Supermarket"), place_of("on or near POLICE STATION"), place_of("On or near Hospital Road")
    ('Supermarket', 'Police Station', '')
    """
    if location is None or (isinstance(location, float) and np.isnan(location)):
        return ""
    name = _PREFIX.sub("", str(location)).strip().lower()
    return next((p for p in defaults.ARTEFACT_PLACES if p.lower() == name), "")


class ArtefactFinder:
    """Flag the snap points that are recording artefacts (module docstring).

    Parameters
    ----------
    share_pct : float
        Share (%) of the incidents of a point's hexagon and its six neighbours that flags the point.
    min_incidents : int
        The least a point must hold to be flagged by its share.
    res : int
        H3 resolution of the hexagons (default 9, ~0.1 km²).

    Attributes
    ----------
    points_ : DataFrame
        One row per flagged point (``ARTEFACT_COLUMNS``): its coordinates and location text, its incidents,
        ``place`` (the artefact name, or "" when flagged by share), ``share_pct`` (its share of the crime
        around it), ``rule`` ("name" or "share"), ``why`` (a phrase) and ``h3_11`` (its stored cell), busiest
        first.
    mask_ : numpy.ndarray of bool
        Per incident: recorded at a flagged point.

    Examples
    --------
    >>> import h3
    >>> c = h3.str_to_int(h3.latlng_to_cell(51.656, -0.396, 11))
    >>> loc = ["On or near Supermarket"] * 2 + ["On or near Ward Road"] * 40 + ["On or near High Street"] * 3
    >>> x = [1.0] * 2 + [2.0] * 40 + [3.0] * 3
    >>> f = ArtefactFinder().fit(loc, x, [0.0] * 45, [c] * 45)
    >>> f.points_[["location", "incidents", "rule"]].values.tolist()
    [['On or near Ward Road', 40, 'share'], ['On or near Supermarket', 2, 'name']]
    >>> int(f.mask_.sum())
    42
    """

    def __init__(self, share_pct: float = defaults.ARTEFACT_SHARE_PCT,
                 min_incidents: int = defaults.ARTEFACT_MIN_INCIDENTS, res: int = defaults.ARTEFACT_RES):
        self.share_pct = share_pct
        self.min_incidents = min_incidents
        self.res = res

    def fit(self, location, easting, northing, h3_11) -> "ArtefactFinder":
        share = defaults.SPECS["artefact_share_pct"].check(self.share_pct, "ArtefactFinder", allow_none=False)
        least = defaults.SPECS["artefact_min_incidents"].check(self.min_incidents, "ArtefactFinder",
                                                               allow_none=False)
        res = defaults.SPECS["res"].check(self.res, "ArtefactFinder", allow_none=False)
        loc = pd.Series(location, dtype=object).fillna("").astype(str).to_numpy()
        x, y = np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
        cells = np.asarray(h3_11, dtype=np.uint64)
        if not (len(loc) == x.size == y.size == cells.size):
            raise SettingError("Locations, coordinates and cells must be as many as the incidents.",
                               "Pass one value of each per incident.")
        self.mask_ = np.zeros(len(loc), dtype=bool)
        if not len(loc):
            self.points_ = pd.DataFrame(columns=ARTEFACT_COLUMNS)
            return self
        parent = cells_to_str(cell_to_parent(cells, res))
        frame = pd.DataFrame({"easting": x, "northing": y, "location": loc, "cell": parent})
        key = pd.MultiIndex.from_frame(frame[["easting", "northing", "location"]])
        codes, uniq = pd.factorize(key)
        n = np.bincount(codes, minlength=len(uniq))
        first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
        pts = pd.DataFrame({"easting": uniq.get_level_values(0).to_numpy(float),
                            "northing": uniq.get_level_values(1).to_numpy(float),
                            "location": uniq.get_level_values(2).to_numpy(object),
                            "incidents": n.astype(np.int64), "cell": parent[first], "h3_11": cells[first]})
        pts["place"] = [place_of(v) for v in pts["location"]]
        per_cell = frame["cell"].value_counts()
        pts["share_pct"] = np.nan
        busy = np.flatnonzero(pts["incidents"].to_numpy() >= least)
        around = {}
        for i in busy:
            c = pts.at[i, "cell"]
            if c not in around:
                around[c] = int(sum(per_cell.get(nb, 0) for nb in grid_disk(c, 1)))
            pts.at[i, "share_pct"] = 100.0 * pts.at[i, "incidents"] / around[c]
        by_name = pts["place"].to_numpy() != ""
        by_share = (pts["share_pct"].fillna(0.0).to_numpy() >= share) & ~by_name
        flagged = by_name | by_share
        pts["rule"] = np.where(by_name, "name", "share")
        pts["why"] = [defaults.ARTEFACT_PLACES[p] if r == "name" else
                      f"holds {s:.0f}% of the crime recorded in the 0.7 km² around it"
                      for p, r, s in zip(pts["place"], pts["rule"], pts["share_pct"].fillna(0.0))]
        self.mask_ = flagged[codes]
        out = pts.loc[flagged, ARTEFACT_COLUMNS]
        self.points_ = out.sort_values(["incidents", "location", "easting", "northing"],
                                       ascending=[False, True, True, True], ignore_index=True)
        return self


def artefact_notes(points: pd.DataFrame, included: bool = False, unit: str = "crimes", top: int = 4) -> list[str]:
    """One plain sentence per kind of artefact: what was left out (or kept), and why.

    Named places are summed over their points; points flagged by their share are named one by one (the
    ``top`` busiest, then a count of the rest).

    >>> pts = pd.DataFrame({"location": ["On or near Supermarket", "On or near Supermarket", "On or near Ward Road"],
    ...                     "incidents": [100, 62, 40], "place": ["Supermarket", "Supermarket", ""],
    ...                     "share_pct": [np.nan, np.nan, 71.0], "rule": ["name", "name", "share"],
    ...                     "why": ["shoplifting that the shop's own CCTV covers", "-", "holds 71% of ..."]})
    >>> for n in artefact_notes(pts): print(n)
    Left out: 162 crimes at 2 'On or near Supermarket' points (shoplifting that the shop's own CCTV covers).
    Left out: 40 crimes at 'On or near Ward Road', which holds 71% of the crime recorded around it (probably where crimes are recorded, not where they happen).
    """
    if points is None or not len(points):
        return []
    lead = "Kept, although recording artefacts:" if included else "Left out:"
    out = []
    named = points.loc[points["rule"] == "name"]
    for place in [p for p in defaults.ARTEFACT_PLACES if p in set(named["place"])]:
        sub = named.loc[named["place"] == place]
        n, k = int(sub["incidents"].sum()), len(sub)
        where = f"'On or near {place}'" if k == 1 else f"{k:,} 'On or near {place}' points"
        out.append(f"{lead} {n:,} {_unit(unit, n)} at {where} ({defaults.ARTEFACT_PLACES[place]}).")
    shared = points.loc[points["rule"] == "share"]
    for r in shared.head(top).itertuples():
        out.append(f"{lead} {int(r.incidents):,} {_unit(unit, int(r.incidents))} at '{r.location}', which holds "
                   f"{r.share_pct:.0f}% of the crime recorded around it (probably where crimes are recorded, "
                   "not where they happen).")
    rest = shared.iloc[top:]
    if len(rest):
        n = int(rest["incidents"].sum())
        out.append(f"{lead} {n:,} {_unit(unit, n)} at {len(rest):,} more "
                   f"{'place' if len(rest) == 1 else 'places'} each holding most of the crime recorded around it.")
    return out


def _unit(unit: str, n: int) -> str:
    return unit[:-1] if n == 1 and unit.endswith("s") else unit


def flag_words(points: pd.DataFrame, included: bool = False, top: int = 2) -> str:
    """The flag of a table row: the artefact points it holds, e.g. ``"Supermarket: 135 left out"``.

    >>> pts = pd.DataFrame({"location": ["On or near Supermarket", "On or near Ward Road"], "incidents": [135, 40],
    ...                     "place": ["Supermarket", ""]})
    >>> flag_words(pts), flag_words(pts, included=True), flag_words(pts.iloc[:0])
    ('Supermarket: 135 left out; Ward Road (most of the crime around it): 40 left out', 'Supermarket: 135 (artefact); Ward Road (most of the crime around it): 40 (artefact)', '')
    """
    if points is None or not len(points):
        return ""
    parts = []
    for r in points.head(top).itertuples():
        name = r.place or (_PREFIX.sub("", str(r.location)).strip() + " (most of the crime around it)")
        parts.append(f"{name}: {int(r.incidents):,} " + ("(artefact)" if included else "left out"))
    if len(points) > top:
        parts.append(f"{len(points) - top:,} more")
    return "; ".join(parts)


def split_artefacts(inc: pd.DataFrame, *, include: bool = False, share_pct: float = defaults.ARTEFACT_SHARE_PCT,
                    min_incidents: int = defaults.ARTEFACT_MIN_INCIDENTS, rows=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The incidents a plan uses, and the artefact points found among them.

    ``inc`` needs ``location``, ``easting``, ``northing`` and ``h3_11``. ``rows`` (a boolean mask) limits the
    search to some rows (e.g. police records, not A&E): the others are kept as they are. Without
    ``include``, the incidents at a flagged point are left out.

    >>> import h3
    >>> c = h3.str_to_int(h3.latlng_to_cell(51.656, -0.396, 11))
    >>> inc = pd.DataFrame({"location": ["On or near Hospital", "On or near High Street"], "easting": [1.0, 2.0],
    ...                     "northing": [0.0, 0.0], "h3_11": np.array([c, c], dtype=np.uint64)})
    >>> kept, pts = split_artefacts(inc)
    >>> kept["location"].tolist(), pts["location"].tolist()
    (['On or near High Street'], ['On or near Hospital'])
    >>> len(split_artefacts(inc, include=True)[0])
    2
    """
    rows = np.ones(len(inc), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    sub = inc.loc[rows]
    finder = ArtefactFinder(share_pct, min_incidents).fit(sub["location"], sub["easting"], sub["northing"],
                                                          sub["h3_11"].to_numpy(dtype=np.uint64))
    if include or not finder.mask_.any():
        return inc, finder.points_
    drop = np.zeros(len(inc), dtype=bool)
    drop[np.flatnonzero(rows)[finder.mask_]] = True
    return inc.loc[~drop].reset_index(drop=True), finder.points_


def artefacts_in_cells(points: pd.DataFrame, cells, res: int) -> pd.DataFrame:
    """The artefact points lying in the given H3 cells (strings, resolution ``res``), busiest first."""
    if points is None or not len(points):
        return pd.DataFrame(columns=ARTEFACT_COLUMNS)
    where = cells_to_str(cell_to_parent(points["h3_11"].to_numpy(dtype=np.uint64), res))
    return points.loc[np.isin(where, np.asarray(list(cells), dtype=object))]


def artefacts_near(points: pd.DataFrame, x: float, y: float, radius_m: float) -> pd.DataFrame:
    """The artefact points within ``radius_m`` of (x, y) (metres, British National Grid), busiest first.

    >>> pts = pd.DataFrame({"easting": [0.0, 300.0], "northing": [0.0, 0.0], "incidents": [5, 9]})
    >>> artefacts_near(pts, 50.0, 0.0, 100.0)["incidents"].tolist()
    [5]
    """
    if points is None or not len(points):
        return pd.DataFrame(columns=ARTEFACT_COLUMNS)
    d = np.hypot(points["easting"].to_numpy(float) - x, points["northing"].to_numpy(float) - y)
    return points.loc[d <= radius_m + 1e-6]
