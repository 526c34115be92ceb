"""Coordinate reference systems: WGS84 longitude/latitude and British National Grid.

Every distance in the project is measured in metres on EPSG:27700 (DOMAIN.md s2).
Transformers are built once per process (building one costs milliseconds).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

from geo.constants import BNG_E_RANGE, BNG_N_RANGE, CRS_BNG, CRS_LONLAT, GB_LAT_RANGE, GB_LON_RANGE

__all__ = [
    "bng_to_lonlat",
    "in_gb_bng",
    "in_gb_lonlat",
    "lonlat_to_bng",
    "looks_swapped",
    "to_lonlat",
]


@lru_cache(maxsize=4)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 degrees to British National Grid metres.

    Examples
    --------
    The OS Code-Point Open record of AL1 1AG (easting 515487, northing 206498):

    >>> e, n = lonlat_to_bng([-0.328628], [51.745290])
    >>> round(float(e[0])), round(float(n[0]))
    (515487, 206498)
    """
    return _transformer(CRS_LONLAT, CRS_BNG).transform(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))


def bng_to_lonlat(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    """Unproject British National Grid metres to WGS84 degrees.

    >>> lon, lat = bng_to_lonlat([515487], [206498])
    >>> round(float(lon[0]), 5), round(float(lat[0]), 5)
    (-0.32863, 51.74529)
    """
    return _transformer(CRS_BNG, CRS_LONLAT).transform(
        np.asarray(easting, dtype=np.float64), np.asarray(northing, dtype=np.float64))


def in_gb_lonlat(lon, lat) -> np.ndarray:
    """True where a longitude/latitude pair lies in the National Grid's box.

    >>> in_gb_lonlat([-0.33, 51.74], [51.74, -0.33]).tolist()
    [True, False]
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    return ((lon >= GB_LON_RANGE[0]) & (lon <= GB_LON_RANGE[1])
            & (lat >= GB_LAT_RANGE[0]) & (lat <= GB_LAT_RANGE[1]))


def in_gb_bng(easting, northing) -> np.ndarray:
    """True where an easting/northing pair lies on the National Grid.

    >>> in_gb_bng([515487, 51.7], [206498, -0.3]).tolist()
    [True, False]
    """
    e = np.asarray(easting, dtype=np.float64)
    n = np.asarray(northing, dtype=np.float64)
    return ((e > BNG_E_RANGE[0]) & (e <= BNG_E_RANGE[1])
            & (n > BNG_N_RANGE[0]) & (n <= BNG_N_RANGE[1])
            # a pair of small numbers is degrees, not metres
            & ((e > 1000) | (n > 1000)))


def looks_swapped(lon, lat) -> np.ndarray:
    """True where the pair is outside GB as given but inside it the other way round.

    >>> looks_swapped([51.74, -0.33], [-0.33, 51.74]).tolist()
    [True, False]
    """
    return ~in_gb_lonlat(lon, lat) & in_gb_lonlat(lat, lon)


def to_lonlat(geom):
    """Shapely geometries (one or an array) from British National Grid metres to longitude/latitude."""

    def f(coords):
        lon, lat = bng_to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, f)
