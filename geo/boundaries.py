"""Area boundaries: read any common vector format, test points against them.

An area (a county, a district, a user's own polygon) is read once into one
(multi)polygon in British National Grid metres. Point tests are vectorised with
shapely's prepared geometries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo.constants import CRS_BNG
from geo.errors import InputFileError

__all__ = ["Area", "read_area", "read_areas"]

#: File endings read_area understands (everything GDAL reads through pyogrio works,
#: these are the ones we test and name in messages).
AREA_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".kml", ".zip")


@dataclass(frozen=True)
class Area:
    """One study area in British National Grid metres.

    Attributes
    ----------
    name : str
        A label for messages and reports (the file's name unless given).
    geometry : shapely Polygon or MultiPolygon
        In EPSG:27700.
    source : str
        Where it was read from.
    """

    name: str
    geometry: object
    source: str = ""

    def contains(self, easting, northing) -> np.ndarray:
        """True for points inside (or on the edge of) the area.

        Examples
        --------
        >>> sq = Area("square", shapely.box(0, 0, 10, 10))
        >>> sq.contains([5, 15, 10], [5, 5, 10]).tolist()
        [True, False, True]
        """
        e = np.asarray(easting, dtype=np.float64)
        n = np.asarray(northing, dtype=np.float64)
        geom = self.geometry
        shapely.prepare(geom)
        return shapely.intersects_xy(geom, e, n)

    @property
    def area_km2(self) -> float:
        """Area in square kilometres."""
        return float(self.geometry.area) / 1e6


def read_area(path: str | Path, name: str | None = None, layer: str | None = None) -> Area:
    """Read a boundary file (GeoJSON, GeoPackage, Shapefile, KML) into one Area.

    All features are dissolved into one (multi)polygon and projected to EPSG:27700.
    A file without a CRS is taken as WGS84 when its coordinates look like degrees
    (GeoJSON's rule) and as British National Grid when they look like metres.

    Raises
    ------
    InputFileError
        The file is missing, unreadable, empty, or holds no polygons.
    """
    import geopandas as gpd

    p = Path(path)
    if not p.exists():
        raise InputFileError("the boundary file does not exist.", file=str(p),
                             fix="Check the path; boundary files can be GeoJSON, GeoPackage, Shapefile or KML.")
    try:
        gdf = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
    except Exception as exc:  # pyogrio raises several types; all mean "cannot read"
        raise InputFileError(
            f"the boundary file cannot be read ({type(exc).__name__}: {exc}).", file=str(p),
            fix="Save it as GeoJSON, GeoPackage, Shapefile (all its parts) or KML.") from exc
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        kinds = ", ".join(sorted(set(gdf.geom_type))) or "no geometries"
        raise InputFileError(f"the boundary file holds no polygons (found: {kinds}).", file=str(p),
                             fix="Use a file of area outlines, e.g. district or LSOA boundaries.")
    if polys.crs is None:
        minx, miny, maxx, maxy = polys.total_bounds
        looks_degrees = -180 <= minx <= 180 and -90 <= miny <= 90 and maxx <= 180 and maxy <= 90
        polys = polys.set_crs("EPSG:4326" if looks_degrees else CRS_BNG)
    geom = shapely.union_all(shapely.make_valid(polys.to_crs(CRS_BNG).geometry.values))
    # make_valid can leave lines or points from degenerate rings; keep the areas
    if geom.geom_type == "GeometryCollection":
        geom = shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return Area(name=name or p.stem, geometry=geom, source=str(p))


#: Property names that hold an area's name, most specific first (ONS codes and ours).
NAME_FIELDS = ("district_name", "LAD23NM", "LAD22NM", "LAD21NM", "lad_nm", "WD13NM", "MSOA11NM", "LSOA21NM",
               "LSOA11NM", "cty17nm", "NAME", "Name", "name")


def read_areas(path: str | Path, name_field: str | None = None) -> list[Area]:
    """Read a boundary file as one Area per feature (e.g. the districts of a county).

    The name comes from ``name_field``, else the first of ``NAME_FIELDS`` present,
    else the first text property whose values are all different.

    Raises
    ------
    InputFileError
        As ``read_area``, or when no property can name the features.
    """
    import geopandas as gpd

    whole = read_area(path)  # same checks and messages
    gdf = gpd.read_file(path)
    gdf = gdf[gdf.geometry.notna() & gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326" if abs(gdf.total_bounds[0]) <= 180 else CRS_BNG)
    gdf = gdf.to_crs(CRS_BNG)
    if name_field and name_field not in gdf.columns:
        have = ", ".join(c for c in gdf.columns if c != "geometry") or "none"
        raise InputFileError(f"the property '{name_field}' is not in this file (it has: {have}).", file=str(path),
                             fix="Give one of those as the name field.")
    field = name_field or next((f for f in NAME_FIELDS if f in gdf.columns), None)
    if field is None:
        import pandas as pd

        texts = [c for c in gdf.columns if c != "geometry" and pd.api.types.is_string_dtype(gdf[c]) and gdf[c].is_unique]
        field = texts[0] if texts else None
    if (field is None or field not in gdf.columns) and len(gdf) == 1:
        return [Area(name=whole.name, geometry=whole.geometry, source=whole.source)]  # one area: the file's name
    if field is None or field not in gdf.columns:
        raise InputFileError("no property names the areas in this file.", file=str(path),
                             fix="Say which property holds the names (e.g. LAD23NM).")
    out = []
    for name, part in gdf.groupby(gdf[field].astype(str), sort=True):
        geom = shapely.union_all(shapely.make_valid(part.geometry.values))
        out.append(Area(name=str(name), geometry=geom, source=whole.source))
    return out
