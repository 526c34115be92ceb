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

from geo.errors import SettingError
from hotspots.outputs.legend import Legend, sequential_style
from hotspots.outputs.webmap import hexmap_args, hexmap_payload_bytes

XSS = "<img src=x onerror=alert(1)>"


def test_legend_rows_carry_units():
    colours, legend = sequential_style(np.array([1.0, 2, 3, 50]), "Incidents per hexagon", "incidents")
    assert all(label.endswith(("incident", "incidents")) for _, label in legend.rows)
    assert legend.rows[-1][1] == "1 incident"
    assert len(colours) == 4


# -- the app's own map component: the data it is sent (hexmap_args) and its front end ----------------
ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "pages" / "_ui" / "hexmap_frontend"


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
    with pytest.raises(SettingError, match="not a basemap"):
        component_args(tiles="Google")
    with pytest.raises(ValueError, match="as many colours"):
        hexmap_args(["89195da49b7ffff"], colours=[], labels=["x"], legend=Legend("x", []), res=9)


def test_component_payload_is_small_per_hexagon():
    args, cells, _, _ = component_args(n_rings=20, label="1,234 incidents, harm 56,789 days (1.2% of the total)")
    per_cell = hexmap_payload_bytes(args) / len(cells)
    # cell id, colour index and label: a fifth of what a folium map needed per hexagon (< 400 B)
    assert per_cell < 100, per_cell


def test_component_front_end_uses_only_local_files_and_no_html_from_data():
    page = (FRONTEND / "index.html").read_text()
    js = (FRONTEND / "main.js").read_text()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert srcs and not any("//" in u or u.startswith("/") for u in srcs), srcs  # relative: served by the app
    # the component is served at /component/<name>/index.html: ../../app/static is the app's static folder
    root = ROOT
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




def test_component_overlays_carry_labels_and_marks_as_data():
    """Camera circles and cluster outlines reach the browser as GeoJSON properties, never as HTML; the front
    end puts a label and a site's number into the page as text."""
    ring = [[-0.396, 51.656], [-0.395, 51.656], [-0.395, 51.657], [-0.396, 51.656]]
    ov = {"name": "Sites", "geojson": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"fill": "#1f78b4", "stroke": "#1f78b4", "mark": "1", "label": XSS,
                                           "dash": "4"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}}
    args = component_args(overlays=[ov])[0]
    props = args["overlays"][0]["geojson"]["features"][0]["properties"]
    assert props["label"] == XSS and props["mark"] == "1"  # the data as typed: the browser shows it as text
    js = (FRONTEND / "main.js").read_text()
    assert "el.textContent = String(text)" in js and "textNode(p.label)" in js
    assert re.search(r"/\^\[0-9 ,\]\*\$/\.test\(p\.dash\)", js)  # a dash pattern is digits only
