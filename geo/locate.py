"""Place raw coordinates: check them, project them, bin them, test them against the area.

Every reader hands its coordinates here: longitude/latitude or British National Grid,
as numbers (missing ones as NaN, already reported by the reader). police.uk
anonymises points to shared "snap points" (DOMAIN.md s2): a county-year of ~110k rows
sits on ~12.7k distinct coordinates, so all the work is done once per distinct point
and broadcast back. That is what makes ingest fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.boundaries import Area
from geo.constants import FAR_OUTSIDE_FACTOR, FAR_OUTSIDE_MIN_POINTS, FAR_OUTSIDE_QUANTILE, H3_STORED_RES
from geo.crs import bng_to_lonlat, in_gb_bng, in_gb_lonlat, lonlat_to_bng, looks_swapped
from geo.grid import lonlat_to_cells

__all__ = ["LOCATE_REASONS", "Located", "far_outside", "locate"]

#: Reason codes locate() can give (index 0 = located). Sentences are in geo.schema.REASONS.
LOCATE_REASONS: tuple[str | None, ...] = (
    None, "coordinates_swapped", "outside_great_britain", "outside_area", "far_outside_force_area",
    "bad_coordinates")
_SWAPPED, _OUTSIDE_GB, _OUTSIDE_AREA, _FAR, _NOT_FINITE = 1, 2, 3, 4, 5


@dataclass
class Located:
    """Coordinates of every input row, and why a row could not be placed.

    ``reason`` is an int8 array indexing ``LOCATE_REASONS`` (0: placed, with finite coordinates and an
    H3 cell); a row whose input was not a finite number (NaN, infinity) gets ``bad_coordinates`` (a reader
    that already gave the row a reason keeps its own).
    """

    lon: np.ndarray
    lat: np.ndarray
    easting: np.ndarray
    northing: np.ndarray
    h3_11: np.ndarray
    reason: np.ndarray
    #: per group: (median easting, median northing, threshold in metres), where the
    #: far-outside rule was applied
    far_rule: dict


def locate(x, y, *, is_bng, groups=None, area: Area | None = None,
           far_rule: bool = True) -> Located:
    """Check, project and bin points, one distinct point at a time.

    Parameters
    ----------
    x, y : array-like of float
        Longitude/latitude degrees, or easting/northing metres where ``is_bng``.
        NaN where the row has no usable coordinates.
    is_bng : bool or array of bool
        Whether each row's pair is British National Grid.
    groups : array of int, optional
        The file each row came from: the far-outside rule looks at each file alone.
    area : Area, optional
        With an area, a point outside it is rejected (exact test); without one, the
        far-outside rule of ``far_outside`` is applied per group.
    far_rule : bool
        Apply the far-outside rule when there is no area.

    Returns
    -------
    Located

    Examples
    --------
    The Code-Point Open record of AL1 1AG (easting 515487), the same point swapped, and a
    row without coordinates:

    >>> loc = locate([-0.328628, 51.745290, np.nan], [51.745290, -0.328628, np.nan], is_bng=False, far_rule=False)
    >>> [LOCATE_REASONS[r] for r in loc.reason]
    [None, 'coordinates_swapped', 'bad_coordinates']
    >>> round(float(loc.easting[0]))
    515487
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = x.size
    bng = np.broadcast_to(np.asarray(is_bng, dtype=bool), (n,))
    out = Located(
        lon=np.full(n, np.nan), lat=np.full(n, np.nan),
        easting=np.full(n, np.nan), northing=np.full(n, np.nan),
        h3_11=np.zeros(n, dtype=np.uint64), reason=np.zeros(n, dtype=np.int8), far_rule={})
    valid = np.isfinite(x) & np.isfinite(y)
    out.reason[~valid] = _NOT_FINITE
    for kind_bng in (False, True):
        rows = np.flatnonzero(valid & (bng == kind_bng))
        if rows.size == 0:
            continue
        # one complex number per pair: hashing it finds the distinct points in O(n)
        codes, uniq = pd.factorize(x[rows] + 1j * y[rows], sort=False)
        ux, uy = uniq.real.copy(), uniq.imag.copy()
        if kind_bng:
            ok = in_gb_bng(ux, uy)
            reason = np.where(ok, 0, _OUTSIDE_GB).astype(np.int8)
            e, nn = ux, uy
            lon, lat = bng_to_lonlat(ux, uy)
        else:
            ok = in_gb_lonlat(ux, uy)
            reason = np.where(ok, 0, np.where(looks_swapped(ux, uy), _SWAPPED, _OUTSIDE_GB)).astype(np.int8)
            lon, lat = ux, uy
            e, nn = lonlat_to_bng(ux, uy)
        cells = np.zeros(ux.size, dtype=np.uint64)
        if ok.any():
            cells[ok] = lonlat_to_cells(lon[ok], lat[ok], H3_STORED_RES)
        if area is not None and ok.any():
            inside = np.zeros(ux.size, dtype=bool)
            inside[ok] = area.contains(np.asarray(e)[ok], np.asarray(nn)[ok])
            reason[ok & ~inside] = _OUTSIDE_AREA
        out.lon[rows], out.lat[rows] = np.asarray(lon)[codes], np.asarray(lat)[codes]
        out.easting[rows], out.northing[rows] = np.asarray(e)[codes], np.asarray(nn)[codes]
        out.h3_11[rows] = cells[codes]
        out.reason[rows] = reason[codes]
    if area is None and far_rule:
        g = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups)
        placed = valid & (out.reason == 0)
        for gid in np.unique(g[placed]):
            idx = np.flatnonzero(placed & (g == gid))
            far, rule = far_outside(out.easting[idx], out.northing[idx])
            if rule is not None:
                out.far_rule[int(gid)] = rule
                out.reason[idx[far]] = _FAR
    return out


def far_outside(easting, northing, factor: float = FAR_OUTSIDE_FACTOR,
                quantile: float = FAR_OUTSIDE_QUANTILE, min_points: int = FAR_OUTSIDE_MIN_POINTS):
    """Points far from the bulk of a file's points: the rule used without a boundary.

    A point is far outside when its distance from the median centre (coordinate-wise
    median) exceeds ``factor`` times the ``quantile`` of all distances. The rule is
    not applied to fewer than ``min_points`` points (returns all False and None).

    Returns
    -------
    far : numpy.ndarray of bool
    rule : tuple (centre_easting, centre_northing, threshold_m) or None

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> e = np.r_[rng.normal(520000, 8000, 990), [900000] * 10]
    >>> n = np.r_[rng.normal(210000, 8000, 990), [400000] * 10]
    >>> far, rule = far_outside(e, n)
    >>> int(far.sum()), 25000 < rule[2] < 45000
    (10, True)
    """
    e = np.asarray(easting, dtype=np.float64)
    n = np.asarray(northing, dtype=np.float64)
    if e.size < min_points:
        return np.zeros(e.size, dtype=bool), None
    ce, cn = float(np.median(e)), float(np.median(n))
    d = np.hypot(e - ce, n - cn)
    threshold = factor * float(np.quantile(d, quantile))
    return d > threshold, (ce, cn, threshold)
