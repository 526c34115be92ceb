"""Maps on a closed network, in headless Chromium against `streamlit run` (issue 15): the offline default writes
district, ward and street names and fetches nothing; a PMTiles and an MBTiles file installed for the app are
read from the app's own port with HTTP Range requests and drawn; OpenStreetMap blocked is said on the map.

Tile files are built by tests/unit/test_tiles.py's builders (never committed) and installed under the app's
static/tiles/ with names of this test run, removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from geo.store import Store
from hotspots.tasks import basemaps
from tests.conftest import SHARED_DATA
from tests.e2e.conftest import CHROMIUM, LOCAL, MAP_FRAME, AppDidNotStart, frame_resources, serve_app, wait_for_map
from tests.unit.test_tiles import raster_mbtiles, raster_pmtiles, vector_pmtiles

pytestmark = [pytest.mark.e2e, pytest.mark.shared]

WATFORD = "area=district%3A+Watford"
WARDS = SHARED_DATA / "boundaries" / "wards2013_by_lad"
RUN = f"e2e{os.getpid()}"
PM, MB, VEC = f"Test PMTiles {RUN}", f"Test MBTiles {RUN}", f"Test vector {RUN}"


@pytest.fixture(scope="session")
def tiles_app(real_db, tmp_path_factory):
    """The app on a copy of the real store with a PMTiles, an MBTiles and a vector PMTiles file installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium; .ci/run installs it when CI=true)")
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("e2e-tiles")
    db = root / "tiles.duckdb"
    shutil.copy(real_db, db)
    (root / "no-sample").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HOTSPOTS_TILES_DIR"}  # the app serves static/tiles
    made = []
    try:
        with Store(db) as store:
            for name, path in ((PM, raster_pmtiles(root / "w.pmtiles")), (MB, raster_mbtiles(root / "w.mbtiles")),
                               (VEC, vector_pmtiles(root / "v.pmtiles"))):
                made.append(basemaps.add_file(store, name, path, root=basemaps.TILES_DIR))
        env.update(HOTSPOTS_DB=str(db), HOTSPOTS_SAMPLE_DIR=str(root / "no-sample"))
        with serve_app(env, root / "streamlit.log") as url:
            yield {"url": url, "db": str(db), "maps": {b.name: b for b in made}}
    except AppDidNotStart as err:
        pytest.fail(str(err))
    finally:
        for b in made:
            shutil.rmtree(basemaps.TILES_DIR / b.folder, ignore_errors=True)


def frame(pg):
    return next(f for f in pg.frames if "hexmap" in f.url)


def places(pg) -> dict:
    """What the offline place names show (basemap.js): zoom, view and how many street names."""
    raw = frame(pg).evaluate("() => document.body.getAttribute('data-places')")
    return json.loads(raw) if raw else {}


def zoom_by(pg, clicks: int) -> dict:
    """Click the map's zoom button (in or out) and wait for the place names to follow."""
    before = places(pg).get("zoom")
    sel = "a.leaflet-control-zoom-in" if clicks > 0 else "a.leaflet-control-zoom-out"
    for _ in range(abs(clicks)):
        pg.frame_locator(MAP_FRAME).first.locator(sel).click()
        pg.wait_for_timeout(350)
    frame(pg).wait_for_function("z => { const p = JSON.parse(document.body.getAttribute('data-places') || '{}');"
                                " return p.zoom === z; }", arg=before + clicks, timeout=20_000)
    pg.wait_for_timeout(500)
    return places(pg)


def label_texts(pg, kind: str) -> list[str]:
    return pg.frame_locator(MAP_FRAME).first.locator(f".hotspots-place-{kind}").all_inner_texts()


def nothing_left(pg):
    assert pg.outside_requests == []
    assert all(u.startswith(LOCAL) for u in frame_resources(pg)), frame_resources(pg)


def test_offline_default_writes_district_ward_and_street_names_and_fetches_nothing(real_app_url, page):
    page.goto(f"{real_app_url['url']}/?{WATFORD}")  # no basemap in the link: the default
    wait_for_map(page)
    caption = page.get_by_text("district and ward outlines with their names").first.inner_text()
    assert "nothing is fetched from the internet" in caption
    assert page.frame_locator(MAP_FRAME).first.locator(".leaflet-tile-pane img").count() == 0
    # ward names at the district's zoom: Watford's wards (the ward file's own names, unique in the county)
    wards = json.loads((WARDS / "E07000103.json").read_text())["features"]
    others = {f["properties"]["WD13NM"] for p in WARDS.glob("*.json") if p.name != "E07000103.json"
              for f in json.loads(p.read_text())["features"]}
    watford_wards = {f["properties"]["WD13NM"] for f in wards} - others
    p = places(page)
    if p["zoom"] < 12:
        p = zoom_by(page, 12 - p["zoom"])
    shown = set(label_texts(page, "ward"))
    assert len(watford_wards) >= 8 and watford_wards <= shown, watford_wards - shown
    # district names when zoomed out: Watford and its neighbours
    zoom_by(page, -2)
    assert {"Watford", "Three Rivers", "Hertsmere"} <= set(label_texts(page, "district"))
    # street zoom: the streets in view, as the raw police.uk files name them ("On or near" dropped)
    p = zoom_by(page, 15 - places(page)["zoom"])
    assert p["zoom"] == 15 and p["streets"] > 20
    raw = pd.concat([pd.read_csv(f, usecols=["Longitude", "Latitude", "Location"])
                     for f in sorted((SHARED_DATA / "police").rglob("2021-*-street.csv"))])
    raw = raw.loc[raw["Location"].fillna("").str.startswith("On or near ")]
    pad_lat, pad_lon = (p["north"] - p["south"]) * 0.15, (p["east"] - p["west"]) * 0.15
    inside = raw["Latitude"].between(p["south"] + pad_lat, p["north"] - pad_lat) & raw["Longitude"].between(
        p["west"] + pad_lon, p["east"] - pad_lon)
    # names whose every snap point lies well inside the view (their label's mean point is inside too)
    names = raw.assign(inside=inside).groupby("Location")["inside"].agg(["all", "size"])
    ranked = [n.removeprefix("On or near ") for n in names.loc[names["all"]].sort_values("size").index[::-1]]
    streets = set(label_texts(page, "street"))
    # the busiest are written (a quieter name that would overlap a busier one is left out, for readability)
    assert len(set(ranked[:8]) & streets) >= 6, (ranked[:8], streets)
    # and every name written is a police.uk location in the raw files near the view
    near = raw["Latitude"].between(p["south"] - 0.01, p["north"] + 0.01) & raw["Longitude"].between(
        p["west"] - 0.01, p["east"] + 0.01)
    assert streets <= set(raw.loc[near, "Location"].str.removeprefix("On or near ")), streets
    nothing_left(page)


@pytest.mark.parametrize("which, fill", [(PM, (120, 200, 120)), (MB, (90, 140, 230))])
def test_a_local_tile_file_is_served_by_the_app_with_range_requests_and_drawn(tiles_app, page, which, fill):
    statuses = []
    page.on("response", lambda r: statuses.append((r.url, r.status, r.request.headers.get("range")))
            if "/app/static/tiles/" in r.url else None)
    b = tiles_app["maps"][which]
    page.goto(f"{tiles_app['url']}/?map={which.replace(' ', '+')}&{WATFORD}")
    wait_for_map(page)
    f = frame(page)
    f.wait_for_function("() => { const t = [...document.querySelectorAll('.leaflet-tile-pane img')];"
                        " return t.length > 0 && t.every(i => i.complete && i.naturalWidth === 256); }",
                        timeout=30_000)
    tiles = f.evaluate("""() => [...document.querySelectorAll('.leaflet-tile-pane img')].map(img => {
        const c = document.createElement('canvas'); c.width = c.height = 256;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, 256, 256).data, colours = new Set();
        let fill = 0;
        for (let i = 0; i < d.length; i += 4) {
            colours.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
            if (d[i] === %d) fill += 1;
        }
        return {src: img.src, colours: colours.size, fill: fill / (256 * 256)};
    })""" % fill[0])
    assert tiles and all(t["src"].startswith("blob:http://127.0.0.1:") for t in tiles)
    # not blank: the file's own fill (its red channel) and its grid and text
    assert all(t["colours"] >= 3 and t["fill"] > 0.5 for t in tiles), tiles
    # the bytes came from the app's own port, in parts, by HTTP Range requests answered 206
    parts = [u for u, _, _ in statuses]
    assert parts and all(u.startswith(f"{tiles_app['url']}/app/static/tiles/{b.folder}/part-") for u in parts)
    assert all(s == 206 and r and r.startswith("bytes=") for _, s, r in statuses), statuses
    caption = page.get_by_text("served by this app itself").first.inner_text()
    assert which in caption and "nothing is fetched from the internet" in caption
    # the file's own credit, as text (its markup dropped)
    assert b.attribution in f.evaluate("() => document.querySelector('.leaflet-control-attribution').textContent")
    nothing_left(page)


def test_a_vector_tile_file_is_drawn_on_canvas(tiles_app, page):
    page.goto(f"{tiles_app['url']}/?map={VEC.replace(' ', '+')}&{WATFORD}")
    wait_for_map(page)
    f = frame(page)
    # protomaps-leaflet paints each tile on a canvas; the 'water' layer's fill colour (basemap.js LOOKS) shows
    f.wait_for_function("""() => [...document.querySelectorAll('.leaflet-tile-pane canvas')].some(c => {
        if (!c.width) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 170) < 12 && Math.abs(d[i + 1] - 211) < 12 &&
                                                   Math.abs(d[i + 2] - 223) < 12) return true;
        return false; })""", timeout=30_000)
    nothing_left(page)


def test_openstreetmap_blocked_is_said_on_the_map(tiles_app, page):
    page.goto(f"{tiles_app['url']}/?map=OpenStreetMap+%28internet%29&{WATFORD}")
    wait_for_map(page)
    box = page.frame_locator(MAP_FRAME).first.locator(".hotspots-tiles-problem")
    box.wait_for(timeout=30_000)
    text = box.inner_text()
    assert "could not be loaded" in text and "tile.openstreetmap.org" in text
    assert "Offline: outlines and street names" in text
    assert any("tile.openstreetmap.org" in u for u in page.outside_requests)  # the browser tried, was stopped
