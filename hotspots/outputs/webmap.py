"""The web map: one hexagon layer, boundaries, a legend, served without any CDN.

Two ways to draw it:

* ``hexmap_args``: the data for the app's own map component (``pages/_hexmap.py``):
  cell ids, a palette with an index per cell, plain-text labels, the legend as data,
  boundaries, overlays. The browser computes the hexagons with h3-js and keeps its map
  between reruns, so a filter change sends data only. Labels stay plain text here: the
  component puts them into the page as text, never as HTML.
* ``hex_map``: a folium map (a self-contained page, e.g. for other pages' own maps).
  Every JS/CSS asset points at the app's own static files (``static/vendor``, served by
  Streamlit at ``/app/static``): police networks often block CDNs. Every text that
  reaches it (labels, tooltips, legend) is HTML-escaped, because Leaflet tooltips are HTML.

Map tiles are a setting; "offline" draws boundaries only.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import Fullscreen
from jinja2 import Template
from geo.grid import cell_boundary, cells_to_latlng

__all__ = ["LEGEND_COLOURS", "TILES", "Legend", "hex_map", "hexmap_args", "hexmap_payload_bytes", "map_payload_bytes",
           "value_classes"]

#: Where the app serves its vendored front-end files (Streamlit static serving).
ASSET_ROOT = "/app/static/vendor"
_JS = [("leaflet", f"{ASSET_ROOT}/leaflet-1.9.3/leaflet.js")]
_CSS = [("leaflet_css", f"{ASSET_ROOT}/leaflet-1.9.3/leaflet.css")]
_FULLSCREEN_JS = [("Control.Fullscreen.js", f"{ASSET_ROOT}/leaflet.fullscreen-3.0.0/Control.FullScreen.js")]
_FULLSCREEN_CSS = [("Control.FullScreen.css", f"{ASSET_ROOT}/leaflet.fullscreen-3.0.0/Control.FullScreen.css")]

#: Basemap settings. None = offline: boundaries only, nothing fetched.
TILES: dict[str, tuple[str, str] | None] = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    "Offline (boundaries only)": None,
}

#: Sequential classes, light to dark (ColorBrewer YlOrRd 5, readable on a projector).
LEGEND_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Gi* classes (ArcGIS's hot/cold palette).
GISTAR_COLOURS = {
    "Hot spot 99%": "#b2182b", "Hot spot 95%": "#ef8a62", "Hot spot 90%": "#fddbc7",
    "Cold spot 90%": "#d1e5f0", "Cold spot 95%": "#67a9cf", "Cold spot 99%": "#2166ac",
}
#: Coordinates are rounded to 5 decimals (about 1 m): smaller payload, no visible change.
COORD_DECIMALS = 5


@dataclass
class Legend:
    """A map legend: a title with its units, and (colour, label) rows."""

    title: str
    rows: list[tuple[str, str]]
    note: str = ""

    def html(self) -> str:
        rows = "".join(
            f'<div style="display:flex;align-items:center;margin:2px 0">'
            f'<span style="display:inline-block;width:18px;height:14px;background:{html.escape(c)};'
            f'border:1px solid #555;margin-right:6px"></span>{html.escape(label)}</div>'
            for c, label in self.rows)
        note = f'<div style="margin-top:4px;font-size:0.85em;color:#333">{html.escape(self.note)}</div>' if self.note else ""
        return (f'<div class="hotspots-legend" style="'
                f'background:rgba(255,255,255,0.95);padding:8px 10px;border:1px solid #444;border-radius:4px;'
                f'font:14px/1.3 sans-serif;color:#111;max-width:280px">'
                f'<div style="font-weight:bold;margin-bottom:4px">{html.escape(self.title)}</div>{rows}{note}</div>')


def value_classes(values: np.ndarray, n: int = 5) -> tuple[np.ndarray, list[float]]:
    """Split positive values into up to n classes at quantile breaks (ties merged).

    Returns the class of each value (0 = lowest) and the break points (upper bounds).

    >>> cls, breaks = value_classes(np.array([1, 1, 2, 3, 10, 50]), 3)
    >>> cls.tolist(), [round(b, 2) for b in breaks]
    ([0, 0, 1, 1, 2, 2], [1.0, 3.0, 50.0])
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return np.zeros(0, dtype=int), []
    qs = np.unique(np.quantile(v, np.linspace(0, 1, n + 1)[1:], method="inverted_cdf"))
    cls = np.searchsorted(qs, v, side="left")
    return np.minimum(cls, len(qs) - 1), qs.tolist()


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.2g}"


def _units(x: float, unit: str) -> str:
    """'1 incident', '2 incidents'."""
    return unit[:-1] if x == 1 and unit.endswith("s") and " " not in unit else unit


def sequential_style(values: np.ndarray, title: str, unit: str) -> tuple[list[str], Legend]:
    """Colours for a sequential variable and its legend (class ranges with units)."""
    cls, breaks = value_classes(values, len(LEGEND_COLOURS))
    palette = LEGEND_COLOURS[-len(breaks):] if breaks else LEGEND_COLOURS[:1]
    colours = [palette[c] for c in cls]
    rows, lo = [], float(np.min(values)) if len(values) else 0.0
    for i, hi in enumerate(breaks):
        rows.append((palette[i], f"{_fmt(lo)} to {_fmt(hi)} {unit}" if lo != hi else f"{_fmt(hi)} {_units(hi, unit)}"))
        lo = hi
    return colours, Legend(title, rows[::-1])


class _LegendControl(MacroElement):
    """The legend as a Leaflet control, so it lives inside the map (and its full screen)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: 'bottomleft'});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div');
            div.innerHTML = {{ this.legend_html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, legend_html: str):
        super().__init__()
        self._name = "Legend"
        self.legend_html = legend_html


def _cell_ring(cell: str) -> list[list[float]]:
    ring = [[round(lng, COORD_DECIMALS), round(lat, COORD_DECIMALS)] for lat, lng in cell_boundary(cell)]
    return ring + [ring[0]]


def hex_feature_collection(cells, labels) -> dict:
    """GeoJSON of H3 hexagons with their cell id and an escaped label."""
    feats = []
    for cell, label in zip(cells, labels):
        feats.append({"type": "Feature", "properties": {"cell": cell, "label": html.escape(str(label))},
                      "geometry": {"type": "Polygon", "coordinates": [_cell_ring(cell)]}})
    return {"type": "FeatureCollection", "features": feats}


def _local_assets(element) -> None:
    element.default_js = list(_JS)
    element.default_css = list(_CSS)


def hex_map(cells: pd.DataFrame, *, colours: list[str], labels: list[str], legend: Legend,
            boundaries: dict | None = None, tiles: str = "OpenStreetMap", overlays: list | None = None,
            height_px: int = 620) -> folium.Map:
    """A folium map of coloured hexagons, with boundaries, a legend and fullscreen.

    Parameters
    ----------
    cells : DataFrame
        With a ``cell`` column (H3 strings).
    colours, labels : list of str
        Fill colour and tooltip text per cell (labels are escaped here).
    legend : Legend
    boundaries : dict, optional
        A GeoJSON FeatureCollection of area outlines (WGS84), drawn unfilled.
    tiles : str
        A key of ``TILES``; the offline entry draws no basemap.
    overlays : list, optional
        Further folium layers (e.g. cluster outlines), added before the layer control.
    """
    if tiles not in TILES:
        from geo.errors import SettingError
        raise SettingError(f"'{tiles}' is not a basemap setting.", f"Use one of: {', '.join(TILES)}.")
    cell_list = list(cells["cell"])
    if cell_list:
        # open on where the hexagons are: a few outlying points must not zoom the map out
        lats, lngs = cells_to_latlng(list(cell_list))
        lo, hi = (1, 99) if len(cell_list) >= 100 else (0, 100)
        bounds = [[float(np.percentile(lats, lo)), float(np.percentile(lngs, lo))],
                  [float(np.percentile(lats, hi)), float(np.percentile(lngs, hi))]]
    elif boundaries and boundaries.get("features"):
        import shapely
        geom = shapely.from_geojson(json.dumps(boundaries))
        x0, y0, x1, y1 = geom.bounds
        bounds = [[y0, x0], [y1, x1]]
    else:
        bounds = [[51.6, -0.75], [52.1, 0.2]]  # Hertfordshire
    m = folium.Map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                   zoom_start=11, tiles=None, control_scale=True, height=height_px)
    _local_assets(m)
    spec = TILES[tiles]
    if spec is not None:
        folium.TileLayer(tiles=spec[0], attr=spec[1], name=tiles, max_zoom=19).add_to(m)
    if boundaries and boundaries.get("features"):
        # outlines only, not clickable: a click goes through to the hexagon below
        gj = folium.GeoJson(boundaries, name="Boundaries", control=True, interactive=False,
                            style_function=lambda f: {"color": "#222", "weight": 2, "fill": False, "dashArray": "4"})
        _local_assets(gj)
        gj.add_to(m)
    if cell_list:
        fc = hex_feature_collection(cell_list, labels)
        # folium turns the style function into one style per distinct colour, keyed by feature
        colour_of = dict(zip(cell_list, colours))
        layer = folium.GeoJson(
            fc, name=legend.title,
            style_function=lambda f: {"fillColor": colour_of[f["properties"]["cell"]],
                                      "color": colour_of[f["properties"]["cell"]], "weight": 0.5,
                                      "fillOpacity": 0.8},
            highlight_function=lambda f: {"weight": 3, "color": "#000"},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
        )
        _local_assets(layer)
        layer.add_to(m)
    for ov in overlays or []:
        if isinstance(ov, dict):  # an overlay as hexmap_args takes it: GeoJSON with fill and plain-text label
            ov = _folium_overlay(ov)
        _local_assets(ov)
        ov.add_to(m)
    fs = Fullscreen(position="topleft", title="Full screen", title_cancel="Leave full screen")
    fs.default_js, fs.default_css = list(_FULLSCREEN_JS), list(_FULLSCREEN_CSS)
    fs.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _LegendControl(legend.html()).add_to(m)
    m.fit_bounds(bounds)
    return m


def _folium_overlay(ov: dict) -> folium.GeoJson:
    """A ``{"name", "geojson"}`` overlay (features with ``fill`` and plain-text ``label``) as a
    folium layer, its labels escaped (folium's tooltips are HTML)."""
    feats = [dict(f, properties={"fill": (f.get("properties") or {}).get("fill", "#808080"),
                                 "label": html.escape(str((f.get("properties") or {}).get("label", "")))})
             for f in ov["geojson"].get("features", [])]
    return folium.GeoJson({"type": "FeatureCollection", "features": feats}, name=ov.get("name", "Overlay"),
                          style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#222",
                                                    "weight": 1.5, "fillOpacity": 0.6},
                          tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True))


def _digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=8)
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def hexmap_args(cells, *, colours: list[str], labels: list[str], legend: Legend, res: int,
                boundaries: dict | None = None, tiles: str = "OpenStreetMap", overlays: list[dict] | None = None,
                selected: str | None = None, view_key: str = "", height_px: int = 620) -> dict:
    """The data the app's map component draws (``pages/_hexmap.py``): JSON-ready, no HTML.

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
        from geo.errors import SettingError
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


def map_payload_estimate(layers: dict, boundaries: dict | None) -> int:
    """Bytes of the map's data without rendering it: the hexagon and boundary GeoJSON
    (which dominate the payload), with folium's per-map script as a fixed allowance.

    Cheap enough for every page run; ``map_payload_bytes`` is the exact measure.
    """
    fc = hex_feature_collection(list(layers["cells"]["cell"]), layers["labels"]) if len(layers["cells"]) else {}
    overlay = sum(len(json.dumps(getattr(o, "data", {}), separators=(",", ":"))) for o in layers.get("overlays", []))
    return (len(json.dumps(fc)) + len(json.dumps(boundaries or {})) + overlay
            + FOLIUM_BYTES_PER_CELL * len(layers["cells"]) + FOLIUM_SCRIPT_BYTES)


#: folium's script around the data, fitted on two renders of the sample (4,087 and 254
#: hexagons; exact - GeoJSON = 9 kB + 19 B a hexagon, the per-feature style lookup).
FOLIUM_SCRIPT_BYTES = 9_000
FOLIUM_BYTES_PER_CELL = 20


def map_payload_bytes(m: folium.Map) -> int:
    """Size of the map's rendered HTML/JS in bytes: what the browser must receive.

    Rendered from a copy: folium's render() appends to the figure, so rendering the
    map itself twice would double what is sent.
    """
    import copy

    return len(copy.deepcopy(m).get_root().render().encode("utf-8"))
