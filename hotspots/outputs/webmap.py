"""The web map the app's own map component draws (``pages/_ui/hexmap.py``): the data it is sent, and what a
method's result looks like on it.

``map_layers`` turns a ``CellScores`` into cells, colours, plain-text labels, a legend and overlays from the
method's ``MapStyle`` in the registry; ``hexmap_args`` packs them with the outlines and the basemap into the
component's JSON: cell ids, a palette with an index per cell, the legend as data. The browser computes the
hexagons with h3-js and keeps its map between reruns, so a change sends data only, never HTML. Every script
and style sheet is served by the app itself; map tiles are a setting (``hotspots.tasks.basemaps``): offline
(the default) draws outlines with names and police.uk's street names, fetching nothing; an installed tile file
is read by the browser from the app's own port (``tiles_spec``).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import shapely

from geo.crs import to_lonlat
from geo.errors import SettingError
from hotspots.methods.words import fill, plural
from hotspots.outputs.legend import PALETTES, Legend, sequential_style
from hotspots.tasks import basemaps
from hotspots.tasks.basemaps import OFFLINE, OSM, OSM_COPYRIGHT, Basemap
from hotspots.tasks.registry import CellScores, resolve

__all__ = ["COORD_DECIMALS", "MAX_CELLS", "STREET_ZOOM", "TILES", "area_view", "hexmap_args", "hexmap_payload_bytes",
           "map_layers", "places_args", "tiles_spec"]

#: The built-in basemaps: name -> (XYZ template, attribution), or None: offline, outlines and street names drawn
#: from the store, nothing fetched. A partnership's servers and installed files come from the store
#: (``hotspots.tasks.basemaps.configured``) and are passed to ``hexmap_args`` as a ``Basemap``.
TILES: dict[str, tuple[str, str] | None] = {
    OFFLINE: None,
    OSM: (basemaps.OSM_URL, basemaps.OSM_ATTRIBUTION),
}
#: Offline street names are drawn from this zoom (about 1:17,000 on screen: a few streets across).
STREET_ZOOM = 15

#: Coordinates are rounded to 5 decimals (about 1 m): smaller payload, no visible change.
COORD_DECIMALS = 5


def _digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=8)
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def hexmap_args(cells, *, colours: list[str], labels: list[str], legend: Legend, res: int,
                boundaries: dict | None = None, tiles: str | Basemap = OFFLINE, overlays: list[dict] | None = None,
                selected: str | None = None, view_key: str = "", height_px: int = 620,
                view_bounds: list | None = None, selected_cluster: int | None = None,
                places: dict | None = None) -> dict:
    """The data the app's map component draws (``pages/_ui/hexmap.py``): JSON-ready, no HTML.

    Parameters
    ----------
    cells : DataFrame or sequence of str
        H3 cells (a DataFrame's ``cell`` column), all of resolution ``res``.
    colours, labels : list of str
        Fill colour (``#rrggbb``) and tooltip text per cell. Labels stay plain text: the
        component shows them as text, so they are not HTML-escaped (escaping would show
        ``&lt;`` to the user).
    legend : Legend
        Sent as data (title, rows, note); the component builds it with text nodes.
    res : int
        The H3 resolution: a click between hexagons selects the cell of this size under it.
    boundaries : dict, optional
        A GeoJSON FeatureCollection of area outlines (WGS84), drawn unfilled above the hexagons.
    tiles : str or Basemap
        A key of ``TILES`` (or an older name for one), or a configured ``Basemap`` (a server, an installed
        file); offline draws no tiles, but ``places``.
    overlays : list of dict, optional
        ``{"name": str, "geojson": FeatureCollection}`` with ``fill`` and a plain-text
        ``label`` in each feature's properties (cluster outlines).
    selected : str, optional
        The cell to outline (the one whose drill-down is shown).
    view_key : str
        The map fits its view to the study area on its first draw and again only when this
        changes (the area): a filter change keeps where the user has zoomed to.
    height_px : int
        Height of the map in CSS pixels.
    view_bounds : list, optional
        ``[[south, west], [north, east]]`` (``area_view``): the study area the map fits to, whatever the
        method draws. None: the outlines (``boundaries``), else the hexagons, else the overlays.
    selected_cluster : int, optional
        The cluster (an overlay feature's ``cluster`` property) to outline: the one whose drill-down is
        shown. A row chosen elsewhere (a table) pans the map to it; the zoom stays near the area's.
    places : dict, optional
        What an offline map writes so a reader can place himself (``places_args``): outlines with names and
        street names; drawn only with the offline basemap.

    Returns
    -------
    dict
        With ``version`` (a digest of the cells, colours, labels and overlays: the
        component redraws only when it changes; it marks ``body[data-version]`` when drawn),
        ``boundaries_key`` and ``overlays_key`` likewise.

    Raises
    ------
    SettingError
        An unknown basemap.
    """
    if not isinstance(tiles, Basemap):
        if basemaps.ALIASES.get(tiles, tiles) not in TILES:
            raise SettingError(f"'{tiles}' is not a basemap setting.", f"Use one of: {', '.join(TILES)}.")
        tiles = basemaps.resolve(tiles)
    spec = tiles_spec(tiles)
    places = places if spec is None and places else None
    cell_list = [str(c) for c in (cells["cell"] if isinstance(cells, pd.DataFrame) else cells)]
    if not (len(colours) == len(labels) == len(cell_list)):
        raise ValueError(f"{len(cell_list)} cells need as many colours ({len(colours)}) and labels ({len(labels)})")
    palette, index = (np.unique(np.asarray(colours, dtype=str), return_inverse=True) if cell_list
                      else (np.array([], dtype=str), np.array([], dtype=int)))
    label_list = [str(x) for x in labels]
    overlays = [{"name": str(o.get("name", "Overlay")), "geojson": o["geojson"]} for o in overlays or []]
    overlays_json = json.dumps(overlays, separators=(",", ":"), sort_keys=True).encode()
    index = index.astype(np.int32)
    return {
        "height": int(height_px),
        "res": int(res),
        "cells": cell_list,
        "palette": palette.tolist(),
        "colour_index": index.tolist(),
        "labels": label_list,
        "layer_name": legend.title,
        "legend": {"title": legend.title, "rows": [[c, label] for c, label in legend.rows], "note": legend.note},
        "boundaries": boundaries or None,
        "boundaries_key": _digest(json.dumps(boundaries or {}, separators=(",", ":"), sort_keys=True).encode()),
        "overlays": overlays,
        "overlays_key": _digest(overlays_json),
        "tiles": spec,
        "basemap": tiles.name,
        "offline_name": OFFLINE,
        "places": places,
        "places_key": _digest(json.dumps(places or {}, separators=(",", ":"), sort_keys=True).encode()),
        "selected": selected,
        "selected_cluster": None if selected_cluster is None else int(selected_cluster),
        "view_key": str(view_key),
        "view_bounds": view_bounds,
        "version": _digest("\x1f".join(cell_list).encode(), "\x1f".join(palette.tolist()).encode(),
                           index.tobytes(), "\x1f".join(label_list).encode(), overlays_json),
    }


def tiles_spec(b: Basemap) -> dict | None:
    """What the map's script needs to draw a basemap (None: offline, no tiles).

    ``{"type": "xyz", "url", "attribution", "link", "max_zoom", "host"}`` for a tile server (the browser
    fetches from it), or ``{"type": "pmtiles", "folder", "parts", "size", "kind", "format", "min_zoom",
    "max_zoom", "bounds", "attribution", "layers"}`` for an installed file: the script reads byte ranges of
    its parts from the app's own ``/app/static/tiles/<folder>/``. Attributions are plain text.

    Raises
    ------
    SettingError
        An installed file missing on this computer (``Basemap.manifest`` None).
    """
    if b.kind == "offline":
        return None
    if b.kind in ("osm", "server"):
        return {"type": "xyz", "url": b.url, "attribution": b.attribution, "host": b.host,
                "link": OSM_COPYRIGHT if b.kind == "osm" else None, "max_zoom": 19}
    m = b.manifest
    if not m:
        raise SettingError(f"The map background '{b.name}' is not installed on this computer.",
                           "Install its tile file on the Data page (Map backgrounds), or choose another basemap.")
    return {"type": "pmtiles", "folder": b.folder, "parts": [[str(n), int(k)] for n, k in m["parts"]],
            "size": int(m["size"]), "kind": m["kind"], "format": m["tile_format"], "min_zoom": int(m["min_zoom"]),
            "max_zoom": int(m["max_zoom"]), "bounds": m.get("bounds"), "attribution": b.attribution or m["attribution"],
            "layers": m.get("vector_layers") or []}


def places_args(outlines: list[tuple[str, dict]], streets: pd.DataFrame | None, streets_total: int = 0) -> dict:
    """What an offline map writes so a reader can place himself: area outlines with their names, and
    police.uk's street names at street zoom (``STREET_ZOOM``).

    Parameters
    ----------
    outlines : list of (str, dict)
        (layer, GeoJSON FeatureCollection in WGS84 with a ``name`` property per feature): districts, wards.
    streets : DataFrame, optional
        ``name, easting, northing`` (British National Grid), as ``geo.query.street_labels`` gives them.
    streets_total : int
        How many street names there were before the cap (the map says when some are left out).

    Returns
    -------
    dict
        ``{"areas": [{"layer", "geojson", "labels": [[lat, lon, name], ...]}], "streets": {"names", "lat",
        "lon"}, "street_zoom", "streets_total"}``: names plain text (the map writes them as text).
    """
    areas = []
    for layer, fc in outlines:
        feats = (fc or {}).get("features") or []
        labels = []
        for f in feats:
            name = str((f.get("properties") or {}).get("name", ""))
            try:
                pt = shapely.geometry.shape(f["geometry"]).point_on_surface()
            except Exception:  # noqa: BLE001 - an outline without a usable shape gets no name
                continue
            labels.append([round(pt.y, COORD_DECIMALS), round(pt.x, COORD_DECIMALS), name])
        areas.append({"layer": str(layer), "geojson": fc, "labels": labels})
    names, lat, lon = [], [], []
    if streets is not None and len(streets):
        ll = to_lonlat(shapely.points(streets["easting"].to_numpy(float), streets["northing"].to_numpy(float)))
        names = [str(n) for n in streets["name"]]
        lon = np.round(shapely.get_x(ll), COORD_DECIMALS).tolist()
        lat = np.round(shapely.get_y(ll), COORD_DECIMALS).tolist()
    return {"areas": areas, "streets": {"names": names, "lat": lat, "lon": lon}, "street_zoom": STREET_ZOOM,
            "streets_total": int(max(streets_total, len(names)))}


def area_view(geometry_bng) -> list | None:
    """A study area's bounds as the map fits them (``hexmap_args``' ``view_bounds``): ``[[south, west],
    [north, east]]`` in degrees, from a shapely geometry in British National Grid metres (None: none).

    >>> import shapely
    >>> [[round(v, 2) for v in corner] for corner in area_view(shapely.box(505000, 190000, 515000, 200000))]
    [[51.6, -0.49], [51.69, -0.34]]
    """
    if geometry_bng is None or geometry_bng.is_empty:
        return None
    w, s, e, n = to_lonlat(geometry_bng).bounds
    return [[round(float(s), COORD_DECIMALS), round(float(w), COORD_DECIMALS)],
            [round(float(n), COORD_DECIMALS), round(float(e), COORD_DECIMALS)]]


def hexmap_payload_bytes(args: dict) -> int:
    """Bytes of the component's data as sent on a run (its JSON), the component's own files aside
    (fetched once, when the map first opens)."""
    return len(json.dumps(args, separators=(",", ":")).encode("utf-8"))


# -- what the map draws for a method's result ---------------------------------------------------------------
#: Never send more hexagons than this to the browser (the busiest are kept, and the page says so).
MAX_CELLS = 6000


class _Blank(dict):
    """Format fields a summary lacks read as blank, not as an error."""

    def __missing__(self, key):
        return ""


def map_layers(det: CellScores, harm: bool, max_cells: int = MAX_CELLS) -> dict:
    """What the map draws for a method's result, from the method's ``MapStyle`` in the registry.

    Returns
    -------
    dict
        ``cells`` (the rows drawn, a DataFrame with ``cell``), ``colours``, ``labels`` (plain text: the map
        shows them as text), ``legend``, ``note`` and ``overlays`` (``{"name", "geojson"}`` as
        :func:`hexmap_args` takes them; cluster outlines), and ``n_clusters`` for clusters.

    Raises
    ------
    SettingError
        The method makes no map (a statistical test such as Knox).
    """
    method, _ = resolve(det.method)
    style = method.map
    if style is None:
        raise SettingError(f"The {method.label} result is a table, not a map.", "Choose a method that maps hexagons.")
    t = det.table
    words = {"Value": "Harm" if harm else "Incidents", "value_unit": "days of harm" if harm else "incidents",
             "max_cells": max_cells, "total": len(t)}
    fmt = _Blank({**det.summary, **words})
    column = style.column.replace("{value}", "harm" if harm else "count")
    if style.kind == "clusters":
        return _cluster_layers(det, style, fmt, column)
    keep = t
    if style.keep_area_pct is not None:
        keep = keep.loc[keep["cum_area_pct"] <= style.keep_area_pct]
    if style.keep_min_share is not None:
        peak = float(t[column].max()) if len(t) else 0.0
        keep = keep.loc[keep[column] >= style.keep_min_share * peak]
    if style.kind == "classes":
        palette = PALETTES[style.palette]
        keep = keep.loc[keep[column].isin(list(palette))]
    keep = keep.head(max_cells)
    fmt.update(drawn=len(keep), hidden=len(t) - len(keep))
    title, unit = fill(style.title, fmt), fill(style.unit, fmt)
    if style.kind == "classes":
        colours = [palette[c] for c in keep[column]]
        present = set(keep[column])
        legend = Legend(title, [(palette[c], c) for c in palette if c in present]
                        or [("#ffffff", "No significant hexagons")])
    else:
        colours, legend = sequential_style(keep[column].to_numpy(dtype=float), title, unit)
    legend.note = fill(style.legend_note, fmt)
    note = fill(style.note, fmt)
    if len(keep) == max_cells and len(t) > max_cells and not note:
        note = f"The {max_cells:,} busiest of {len(t):,} hexagons are drawn."
    labels = [fill(style.label, _Blank({**fmt, **row})) for row in keep.to_dict(orient="records")]
    return {"cells": keep, "colours": colours, "labels": labels, "legend": legend, "note": note, "overlays": []}


def _cluster_layers(det: CellScores, style, fmt: dict, column: str) -> dict:
    """Clusters as outlines coloured by size (labels plain text); each outline carries its ``cluster`` id, so a
    click on it opens that cluster (the component sends ``{"cluster": id}``), not the hexagon under it."""
    t = det.table
    geoms = to_lonlat(t["geometry"].to_numpy()) if len(t) else np.array([], dtype=object)
    colours, legend = sequential_style(t[column].to_numpy(dtype=float), fill(style.title, fmt),
                                       fill(style.unit, fmt))
    labels = [f"Cluster {int(k) + 1}: {plural(n, 'incident')}, {a:.2f} km²; {loc}"
              for k, n, a, loc in zip(t["cluster"], t["count"], t["area_km2"], t["top_locations"])]
    features = [{"type": "Feature", "properties": {"fill": c, "label": lab, "cluster": int(k)},
                 "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 10 ** -COORD_DECIMALS)))}
                for g, c, lab, k in zip(geoms, colours, labels, t["cluster"])]
    noise, clustered = det.summary.get("noise", 0), det.summary.get("clustered_pct", 0)
    return {"cells": pd.DataFrame({"cell": []}), "colours": [], "labels": [], "legend": legend,
            "note": f"Not in any cluster: {plural(noise, 'incident')} ({100 - clustered:.0f}%).",
            "overlays": [{"name": "Clusters", "geojson": {"type": "FeatureCollection", "features": features}}],
            "n_clusters": int(len(t))}
