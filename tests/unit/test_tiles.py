"""Map tiles on a closed network (issue 15, "Maps on a closed network"): geo/tiles.py reads PMTiles and MBTiles
files and tile servers, refuses hostile files with a sentence, installs a file in parts the app serves; the
store keeps a partnership's backgrounds; the offline map's street names come from police.uk's snap points.

The tile files are built here (PNG tiles drawn with PIL, written with sqlite3 and the pmtiles writer), never
committed. Each tile's colour says which tile it is, so a test knows independently what a tile must show.
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import sqlite3
import threading
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageDraw
from pmtiles.tile import Compression, TileType, serialize_header, zxy_to_tileid
from pmtiles.writer import write

from geo import tiles
from geo.errors import InputFileError, SettingError
from geo.store import Store
from geo.tiles import (MBTilesSource, PMTilesSource, TileServerError, XyzSource, install_tiles, open_tiles,
                       read_manifest, xyz_template)
from hotspots.cli import main as cli_main
from hotspots.outputs.legend import Legend
from hotspots.outputs.webmap import TILES, hexmap_args, places_args
from hotspots.tasks import basemaps

#: Watford and around (lon, lat): the test files hold tiles here only.
WATFORD = (-0.50, 51.60, -0.30, 51.72)
ZOOMS = (10, 11, 12)


# -- building tile files ---------------------------------------------------------------------------------
def tile_range(z: int, bounds=WATFORD):
    """The XYZ tiles of zoom z over (west, south, east, north)."""
    import math

    def xy(lon, lat):
        n = 2 ** z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    x0, y0 = xy(bounds[0], bounds[3])
    x1, y1 = xy(bounds[2], bounds[1])
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def tile_colour(z: int, x: int, y: int, base: tuple[int, int, int]) -> tuple[int, int, int]:
    """A tile's own fill: the base colour, nudged by its address (so each tile is told apart)."""
    return (base[0], (base[1] + 7 * z + 3 * x) % 256, (base[2] + 5 * y) % 256)


def png_tile(z: int, x: int, y: int, base=(120, 200, 120)) -> bytes:
    """A 256-pixel PNG: the tile's colour with a dark grid and its address written on it (never blank)."""
    im = Image.new("RGB", (256, 256), tile_colour(z, x, y, base))
    d = ImageDraw.Draw(im)
    for k in range(0, 256, 32):
        d.line([(k, 0), (k, 255)], fill=(40, 40, 40), width=2)
        d.line([(0, k), (255, k)], fill=(40, 40, 40), width=2)
    d.text((40, 40), f"{z}/{x}/{y}", fill=(0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def all_tiles(zooms=ZOOMS, bounds=WATFORD):
    return [t for z in zooms for t in tile_range(z, bounds)]


def raster_pmtiles(path: Path, *, base=(120, 200, 120), zooms=ZOOMS, name="Test PMTiles",
                   attribution="<b>Test</b> &copy; tiles") -> Path:
    """A raster PMTiles file over Watford (PNG tiles), written with the pmtiles package's writer."""
    with write(str(path)) as w:
        for tid, (z, x, y) in sorted((zxy_to_tileid(*t), t) for t in all_tiles(zooms)):
            w.write_tile(tid, png_tile(z, x, y, base))
        w.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE,
                    "min_lon_e7": int(WATFORD[0] * 1e7), "min_lat_e7": int(WATFORD[1] * 1e7),
                    "max_lon_e7": int(WATFORD[2] * 1e7), "max_lat_e7": int(WATFORD[3] * 1e7)},
                   {"name": name, "attribution": attribution})
    return path


def raster_mbtiles(path: Path, *, base=(90, 140, 230), zooms=ZOOMS, name="Test MBTiles", fmt="png",
                   attribution="MBTiles test") -> Path:
    """A raster MBTiles file (TMS rows, as the MBTiles spec stores them) written with sqlite3."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    meta = {"name": name, "format": fmt, "minzoom": str(min(zooms)), "maxzoom": str(max(zooms)),
            "bounds": ",".join(str(v) for v in WATFORD), "attribution": attribution}
    con.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
    con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                    [(z, x, (1 << z) - 1 - y, png_tile(z, x, y, base)) for z, x, y in all_tiles(zooms)])
    con.commit()
    con.close()
    return path


def centre_colour(data: bytes) -> tuple[int, int, int]:
    """The colour of a tile picture between its grid lines (where the fill shows)."""
    return Image.open(io.BytesIO(data)).convert("RGB").getpixel((16, 200))


# -- reading -------------------------------------------------------------------------------------------
def test_pmtiles_and_mbtiles_give_the_tiles_that_were_written(tmp_path):
    pm = open_tiles(raster_pmtiles(tmp_path / "a.pmtiles"))
    mb = open_tiles(raster_mbtiles(tmp_path / "b.mbtiles"))
    assert isinstance(pm, PMTilesSource) and isinstance(mb, MBTilesSource)
    for src, base in ((pm, (120, 200, 120)), (mb, (90, 140, 230))):
        assert (src.kind, src.tile_format, src.min_zoom, src.max_zoom) == ("raster", "png", 10, 12)
        assert src.bounds == pytest.approx(WATFORD)
        for z, x, y in all_tiles():
            # XYZ addressing (y from the north) for both: the MBTiles TMS rows are flipped
            assert centre_colour(src.tile(z, x, y)) == tile_colour(z, x, y, base), (src, z, x, y)
        assert src.tile(9, 255, 170) is None       # a zoom the file does not hold
        assert src.tile(12, 0, 0) is None          # outside its area
    # attributions and names are plain text: markup dropped, entities decoded
    assert pm.attribution == "Test © tiles" and pm.name == "Test PMTiles"
    assert mb.attribution == "MBTiles test"
    with pytest.raises(SettingError, match="There is no tile 3/9/0"):
        pm.tile(3, 9, 0)


def test_a_vector_mbtiles_is_read_as_vector_and_its_tiles_inflated(tmp_path):
    path = tmp_path / "v.mbtiles"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    layers = {"vector_layers": [{"id": "roads", "fields": {"name": "String"}}]}
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "pbf"), ("minzoom", "0"), ("maxzoom", "0"),
                                                            ("json", json.dumps(layers))])
    con.execute("INSERT INTO tiles VALUES (0, 0, 0, ?)", (gzip.compress(b"\x1a\x00"),))
    con.commit()
    con.close()
    src = open_tiles(path)
    assert (src.kind, src.tile_format) == ("vector", "pbf")
    assert src.tile(0, 0, 0) == b"\x1a\x00"
    assert src.metadata["vector_layers"][0]["id"] == "roads"


# -- hostile files: refused with a sentence, never read whole --------------------------------------------
def _header(**changes) -> bytes:
    h = {"root_offset": 127, "root_length": 10, "metadata_offset": 137, "metadata_length": 10,
         "leaf_directory_offset": 147, "leaf_directory_length": 0, "tile_data_offset": 147, "tile_data_length": 0,
         "clustered": True, "internal_compression": Compression.GZIP, "tile_compression": Compression.NONE,
         "tile_type": TileType.PNG, "min_zoom": 0, "max_zoom": 0}
    h.update(changes)
    return serialize_header(h)


def test_hostile_pmtiles_files_are_refused_with_a_sentence(tmp_path):
    good = raster_pmtiles(tmp_path / "good.pmtiles").read_bytes()
    cases = {
        "truncated.pmtiles": (good[:100], "cut short"),
        "half.pmtiles": (good[: len(good) // 2], "cut short"),
        "zip.pmtiles": (b"PK\x03\x04" + b"\x00" * 200, "neither a PMTiles nor an MBTiles"),
        "empty.pmtiles": (b"", "neither a PMTiles nor an MBTiles"),
        "v2.pmtiles": (b"PM\x02\x00" + b"\x00" * 200, "version 2"),
        # a header declaring sections far beyond the file (a "zip bomb" of declared sizes)
        "huge.pmtiles": (_header(metadata_length=1 << 60) + b"\x00" * 40, "the file has"),
        "huge_tiles.pmtiles": (_header(tile_data_length=1 << 40) + b"\x00" * 40, "the file has"),
        "avif.pmtiles": (_header(tile_type=TileType.AVIF) + b"\x00" * 40, "AVIF"),
    }
    # metadata that inflates to 64 MB from 64 kB: stopped at the ceiling
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
    root = gzip.compress(b"\x00")
    cases["bomb.pmtiles"] = (_header(root_length=len(root), metadata_offset=127 + len(root),
                                     metadata_length=len(bomb), leaf_directory_offset=127 + len(root) + len(bomb),
                                     tile_data_offset=127 + len(root) + len(bomb)) + root + bomb, "zip bomb")
    for name, (data, words) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputFileError, match=words) as info:
            open_tiles(path)
        err = info.value
        assert err.fix and err.file.endswith(name) and str(err).endswith(".") or "Fix:" in str(err), name


def test_hostile_mbtiles_files_are_refused_with_a_sentence(tmp_path):
    good = raster_mbtiles(tmp_path / "good.mbtiles").read_bytes()
    (tmp_path / "cut.mbtiles").write_bytes(good[: len(good) // 2])
    with pytest.raises(InputFileError, match="ends early"):
        open_tiles(tmp_path / "cut.mbtiles")
    con = sqlite3.connect(tmp_path / "notiles.mbtiles")
    con.execute("CREATE TABLE people (name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(InputFileError, match="no 'tiles' table"):
        open_tiles(tmp_path / "notiles.mbtiles")
    # a tile larger than any map tile: refused before it is read
    path = raster_mbtiles(tmp_path / "big.mbtiles", zooms=(0,))
    con = sqlite3.connect(path)
    con.execute("UPDATE tiles SET tile_data = zeroblob(9 * 1024 * 1024)")
    con.commit()
    con.close()
    with pytest.raises(InputFileError, match="never over 8 MB"):
        open_tiles(path).tile(0, 0, 0)
    # a 'tiles' view written to spin forever: stopped by the step budget
    spin = tmp_path / "spin.mbtiles"
    con = sqlite3.connect(spin)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("INSERT INTO metadata VALUES ('format', 'png')")
    con.execute("CREATE VIEW tiles AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) "
                "SELECT 0 AS zoom_level, 0 AS tile_column, 0 AS tile_row, zeroblob(1) AS tile_data FROM c "
                "WHERE i < 0")
    con.commit()
    con.close()
    with pytest.raises(InputFileError, match="takes too long"):
        open_tiles(spin)


# -- installing: parts under 200 MB the app serves, read back as one file ---------------------------------
def test_install_cuts_parts_and_the_parts_read_as_the_file(tmp_path, monkeypatch):
    # Streamlit's static serving refuses files over its limit: every part is under it
    from streamlit.web.server.starlette.starlette_server_config import MAX_APP_STATIC_FILE_SIZE

    assert tiles.MAX_TILE_BYTES < tiles.PART_BYTES < MAX_APP_STATIC_FILE_SIZE
    monkeypatch.setattr(tiles, "PART_BYTES", 20_000)
    src = raster_pmtiles(tmp_path / "a.pmtiles")
    m = install_tiles(src, tmp_path / "served", "My tiles: Watford!")
    assert m["folder"] == "my-tiles-watford"
    assert len(m["parts"]) == -(-src.stat().st_size // 20_000) > 1
    assert sum(n for _, n in m["parts"]) == m["size"] == src.stat().st_size
    folder = tmp_path / "served" / "my-tiles-watford"
    assert b"".join((folder / p).read_bytes() for p, _ in m["parts"]) == src.read_bytes()
    assert read_manifest(folder) == m
    installed, original = open_tiles(folder), open_tiles(src)
    for t in all_tiles():
        assert installed.tile(*t) == original.tile(*t)
    # an MBTiles file is converted: the same pictures at the same XYZ addresses
    m2 = install_tiles(raster_mbtiles(tmp_path / "b.mbtiles"), tmp_path / "served", "MB")
    conv, mb = open_tiles(tmp_path / "served" / m2["folder"]), open_tiles(tmp_path / "b.mbtiles")
    assert (conv.kind, conv.tile_format, conv.min_zoom, conv.max_zoom) == ("raster", "png", 10, 12)
    assert all(conv.tile(*t) == mb.tile(*t) for t in all_tiles())
    # a part missing or cut: the manifest check says so
    (folder / m["parts"][-1][0]).write_bytes(b"x")
    with pytest.raises(InputFileError, match="missing or of another size"):
        read_manifest(folder)


# -- tile servers ----------------------------------------------------------------------------------------
def test_tile_server_templates():
    assert xyz_template("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    assert (xyz_template("https://gis.example.gov.uk/wmts/1.0.0/road/default/GoogleMapsCompatible/"
                         "{TileMatrix}/{TileRow}/{TileCol}.png")
            == "https://gis.example.gov.uk/wmts/1.0.0/road/default/GoogleMapsCompatible/{z}/{y}/{x}.png")
    assert (xyz_template("https://gis.example.gov.uk/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=road&"
                         "TILEMATRIXSET=EPSG:3857&TILEMATRIX=EPSG:3857:{TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}")
            .endswith("TILEMATRIX=EPSG:3857:{z}&TILEROW={y}&TILECOL={x}"))
    refused = {
        "https://gis.example.gov.uk/wmts/road/default/EPSG:27700/{TileMatrix}/{TileRow}/{TileCol}.png": "another grid",
        "https://gis.example.gov.uk/wmts/road/default/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png":
            "does not name a Web Mercator",
        "https://tiles.example.org/{z}/{x}.png": r"must have \{y\}",
        "https://tiles.example.org/{z}/{x}/{y}/{apikey}.png": r"placeholder \{apikey\}",
        "file:///etc/{z}/{x}/{y}": "not a web address",
        "tiles.example.org/{z}/{x}/{y}.png": "not a web address",
    }
    for url, words in refused.items():
        with pytest.raises(SettingError, match=words):
            xyz_template(url)


@pytest.fixture
def tile_server():
    """A tile server on this machine's loopback: PNG tiles, a 404, and an HTML log-in page."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            parts = self.path.strip("/").split("/")
            if parts[0] == "login":
                body, ctype, code = b"<html>Please log in</html>", "text/html", 200
            elif len(parts) == 4 and parts[3] == "2.png":
                body, ctype, code = png_tile(1, 1, 0), "image/png", 200
            else:
                body, ctype, code = b"", "text/plain", 404
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_xyz_source_fetches_tiles_and_says_what_went_wrong(tile_server):
    src = XyzSource(tile_server + "/t/{z}/{x}/{y}.png", "Loopback <i>tiles</i>", timeout_s=5)
    assert (src.kind, src.tile_format, src.attribution, src.name) == ("raster", "png", "Loopback tiles", "127.0.0.1")
    data = XyzSource(tile_server + "/t/{x}/{y}/{z}.png", "").tile(2, 1, 1)  # -> /t/1/1/2.png
    assert centre_colour(data) == tile_colour(1, 1, 0, (120, 200, 120))
    assert src.tile(3, 1, 1) is None  # the server's 404: no tile there
    with pytest.raises(TileServerError, match="something other than a map picture"):
        XyzSource(tile_server + "/login/{z}/{x}/{y}", "").tile(1, 0, 0)
    with pytest.raises(TileServerError, match="did not answer"):
        XyzSource("http://127.0.0.1:9/{z}/{x}/{y}.png", "", timeout_s=2).tile(1, 0, 0)


# -- the setting: the store keeps the partnership's backgrounds; the CLI and the web map read them -------------
def test_basemaps_in_the_store_the_cli_and_the_web_map(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOTSPOTS_TILES_DIR", str(tmp_path / "served"))
    db = str(tmp_path / "s.duckdb")
    raster_pmtiles(tmp_path / "w.pmtiles")
    assert cli_main(["basemap", "add", "Watford test", "--file", str(tmp_path / "w.pmtiles"), "--db", db,
                     "--quiet"]) == 0
    assert cli_main(["basemap", "add", "Council OS", "--url", "https://maps.example.gov.uk/{z}/{x}/{y}.png",
                     "--attribution", "© Crown copyright", "--db", db]) == 0
    assert cli_main(["basemap", "add", "BNG", "--url", "https://x.example/wmts/EPSG:27700/{TileMatrix}/{TileRow}/"
                     "{TileCol}.png", "--db", db]) == 2
    assert "another grid" in capsys.readouterr().err
    assert cli_main(["basemap", "add", "Offline: outlines and street names", "--url",
                     "https://x.example/{z}/{x}/{y}.png", "--db", db]) == 2
    assert cli_main(["basemap", "add", "Junk", "--file", str(Path(__file__)), "--db", db]) == 2
    assert "neither a PMTiles nor an MBTiles" in capsys.readouterr().err
    assert cli_main(["basemap", "list", "--json", "--db", db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [b["name"] for b in listed] == [basemaps.OFFLINE, basemaps.OSM, "Council OS", "Watford test"]
    assert listed[3]["installed"] is True and listed[2]["url"] == "https://maps.example.gov.uk/{z}/{x}/{y}.png"

    with Store(db) as store:
        maps = basemaps.configured(store)
    assert basemaps.basemap_names(maps) == (basemaps.OFFLINE, basemaps.OSM, "Council OS", "Watford test")
    legend = Legend("Incidents", [])
    args = lambda tiles, **kw: hexmap_args([], colours=[], labels=[], legend=legend, res=9, tiles=tiles, **kw)  # noqa: E731
    # the default is offline: no tiles, and the places are drawn
    places = places_args([("district", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Watford"},
         "geometry": {"type": "Polygon", "coordinates": [[[-0.45, 51.63], [-0.36, 51.63], [-0.36, 51.70],
                                                          [-0.45, 51.70], [-0.45, 51.63]]]}}]})],
                         pd.DataFrame({"name": ["High Street"], "easting": [511073.0], "northing": [196366.0]}), 5)
    a = args(basemaps.OFFLINE, places=places)
    assert a["tiles"] is None and a["places"]["areas"][0]["labels"][0][2] == "Watford"
    assert a["places"]["streets"]["names"] == ["High Street"] and a["places"]["streets_total"] == 5
    assert a["places"]["streets"]["lat"][0] == pytest.approx(51.6553, abs=1e-3)
    assert TILES[basemaps.OFFLINE] is None and hexmap_args.__kwdefaults__["tiles"] == basemaps.OFFLINE
    osm = args("OpenStreetMap", places=places)  # an older name still works; no places with tiles
    assert osm["tiles"]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png" and osm["places"] is None
    server = args(basemaps.resolve("Council OS", maps))
    assert server["tiles"] == {"type": "xyz", "url": "https://maps.example.gov.uk/{z}/{x}/{y}.png",
                               "attribution": "© Crown copyright", "host": "maps.example.gov.uk", "link": None,
                               "max_zoom": 19}
    local = args(basemaps.resolve("Watford test", maps))["tiles"]
    assert (local["type"], local["folder"], local["kind"], local["format"]) == ("pmtiles", "watford-test", "raster", "png")
    assert local["size"] == (tmp_path / "w.pmtiles").stat().st_size and local["attribution"] == "Test © tiles"
    # a file the store lists but this computer has not installed: said, not drawn
    with Store(db) as store:
        store.save_basemap("Elsewhere", "file", "elsewhere", "")
        missing = basemaps.resolve("Elsewhere", basemaps.configured(store))
    with pytest.raises(SettingError, match="not installed on this computer"):
        args(missing)
    with pytest.raises(SettingError, match="not a basemap"):
        args("Google")
    # C2's sheets: the same choice as a TileSource
    src = basemaps.open_basemap(basemaps.resolve("Watford test", maps))
    assert centre_colour(src.tile(12, 2043, 1360)) == tile_colour(12, 2043, 1360, (120, 200, 120))
    assert basemaps.open_basemap(basemaps.resolve(basemaps.OFFLINE)) is None
    # removing a file deletes its installed copy
    assert cli_main(["basemap", "remove", "Watford test", "--db", db]) == 0
    assert not (tmp_path / "served" / "watford-test").exists()
    assert cli_main(["basemap", "remove", "Watford test", "--db", db]) == 2


# -- the offline map's street names: police.uk's snap points ------------------------------------------------
@pytest.mark.shared
def test_street_labels_hold_the_busiest_watford_streets_of_the_raw_files(real_db):
    from geo.query import street_labels
    from tests.real import street_files

    raw = pd.concat([pd.read_csv(f, usecols=["Location", "LSOA name"], dtype=str) for f in street_files()])
    watford = raw.loc[raw["LSOA name"].fillna("").str.startswith("Watford ")
                      & raw["Location"].fillna("").str.startswith("On or near ")]
    busiest = watford["Location"].str.removeprefix("On or near ").value_counts().head(25).index
    with Store(real_db, read_only=True) as store:
        labels, total = street_labels(store, store.area("district", "Watford"))
    names = set(labels["name"])
    assert set(busiest) <= names, set(busiest) - names
    # one label per name and kilometre square: never more labels than distinct (name, square) pairs
    assert len(labels) == total <= len(watford["Location"].unique()) * 30
    assert not labels["name"].str.startswith("On or near").any()
    with Store(real_db, read_only=True) as store:
        capped, total_all = street_labels(store, None, limit=100)
    assert len(capped) == 100 < total_all


# -- vector tiles (Mapbox Vector Tile 2.1, encoded here: no encoder library needed) -------------------------
def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(num: int, payload, wire: int = 2) -> bytes:
    if wire == 0:
        return _varint(num << 3) + _varint(payload)
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def _geometry(kind: str, points) -> bytes:
    zz = lambda v: (v << 1) ^ (v >> 31)  # noqa: E731 - zigzag
    cmds, x, y = [], 0, 0
    for i, (px, py) in enumerate(points):
        if i == 0:
            cmds.append(1 | (1 << 3))
        elif i == 1:
            cmds.append(2 | ((len(points) - 1) << 3))
        cmds += [zz(px - x), zz(py - y)]
        x, y = px, py
    if kind == "polygon":
        cmds.append(7 | (1 << 3))
    return b"".join(_varint(c) for c in cmds)


def mvt_tile(name: str = "Test Road") -> bytes:
    """One vector tile: a 'water' square over the whole tile and a named 'roads' line across it."""
    water = _field(3, 3, 0) + _field(4, _geometry("polygon", [(0, 0), (4096, 0), (4096, 4096), (0, 4096)]))
    road = (_field(2, _varint(0) + _varint(0)) + _field(3, 2, 0)
            + _field(4, _geometry("line", [(0, 2048), (4096, 2048)])))
    layers = (_field(3, _field(15, 2, 0) + _field(1, b"water") + _field(2, water) + _field(5, 4096, 0))
              + _field(3, _field(15, 2, 0) + _field(1, b"roads") + _field(2, road) + _field(3, b"name")
                       + _field(4, _field(1, name.encode())) + _field(5, 4096, 0)))
    return layers


def vector_pmtiles(path: Path, zooms=ZOOMS) -> Path:
    """A vector PMTiles file over Watford (gzip-compressed MVT), with its vector_layers."""
    with write(str(path)) as w:
        for tid, _ in sorted((zxy_to_tileid(*t), t) for t in all_tiles(zooms)):
            w.write_tile(tid, gzip.compress(mvt_tile(), mtime=0))
        w.finalize({"tile_type": TileType.MVT, "tile_compression": Compression.GZIP,
                    "min_lon_e7": int(WATFORD[0] * 1e7), "min_lat_e7": int(WATFORD[1] * 1e7),
                    "max_lon_e7": int(WATFORD[2] * 1e7), "max_lat_e7": int(WATFORD[3] * 1e7)},
                   {"name": "Test vector", "attribution": "Vector test",
                    "vector_layers": [{"id": "water", "fields": {}}, {"id": "roads", "fields": {"name": "String"}}]})
    return path


def test_a_vector_pmtiles_installs_with_its_layers(tmp_path):
    src = open_tiles(vector_pmtiles(tmp_path / "v.pmtiles"))
    assert (src.kind, src.tile_format) == ("vector", "pbf")
    assert src.tile(12, 2043, 1360) == mvt_tile()  # inflated
    m = install_tiles(tmp_path / "v.pmtiles", tmp_path / "served", "Vector")
    assert m["vector_layers"] == [{"id": "water", "fields": [], "minzoom": None, "maxzoom": None},
                                  {"id": "roads", "fields": ["name"], "minzoom": None, "maxzoom": None}]
