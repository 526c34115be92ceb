"""Recording-artefact locations on the planners' maps and tables: markers, legend rows, GeoJSON features.

The points come from :class:`hotspots.methods.artefacts.ArtefactFinder` (a plan's ``artefacts``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.crs import bng_to_lonlat
from hotspots.methods.words import plural
from hotspots.outputs.staticmap import StaticMap

__all__ = ["ARTEFACT_COLOUR", "artefact_features", "artefact_legend", "artefact_markers"]

#: How recording-artefact locations are drawn (black: apart from every area and site colour).
ARTEFACT_COLOUR = "#000000"


def artefact_legend(n: int, included: bool) -> str:
    """The legend row of ``n`` artefact places.

    >>> artefact_legend(1, False), artefact_legend(3, True)
    ('Recording artefact, left out (1 place)', 'Recording artefact, kept in the plan (3 places)')
    """
    what = "kept in the plan" if included else "left out"
    return f"Recording artefact, {what} ({n} {'place' if n == 1 else 'places'})"


def artefact_markers(m: StaticMap, artefacts, geometry, included: bool, within_m: float = 300.0) -> list:
    """Draw the recording-artefact points near the plan's areas (black dots) on a static map; returns their
    legend row (none when there is none to draw)."""
    if artefacts is None or not len(artefacts) or not len(geometry):
        return []
    x, y = artefacts["easting"].to_numpy(float), artefacts["northing"].to_numpy(float)
    near = shapely.union_all(list(geometry)).buffer(within_m)
    keep = shapely.contains_xy(near, x, y)
    if not keep.any():
        return []
    m.points(x[keep], y[keep], colour=ARTEFACT_COLOUR, size=36)
    return [(ARTEFACT_COLOUR, artefact_legend(int(keep.sum()), included))]


def artefact_features(artefacts: pd.DataFrame, included: bool, near_x=None, near_y=None,
                      within_m: float = 1500.0, radius_m: float = 25.0) -> list[dict]:
    """GeoJSON features of the artefact places (within ``within_m`` of any of the given points, when given) for
    the app's map component: a small black disc (a ``radius_m`` polygon: the component styles polygons from
    their properties) labelled with its location, incidents and why.

    >>> pts = pd.DataFrame({"easting": [511000.0], "northing": [196800.0], "location": ["On or near Hospital"],
    ...                     "incidents": [82], "why": ["crimes whose victims are treated there are often located there"]})
    >>> f = artefact_features(pts, False)[0]
    >>> f["geometry"]["type"], f["properties"]["label"][:55]
    ('Polygon', 'On or near Hospital: 82 incidents, left out of the plan')
    """
    if artefacts is None or not len(artefacts):
        return []
    x, y = artefacts["easting"].to_numpy(float), artefacts["northing"].to_numpy(float)
    keep = np.ones(len(x), dtype=bool)
    if near_x is not None and len(near_x):
        d = np.hypot(x[:, None] - np.asarray(near_x, float)[None, :], y[:, None] - np.asarray(near_y, float)[None, :])
        keep = d.min(axis=1) <= within_m
    what = "kept in the plan" if included else "left out of the plan"
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    out = []
    for r in artefacts.loc[keep].itertuples():
        lon, lat = bng_to_lonlat(r.easting + radius_m * np.cos(t), r.northing + radius_m * np.sin(t))
        ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat)]
        out.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
                    "properties": {"fill": ARTEFACT_COLOUR, "stroke": ARTEFACT_COLOUR, "weight": 4,
                                   "fill_opacity": 0.9, "dash": "", "mark": "",
                                   "label": f"{r.location}: {plural(int(r.incidents), 'incident')}, {what} "
                                            f"(recording artefact: {r.why})"}})
    return out
