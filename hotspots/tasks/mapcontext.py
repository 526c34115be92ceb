"""What a printed map draws under a plan so a reader can place himself: a basemap's tiles, or offline the
district and ward outlines with their names and police.uk's street names.

The static maps of the patrol, camera and sweep sheets and of the JAG briefing (``hotspots.outputs.staticmap``)
take one :class:`MapContext`. With tiles (a ``geo.tiles.TileSource``: the partnership's tile server or an
installed PMTiles/MBTiles file) they draw those under the plan; with none (the default, and on a closed
network) they draw the outlines and names the store already holds, so nothing is fetched from anywhere.

Examples
--------
>>> ctx = MapContext()
>>> ctx.tiles is None, len(ctx.outlines), len(ctx.streets)
(True, 0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.query import street_labels
from geo.store import Store
from hotspots.tasks.basemaps import configured, open_basemap, resolve

__all__ = ["CONTEXT_LAYERS", "MapContext", "map_context", "sheet_context"]

#: The boundary layers a printed map outlines and names, coarse to fine (the store's layer names).
CONTEXT_LAYERS = ("district", "ward")

#: How far around the study area street names are kept (metres): a map's frame runs a little past the area.
STREETS_AROUND_M = 3000.0


def _no_streets() -> pd.DataFrame:
    return pd.DataFrame({"name": pd.Series(dtype=str), "easting": pd.Series(dtype=float),
                         "northing": pd.Series(dtype=float), "n": pd.Series(dtype=float)})


@dataclass(frozen=True, eq=False)
class MapContext:
    """A printed map's background.

    Attributes
    ----------
    tiles : geo.tiles.TileSource or None
        Raster tiles to draw under the map; None: offline (outlines and names only).
    outlines : tuple of (layer, name, geometry)
        Boundaries in British National Grid metres, ``layer`` one of :data:`CONTEXT_LAYERS`.
    streets : pandas.DataFrame
        ``name, easting, northing, n``: police.uk street names ("On or near" dropped) at the mean of their
        snap points, busiest first (``geo.query.street_labels``).
    basemap : str
        The basemap's name as the user chose it (for the map's footer).
    """

    tiles: object = None
    outlines: tuple = ()
    streets: pd.DataFrame = field(default_factory=_no_streets)
    basemap: str = ""


def map_context(store: Store, area=None, tiles=None, basemap: str = "") -> MapContext:
    """The background of a printed map of ``area`` (an ``Area``, a geometry in British National Grid metres,
    or None: everything the store holds).

    Outlines: every district and ward the store holds (a map frames a little more than its area, so neighbours
    are named too). Street names: police.uk snap points within :data:`STREETS_AROUND_M` of the area, busiest
    first.
    """
    outlines = []
    for layer, name in store.area_names():
        if layer in CONTEXT_LAYERS:
            outlines.append((layer, str(name), store.area(layer, name).geometry))
    streets, _ = street_labels(store, None, limit=10**7)
    if area is not None and len(streets):
        x0, y0, x1, y1 = getattr(area, "geometry", area).bounds
        d = STREETS_AROUND_M
        keep = streets["easting"].between(x0 - d, x1 + d) & streets["northing"].between(y0 - d, y1 + d)
        streets = streets.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)
    streets = streets.astype({"easting": np.float64, "northing": np.float64, "n": np.float64})
    return MapContext(tiles=tiles, outlines=tuple(outlines), streets=streets, basemap=str(basemap))


def sheet_context(store: Store, out, area=None, basemap: str | None = None) -> MapContext | None:
    """The background of a command's printed sheet: None unless ``out`` is a PDF; the basemap called
    ``basemap`` (a configured tile server or installed file: its tiles) or, without one, offline.

    Raises
    ------
    SettingError
        No basemap of that name (``hotspots.tasks.basemaps.resolve``).
    """
    if not out or not str(out).lower().endswith(".pdf"):
        return None
    tiles = None
    if basemap:
        chosen = resolve(str(basemap), configured(store))
        tiles = open_basemap(chosen)
        basemap = chosen.name
    return map_context(store, area, tiles, basemap or "")
