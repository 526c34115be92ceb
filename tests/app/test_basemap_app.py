"""Map backgrounds in the app (AppTest, issue 15 "Maps on a closed network"): the default is offline and says so;
the Data page's Map backgrounds form adds a tile server and installs a tile file; the sidebar then offers them,
and each choice's sentence says where its tiles come from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.store import Store
from hotspots.tasks import basemaps
from tests.app.conftest import open_page
from tests.app.test_data_page import data_page
from tests.unit.test_tiles import raster_pmtiles


@pytest.fixture
def writable(app_env, tmp_path, monkeypatch):
    """A copy of the sample store the page may write to; tile files installed under tmp_path."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(app_env["db"], db)
    if Path(app_env["db"] + ".wal").exists():
        shutil.copy(app_env["db"] + ".wal", str(db) + ".wal")
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    monkeypatch.setenv("HOTSPOTS_TILES_DIR", str(tmp_path / "served"))
    return {**app_env, "db": str(db)}


def button(at, label):
    return next(b for b in at.button if b.label == label)


def caption_with(at, words: str) -> str:
    """A caption's text as shown (markdown escapes of names from the store undone)."""
    return next(c.value for c in at.caption if words in c.value).replace("\\", "")


def test_the_default_is_offline_and_says_what_it_draws(app_env):
    at = open_page("pages/map.py")
    assert not at.exception
    assert at.sidebar.selectbox(key="sidebar_basemap").value == basemaps.OFFLINE
    assert at.sidebar.selectbox(key="sidebar_basemap").options[:2] == [basemaps.OFFLINE, basemaps.OSM]
    note = caption_with(at, "Background:")
    assert "district and ward outlines with their names" in note and "nothing is fetched from the internet" in note
    # an old shared link's offline name still opens offline
    assert open_page("pages/map.py", map="Offline (boundaries only)").sidebar.selectbox(
        key="sidebar_basemap").value == basemaps.OFFLINE
    osm = open_page("pages/map.py", map=basemaps.OSM)
    note = caption_with(osm, "Background:")
    assert "tile.openstreetmap.org on the internet" in note and basemaps.OFFLINE in note


def test_the_data_page_adds_a_server_and_installs_a_file(writable, tmp_path):
    at = data_page()
    # a British National Grid WMTS set is refused with its sentence; nothing is stored
    at.text_input(key="basemap_server_name").input("Council OS")
    at.text_input(key="basemap_server_url").input(
        "https://maps.example.gov.uk/wmts/road/default/EPSG:27700/{TileMatrix}/{TileRow}/{TileCol}.png")
    button(at, "Add the server").click().run()
    assert any("another grid" in e.value for e in at.error), [e.value for e in at.error]
    at.text_input(key="basemap_server_url").input("https://maps.example.gov.uk/tiles/{z}/{x}/{y}.png")
    at.text_input(key="basemap_server_attribution").input("© Crown copyright")
    button(at, "Add the server").click().run()
    assert not at.exception
    assert any("Added the tile server 'Council OS'" in s.value for s in at.success)
    # a tile file by its path on the computer running the app
    path = raster_pmtiles(tmp_path / "watford.pmtiles")
    at.text_input(key="basemap_file_name").input("Watford test tiles")
    at.text_input(key="basemap_file_path").input(str(path))
    button(at, "Install the file").click().run()
    assert not at.exception
    assert any("Installed 'Watford test tiles'" in s.value for s in at.success), [e.value for e in at.error]
    assert (tmp_path / "served" / "watford-test-tiles" / "manifest.json").is_file()
    with Store(writable["db"], read_only=True) as s:
        stored = s.basemaps()
    assert list(stored["name"]) == ["Council OS", "Watford test tiles"]
    assert list(stored["location"]) == ["https://maps.example.gov.uk/tiles/{z}/{x}/{y}.png", "watford-test-tiles"]

    # the sidebar offers them, and each says where its tiles come from
    m = open_page("pages/map.py", map="Council OS")
    assert m.sidebar.selectbox(key="sidebar_basemap").options == [basemaps.OFFLINE, basemaps.OSM, "Council OS",
                                                                   "Watford test tiles"]
    assert "the partnership's tile server maps.example.gov.uk" in caption_with(m, "Background:")
    f = open_page("pages/map.py", map="Watford test tiles")
    note = caption_with(f, "Background:")
    assert "picture tile file (watford.pmtiles, zoom 10–12) served by this app itself" in note

    # removed: gone from the store and from this computer
    at = data_page()
    at.selectbox(key="basemap_remove_name").set_value("Watford test tiles")
    at.button(key="basemap_remove").click().run()
    assert not (tmp_path / "served" / "watford-test-tiles").exists()
    with Store(writable["db"], read_only=True) as s:
        assert list(s.basemaps()["name"]) == ["Council OS"]
