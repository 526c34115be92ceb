"""The folium maps the app drew before it had one map stack: the baselines ``bench/dashboard.py`` and
``bench/dashboard_folium.py`` measure the app's own map component against.

Not part of the product (bench/README.md, "One map stack": the own component is used everywhere); needs the
``bench`` extra (``pip install -e .[bench]``: folium, streamlit-folium). Every text is HTML-escaped, every
JS/CSS asset is the app's own (``static/vendor``), as it was in the app.
"""

from __future__ import annotations

import copy
import html
import json

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import Fullscreen
from jinja2 import Template

from geo.errors import SettingError
from geo.grid import cell_boundary, cells_to_latlng
from hotspots.outputs.legend import Legend
from hotspots.outputs.webmap import COORD_DECIMALS, TILES

#: Where the app serves its vendored front-end files (Streamlit static serving).
ASSET_ROOT = "/app/static/vendor"
_JS = [("leaflet", f"{ASSET_ROOT}/leaflet-1.9.3/leaflet.js")]
_CSS = [("leaflet_css", f"{ASSET_ROOT}/leaflet-1.9.3/leaflet.css")]
_FULLSCREEN_JS = [("Control.Fullscreen.js", f"{ASSET_ROOT}/leaflet.fullscreen-3.0.0/Control.FullScreen.js")]
_FULLSCREEN_CSS = [("Control.FullScreen.css", f"{ASSET_ROOT}/leaflet.fullscreen-3.0.0/Control.FullScreen.css")]

class LegendControl(MacroElement):
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
    LegendControl(legend_html(legend)).add_to(m)
    m.fit_bounds(bounds)
    return m


def legend_html(legend: Legend) -> str:
    """The folium map's legend box (every text HTML-escaped)."""
    rows = "".join(
        f'<div style="display:flex;align-items:center;margin:2px 0">'
        f'<span style="display:inline-block;width:18px;height:14px;background:{html.escape(c)};'
        f'border:1px solid #555;margin-right:6px"></span>{html.escape(label)}</div>'
        for c, label in legend.rows)
    note = (f'<div style="margin-top:4px;font-size:0.85em;color:#333">{html.escape(legend.note)}</div>'
            if legend.note else "")
    return (f'<div class="hotspots-legend" style="'
            f'background:rgba(255,255,255,0.95);padding:8px 10px;border:1px solid #444;border-radius:4px;'
            f'font:14px/1.3 sans-serif;color:#111;max-width:280px">'
            f'<div style="font-weight:bold;margin-bottom:4px">{html.escape(legend.title)}</div>{rows}{note}</div>')


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
    return len(copy.deepcopy(m).get_root().render().encode("utf-8"))
