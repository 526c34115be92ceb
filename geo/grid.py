"""H3 cells: the project's one gateway to h3 and h3ronpy (no other module imports them).

Cells are ``uint64`` inside, and H3 strings only at the edges (outputs, the browser). Points are binned
vectorised, parents come from bit arithmetic, neighbours and centres from h3ronpy in bulk.

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

import numbers

import h3
import h3ronpy
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from h3ronpy.vector import cells_to_coordinates

from geo.constants import H3_RESOLUTIONS, H3_STORED_RES
from geo.crs import bng_to_lonlat, lonlat_to_bng
from geo.errors import SettingError

__all__ = [
    "cell_boundary",
    "cell_children",
    "cell_latlng",
    "cell_parent",
    "cell_resolution",
    "cell_to_int",
    "cells_area_km2",
    "cells_resolution",
    "cells_to_bng",
    "cells_to_latlng",
    "cells_to_uint64",
    "footprint_cells",
    "grid_disk",
    "grid_disk_lists",
    "grid_ring",
    "is_valid_cell",
    "latlng_to_cell",
    "positions_in",
    "single_resolution",
    "uint64_to_strings",
    "unique_in_order",
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


def parent_sql(column: str, res: int, dialect: str = "duckdb") -> str:
    """An SQL expression giving the parent at ``res`` of an H3 column, by the index's bits (no H3 extension).

    The resolution sits in bits 52-55; each finer digit is 3 bits, set to 7 (unused) in a parent. DuckDB keeps
    cells as UBIGINT; PostgreSQL has no unsigned 64-bit type, so BIGINT (an H3 index's top bit is always 0, so
    every cell is a positive BIGINT and the same bit operations hold).

    >>> parent_sql('h3_11', 9)
    '((h3_11 & ~(15::UBIGINT << 52)) | (9::UBIGINT << 52) | 262143::UBIGINT)'
    >>> parent_sql('h3_11', 9, dialect="postgres")
    '((h3_11 & ~(15::BIGINT << 52)) | (9::BIGINT << 52) | 262143::BIGINT)'
    """
    res = int(res)
    finer = (1 << ((15 - res) * 3)) - 1
    kind = {"duckdb": "UBIGINT", "postgres": "BIGINT"}[dialect]
    return f"(({column} & ~(15::{kind} << 52)) | ({res}::{kind} << 52) | {finer}::{kind})"


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


_HEX_CELL = r"^[0-9a-fA-F]{15,16}$"


_FIX_CELLS = (
    "Pass H3 cell indexes, either as strings like '89195da182bffff' or as "
    "64-bit integers (uint64 or int64)."
)


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    i = int(np.flatnonzero(bad)[0])
    value = arr[i].item() if isinstance(arr[i], np.generic) else arr[i]
    return f"{value!r} at position {i}"


def cells_to_uint64(cells, *, name: str = "cells") -> np.ndarray:
    """Validate H3 cells and return them as a ``uint64`` array.

    Parameters
    ----------
    cells : array-like of str or int
        H3 cell indexes: hexadecimal strings (15 or 16 hex digits) or integers.
    name : str, default "cells"
        What the argument is called, for the error message.

    Returns
    -------
    numpy.ndarray of uint64
        The cells, in the order given (duplicates kept).

    Raises
    ------
    SettingError
        If ``cells`` is empty, not one-dimensional, holds missing values, floats,
        strings that are not H3 hexadecimal indexes, or integers that are not
        valid H3 cells.

    Examples
    --------
    >>> cells_to_uint64(["89195da182bffff"])
    array([617439387867414527], dtype=uint64)
    >>> cells_to_uint64([617439387867414527]).tolist()
    [617439387867414527]
    """
    arr = np.asarray(cells)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise SettingError(
            f"{name} must be a one-dimensional array of H3 cells; got an array of shape "
            f"{arr.shape}.",
            _FIX_CELLS,
        )
    if arr.size == 0:
        raise SettingError(f"{name} is empty: there are no H3 cells to analyse.", _FIX_CELLS)
    kind = arr.dtype.kind
    if kind == "O" and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in arr
    ):
        if any(int(v) < 0 or int(v) >= 2**64 for v in arr):
            raise SettingError(
                f"{name} holds integers outside 0..2**64-1; H3 cell integers are positive "
                "64-bit numbers.",
                _FIX_CELLS,
            )
        arr = np.array([int(v) for v in arr], dtype=np.uint64)
        kind = "u"
    if kind in "UST" or kind == "O":
        try:
            text = pa.array(arr.astype(object) if kind in "ST" else arr, type=pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            raise SettingError(
                f"{name} mixes strings with other values (or holds missing values); "
                "H3 cells must all be strings or all be integers.",
                _FIX_CELLS,
            ) from None
        missing = np.asarray(text.is_null().to_numpy(zero_copy_only=False))
        if missing.any():
            raise SettingError(
                f"{name} has {int(missing.sum())} missing value(s) (first at position "
                f"{int(np.flatnonzero(missing)[0])}); every row needs an H3 cell.",
                "Drop the rows without a cell, or bin their points into cells first.",
            )
        ok = np.asarray(pc.match_substring_regex(text, _HEX_CELL).to_numpy(zero_copy_only=False))
        if not ok.all():
            raise SettingError(
                f"{name} holds {int((~ok).sum())} value(s) that are not H3 cell strings "
                f"(first: {_first_bad(arr, ~ok)}); an H3 cell string is 15 hexadecimal "
                "digits such as '89195da182bffff'.",
                _FIX_CELLS,
            )
        parsed = pa.array(h3ronpy.cells_parse(text, set_failing_to_invalid=True))
        unparsed = np.asarray(parsed.is_null().to_numpy(zero_copy_only=False))
        if unparsed.any():
            raise SettingError(
                f"{name} holds {int(unparsed.sum())} value(s) that are not valid H3 cells "
                f"(first: {_first_bad(arr, unparsed)}).",
                _FIX_CELLS,
            )
        out = parsed.to_numpy(zero_copy_only=False).astype(np.uint64)
    elif kind in "iu":
        if kind == "i" and (arr < 0).any():
            bad = arr < 0
            raise SettingError(
                f"{name} holds {int(bad.sum())} negative integer(s) (first: "
                f"{_first_bad(arr, bad)}); H3 cell integers are positive 64-bit numbers.",
                _FIX_CELLS,
            )
        out = arr.astype(np.uint64)
    elif kind == "f":
        raise SettingError(
            f"{name} holds floating-point numbers; H3 cells need all 64 bits of an "
            "integer, which a float cannot hold exactly.",
            "Read the cell column as strings or as uint64 integers, never as floats.",
        )
    else:
        raise SettingError(
            f"{name} has dtype {arr.dtype}, which cannot hold H3 cells.", _FIX_CELLS
        )
    valid = np.asarray(
        pa.array(h3ronpy.cells_valid(out, booleanarray=True)).to_numpy(zero_copy_only=False)
    )
    if not valid.all():
        raise SettingError(
            f"{name} holds {int((~valid).sum())} value(s) that are not valid H3 cells "
            f"(first: {_first_bad(arr, ~valid)}).",
            _FIX_CELLS,
        )
    return out


def uint64_to_strings(cells: np.ndarray) -> np.ndarray:
    """Return H3 cell strings (an object array) for a ``uint64`` array.

    Examples
    --------
    >>> uint64_to_strings(np.array([617439387867414527], dtype=np.uint64)).tolist()
    ['89195da182bffff']
    """
    return pa.array(h3ronpy.cells_to_string(np.asarray(cells, dtype=np.uint64))).to_numpy(
        zero_copy_only=False
    )


def single_resolution(cells: np.ndarray, *, name: str = "cells") -> int:
    """Return the one H3 resolution of ``cells`` or raise a SettingError.

    Examples
    --------
    >>> single_resolution(cells_to_uint64(["89195da182bffff"]))
    9
    """
    res = pa.array(h3ronpy.cells_resolution(cells)).to_numpy(zero_copy_only=False)
    found = np.unique(res)
    if found.size != 1:
        raise SettingError(
            f"{name} mixes H3 resolutions {found.tolist()}; k-ring neighbours only make "
            "sense between cells of one resolution.",
            "Bin every incident at one resolution (res 9 is the default patrol-area grid).",
        )
    return int(found[0])


def unique_in_order(cells: np.ndarray) -> tuple[np.ndarray, bool]:
    """Drop repeated cells, keeping first occurrences in their order.

    Returns the unique cells and whether any were repeated.

    Examples
    --------
    >>> u, repeated = unique_in_order(np.array([5, 3, 5], dtype=np.uint64))
    >>> u.tolist(), repeated
    ([5, 3], True)
    """
    _, first = np.unique(cells, return_index=True)
    if first.size == cells.size:
        return cells, False
    return cells[np.sort(first)], True


def positions_in(window: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Position of each of ``cells`` in ``window``, or -1 where it is absent.

    ``window`` must hold no repeats.

    Examples
    --------
    >>> window = np.array([7, 2, 9], dtype=np.uint64)
    >>> positions_in(window, np.array([9, 4, 7], dtype=np.uint64)).tolist()
    [2, -1, 0]
    """
    order = np.argsort(window, kind="stable")
    sorted_window = window[order]
    pos = np.searchsorted(sorted_window, cells)
    pos_clipped = np.minimum(pos, window.size - 1)
    found = sorted_window[pos_clipped] == cells
    return np.where(found, order[pos_clipped], -1)


def grid_disk_lists(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All cells within ``k`` grid steps of each cell (the cell included).

    Returns ``(offsets, neighbours)``: the disk of ``cells[i]`` is
    ``neighbours[offsets[i]:offsets[i + 1]]`` (h3 ``grid_disk``, vectorised by h3ronpy).

    Examples
    --------
    >>> off, nb = grid_disk_lists(cells_to_uint64(["89195da182bffff"]), 1)
    >>> off.tolist(), len(nb)
    ([0, 7], 7)
    """
    lists = pa.array(h3ronpy.grid_disk(np.asarray(cells, dtype=np.uint64), int(k), flatten=False))
    offsets = lists.offsets.to_numpy().astype(np.int64)
    neighbours = lists.values.to_numpy(zero_copy_only=False).astype(np.uint64)
    return offsets, neighbours


def cells_to_bng(cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres of H3 cells on British National Grid, vectorised (h3ronpy, then EPSG:4326 -> 27700).

    Parameters
    ----------
    cells : sequence of str or int
        H3 cells as hexadecimal strings or uint64 integers (an empty sequence gives empty arrays).

    Returns
    -------
    cells : numpy.ndarray of str
        The cells as lower-case H3 strings, in input order.
    x_m, y_m : numpy.ndarray
        Easting and northing of each cell centre in metres.

    Raises
    ------
    SettingError
        If any value is not a valid H3 cell.

    Examples
    --------
    >>> cells, x, y = cells_to_bng(["89195da3193ffff"])
    >>> str(cells[0]), round(float(x[0])), round(float(y[0]))
    ('89195da3193ffff', 514785, 206965)
    """
    if isinstance(cells, (str, bytes, numbers.Integral)):
        cells = [cells]
    arr = np.asarray(cells if isinstance(cells, np.ndarray) else list(cells), dtype=object).ravel()
    if arr.size == 0:
        return np.array([], dtype=object), np.zeros(0), np.zeros(0)
    ints = cells_to_uint64(arr.astype(np.uint64) if arr.dtype.kind in "iu" else arr)
    lat, lng = cells_to_latlng(ints)
    x, y = lonlat_to_bng(lng, lat)
    return uint64_to_strings(ints), np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def cells_to_latlng(cells) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of the centres of H3 cells (uint64 or strings), vectorised.

    >>> lat, lng = cells_to_latlng(["89195da3193ffff"])
    >>> round(float(lat[0]), 4), round(float(lng[0]), 4)
    (51.7496, -0.3386)
    """
    ints = np.asarray(cells, dtype=np.uint64) if np.asarray(cells).dtype.kind == "u" else cells_to_uint64(cells)
    coords = cells_to_coordinates(ints)
    return np.asarray(coords["lat"], dtype=float), np.asarray(coords["lng"], dtype=float)


def cells_area_km2(cells) -> np.ndarray:
    """The area of each H3 cell in km² (cells of one resolution differ by a few per cent).

    >>> round(float(cells_area_km2(["89195da3193ffff"])[0]), 4)
    0.0941
    """
    ints = np.asarray(cells, dtype=np.uint64) if np.asarray(cells).dtype.kind == "u" else cells_to_uint64(cells)
    return np.asarray(pa.array(h3ronpy.cells_area_km2(ints)).to_numpy(zero_copy_only=False), dtype=float)


def cells_resolution(cells) -> np.ndarray:
    """The resolution of each H3 cell (uint64 or strings)."""
    ints = np.asarray(cells, dtype=np.uint64) if np.asarray(cells).dtype.kind == "u" else cells_to_uint64(cells)
    return np.asarray(pa.array(h3ronpy.cells_resolution(ints)).to_numpy(zero_copy_only=False), dtype=int)


# -- one cell at a time (h3's own names, strings in and out) ------------------------------------------------
def latlng_to_cell(lat: float, lng: float, res: int) -> str:
    """The H3 cell (string) holding a point.

    >>> latlng_to_cell(37.3615593, -122.0553238, 5)   # h3's own documented example
    '85283473fffffff'
    """
    return h3.latlng_to_cell(float(lat), float(lng), int(res))


def cell_to_int(cell: str) -> int:
    """>>> cell_to_int('89195da182bffff')
    617439387867414527
    """
    return int(h3.str_to_int(str(cell)))


def cell_parent(cell: str, res: int) -> str:
    """The parent of one H3 cell at a coarser resolution."""
    return h3.cell_to_parent(str(cell), int(res))


def cell_children(cell: str, res: int) -> list[str]:
    """The children of one H3 cell at a finer resolution."""
    return list(h3.cell_to_children(str(cell), int(res)))


def grid_disk(cell: str, k: int) -> list[str]:
    """The cell and every cell within ``k`` steps of it."""
    return list(h3.grid_disk(str(cell), int(k)))


def grid_ring(cell: str, k: int) -> list[str]:
    """The cells exactly ``k`` steps from a cell."""
    return list(h3.grid_ring(str(cell), int(k)))


def cell_resolution(cell: str) -> int:
    return int(h3.get_resolution(str(cell)))


def is_valid_cell(cell) -> bool:
    return isinstance(cell, str) and h3.is_valid_cell(cell)


def cell_boundary(cell: str) -> list[tuple[float, float]]:
    """The cell's corners as (lat, lng)."""
    return [tuple(p) for p in h3.cell_to_boundary(str(cell))]


def cell_latlng(cell: str) -> tuple[float, float]:
    """The cell's centre as (lat, lng)."""
    return tuple(h3.cell_to_latlng(str(cell)))


def footprint_cells(cells: np.ndarray, res: int, levels: int) -> np.ndarray:
    """Every cell at ``res`` under the parents, ``levels`` resolutions coarser, of ``cells`` (uint64).

    >>> c = cell_to_int(latlng_to_cell(51.656, -0.396, 9))
    >>> len(footprint_cells(np.array([c], dtype=np.uint64), 9, 2))   # the 49 res-9 children of a res-7 cell
    49
    """
    parents = np.unique(cell_to_parent(np.asarray(cells, dtype=np.uint64), max(res - levels, 0)))
    children = [h3.str_to_int(c) for p in parents for c in h3.cell_to_children(format(int(p), "x"), res)]
    return np.asarray(children, dtype=np.uint64)


def cells_to_bng_polygon(cells):
    """The union of H3 cells as one shapely (Multi)Polygon in British National Grid metres."""
    import shapely

    polys = []
    for c in cells:
        lat, lon = np.asarray(cell_boundary(str(c))).T
        x, y = lonlat_to_bng(lon, lat)
        polys.append(shapely.Polygon(np.column_stack([x, y])))
    # neighbouring cells share vertices exactly; a tiny snap removes projection round-off
    return shapely.union_all(shapely.set_precision(np.asarray(polys, dtype=object), 0.001))
