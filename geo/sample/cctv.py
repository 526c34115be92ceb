"""The sample's existing CCTV: ``cctv/existing_cctv_synthetic.csv``, static cameras in the main towns.

Twenty SYNTHETIC cameras at the busiest night-time core snap points (``geo.sample.snaps``) of 13 towns, each with
an observation radius.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.sample.common import fmt6, to_lonlat, write_csv
from geo.sample.geography import Geography
from geo.sample.snaps import KIND_CORE, Snaps

__all__ = ["CCTV_COLUMNS", "CCTV_PER_TOWN", "CCTV_RADIUS_M", "write_cctv"]

#: Existing static cameras per town (20 in all), at the busiest core snap points.
CCTV_PER_TOWN = {"Watford": 3, "Stevenage": 3, "St Albans": 2, "Hemel Hempstead": 2, "Hatfield": 2,
                 "Welwyn Garden City": 1, "Borehamwood": 1, "Cheshunt": 1, "Hertford": 1, "Hitchin": 1,
                 "Bishop's Stortford": 1, "Letchworth Garden City": 1, "Potters Bar": 1}
#: Observation radius of a static camera: DOMAIN.md section 3 gives 50-100 m to identify, 150-250 m to observe.
CCTV_RADIUS_M = 100
CCTV_COLUMNS = ("site_id", "name", "easting", "northing", "longitude", "latitude", "kind", "radius_m")


def write_cctv(out: Path, snaps: Snaps, geo: Geography) -> dict[str, int]:
    """Existing static cameras at the busiest night-time core snap points of the main towns."""
    rows = []
    for town, count in CCTV_PER_TOWN.items():
        t = geo.town_names.index(town)
        core = np.flatnonzero((snaps.kind == KIND_CORE) & (snaps.group == t))
        best = core[np.lexsort((core, -snaps.nte_weight[core]))][:count]
        for k, s in enumerate(best, start=1):
            rows.append((town, k, s))
    x = np.array([snaps.x[s] for _, _, s in rows])
    y = np.array([snaps.y[s] for _, _, s in rows])
    lon, lat = to_lonlat(np.round(x), np.round(y))
    frame = pd.DataFrame({
        "site_id": [f"SYN-CAM-{i + 1:03d}" for i in range(len(rows))],
        "name": [f"SYNTHETIC {town} {snaps.label[s]} camera {k}" for town, k, s in rows],
        "easting": np.round(x).astype(np.int64), "northing": np.round(y).astype(np.int64),
        "longitude": fmt6(lon), "latitude": fmt6(lat), "kind": "static", "radius_m": CCTV_RADIUS_M,
    }, columns=list(CCTV_COLUMNS))
    return {"cctv/existing_cctv_synthetic.csv": write_csv(out / "cctv/existing_cctv_synthetic.csv", frame)}
