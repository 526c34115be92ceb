"""Point and polygon files people give the planners: camera sites, candidate sites, deployments, green space.

CSV (easting/northing or longitude/latitude columns, forgiving their names) or GeoJSON points; a deployment
file adds from/to months per site. Every problem is a sentence naming the file, the row and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputFileError
from geo.crs import in_gb_bng, in_gb_lonlat, lonlat_to_bng

__all__ = ["read_deployment", "read_points"]


def _read_table(path: Path) -> pd.DataFrame:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputFileError(f"the file cannot be read as CSV ({exc}).", file=str(path),
                                 fix="Save it as CSV with a header row.") from exc
    raise InputFileError("the file is not UTF-8 or Windows text.", file=str(path), fix="Save it as CSV (UTF-8).")


_X_NAMES = ("easting", "x", "east")


_Y_NAMES = ("northing", "y", "north")


_LON_NAMES = ("longitude", "lon", "lng", "long")


_LAT_NAMES = ("latitude", "lat")


def read_points(path, what: str = "points", name: str | None = None) -> pd.DataFrame:
    """Read point locations (cameras, candidate sites, a deployment) from CSV, GeoJSON, GeoPackage or KML.

    A CSV needs ``easting`` and ``northing`` (British National Grid metres) or
    ``longitude`` and ``latitude`` (WGS84 degrees); other columns are kept (names in
    lower case). Other formats need point geometries.

    Parameters
    ----------
    path : str or Path
    what : str
        What the points are, for messages ("existing cameras", "candidate sites").
    name : str, optional
        The file's name in messages (default: its path; e.g. the name of an uploaded file).

    Returns
    -------
    DataFrame
        ``easting``, ``northing`` (metres) and the file's other columns; ``row`` is the
        spreadsheet row (CSV) or feature number.

    Raises
    ------
    InputFileError
        Missing file, no coordinate columns, coordinates that are not numbers or not in
        Great Britain.
    """
    p = Path(path)
    label = name or str(p)
    if not p.exists():
        raise InputFileError(f"the {what} file does not exist.", file=label,
                             fix="Check the path; give a CSV with easting/northing or longitude/latitude, "
                                 "or GeoJSON points.")
    if p.suffix.lower() in (".csv", ".txt"):
        df = _read_table(p)
        df.columns = [str(c).strip().lower() for c in df.columns]
        if df.empty:
            raise InputFileError(f"the {what} file has no rows.", file=label, fix="Add one row per point.")
        xcol = next((c for c in _X_NAMES if c in df), None)
        ycol = next((c for c in _Y_NAMES if c in df), None)
        loncol = next((c for c in _LON_NAMES if c in df), None)
        latcol = next((c for c in _LAT_NAMES if c in df), None)
        if xcol and ycol:
            cols, kind = (xcol, ycol), "bng"
        elif loncol and latcol:
            cols, kind = (loncol, latcol), "lonlat"
        else:
            raise InputFileError(f"the {what} file has no coordinate columns (found: {', '.join(df.columns)}).",
                                 file=label, fix="Name them easting and northing (British National Grid metres) "
                                                  "or longitude and latitude (degrees).")
        vals = {}
        for c in cols:
            v = pd.to_numeric(df[c].str.strip(), errors="coerce")
            bad = np.flatnonzero(v.isna().to_numpy())
            if len(bad):
                i = int(bad[0])
                raise InputFileError(f"row {i + 2}, column '{c}': {df[c].iloc[i]!r} is not a number.", file=label,
                                     fix="Give coordinates as numbers on every row.")
            vals[c] = v.to_numpy(dtype=np.float64)
        a, b = vals[cols[0]], vals[cols[1]]
        ok = in_gb_bng(a, b) if kind == "bng" else in_gb_lonlat(a, b)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            hint = ("easting/northing are metres (e.g. 511249, 196605)" if kind == "bng"
                    else "longitude/latitude are degrees (e.g. -0.3931, 51.6572); check they are not swapped")
            raise InputFileError(f"row {i + 2}: the point ({a[i]}, {b[i]}) is not in Great Britain.", file=label,
                                 fix=f"Check the coordinates: {hint}.")
        e, n = (a, b) if kind == "bng" else lonlat_to_bng(a, b)
        out = df.drop(columns=list(cols)).copy()
        out.insert(0, "easting", np.asarray(e, dtype=np.float64))
        out.insert(1, "northing", np.asarray(n, dtype=np.float64))
        out["row"] = np.arange(2, len(df) + 2)
        return out.reset_index(drop=True)
    import geopandas as gpd

    try:
        gdf = gpd.read_file(p)
    except Exception as exc:  # pyogrio raises several types; all mean "cannot read"
        raise InputFileError(f"the {what} file cannot be read ({type(exc).__name__}).", file=label,
                             fix="Give a CSV with easting/northing or longitude/latitude, or GeoJSON points.") from exc
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    pts = gdf[gdf.geom_type == "Point"]
    if pts.empty:
        kinds = ", ".join(sorted(set(gdf.geom_type))) or "no geometries"
        raise InputFileError(f"the {what} file holds no points (found: {kinds}).", file=label,
                             fix="Give one point per site.")
    if pts.crs is None:
        x0 = float(pts.geometry.x.abs().max())
        pts = pts.set_crs("EPSG:4326" if x0 <= 180 else "EPSG:27700")
    pts = pts.to_crs("EPSG:27700")
    out = pd.DataFrame(pts.drop(columns="geometry"))
    out.columns = [str(c).strip().lower() for c in out.columns]
    out.insert(0, "easting", pts.geometry.x.to_numpy())
    out.insert(1, "northing", pts.geometry.y.to_numpy())
    if not in_gb_bng(out["easting"], out["northing"]).all():
        raise InputFileError(f"some {what} are not in Great Britain.", file=label, fix="Check the file's coordinates.")
    out["row"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-\d{2})?$")


_FROM = ("from", "start", "date_from", "installed")


_TO = ("to", "end", "date_to", "removed")


def _month(value: str, file: str, row: int, column: str) -> str:
    v = str(value).strip()
    m = _MONTH.match(v)
    if not m:
        dmy = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", v)  # a UK date as a spreadsheet writes it
        if dmy and 1 <= int(dmy.group(2)) <= 12:
            return f"{dmy.group(3)}-{int(dmy.group(2)):02d}"
        raise InputFileError(f"row {row}, column '{column}': {v!r} is not a month.", file=file,
                             fix="Write months as YYYY-MM (e.g. 2021-06) or dates as YYYY-MM-DD.")
    return f"{m.group(1)}-{m.group(2)}"


def read_deployment(path, name: str | None = None) -> pd.DataFrame:
    """Read a past deployment: one row per site with its coordinates and months.

    Columns: ``site`` (a name; optional), ``easting``/``northing`` or
    ``longitude``/``latitude``, ``from`` and ``to`` (``YYYY-MM``, or dates: the month is
    used), optional ``radius_m``.

    Returns
    -------
    DataFrame
        ``site, easting, northing, from, to`` (and ``radius_m`` when given).

    Raises
    ------
    InputFileError
        Missing columns, months that are not months, ``from`` after ``to``.
    """
    df = read_points(path, "deployment", name)
    label = name or str(path)
    f = next((c for c in _FROM if c in df), None)
    t = next((c for c in _TO if c in df), None)
    if f is None or t is None:
        raise InputFileError("the deployment file needs 'from' and 'to' columns (the months the camera was up).",
                             file=label, fix="Add columns from and to, e.g. 2021-03 and 2021-05.")
    rows = df["row"].to_numpy()
    out = pd.DataFrame({
        "site": (df["site"].astype(str) if "site" in df else
                 df["name"].astype(str) if "name" in df else pd.Series([f"Site {i + 1}" for i in range(len(df))])),
        "easting": df["easting"].to_numpy(), "northing": df["northing"].to_numpy(),
        "from": [_month(v, label, r, f) for v, r in zip(df[f], rows)],
        "to": [_month(v, label, r, t) for v, r in zip(df[t], rows)]})
    bad = np.flatnonzero(out["from"].to_numpy() > out["to"].to_numpy())
    if len(bad):
        i = int(bad[0])
        raise InputFileError(f"row {rows[i]}: the camera came down ({out['to'][i]}) before it went up "
                             f"({out['from'][i]}).", file=label, fix="Swap the from and to months.")
    if "radius_m" in df:
        r = pd.to_numeric(df["radius_m"], errors="coerce")
        if r.isna().any() or (r <= 0).any():
            i = int(np.flatnonzero((r.isna() | (r <= 0)).to_numpy())[0])
            raise InputFileError(f"row {rows[i]}: radius_m {df['radius_m'][i]!r} is not a distance in metres.",
                                 file=label, fix="Give the radius in metres, e.g. 100, or leave the column out.")
        out["radius_m"] = r.to_numpy(dtype=float)
    return out
