"""The sample's CCTV: ``cctv/existing_cctv_synthetic.csv``, static cameras in the main towns, and
``cctv/mobile_deployment_synthetic.csv``, a past deployment of mobile cameras (for "did it work?").

Twenty SYNTHETIC cameras at the busiest night-time core snap points (``geo.sample.snaps``) of 13 towns, each with
an observation radius. The mobile deployment: three cameras in Hertsmere (the district whose CSP runs mobile
CCTV, ../shared/DOMAIN.md section 1) at the busiest core snap points of Borehamwood and Potters Bar not already
under a static camera, up for the sample's last three months (at most a camera's 3 months at a site). Both
are drawn from the snap points alone, no random numbers, so they change no other file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.sample.common import fmt6, to_lonlat, write_csv
from geo.sample.geography import Geography
from geo.sample.snaps import KIND_CORE, Snaps

__all__ = ["CCTV_COLUMNS", "CCTV_PER_TOWN", "CCTV_RADIUS_M", "DEPLOYMENT_COLUMNS", "DEPLOYMENT_MONTHS",
           "DEPLOYMENT_SITES", "write_cctv", "write_deployment"]

#: Existing static cameras per town (20 in all), at the busiest core snap points.
CCTV_PER_TOWN = {"Watford": 3, "Stevenage": 3, "St Albans": 2, "Hemel Hempstead": 2, "Hatfield": 2,
                 "Welwyn Garden City": 1, "Borehamwood": 1, "Cheshunt": 1, "Hertford": 1, "Hitchin": 1,
                 "Bishop's Stortford": 1, "Letchworth Garden City": 1, "Potters Bar": 1}
#: Observation radius of a static camera: DOMAIN.md section 3 gives 50-100 m to identify, 150-250 m to observe.
CCTV_RADIUS_M = 100
CCTV_COLUMNS = ("site_id", "name", "easting", "northing", "longitude", "latitude", "kind", "radius_m")
#: The past mobile deployment: cameras per town, and how many of the sample's last months they were up.
DEPLOYMENT_SITES = {"Borehamwood": 2, "Potters Bar": 1}
DEPLOYMENT_MONTHS = 3
DEPLOYMENT_COLUMNS = ("site", "easting", "northing", "longitude", "latitude", "from", "to", "radius_m")


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


def write_deployment(out: Path, snaps: Snaps, geo: Geography, month_list: list[str]) -> dict[str, int]:
    """A past mobile-CCTV deployment in Hertsmere over the sample's last months (``DEPLOYMENT_MONTHS``, fewer on
    a short sample so that as many months come before it): the busiest core snap points of each town of
    ``DEPLOYMENT_SITES`` that no static camera (``write_cctv``) already watches."""
    static = set()
    for town, count in CCTV_PER_TOWN.items():
        t = geo.town_names.index(town)
        core = np.flatnonzero((snaps.kind == KIND_CORE) & (snaps.group == t))
        static.update(core[np.lexsort((core, -snaps.nte_weight[core]))][:count].tolist())
    sites = []
    for town, count in DEPLOYMENT_SITES.items():
        t = geo.town_names.index(town)
        core = [s for s in np.flatnonzero((snaps.kind == KIND_CORE) & (snaps.group == t)) if s not in static]
        core = np.asarray(core, dtype=np.int64)
        for k, s in enumerate(core[np.lexsort((core, -snaps.weight[core]))][:count], start=1):
            sites.append((town, k, s))
    n_during = max(1, min(DEPLOYMENT_MONTHS, len(month_list) // 2))
    x = np.round(np.array([snaps.x[s] for _, _, s in sites]))
    y = np.round(np.array([snaps.y[s] for _, _, s in sites]))
    lon, lat = to_lonlat(x, y)
    frame = pd.DataFrame({
        "site": [f"SYNTHETIC mobile camera {i + 1}: {town}, {snaps.label[s]}" for i, (town, _, s) in enumerate(sites)],
        "easting": x.astype(np.int64), "northing": y.astype(np.int64), "longitude": fmt6(lon), "latitude": fmt6(lat),
        "from": month_list[-n_during], "to": month_list[-1], "radius_m": CCTV_RADIUS_M,
    }, columns=list(DEPLOYMENT_COLUMNS))
    return {"cctv/mobile_deployment_synthetic.csv": write_csv(out / "cctv/mobile_deployment_synthetic.csv", frame)}
