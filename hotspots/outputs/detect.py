"""A hotspot method's result as a file: GeoJSON, GeoPackage (cell or cluster polygons) or CSV (``detect --out``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo.constants import CRS_BNG, CRS_LONLAT
from geo.errors import SettingError
from geo.grid import cells_to_polygons
from hotspots.outputs.files import SYNTHETIC_NOTE, safe_csv
from hotspots.tasks.registry import CellScores

__all__ = ["write_detection"]


def write_detection(det: CellScores, path: str | Path) -> Path:
    """Save a detection as GeoJSON, GeoPackage (with cell or cluster polygons) or CSV.

    CSV cells of untrusted text that start with = + - @ are prefixed with ' so a
    spreadsheet shows them as text (formula injection).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".geojson", ".json", ".gpkg", ".csv"):
        raise SettingError(f"Cannot write '{p.name}': the output must end in .geojson, .gpkg or .csv.",
                           "Name the output e.g. hotspots.geojson.")
    table = det.table.copy()
    if det.summary.get("synthetic"):
        table.insert(0, "data_note", SYNTHETIC_NOTE)
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        p.write_bytes(safe_csv(table.drop(columns=["geometry"], errors="ignore")))
        return p
    if det.per_cell:
        gdf = gpd.GeoDataFrame(table, geometry=cells_to_polygons(table["cell"]), crs=CRS_LONLAT)
    elif "geometry" in table:
        gdf = gpd.GeoDataFrame(table, geometry="geometry", crs=CRS_BNG).to_crs(CRS_LONLAT)
    else:
        raise SettingError(f"The {det.method} result has no places to map.", "Save it as .csv instead.")
    if suffix == ".gpkg":
        gdf.to_file(p, driver="GPKG", layer=det.method)
    else:
        gdf.to_file(p, driver="GeoJSON")
    return p
