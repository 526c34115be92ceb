"""H3 cells for points, vectorised, and their parents by bit arithmetic.

The store keeps one res-11 cell per incident (``geo.constants.H3_STORED_RES``);
coarser cells are its parents. An H3 index packs the resolution into bits 52-55
and one 3-bit digit per resolution below it (digits past the cell's resolution
are 7), so a parent is the same integer with the resolution field changed and the
finer digits set to 7. Counting by parent therefore always equals the sum over the
children: the invariant the tests check over every resolution.

References
----------
H3 index bit layout: https://h3geo.org/docs/core-library/h3Indexing
"""

from __future__ import annotations

import h3
import numpy as np

from geo.constants import H3_RESOLUTIONS, H3_STORED_RES
from geo.errors import SettingError

__all__ = [
    "cell_to_parent",
    "cells_to_str",
    "lonlat_to_cells",
    "parent_sql",
    "str_to_cells",
    "check_resolution",
    "cells_to_polygons",
    "polygon_to_cells",
]

_RES_SHIFT = 52
_RES_MASK = np.uint64(0xF) << np.uint64(_RES_SHIFT)


def check_resolution(res: int, allowed: tuple[int, ...] = H3_RESOLUTIONS) -> int:
    """Return ``res`` as an int, or raise a SettingError naming what is allowed.

    >>> check_resolution(9)
    9
    >>> check_resolution(4)
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: H3 resolution 4 is not available; use one of 7, 8, 9, 10, 11. ...
    """
    try:
        r = int(res)
    except (TypeError, ValueError):
        r = None
    if r is None or r not in allowed:
        raise SettingError(
            f"H3 resolution {res} is not available; use one of {', '.join(map(str, allowed))}.",
            "Res 9 (about 0.1 km2 a cell) suits patrol areas, res 10 street-level views.",
        )
    return r


def lonlat_to_cells(lon: np.ndarray, lat: np.ndarray, res: int = H3_STORED_RES) -> np.ndarray:
    """H3 cells of WGS84 points, as uint64, vectorised.

    Uses h3ronpy (Rust, vectorised) where installed, else h3-py point by point.

    Parameters
    ----------
    lon, lat : array-like of float
        Degrees (WGS84). Must be finite.
    res : int
        H3 resolution, 0-15.

    Returns
    -------
    numpy.ndarray of uint64

    Examples
    --------
    The h3-py documentation's own example point:

    >>> c = lonlat_to_cells([-122.0553238], [37.3615593], 5)
    >>> cells_to_str(c)[0]
    '85283473fffffff'
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if lon.size == 0:
        return np.empty(0, dtype=np.uint64)
    try:
        from h3ronpy.vector import coordinates_to_cells
    except ImportError:  # pragma: no cover - exercised only without h3ronpy
        return np.fromiter(
            (h3.str_to_int(h3.latlng_to_cell(a, o, res)) for a, o in zip(lat, lon)),
            dtype=np.uint64, count=lon.size,
        )
    return np.asarray(coordinates_to_cells(lat, lon, res)).astype(np.uint64, copy=False)


def cell_to_parent(cells: np.ndarray, res: int) -> np.ndarray:
    """Parents of H3 cells at a coarser resolution, by bit arithmetic.

    Parameters
    ----------
    cells : array-like of uint64
        Cells all at one resolution finer than or equal to ``res``.
    res : int
        The parent resolution (0-15).

    Examples
    --------
    >>> c = np.array([h3.str_to_int('8b1f1d4a3c2dfff')], dtype=np.uint64)
    >>> cells_to_str(cell_to_parent(c, 9))[0] == h3.cell_to_parent('8b1f1d4a3c2dfff', 9)
    True
    """
    c = np.asarray(cells, dtype=np.uint64)
    finer = (np.uint64(1) << np.uint64((15 - res) * 3)) - np.uint64(1)
    return (c & ~_RES_MASK) | (np.uint64(res) << np.uint64(_RES_SHIFT)) | finer


def parent_sql(column: str, res: int) -> str:
    """A DuckDB expression giving the parent at ``res`` of a UBIGINT H3 column.

    >>> parent_sql('h3_11', 9)
    '((h3_11 & ~(15::UBIGINT << 52)) | (9::UBIGINT << 52) | 262143::UBIGINT)'
    """
    res = int(res)
    finer = (1 << ((15 - res) * 3)) - 1
    return f"(({column} & ~(15::UBIGINT << 52)) | ({res}::UBIGINT << 52) | {finer}::UBIGINT)"


def cells_to_str(cells: np.ndarray) -> np.ndarray:
    """H3 integers to their 15-character hex strings (object array).

    >>> cells_to_str(np.array([0x85283473fffffff], dtype=np.uint64))
    array(['85283473fffffff'], dtype=object)
    """
    c = np.asarray(cells, dtype=np.uint64)
    return np.array([format(int(v), "x") for v in c], dtype=object)


def str_to_cells(cells) -> np.ndarray:
    """H3 strings (or integers) to uint64.

    >>> str_to_cells(['85283473fffffff'])
    array([599686042433355775], dtype=uint64)
    """
    arr = np.asarray(cells)
    if arr.dtype.kind in "iu":
        return arr.astype(np.uint64)
    return np.array([int(str(v), 16) for v in arr], dtype=np.uint64)


def polygon_to_cells(geometry_bng, res: int) -> np.ndarray:
    """Every H3 cell whose centre lies inside a polygon given in British National Grid metres.

    This is the analysis window of a study area: empty cells included.

    Examples
    --------
    >>> import shapely
    >>> sq = shapely.box(510000, 196000, 512000, 198000)   # 4 km2 in Watford
    >>> n = polygon_to_cells(sq, 9).size
    >>> 30 < n < 45      # 4 km2 / 0.105 km2 a cell
    True
    """
    import shapely

    from geo.crs import bng_to_lonlat

    def to_wgs84(coords):
        lon, lat = bng_to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    geom = shapely.transform(geometry_bng, to_wgs84)
    cells = h3.geo_to_cells(geom, res)
    return np.array(sorted(h3.str_to_int(c) for c in cells), dtype=np.uint64)


def cells_to_polygons(cells) -> list:
    """Shapely polygons (WGS84 longitude/latitude) of H3 cells given as strings or ints.

    >>> p = cells_to_polygons(['89195da182bffff'])[0]
    >>> len(p.exterior.coords), round(p.centroid.x, 2), round(p.centroid.y, 2)
    (7, -0.4, 51.66)
    """
    import shapely

    out = []
    for c in cells:
        c = c if isinstance(c, str) else format(int(c), "x")
        ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(c)]
        out.append(shapely.Polygon(ring))
    return out
