"""The map page on the sample (AppTest): its numbers are the library's; on the real 2021 store (Watford, violence):
the hotspot table, its downloads and its rows on the map, checked against the raw police.uk files."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from geo.store import Store
from hotspots.tasks.detect import detect
from geo.query import Selection

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def default_filter(db):
    with Store(db, read_only=True) as s:
        months = [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                              "WHERE source = 'police' ORDER BY 1").fetchall()]
    return Selection(months[max(0, len(months) - 12)], months[-1])


def test_counts_match_the_library(app_env):
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, at.exception
    with Store(app_env["db"], read_only=True) as s:
        det = detect(s, "count", default_filter(app_env["db"]))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents selected"] == f"{det.summary['incidents']:,} incidents"
    assert metrics["Hexagons with incidents"] == f"{len(det.table):,} hexagons"
    assert metrics["Busiest hexagon"] == f"{int(det.table['count'].max()):,} incidents"


def test_gistar_and_clusters_render(app_env):
    at = AppTest.from_file(APP, default_timeout=120).run()
    method = next(r for r in at.radio if r.label == "Method")
    method.set_value("Gi* hot spots").run()
    assert not at.exception, at.exception
    with Store(app_env["db"], read_only=True) as s:
        det = detect(s, "gistar", default_filter(app_env["db"]))
    hot = sum(v for k, v in det.summary["classes"].items() if k.startswith("Hot"))
    assert {m.label: m.value for m in at.metric}["Hot-spot hexagons"] == f"{hot:,} hexagons"
    next(r for r in at.radio if r.label == "Method").set_value("DBSCAN clusters").run()
    assert not at.exception, at.exception
    assert "Clusters found" in {m.label for m in at.metric}


def test_a_selection_with_no_incidents_shows_its_sentence(app_env, tmp_path, monkeypatch):
    db = tmp_path / "no-robbery.duckdb"
    shutil.copy(app_env["db"], db)
    with Store(db) as s:
        s.con.execute("DELETE FROM incidents WHERE category = 'Robbery'")
        s.con.execute("CHECKPOINT")
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["types"] = "Robbery"
    at.run()
    assert not at.exception, at.exception
    assert any("No incidents match the selection" in e.value for e in at.error)
    assert any("How to fix it" in e.value for e in at.error)


def test_real_data_is_never_mixed_with_the_sample(app_env, tmp_path, monkeypatch):
    from geo.ingest.police import ingest_police
    from tests.conftest import street_csv, watford_rows

    db = tmp_path / "mixed.duckdb"
    shutil.copy(app_env["db"], db)
    with Store(db) as s:
        last = s.con.execute("SELECT strftime(max(month), '%Y-%m') FROM incidents").fetchall()[0][0]
        f = tmp_path / "real-street.csv"
        f.write_text(street_csv(watford_rows(25, month=last)))
        ingest_police([f], s)
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents selected"] == "25 incidents"  # the real force only, not the sample beside it
    assert not any("SYNTHETIC DATA" in w.value for w in at.warning)


def test_area_names_from_files_are_shown_as_text(app_env, tmp_path, monkeypatch):
    import shapely

    from geo.boundaries import Area

    db = tmp_path / "named.duckdb"
    shutil.copy(app_env["db"], db)
    with Store(db) as s:
        s.save_areas([Area("![x](http://example.invalid/p.png)", shapely.box(505000, 190000, 520000, 205000))], "boundary")
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["area"] = "boundary: ![x](http://example.invalid/p.png)"
    at.run()
    assert not at.exception, at.exception
    caption = next(c.value for c in at.caption if "police.uk" in c.value)
    assert "\\!\\[x\\]\\(http" in caption  # escaped: shown as typed, never an image fetched from outside


def map_args(at, key="map-count") -> dict:
    """The data the map component was sent (AppTest cannot draw components; it keeps their arguments)."""
    el = next(e for e in at.get("component_instance") if e.key == key)
    return json.loads(el.proto.json_args)


def test_the_map_is_sent_the_librarys_hexagons(app_env):
    from hotspots.outputs.legend import LEGEND_COLOURS

    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, at.exception
    with Store(app_env["db"], read_only=True) as s:
        det = detect(s, "count", default_filter(app_env["db"]))
    args = map_args(at)
    assert args["cells"] == list(det.table["cell"])  # busiest first; fewer than MAX_CELLS on the sample
    assert [int(label.split(" ")[0].replace(",", "")) for label in args["labels"]] == list(det.table["count"])
    colours = [args["palette"][i] for i in args["colour_index"]]
    assert colours[0] == LEGEND_COLOURS[-1] and colours[-1] != LEGEND_COLOURS[-1]  # darkest = busiest
    assert args["legend"]["title"] == "Incidents per hexagon" and args["res"] == 9
    assert args["boundaries"]["features"] and args["selected"] is None
    assert any("Map data sent to the browser: about" in c.value for c in at.caption)


def test_a_selected_hexagon_is_outlined_and_dropped_when_the_size_changes(app_env):
    at = AppTest.from_file(APP, default_timeout=90).run()
    with Store(app_env["db"], read_only=True) as s:
        det = detect(s, "count", default_filter(app_env["db"]))
    cell = det.table["cell"].iloc[0]
    at.session_state["selected_cell"] = cell  # what the map's click callback sets
    at.run()
    assert not at.exception, at.exception
    assert map_args(at)["selected"] == cell
    assert {m.label: m.value for m in at.metric}["Incidents here"] == f"{int(det.table['count'].iloc[0]):,} incidents"
    next(s for s in at.selectbox if s.label == "Hexagon size").set_value(10).run()
    assert not at.exception, at.exception
    args = map_args(at)
    assert args["res"] == 10 and args["selected"] is None
    assert "Click a hexagon" in [h.value for h in at.subheader]


# -- the hotspot table, its files and its rows on the map: real data (Watford, violence, 2021) ---------------
VIOLENCE = "Violence and sexual offences"


def watford_page(method_label: str):
    from tests.app.conftest import open_page

    at = open_page("pages/map.py", area="district: Watford", types=VIOLENCE)
    next(r for r in at.radio if r.label == "Method").set_value(method_label).run()
    assert not at.exception, at.exception
    return at


def hotspot_table(at):
    return next(d for d in at.dataframe if d.key and d.key.startswith("hotspot-table-"))


def test_the_gistar_table_lists_every_hexagon_with_the_raw_counts_and_places(real_app_env):
    from tests.unit.test_hotspot_table_raw import raw_cells, raw_top_places

    at = watford_page("Gi* hot spots")
    table = hotspot_table(at).value
    raw = raw_cells().value_counts()
    assert len(table) == 234  # every hexagon of Watford, empty ones too
    assert list(table.columns) == ["Rank", "Class", "z-score (Gi*)", "Incidents", "Busiest locations (incidents)",
                                   "p-value (FDR-corrected)", "Hexagon (H3 cell)"]
    top = table.iloc[0]
    assert top["Class"] == "Hot spot 99%" and top["Incidents"] == raw[top["Hexagon (H3 cell)"]] == 213
    assert top["Busiest locations (incidents)"] == raw_top_places(top["Hexagon (H3 cell)"])
    assert top["Busiest locations (incidents)"].startswith("On or near Shopping Area (85), On or near Nightclub (84)")
    assert table["Incidents"].sum() == raw.sum() == 2942
    assert (table["Class"].str.startswith("Hot spot")).sum() == 12 == number(metric(at, "Hot-spot hexagons"))
    assert any(c.value.startswith("234 hexagons, by Gi* z-score") for c in at.caption)


def number(text: str) -> int:
    return int(text.split(" ")[0].replace(",", ""))


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def downloads(monkeypatch):
    """The bytes a download button gives, by its key: AppTest keeps only a file's id, so the files written
    at once and the deferred ones (written when clicked: the page's callable, called here) are recorded."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)

    def of(at, key: str) -> bytes:
        button = next(b for b in at.get("download_button") if key in b.proto.id)
        assert button.proto.deferred_file_id, "written when clicked"
        return deferred[button.proto.deferred_file_id]()

    return of


@pytest.mark.parametrize("label, method, rows", [("Gi* hot spots", "gistar", 234), ("DBSCAN clusters", "dbscan", 48)])
def test_the_whole_result_downloads_as_csv_geojson_geopackage_and_kml(real_app_env, downloads, tmp_path, label,
                                                                       method, rows):
    import csv
    import io
    import xml.etree.ElementTree as ET

    import pyogrio

    from tests.unit.test_hotspot_table_raw import raw_top_places

    at = watford_page(label)
    table = hotspot_table(at).value
    assert len(table) == rows
    assert {b.label for b in at.get("download_button")} >= {"CSV", "GeoJSON", "GeoPackage", "KML"}
    assert any(m.value == f"**Download all {rows} rows**" for m in at.markdown)
    body = downloads(at, f"download-{method}.csv").decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(body)))
    assert len(records) == rows and "top_locations" in records[0]
    if method == "gistar":  # the files carry each hexagon's busiest places, as the table does
        assert records[0]["cell"] == table["Hexagon (H3 cell)"].iloc[0]
        assert records[0]["top_locations"] == raw_top_places(records[0]["cell"])
        assert records[0]["count"] == "213"
    else:
        assert [int(r["count"]) for r in records] == table["Incidents"].tolist()
    geo = json.loads(downloads(at, f"download-{method}.geojson"))
    assert len(geo["features"]) == rows and geo["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    gpkg = tmp_path / "result.gpkg"
    gpkg.write_bytes(downloads(at, f"download-{method}.gpkg"))
    assert len(pyogrio.read_dataframe(gpkg)) == rows == len(table)
    kml = ET.fromstring(downloads(at, f"download-{method}.kml"))
    marks = kml.findall(".//{http://www.opengis.net/kml/2.2}Placemark")
    assert len(marks) == rows
    first = marks[0].find("{http://www.opengis.net/kml/2.2}name").text
    assert first == ("1. Hot spot 99%: 213 incidents" if method == "gistar" else
                     f"Cluster 1: {table['Incidents'].iloc[0]:,} incidents")


def select_row(at, method: str, row: int):
    at.session_state[f"hotspot-table-{method}-0"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_table_row_selects_its_hexagon_on_the_map(real_app_env):
    from tests.unit.test_hotspot_table_raw import district_bbox, raw_cells

    at = watford_page("Gi* hot spots")
    table = hotspot_table(at).value
    assert map_args(at, "map-gistar")["selected"] is None
    select_row(at, "gistar", 1)
    cell = table["Hexagon (H3 cell)"].iloc[1]
    args = map_args(at, "map-gistar")
    assert args["selected"] == cell
    assert "This hexagon" in [h.value for h in at.subheader]
    assert any(c.value == f"H3 cell {cell} (resolution 9)" for c in at.caption)
    assert metric(at, "Incidents here") == f"{raw_cells().value_counts()[cell]:,} incidents" == "139 incidents"
    # the map fits Watford (its outline's bounds), whatever it draws
    s, w, n, e = district_bbox("Watford")
    (bs, bw), (bn, be) = args["view_bounds"]
    assert abs(bs - s) < 1e-3 and abs(bw - w) < 1e-3 and abs(bn - n) < 1e-3 and abs(be - e) < 1e-3


def test_a_table_row_selects_its_cluster_and_opens_it(real_app_env):
    DBSCAN = pytest.importorskip("sklearn.cluster").DBSCAN
    from tests.unit.test_hotspot_table_raw import raw_incidents

    at = watford_page("DBSCAN clusters")
    table = hotspot_table(at).value
    args = map_args(at, "map-dbscan")
    features = args["overlays"][0]["geojson"]["features"]
    assert sorted(f["properties"]["cluster"] for f in features) == list(range(48))  # each outline knows its id
    assert "Click a cluster" in [h.value for h in at.subheader]
    select_row(at, "dbscan", 1)
    n = table["Incidents"].iloc[1]
    assert table["Cluster"].iloc[1] == 2
    assert map_args(at, "map-dbscan")["selected_cluster"] == 1 and map_args(at, "map-dbscan")["selected"] is None
    assert f"Cluster 2: {n:,} incidents" in [h.value for h in at.subheader]
    assert metric(at, "Incidents here") == f"{n:,} incidents"
    # scikit-learn's DBSCAN on the raw rows finds that cluster's core: 312 incidents here, 310 there, as
    # scikit-learn gives a border point to the first cluster that reaches it, not to its nearest core
    inc = raw_incidents()
    labels = DBSCAN(eps=150, min_samples=10).fit(inc[["easting", "northing"]].to_numpy()).labels_
    closest = min(np.bincount(labels[labels >= 0]).tolist(), key=lambda k: abs(k - n))
    assert n == 312 and closest == 310
    # clearing the row clears the selection
    at.session_state["hotspot-table-dbscan-0"] = {"selection": {"rows": [], "columns": [], "cells": []}}
    at.run()
    assert map_args(at, "map-dbscan")["selected_cluster"] is None and "Click a cluster" in [h.value for h in at.subheader]
