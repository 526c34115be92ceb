"""Nothing reaches the network or the server's own files: boundary files that ask GDAL to fetch an address
or read another file are refused with a sentence, and a listener on localhost shows no request arrives."""

from __future__ import annotations

import json
import socket
import threading
import zipfile

import pytest

from geo.boundaries import read_area, read_areas
from geo.errors import InputFileError
from tests.hostile import month_csv, run_cli


@pytest.fixture
def listener():
    """A TCP listener on localhost that records every connection made to it."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                hits.append(conn.recv(4096) or b"(connected)")
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            except OSError:
                hits.append(b"(connected)")
            finally:
                conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1], hits
    stop.set()
    t.join(2)
    srv.close()


SQUARE = [[-0.42, 51.64], [-0.38, 51.64], [-0.38, 51.68], [-0.42, 51.68], [-0.42, 51.64]]


def _hostile_files(port: int) -> dict[str, bytes]:
    url = f"http://127.0.0.1:{port}"
    feature = {"type": "Feature", "properties": {"name": "Watford"},
               "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}
    vrt_url = (f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/{url}/areas.geojson'
               "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>")
    vrt_file = ('<OGRVRTDataSource><OGRVRTLayer name="p"><SrcDataSource>/etc/passwd</SrcDataSource>'
                "</OGRVRTLayer></OGRVRTDataSource>")
    kml_link = (f'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><NetworkLink>'
                f"<Link><href>{url}/more.kml</href></Link></NetworkLink></Document></kml>")
    kml_xxe = (f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "{url}/x">]>'
               '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&x;</name></Document></kml>')
    return {
        "crs-link.geojson": json.dumps({"type": "FeatureCollection", "features": [feature],
                                        "crs": {"type": "link", "properties": {"href": f"{url}/crs.wkt",
                                                                               "type": "ogcwkt"}}}).encode(),
        "crs-url-name.geojson": json.dumps({"type": "FeatureCollection", "features": [feature],
                                            "crs": {"type": "name", "properties": {"name": f"{url}/27700"}}}).encode(),
        "vrt-url.geojson": vrt_url.encode(),
        "vrt-file.geojson": vrt_file.encode(),
        "vrt.gpkg": vrt_url.encode(),
        "vrt.kml": vrt_file.encode(),
        "network-link.kml": kml_link.encode(),
        "external-entity.kml": kml_xxe.encode(),
    }


@pytest.mark.parametrize("reader", [read_area, read_areas])
def test_boundary_files_that_reach_out_are_refused(tmp_path, listener, reader):
    port, hits = listener
    for name, data in _hostile_files(port).items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(InputFileError) as exc:
            reader(p)
        assert exc.value.fix, name
        assert "Traceback" not in str(exc.value)
    # the same inside a zip (a shapefile's .shp that is really a VRT, a VRT named .geojson)
    z = tmp_path / "areas.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("areas.shp", _hostile_files(port)["vrt-url.geojson"])
    with pytest.raises(InputFileError, match="OGR VRT"):
        reader(z)
    assert hits == [], hits


def test_the_refusals_say_why(tmp_path, listener):
    port, _ = listener
    files = _hostile_files(port)
    expect = {"crs-link.geojson": "by a link", "crs-url-name.geojson": "does not know",
              "vrt-url.geojson": "OGR VRT", "vrt-file.geojson": "OGR VRT", "vrt.gpkg": "OGR VRT",
              "vrt.kml": "OGR VRT", "network-link.kml": "network link", "external-entity.kml": "DOCTYPE"}
    for name, words in expect.items():
        p = tmp_path / name
        p.write_bytes(files[name])
        with pytest.raises(InputFileError, match=words):
            read_area(p)


def test_every_command_that_reads_a_boundary_refuses_them(tmp_path, listener, capsys):
    port, hits = listener
    street = tmp_path / "2021-06-hertfordshire-street.csv"
    street.write_text(month_csv("2021-06", 5))
    db = tmp_path / "s.duckdb"
    for name, data in _hostile_files(port).items():
        p = tmp_path / name
        p.write_bytes(data)
        for args in (["ingest", "boundaries", p], ["ingest", "police", street, "--area", p],
                     ["detect", "--method", "count", "--area", p]):
            code, out, err = run_cli(capsys, *args, "--db", db)
            assert code == 2 and "Fix:" in err, (args, err)
    assert hits == [], hits


def test_the_formats_the_readme_names_still_read(tmp_path, listener):
    """GeoJSON (with and without an EPSG name), GeoPackage, a Shapefile with its .prj, zipped, and KML."""
    import geopandas as gpd
    import shapely

    port, hits = listener
    gdf = gpd.GeoDataFrame({"name": ["Watford", "Bushey"]},
                           geometry=[shapely.box(508000, 194000, 512000, 198000),
                                     shapely.box(512000, 194000, 515000, 197000)], crs="EPSG:27700")
    out = {}
    gdf.to_file(tmp_path / "a.gpkg", driver="GPKG")
    out["gpkg"] = tmp_path / "a.gpkg"
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "a.shp")
    out["shp"] = shp_dir / "a.shp"
    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    out["zip"] = z
    (tmp_path / "a.geojson").write_text(gdf.to_crs("EPSG:4326").to_json())
    out["geojson"] = tmp_path / "a.geojson"
    named = json.loads(gdf.to_json())
    named["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    (tmp_path / "b.geojson").write_text(json.dumps(named))
    out["geojson 27700"] = tmp_path / "b.geojson"
    gdf.to_crs("EPSG:4326").to_file(tmp_path / "a.kml", driver="KML")
    out["kml"] = tmp_path / "a.kml"
    for kind, path in out.items():
        areas = {a.name: a for a in read_areas(path)}
        assert set(areas) == {"Watford", "Bushey"}, kind
        assert abs(areas["Watford"].area_km2 - 16.0) < 0.05, (kind, areas["Watford"].area_km2)
        assert abs(areas["Bushey"].geometry.bounds[0] - 512000) < 5, kind
    assert hits == []


def test_the_data_page_refuses_them_too(tmp_path, listener, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from pages._ui import data_forms as data
    from tests.app.conftest import open_page

    port, hits = listener
    db = tmp_path / "app.duckdb"
    from geo.store import Store

    with Store(db) as s:  # a store with data, so the app does not load its sample
        from geo.ingest.police import ingest_police

        street = tmp_path / "2021-06-hertfordshire-street.csv"
        street.write_text(month_csv("2021-06", 5))
        ingest_police([street], s)
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    at = open_page("pages/data.py")
    assert isinstance(at, AppTest)
    for name in ("vrt-url.geojson", "crs-link.geojson", "network-link.kml"):
        at.file_uploader(key=data.BOUNDARY_FILE).set_value((name, _hostile_files(port)[name], "application/json")).run()
        at.button(key="data_boundary_add").click().run()
        assert not at.exception, at.exception
        assert at.error, name
    assert hits == []
