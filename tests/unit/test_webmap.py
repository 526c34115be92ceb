"""The web map's HTML: escaped text, only local assets, a small payload."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from hotspots.outputs.webmap import Legend, hex_map, hexmap_args, map_payload_bytes, sequential_style

XSS = "<img src=x onerror=alert(1)>"


def small_map(tiles="Offline (boundaries only)", n_rings=8, label=XSS):
    cells = list(h3.grid_disk(h3.latlng_to_cell(51.656, -0.396, 9), n_rings))
    colours, legend = sequential_style(np.arange(len(cells), dtype=float), "Incidents per hexagon", "incidents")
    legend.note = XSS
    return hex_map(pd.DataFrame({"cell": cells}), colours=colours, labels=[label] * len(cells), legend=legend,
                   tiles=tiles), cells


def test_every_text_is_escaped():
    m, _ = small_map()
    html = m.get_root().render()
    # no "<img" survives, neither as it is nor JSON-escaped (which a browser would decode)
    assert XSS not in html and "\\u003cimg" not in html
    # the text is there, HTML-escaped (inside JSON, & itself may be written \u0026)
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") + html.count("\\u0026lt;img src=x onerror=alert(1)\\u0026gt;") >= 2


def test_only_local_assets_when_offline():
    m, _ = small_map()
    html = m.get_root().render()
    scripts = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts and all(u.startswith("/app/static/vendor/") for u in scripts), scripts
    assert "openstreetmap" not in html and "cdn." not in html


def test_online_basemap_is_the_only_outside_address():
    m, _ = small_map(tiles="OpenStreetMap")
    urls = set(re.findall(r'https?://[^"\'\s)]+', m.get_root().render()))
    assert {u.split("/")[2] for u in urls} <= {"tile.openstreetmap.org", "www.openstreetmap.org"}, urls


def test_payload_stays_small_per_hexagon():
    m, cells = small_map(n_rings=20, label="1,234 incidents, harm 56,789 days (1.2% of the total)")
    per_cell = map_payload_bytes(m) / len(cells)
    assert per_cell < 400, per_cell  # 6,000 hexagons stay under 2.4 MB


def test_payload_measure_does_not_change_the_map():
    m, _ = small_map()
    first = map_payload_bytes(m)
    assert map_payload_bytes(m) == first


def test_legend_rows_carry_units():
    colours, legend = sequential_style(np.array([1.0, 2, 3, 50]), "Incidents per hexagon", "incidents")
    assert all(label.endswith(("incident", "incidents")) for _, label in legend.rows)
    assert legend.rows[-1][1] == "1 incident"
    assert len(colours) == 4


def test_unknown_basemap_is_a_sentence():
    from geo.errors import SettingError
    with pytest.raises(SettingError, match="not a basemap"):
        hex_map(pd.DataFrame({"cell": []}), colours=[], labels=[], legend=Legend("x", []), tiles="Google")


def test_payload_estimate_is_within_ten_percent_of_the_render():
    from hotspots.outputs.webmap import map_payload_estimate

    for rings, label in ((20, "1,234 incidents, harm 56,789 days (1.2% of the total)"), (4, "x")):
        m, cells = small_map(n_rings=rings, label=label)
        exact = map_payload_bytes(m)
        layers = {"cells": pd.DataFrame({"cell": cells}), "labels": [label] * len(cells), "overlays": []}
        assert abs(map_payload_estimate(layers, None) - exact) / exact < 0.10


# -- the app's own map component: the data it is sent (hexmap_args) and its front end ----------------
FRONTEND = Path(__file__).resolve().parents[2] / "pages" / "_hexmap_frontend"


def component_args(n_rings=3, label=XSS, **kw):
    cells = list(h3.grid_disk(h3.latlng_to_cell(51.656, -0.396, 9), n_rings))
    colours, legend = sequential_style(np.arange(len(cells), dtype=float), "Incidents per hexagon", "incidents")
    legend.note = XSS
    labels = [f"{label} {i}" for i in range(len(cells))]
    return hexmap_args(pd.DataFrame({"cell": cells}), colours=colours, labels=labels, legend=legend, res=9,
                       **{"tiles": "Offline (boundaries only)", **kw}), cells, colours, labels


def test_component_gets_each_cell_its_colour_and_label_as_plain_text():
    args, cells, colours, labels = component_args()
    assert args["cells"] == cells and len(cells) == 37  # 1 + 6 + 12 + 18 hexagons in 3 rings
    assert [args["palette"][i] for i in args["colour_index"]] == colours
    assert len(args["palette"]) == len(set(colours)) <= 5  # a small palette, an index per cell
    # plain text: the component puts labels into the page as text nodes, so escaping here would
    # show "&lt;img" to the user; the browser test proves the text stays text
    assert args["labels"] == labels and args["legend"]["note"] == XSS
    assert args["legend"]["rows"] == [list(r) for r in sequential_style(np.arange(37.0), "x", "incidents")[1].rows]
    assert args["tiles"] is None and args["res"] == 9
    assert json.loads(json.dumps(args)) == args  # JSON as it is sent


def test_component_version_follows_the_data():
    base = component_args()[0]
    assert component_args()[0]["version"] == base["version"]  # same data, same version: no redraw
    assert component_args(label="other")[0]["version"] != base["version"]
    assert component_args(n_rings=2)[0]["version"] != base["version"]
    args, cells, colours, labels = component_args()
    swapped = hexmap_args(cells, colours=colours[::-1], labels=labels, legend=Legend("t", []), res=9,
                          tiles="Offline (boundaries only)")
    assert swapped["version"] != base["version"]
    # display-only settings do not change the data version
    assert component_args(selected=cells[0], view_key="district: Watford", height_px=760)[0]["version"] == base["version"]
    fc = {"type": "FeatureCollection", "features": []}
    assert component_args(boundaries=fc)[0]["boundaries_key"] == component_args(boundaries=fc)[0]["boundaries_key"]
    assert component_args(boundaries=fc)[0]["boundaries_key"] != base["boundaries_key"]


def test_component_basemap_and_errors():
    args = component_args(tiles="OpenStreetMap")[0]
    assert args["tiles"]["url"].startswith("https://tile.openstreetmap.org/")
    from geo.errors import SettingError
    with pytest.raises(SettingError, match="not a basemap"):
        component_args(tiles="Google")
    with pytest.raises(ValueError, match="as many colours"):
        hexmap_args(["89195da49b7ffff"], colours=[], labels=["x"], legend=Legend("x", []), res=9)


def test_component_payload_is_small_per_hexagon():
    from hotspots.outputs.webmap import hexmap_payload_bytes

    args, cells, _, _ = component_args(n_rings=20, label="1,234 incidents, harm 56,789 days (1.2% of the total)")
    per_cell = hexmap_payload_bytes(args) / len(cells)
    # cell id, colour index and label: a fifth of what the folium map needs per hexagon (< 400 B)
    assert per_cell < 100, per_cell


def test_component_front_end_uses_only_local_files_and_no_html_from_data():
    page = (FRONTEND / "index.html").read_text()
    js = (FRONTEND / "main.js").read_text()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert srcs and not any("//" in u or u.startswith("/") for u in srcs), srcs  # relative: served by the app
    # the component is served at /component/<name>/index.html: ../../app/static is the app's static folder
    root = FRONTEND.parents[1]
    for u in srcs:
        path = root / "static" / u.split("app/static/", 1)[1] if "app/static/" in u else FRONTEND / u
        assert path.is_file(), u
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js
    assert "http" not in js.replace("https://tile.openstreetmap.org", "")  # no address of its own
    assert (FRONTEND / "vendor" / "h3-js-4.5.0" / "LICENSE").is_file()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (Debian's nodejs) to run the vendored h3-js")
def test_vendored_h3_js_agrees_with_h3_py():
    """The browser draws hexagons with h3-js; the server bins with h3-py: same cells, same outlines."""
    cells = [h3.latlng_to_cell(51.656 + 0.01 * i, -0.396 + 0.013 * i, res) for i in range(5) for res in (8, 9, 10)]
    script = ("const h3 = require(process.argv[1]); const cells = JSON.parse(process.argv[2]);"
              "console.log(JSON.stringify(cells.map(c => [h3.cellToBoundary(c),"
              " h3.latLngToCell(...h3.cellToLatLng(c), h3.getResolution(c))])));")
    out = subprocess.run(["node", "-e", script, str(FRONTEND / "vendor" / "h3-js-4.5.0" / "h3-js.umd.js"),
                          json.dumps(cells)], capture_output=True, text=True, check=True, timeout=60).stdout
    for cell, (boundary, again) in zip(cells, json.loads(out)):
        assert again == cell
        assert np.allclose(boundary, h3.cell_to_boundary(cell), atol=1e-9)


def test_folium_map_takes_overlays_as_the_component_does_and_escapes_them():
    import shapely

    ring = shapely.Point(-0.396, 51.656).buffer(0.002)
    ov = {"name": "Clusters", "geojson": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"fill": "#bd0026", "label": XSS}, "geometry": shapely.geometry.mapping(ring)}]}}
    colours, legend = sequential_style(np.array([1.0]), "Cluster size", "incidents")
    html = hex_map(pd.DataFrame({"cell": []}), colours=[], labels=[], legend=legend, overlays=[ov],
                   tiles="Offline (boundaries only)").get_root().render()
    assert XSS not in html and "\\u003cimg" not in html and "Clusters" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "\\u0026lt;img src=x" in html  # there, as text
