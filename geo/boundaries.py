"""Area boundaries: read the common vector formats safely, test points against them.

An area (a county, a district, a user's own polygon) is read once into one (multi)polygon in British
National Grid metres. Point tests are vectorised with shapely's prepared geometries.

Boundary files come from users, so they are read as untrusted:

* the format is decided by the file's content, never its name, and only the formats the README names are
  read: GeoJSON (parsed here, in Python: GDAL never sees it, so a ``crs`` link cannot make the server
  fetch an address), GeoPackage, Shapefile and KML (read by GDAL through pyogrio with its network access
  and directory listing off). Anything else, an OGR VRT document above all (it can read any file on the
  server, or a URL), is refused with a sentence;
* a KML with a document type declaration or a network link is refused;
* every area must be named (when the file holds several) and must overlap Great Britain, with a finite
  area no larger than Great Britain: a polygon in the wrong hemisphere, a world outline, or degrees
  labelled as British National Grid metres is refused with its area in km² in the sentence.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import shapely

from geo.constants import CRS_BNG, CRS_LONLAT
from geo.errors import InputFileError
from geo.readers.inputs import shown_name
from geo.reference.great_britain import great_britain

__all__ = ["AREA_SUFFIXES", "Area", "read_area", "read_areas", "read_green"]

#: File endings of the formats read (the format itself is decided by the content).
AREA_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".kml", ".zip")
#: The largest boundary file read (the 690 LSOAs of a county are a few MB).
MAX_BOUNDARY_BYTES = 200 * 2**20
#: Great Britain's area, about 229,000 km²: no study area is larger.
GB_AREA_KM2 = 230_000
#: GDAL settings for reading users' files: no network (every /vsicurl/ address refused, no retries), no
#: directory listing, no SQL that reaches other files from a GeoPackage.
GDAL_OFFLINE = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".hotspots-never",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
}
_FORMATS = "GeoJSON, GeoPackage, Shapefile (with its .dbf, .shx and .prj, or all of them in one .zip) or KML"
_FIX = f"Save the boundary as {_FORMATS}."
#: A GeoJSON ``crs`` name this reader accepts: an EPSG code, or CRS84 (longitude/latitude).
_CRS_NAME = re.compile(r"^(?:urn:ogc:def:crs:(?:EPSG::?(?:[\d.]+:)?(\d+)|OGC:[\d.]*:?CRS84)|EPSG:(\d+))$", re.I)


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


# -- reading -----------------------------------------------------------------------------------------------------
def _refuse(shown: str, message: str, fix: str = _FIX) -> InputFileError:
    return InputFileError(message, file=shown, fix=fix)


def _kind(head: bytes, shown: str) -> str:
    """The format of a boundary file from its first bytes: geojson, gpkg, shp, kml or zip."""
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if h.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if h[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if h.startswith(b"PK\x03\x04"):
        return "zip"
    if h[:1] in (b"{", b"["):
        return "geojson"
    if h[:1] == b"<":
        low = h[:8192].lower()
        if b"ogrvrtdatasource" in low:
            raise _refuse(shown, "the file is an OGR VRT document (a recipe that tells GDAL to read other files "
                                 "or web addresses), not a boundary; it was not read.")
        if b"<kml" in low:
            return "kml"
        raise _refuse(shown, "the file is XML but not KML, so it is not a boundary format this program reads.")
    raise _refuse(shown, f"the file cannot be read as a boundary: it is none of the formats this program reads "
                         f"({_FORMATS}).")


def _gdal_read(path: str, shown: str, layer: str | None):
    """Read a GeoPackage, Shapefile or KML through pyogrio with GDAL's network access off."""
    import geopandas as gpd
    import pyogrio

    pyogrio.set_gdal_config_options(GDAL_OFFLINE)
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio") if layer else gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types; all mean "cannot read"
        raise _refuse(shown, f"the boundary file cannot be read ({type(exc).__name__}: "
                             f"{str(exc).replace(path, shown)[:200]}).") from exc


def _geojson_crs(doc: dict, shown: str) -> str | None:
    """The EPSG code a GeoJSON's (old, 2008) ``crs`` member names, or None; a link is refused."""
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if crs is None:
        return None
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(crs, dict) or crs.get("type") != "name" or not isinstance(name, str):
        raise _refuse(shown, "the GeoJSON names its coordinate system by a link or in a form this program does "
                             "not follow (reading it would mean fetching an address or another file).",
                      "Remove the 'crs' member (GeoJSON is longitude/latitude), or name an EPSG code, e.g. "
                      '"crs": {"type": "name", "properties": {"name": "EPSG:27700"}}.')
    m = _CRS_NAME.match(name.strip())
    if not m:
        raise _refuse(shown, f"the GeoJSON names a coordinate system this program does not know ({name[:80]!r}).",
                      'Name an EPSG code, e.g. "EPSG:27700", or remove the "crs" member for longitude/latitude.')
    code = m.group(1) or m.group(2)
    return f"EPSG:{code}" if code else CRS_LONLAT


def _geojson_read(data: bytes, shown: str):
    import geopandas as gpd

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise _refuse(shown, f"the GeoJSON is not valid JSON ({str(exc)[:120]}).") from exc
    crs = _geojson_crs(doc, shown)
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") in ("Polygon", "MultiPolygon", "GeometryCollection"):
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise _refuse(shown, "the JSON is not GeoJSON (no FeatureCollection, Feature or geometry at its top).")
    if not isinstance(features, list):
        raise _refuse(shown, "the GeoJSON's 'features' is not a list.")
    try:
        gdf = gpd.GeoDataFrame.from_features(features)
    except Exception as exc:  # shapely and geopandas raise many types for malformed geometries
        raise _refuse(shown, f"the GeoJSON holds a geometry that cannot be read ({type(exc).__name__}).") from exc
    if "geometry" not in gdf:
        gdf = gpd.GeoDataFrame(gdf, geometry=gpd.GeoSeries([], dtype="geometry"))
    return gdf.set_crs(crs) if crs else gdf


def _check_kml(data: bytes, shown: str) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refuse(shown, "the KML contains an XML document type declaration (DOCTYPE or ENTITY), which map "
                             "programs never write: it can be made to expand without end or read other files.")
    if b"NetworkLink" in data:
        raise _refuse(shown, "the KML holds a network link (it asks to fetch more data from an address); it was "
                             "not read.", "Save the areas themselves as KML, GeoJSON or GeoPackage.")


def _read_member_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> bytes:
    if info.file_size > MAX_BOUNDARY_BYTES:
        raise _refuse(shown, f"the archive's {info.filename} is {info.file_size / 2**20:,.0f} MB, larger than a "
                             "boundary file should be.")
    with zf.open(info) as fh:
        data = fh.read(MAX_BOUNDARY_BYTES + 1)
    if len(data) > MAX_BOUNDARY_BYTES:
        raise _refuse(shown, "an archive member expands past its declared size.")
    return data


def _zip_read(path: Path, shown: str, layer: str | None):
    """The one boundary inside a zip: a Shapefile with its parts, a GeoPackage, a GeoJSON or a KML."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(shown, "the zip archive is damaged or not a zip.") from exc
    with zf:
        members = {i.filename: i for i in zf.infolist() if not i.is_dir()
                   and ".." not in PurePosixPath(i.filename).parts and not i.filename.startswith("/")
                   and "__MACOSX" not in i.filename}
        by_ending: dict[str, list[str]] = {}
        for name in sorted(members):
            by_ending.setdefault(PurePosixPath(name).suffix.lower(), []).append(name)
        for ending in (".shp", ".gpkg", ".geojson", ".json", ".kml"):
            if ending not in by_ending:
                continue
            name = by_ending[ending][0]
            try:
                head = _read_member_bytes(zf, members[name], shown)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
                raise _refuse(shown, f"the archive's {name} is damaged or encrypted.") from exc
            kind = _kind(head[:8192], f"{shown}!{name}")
            if kind == "geojson":
                return _geojson_read(head, f"{shown}!{name}")
            if kind == "kml":
                _check_kml(head, f"{shown}!{name}")
            if kind not in ("shp", "gpkg", "kml"):
                raise _refuse(shown, f"the archive's {name} is not a boundary file this program reads.")
            return _gdal_read(f"/vsizip/{path.resolve()}/{name}", shown, layer)
    raise _refuse(shown, f"the zip archive holds no boundary file ({_FORMATS}).")


def read_frame(path: str | Path, layer: str | None = None):
    """A boundary file's polygons as a GeoDataFrame in British National Grid metres (``geo.boundaries`` rules).

    Raises
    ------
    InputFileError
        Missing, too large, not one of the formats read, unreadable, or holding no polygons.
    """
    p, shown = Path(path), shown_name(path)
    if not p.is_file():
        raise _refuse(shown, "the boundary file does not exist.",
                      f"Check the path; boundary files can be {_FORMATS}.")
    size = p.stat().st_size
    if size > MAX_BOUNDARY_BYTES:
        raise _refuse(shown, f"the boundary file is {size / 2**20:,.0f} MB, larger than a boundary file should be "
                             f"({MAX_BOUNDARY_BYTES / 2**20:,.0f} MB at most).",
                      "Keep only the areas you need (e.g. one county's districts) and save them again.")
    with open(p, "rb") as fh:
        head = fh.read(8192)
    kind = _kind(head, shown)
    if kind == "geojson":
        gdf = _geojson_read(p.read_bytes(), shown)
    elif kind == "zip":
        gdf = _zip_read(p, shown, layer)
    else:
        if kind == "kml":
            _check_kml(p.read_bytes(), shown)
        gdf = _gdal_read(str(p), shown, layer)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        kinds = ", ".join(sorted(set(gdf.geom_type))) or "no geometries"
        raise _refuse(shown, f"the boundary file holds no polygons (found: {kinds}).",
                      "Use a file of area outlines, e.g. district or LSOA boundaries.")
    if polys.crs is None:
        minx, miny, maxx, maxy = polys.total_bounds
        looks_degrees = -180 <= minx <= 180 and -90 <= miny <= 90 and maxx <= 180 and maxy <= 90
        polys = polys.set_crs(CRS_LONLAT if looks_degrees else CRS_BNG)
    try:
        polys = polys.to_crs(CRS_BNG)
    except Exception as exc:  # pyproj: a coordinate system it cannot transform
        raise _refuse(shown, f"the boundary's coordinate system cannot be turned into British National Grid "
                             f"({type(exc).__name__}).") from exc
    return polys.set_geometry(shapely.make_valid(polys.geometry.values))


def _polygonal(geom):
    """Keep the areas of a geometry (make_valid can leave lines or points from degenerate rings)."""
    if geom.geom_type == "GeometryCollection":
        geom = shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return geom


def check_in_great_britain(geom, name: str, shown: str) -> None:
    """Refuse an area that is not a real place in Great Britain, with its area in km² in the sentence."""
    km2 = float(geom.area) / 1e6 if not geom.is_empty else 0.0
    label = f"the area '{name}'" if name else "the area"
    if not np.isfinite(km2) or km2 <= 0 or not np.all(np.isfinite(shapely.bounds(geom))):
        raise _refuse(shown, f"{label} has no usable extent ({km2:g} km²): its coordinates are not finite.",
                      "Check the file's coordinates and coordinate system.")
    if km2 > GB_AREA_KM2 * 1.2:
        raise _refuse(shown, f"{label} is {km2:,.0f} km², larger than Great Britain (about {GB_AREA_KM2:,} km²): "
                             "it is not a study area (a world outline, or coordinates in the wrong system).",
                      "Check the file's coordinate system: British National Grid metres must be labelled "
                      "EPSG:27700, longitude/latitude EPSG:4326.")
    if not great_britain().intersects(geom):
        raise _refuse(shown, f"{label} ({km2:,.3g} km²) does not overlap Great Britain: it lies elsewhere in the "
                             "world, or its coordinates are in another system than the file says (degrees "
                             "labelled as British National Grid metres land in the sea off the Isles of Scilly).",
                      "Check the file's coordinate system: British National Grid metres must be labelled "
                      "EPSG:27700, longitude/latitude EPSG:4326.")


def read_area(path: str | Path, name: str | None = None, layer: str | None = None) -> Area:
    """Read a boundary file (GeoJSON, GeoPackage, Shapefile, KML) into one Area.

    All features are dissolved into one (multi)polygon and projected to EPSG:27700.
    A file without a CRS is taken as WGS84 when its coordinates look like degrees
    (GeoJSON's rule) and as British National Grid when they look like metres.

    Raises
    ------
    InputFileError
        The file is missing, unreadable, not a format read, empty, holds no polygons, or does not lie in
        Great Britain.
    """
    shown = shown_name(path)
    polys = read_frame(path, layer)
    geom = _polygonal(shapely.union_all(polys.geometry.values))
    label = name or Path(shown).stem
    check_in_great_britain(geom, label, shown)
    return Area(name=label, geometry=geom, source=shown)


#: Property names that hold an area's name, most specific first (ONS codes and ours).
NAME_FIELDS = ("district_name", "county_name", "LAD23NM", "LAD22NM", "LAD21NM", "lad_nm", "WD13NM", "MSOA11NM",
               "LSOA21NM", "LSOA11NM", "cty17nm", "NAME", "Name", "name")


def read_areas(path: str | Path, name_field: str | None = None) -> list[Area]:
    """Read a boundary file as one Area per feature (e.g. the districts of a county).

    The name comes from ``name_field``, else the first of ``NAME_FIELDS`` present,
    else the first text property whose values are all different.

    Raises
    ------
    InputFileError
        As ``read_area``; when no property can name the features; when a feature's name is empty; or when an
        area does not lie in Great Britain.
    """
    import pandas as pd

    shown = shown_name(path)
    gdf = read_frame(path)
    if name_field and name_field not in gdf.columns:
        have = ", ".join(c for c in gdf.columns if c != "geometry") or "none"
        raise _refuse(shown, f"the property '{name_field}' is not in this file (it has: {have}).",
                      "Give one of those as the name field.")
    field = name_field or next((f for f in NAME_FIELDS if f in gdf.columns), None)
    if field is None:
        texts = [c for c in gdf.columns if c != "geometry" and pd.api.types.is_string_dtype(gdf[c]) and gdf[c].is_unique]
        field = texts[0] if texts else None
    if field is None or field not in gdf.columns:
        if len(gdf) == 1:  # one area: the file's name
            return [read_area(path)]
        raise _refuse(shown, "no property names the areas in this file.",
                      "Say which property holds the names (e.g. LAD23NM).")
    names = gdf[field].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
    if (names == "").any():
        row = int(np.flatnonzero((names == "").to_numpy())[0]) + 1
        raise _refuse(shown, f"feature {row} has no name in the property '{field}' ({int((names == '').sum())} "
                             "feature(s) unnamed): an area must be named to be chosen.",
                      f"Fill in '{field}' for every feature, or give another property with --name-field.")
    out = []
    for name, part in gdf.groupby(names.to_numpy(), sort=True):
        geom = _polygonal(shapely.union_all(part.geometry.values))
        check_in_great_britain(geom, str(name), shown)
        out.append(Area(name=str(name), geometry=geom, source=shown))
    return out


def read_green(path):
    """A green-space or vegetation layer (any polygon file) as one geometry in BNG metres."""
    return read_area(path, name="green space").geometry
