"""The sample's boundary files: ``boundary/*.geojson``, the county, its 10 districts and the small sample area, and
a green-space layer.

The real simplified outlines of ``geo.reference.outlines``, converted to WGS84 GeoJSON (6 decimals) and labelled
as part of the SYNTHETIC sample. The green space (``boundary/green_space_synthetic.geojson``, for the knife-sweep
planner's ``--green``) is made up: a disc of ``GREEN_RADIUS_M`` round every snap point the sample calls a park,
open space or sports ground (``geo.sample.snaps``), so it lies where the sample's park crime does. No random
numbers are drawn, so it changes no other file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from geo.reference import outlines
from geo.sample.common import to_lonlat, write_text
from geo.sample.geography import Geography
from geo.sample.snaps import Snaps

__all__ = ["GREEN_LABELS", "GREEN_RADIUS_M", "SAMPLE_AREA_DISTRICT", "write_boundaries", "write_green_space"]

#: The district written as ``boundary/sample_area_synthetic.geojson`` (the small test area).
SAMPLE_AREA_DISTRICT = "Watford"
#: The snap-point labels the green-space layer surrounds, and the radius of each disc (a small park).
GREEN_LABELS = ("Park/Open Space", "Sports/Recreation Area")
GREEN_RADIUS_M = 120.0


def _ring_lonlat(ring: tuple[tuple[int, int], ...]) -> list[list[float]]:
    """A closed WGS84 ring (6 decimals) from an open BNG ring."""
    xy = np.asarray(ring + (ring[0],), dtype=float)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat)]


def _feature(properties: dict, ring: tuple[tuple[int, int], ...]) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [_ring_lonlat(ring)]}}


def write_boundaries(out: Path, geo: Geography) -> dict[str, int]:
    """County, districts and the small sample area (Watford) as WGS84 GeoJSON."""
    note = (f"SYNTHETIC sample: real outline simplified to {outlines.SIMPLIFY_TOLERANCE_M} m "
            "(OGL v3; OS and ONS data, Crown copyright)")
    county = [_feature({"county_code": outlines.COUNTY_CODE, "county_name": outlines.COUNTY_NAME, "note": note},
                       outlines.COUNTY)]
    districts = [_feature({"district_code": code, "district_name": name, "note": note}, ring)
                 for code, name, ring in outlines.DISTRICTS]
    area = [f for f in districts if f["properties"]["district_name"] == SAMPLE_AREA_DISTRICT]
    files = {}
    for rel, name, features in (("boundary/county_synthetic.geojson", "county_synthetic", county),
                                ("boundary/districts_synthetic.geojson", "districts_synthetic", districts),
                                ("boundary/sample_area_synthetic.geojson", "sample_area_synthetic", area)):
        collection = {"type": "FeatureCollection", "name": name, "features": features}
        write_text(out / rel, json.dumps(collection, separators=(",", ":")) + "\n")
        files[rel] = len(features)
    return files


def write_green_space(out: Path, snaps: Snaps) -> dict[str, int]:
    """Green space for the knife-sweep planner: a 24-sided disc round each park, open-space and sports-ground
    snap point, one feature each, named and labelled SYNTHETIC."""
    pick = np.flatnonzero(np.isin(snaps.label.astype(str), GREEN_LABELS) & (snaps.district >= 0))
    angles = np.linspace(0.0, 2 * np.pi, 24, endpoint=False)
    features = []
    for i, s in enumerate(pick, start=1):
        x = snaps.x[s] + GREEN_RADIUS_M * np.cos(angles)
        y = snaps.y[s] + GREEN_RADIUS_M * np.sin(angles)
        lon, lat = to_lonlat(np.append(x, x[0]), np.append(y, y[0]))
        ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat)]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"name": f"SYNTHETIC green space {i}", "kind": str(snaps.label[s]),
                                        "note": "SYNTHETIC sample: made up round the sample's park snap points"}})
    collection = {"type": "FeatureCollection", "name": "green_space_synthetic", "features": features}
    write_text(out / "boundary/green_space_synthetic.geojson", json.dumps(collection, separators=(",", ":")) + "\n")
    return {"boundary/green_space_synthetic.geojson": len(features)}
