"""The web map's HTML: escaped text, only local assets, a small payload."""

import re

import h3
import numpy as np
import pandas as pd
import pytest

from hotspots.webmap import Legend, hex_map, map_payload_bytes, sequential_style

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
    from hotspots.webmap import map_payload_estimate

    for rings, label in ((20, "1,234 incidents, harm 56,789 days (1.2% of the total)"), (4, "x")):
        m, cells = small_map(n_rings=rings, label=label)
        exact = map_payload_bytes(m)
        layers = {"cells": pd.DataFrame({"cell": cells}), "labels": [label] * len(cells), "overlays": []}
        assert abs(map_payload_estimate(layers, None) - exact) / exact < 0.10
