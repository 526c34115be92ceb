"""The web map: one hexagon layer, boundaries, a legend, served without any CDN.

Built with folium, but every JS/CSS asset points at the app's own static files
(``static/vendor``, served by Streamlit at ``/app/static``): police networks often
block CDNs. Map tiles are a setting; "offline" draws boundaries only.

Every text that reaches the map (labels, tooltips, legend) is HTML-escaped here,
because Leaflet tooltips are HTML.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import folium
import h3
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import Fullscreen
from jinja2 import Template

__all__ = ["LEGEND_COLOURS", "TILES", "Legend", "hex_map", "map_payload_bytes", "value_classes"]

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
    ring = [[round(lng, COORD_DECIMALS), round(lat, COORD_DECIMALS)] for lat, lng in h3.cell_to_boundary(cell)]
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
        lats, lngs = np.array([h3.cell_to_latlng(c) for c in cell_list]).T
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
        _local_assets(ov)
        ov.add_to(m)
    fs = Fullscreen(position="topleft", title="Full screen", title_cancel="Leave full screen")
    fs.default_js, fs.default_css = list(_FULLSCREEN_JS), list(_FULLSCREEN_CSS)
    fs.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _LegendControl(legend.html()).add_to(m)
    m.fit_bounds(bounds)
    return m


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
