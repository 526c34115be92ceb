"""The map page on the sample (AppTest): its numbers are the library's."""

import json
import shutil
from pathlib import Path

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
