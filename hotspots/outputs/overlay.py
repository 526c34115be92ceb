"""The published police x A&E overlay as files: CSV and GeoJSON (only published numbers leave)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from geo.grid import cells_to_polygons
from hotspots.outputs.files import SYNTHETIC_NOTE, safe_csv, write_by_suffix
from hotspots.tasks.overlay import PROTECTION_NOTE, PublishedOverlay

__all__ = ["OVERLAY_WRITERS", "overlay_csv", "overlay_geojson", "write_overlay"]


def overlay_csv(pub: PublishedOverlay) -> bytes:
    """The cells as CSV (formulas neutralised; labelled when synthetic; an ``ae_note`` column says that small
    numbers are hidden and others slightly adjusted)."""
    t = pub.cells.drop(columns=["ae_assaults_suppressed"])
    for col in ("excess", "p", "p_fdr"):  # number columns (hidden or untested: empty), not text
        if col in t:
            t[col] = pd.to_numeric(t[col], errors="coerce")
    if pub.synthetic:
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    t["ae_note"] = PROTECTION_NOTE  # small numbers hidden, others slightly adjusted (issue 16)
    return safe_csv(t)


def _json_value(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    return v


def overlay_geojson(pub: PublishedOverlay) -> bytes:
    """The cells as GeoJSON polygons (WGS84) with the published values as properties."""
    t = pub.cells.drop(columns=["ae_assaults_suppressed"])
    polys = cells_to_polygons(t["cell"]) if len(t) else []
    feats = []
    for row, poly in zip(t.to_dict(orient="records"), polys):
        props = {k: _json_value(v) for k, v in row.items()}
        if pub.synthetic:
            props = {"data_note": SYNTHETIC_NOTE, **props}
        ring = [[round(x, 6), round(y, 6)] for x, y in poly.exterior.coords]
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props})
    # "notes" is a foreign member (RFC 7946 section 6.1): readers that do not know it ignore it
    return json.dumps({"type": "FeatureCollection", "notes": [PROTECTION_NOTE], "features": feats},
                      allow_nan=False).encode("utf-8")


#: Output endings of the overlay and their writers (``.json`` is taken as GeoJSON).
OVERLAY_WRITERS = {".csv": overlay_csv, ".geojson": overlay_geojson, ".json": overlay_geojson}


def write_overlay(pub: PublishedOverlay, path: str | Path) -> Path:
    """Save the published cells as ``.csv`` or ``.geojson``."""
    return write_by_suffix(pub, path, OVERLAY_WRITERS, what="the overlay output", example="overlay.geojson")
