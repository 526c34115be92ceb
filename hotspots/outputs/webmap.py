"""The web map the app's own map component draws (``pages/_ui/hexmap.py``): the data it is sent, and what a
method's result looks like on it.

``map_layers`` turns a ``CellScores`` into cells, colours, plain-text labels, a legend and overlays from the
method's ``MapStyle`` in the registry; ``hexmap_args`` packs them with the outlines and the basemap into the
component's JSON: cell ids, a palette with an index per cell, the legend as data. The browser computes the
hexagons with h3-js and keeps its map between reruns, so a change sends data only, never HTML. Every script
and style sheet is served by the app itself; map tiles are a setting, and "offline" draws boundaries only.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import shapely

from geo.crs import to_lonlat
from geo.errors import SettingError
from hotspots.outputs.legend import PALETTES, Legend, sequential_style
from hotspots.tasks.registry import CellScores, resolve

__all__ = ["COORD_DECIMALS", "MAX_CELLS", "TILES", "hexmap_args", "hexmap_payload_bytes", "map_layers"]

#: Basemap settings. None = offline: boundaries only, nothing fetched.
TILES: dict[str, tuple[str, str] | None] = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    "Offline (boundaries only)": None,
}

#: Coordinates are rounded to 5 decimals (about 1 m): smaller payload, no visible change.
COORD_DECIMALS = 5


def _digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=8)
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def hexmap_args(cells, *, colours: list[str], labels: list[str], legend: Legend, res: int,
                boundaries: dict | None = None, tiles: str = "OpenStreetMap", overlays: list[dict] | None = None,
                selected: str | None = None, view_key: str = "", height_px: int = 620) -> dict:
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
    tiles : str
        A key of ``TILES``; the offline entry draws no basemap.
    overlays : list of dict, optional
        ``{"name": str, "geojson": FeatureCollection}`` with ``fill`` and a plain-text
        ``label`` in each feature's properties (cluster outlines).
    selected : str, optional
        The cell to outline (the one whose drill-down is shown).
    view_key : str
        The map fits its view to the data on its first draw and again only when this
        changes (the area): a filter change keeps where the user has zoomed to.
    height_px : int
        Height of the map in CSS pixels.

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
    if tiles not in TILES:
        raise SettingError(f"'{tiles}' is not a basemap setting.", f"Use one of: {', '.join(TILES)}.")
    cell_list = [str(c) for c in (cells["cell"] if isinstance(cells, pd.DataFrame) else cells)]
    if not (len(colours) == len(labels) == len(cell_list)):
        raise ValueError(f"{len(cell_list)} cells need as many colours ({len(colours)}) and labels ({len(labels)})")
    palette, index = (np.unique(np.asarray(colours, dtype=str), return_inverse=True) if cell_list
                      else (np.array([], dtype=str), np.array([], dtype=int)))
    label_list = [str(x) for x in labels]
    overlays = [{"name": str(o.get("name", "Overlay")), "geojson": o["geojson"]} for o in overlays or []]
    overlays_json = json.dumps(overlays, separators=(",", ":"), sort_keys=True).encode()
    index = index.astype(np.int32)
    spec = TILES[tiles]
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
        "tiles": {"url": spec[0], "attribution": spec[1]} if spec else None,
        "basemap": tiles,
        "selected": selected,
        "view_key": str(view_key),
        "version": _digest("\x1f".join(cell_list).encode(), "\x1f".join(palette.tolist()).encode(),
                           index.tobytes(), "\x1f".join(label_list).encode(), overlays_json),
    }


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
    title, unit = style.title.format_map(fmt), style.unit.format_map(fmt)
    if style.kind == "classes":
        colours = [palette[c] for c in keep[column]]
        present = set(keep[column])
        legend = Legend(title, [(palette[c], c) for c in palette if c in present]
                        or [("#ffffff", "No significant hexagons")])
    else:
        colours, legend = sequential_style(keep[column].to_numpy(dtype=float), title, unit)
    legend.note = style.legend_note.format_map(fmt)
    note = style.note.format_map(fmt)
    if len(keep) == max_cells and len(t) > max_cells and not note:
        note = f"The {max_cells:,} busiest of {len(t):,} hexagons are drawn."
    labels = [style.label.format_map(_Blank({**fmt, **row})) for row in keep.to_dict(orient="records")]
    return {"cells": keep, "colours": colours, "labels": labels, "legend": legend, "note": note, "overlays": []}


def _cluster_layers(det: CellScores, style, fmt: dict, column: str) -> dict:
    """Clusters as outlines coloured by size (labels plain text)."""
    t = det.table
    geoms = to_lonlat(t["geometry"].to_numpy()) if len(t) else np.array([], dtype=object)
    colours, legend = sequential_style(t[column].to_numpy(dtype=float), style.title.format_map(fmt),
                                       style.unit.format_map(fmt))
    labels = [f"Cluster {int(k) + 1}: {n:,} incidents, {a:.2f} km²; {loc}"
              for k, n, a, loc in zip(t["cluster"], t["count"], t["area_km2"], t["top_locations"])]
    features = [{"type": "Feature", "properties": {"fill": c, "label": lab},
                 "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 10 ** -COORD_DECIMALS)))}
                for g, c, lab in zip(geoms, colours, labels)]
    noise, clustered = det.summary.get("noise", 0), det.summary.get("clustered_pct", 0)
    return {"cells": pd.DataFrame({"cell": []}), "colours": [], "labels": [], "legend": legend,
            "note": f"{noise:,} incidents are not in any cluster ({100 - clustered:.0f}%).",
            "overlays": [{"name": "Clusters", "geojson": {"type": "FeatureCollection", "features": features}}],
            "n_clusters": int(len(t))}
