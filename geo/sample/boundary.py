"""The sample's boundary files: ``boundary/*.geojson``, the county, its 10 districts and the small sample area.

The real simplified outlines of ``geo.reference.outlines``, converted to WGS84 GeoJSON (6 decimals) and labelled
as part of the SYNTHETIC sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from geo.reference import outlines
from geo.sample.common import to_lonlat, write_text
from geo.sample.geography import Geography

__all__ = ["SAMPLE_AREA_DISTRICT", "write_boundaries"]

#: The district written as ``boundary/sample_area_synthetic.geojson`` (the small test area).
SAMPLE_AREA_DISTRICT = "Watford"


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
