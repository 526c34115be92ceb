"""The engine's glue: counts, harm, windows, detect() and its outputs, on hand-made stores."""

from __future__ import annotations

import json

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest

from geo.errors import SettingError
from geo.ingest.police import ingest_police
from hotspots.cli import main
from hotspots.tasks.detect import detect
from hotspots.methods.harm import harm_weights
from geo.query import Selection, select_incidents
from geo.store import Store
from hotspots.tasks.registry import CellScores
from tests.conftest import street_csv, street_row
from hotspots.outputs.detect import write_detection
from hotspots.methods.cells import analysis_window, count_by_cell


def town_rows(seed=0, n=400):
    """A busy centre on a few snap points plus scattered incidents, two types, three months."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        if i % 3 == 0:
            lon, lat = -0.3960 + rng.integers(0, 3) * 0.0004, 51.6560 + rng.integers(0, 3) * 0.0003
        else:
            lon, lat = -0.45 + rng.random() * 0.12, 51.62 + rng.random() * 0.08
        rows.append(street_row(crime_id=f"c{i}", month=f"2021-0{1 + i % 3}", lon=f"{lon:.6f}", lat=f"{lat:.6f}",
                               crime_type=("Violence and sexual offences" if i % 2 else "Burglary")))
    return rows


@pytest.fixture
def town(tmp_path, store):
    f = tmp_path / "t-street.csv"
    f.write_text(street_csv(town_rows()))
    ingest_police([f], store)
    return store


def test_parent_counts_sum_children_and_shuffling_changes_nothing(town):
    inc = select_incidents(town)
    for res in (7, 8, 9, 10):
        parent = count_by_cell(inc, res).set_index("cell")["count"]
        child = count_by_cell(inc, res + 1)
        summed = child.assign(p=[h3.cell_to_parent(c, res) for c in child["cell"]]).groupby("p")["count"].sum()
        assert summed.sort_index().equals(parent.sort_index().rename_axis("p"))
    shuffled = inc.sample(frac=1, random_state=3)
    a = count_by_cell(inc, 9).sort_values("cell", ignore_index=True)
    b = count_by_cell(shuffled, 9).sort_values("cell", ignore_index=True)
    pd.testing.assert_frame_equal(a, b)


def test_harm_with_all_weights_one_equals_counts(town):
    inc = select_incidents(town)
    ones = {c: 1.0 for c in harm_weights()}
    t = count_by_cell(inc, 9, weights=harm_weights(overrides=ones))
    assert (t["harm"] == t["count"]).all()
    # and the default weights: 200 days a violence, 230 a burglary
    t = count_by_cell(inc, 9)
    v = inc.category.eq("Violence and sexual offences").sum()
    assert t["harm"].sum() == 200 * v + 230 * (len(inc) - v)


def test_police_generated_offences_can_be_left_out():
    w = harm_weights(exclude_police_generated=True)
    assert w["Drugs"] == 0 and w["Possession of weapons"] == 0 and w["Robbery"] == 365


def test_filter_by_period_and_type(town):
    inc = select_incidents(town, Selection("2021-02", "2021-02", ("Burglary",)))
    assert set(inc["month"]) == {"2021-02"} and set(inc["category"]) == {"Burglary"}
    raw = [r for r in town_rows() if r[1] == "2021-02" and r[9] == "Burglary"]
    assert len(inc) == len(raw)


def test_window_includes_empty_cells_and_every_occupied_one(town):
    inc = select_incidents(town)
    occupied = set(count_by_cell(inc, 9)["cell"])
    window = set(analysis_window(inc, 9))
    assert occupied <= window and len(window) > 2 * len(occupied)


def test_gistar_table_covers_the_window_and_finds_the_planted_centre(town):
    det = detect(town, "gistar", res=9)
    t = det.table
    assert list(t.columns) == ["cell", "count", "harm", "z", "p", "p_fdr", "class"]
    assert len(t) == det.summary["window_cells"] and t["count"].sum() == det.summary["incidents"]
    centre = h3.latlng_to_cell(51.6563, -0.3956, 9)
    assert t.iloc[0]["cell"] == centre or centre in set(t.head(3)["cell"])
    assert t.set_index("cell").loc[centre, "class"] == "Hot spot 99%"


def test_kde_columns_and_units(town):
    det = detect(town, "kde", bandwidth_m=300)
    assert list(det.table.columns) == ["cell", "count", "harm", "density"]
    assert det.summary["density_unit"] == "incidents per km2"
    # a cell's density can be computed by hand from the quartic formula
    from pyproj import Transformer
    inc = select_incidents(town)
    cell = det.table.iloc[0]["cell"]
    lat, lon = h3.cell_to_latlng(cell)
    cx, cy = Transformer.from_crs(4326, 27700, always_xy=True).transform([lon], [lat])
    d2 = (inc.easting - cx[0]) ** 2 + (inc.northing - cy[0]) ** 2
    h = 300.0
    exact = (3 / (np.pi * h * h) * (1 - d2[d2 < h * h] / h / h) ** 2).sum() * 1e6
    assert det.table.iloc[0]["density"] == pytest.approx(exact, rel=0.01)


def test_emerging_needs_three_months(town):
    with pytest.raises(SettingError, match="at least 3 months"):
        detect(town, "emerging", Selection("2021-01", "2021-02"))
    det = detect(town, "emerging")
    assert {"cell", "class", "trend_z", "trend_p", "n_hot", "n_cold", "final_z"} <= set(det.table.columns)


def test_knox_refuses_month_only_police_data(town):
    with pytest.raises(SettingError, match="only a month"):
        detect(town, "knox")


def test_no_incidents_is_a_sentence(town):
    with pytest.raises(SettingError, match="No incidents match"):
        detect(town, "count", Selection("2030-01", "2030-02"))


def test_outputs_geojson_gpkg_csv(town, tmp_path):
    det = detect(town, "gistar")
    g = gpd.read_file(write_detection(det, tmp_path / "g.geojson"))
    assert len(g) == len(det.table) and g.crs.to_epsg() == 4326
    assert (g.geometry.geom_type == "Polygon").all()
    centre = g.loc[g.cell == det.table.iloc[0]["cell"]].geometry.iloc[0].centroid
    lat, lon = h3.cell_to_latlng(det.table.iloc[0]["cell"])
    assert centre.x == pytest.approx(lon, abs=1e-4) and centre.y == pytest.approx(lat, abs=1e-4)
    assert len(gpd.read_file(write_detection(det, tmp_path / "g.gpkg"))) == len(det.table)
    csv = pd.read_csv(write_detection(det, tmp_path / "g.csv"))
    assert list(csv.columns) == list(det.table.columns) and len(csv) == len(det.table)
    with pytest.raises(SettingError, match=r"\.geojson, \.gpkg or \.csv"):
        write_detection(det, tmp_path / "g.xlsx")


def test_csv_neutralises_formulas(tmp_path):
    det = CellScores("count", pd.DataFrame({"cell": ["89195da182bffff"], "location": ["=HYPERLINK(\"x\")"]}))
    text = write_detection(det, tmp_path / "x.csv").read_text()
    assert "'=HYPERLINK" in text


def test_detect_cli_json_and_out(town, tmp_path, capsys):
    db = str(town.path)
    town.close()
    code = main(["detect", "--method", "count", "--types", "Burglary", "--db", db, "--json",
                 "--out", str(tmp_path / "c.csv")])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["method"] == "count"
    assert pd.read_csv(tmp_path / "c.csv")["count"].sum() == summary["incidents"]
    assert main(["detect", "--method", "gistar", "--types", "Burglry", "--db", db]) == 2
    assert "Did you mean 'Burglary'?" in capsys.readouterr().err


def test_counts_per_cell_month_and_category(town):
    inc = select_incidents(town)
    t = count_by_cell(inc, 9, by=("month", "category"))
    assert t["count"].sum() == len(inc)
    raw = pd.Series(1, index=pd.MultiIndex.from_arrays([inc["month"], inc["category"]])).groupby(level=[0, 1]).sum()
    assert t.groupby(["month", "category"])["count"].sum().sort_index().tolist() == raw.sort_index().tolist()
    with pytest.raises(SettingError, match="Count by month, category or source"):
        count_by_cell(inc, 9, by=("weekday",))


def test_edited_harm_weights_reach_the_output(town, tmp_path, capsys):
    det = detect(town, "count", Selection(harm=True, harm_overrides=(("Burglary", 100),)))
    inc = select_incidents(town)
    b = inc.category.eq("Burglary").sum()
    assert det.table["harm"].sum() == 100 * b + 200 * (len(inc) - b)
    db = str(town.path)
    town.close()
    assert main(["detect", "--method", "count", "--harm", "--harm-weight", "Burglary=100", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["harm_weights"]["Burglary"] == 100
    assert main(["detect", "--method", "count", "--harm", "--harm-weight", "Burglary", "--db", db]) == 2


def test_forecast_ranks_the_planted_centre_first_for_the_next_month(town):
    det = detect(town, "forecast", res=9)
    assert det.summary["forecast_month"] == "2021-04"
    centre = h3.latlng_to_cell(51.6563, -0.3956, 9)
    assert centre in set(det.table.head(3)["cell"])
    assert det.table["cum_area_pct"].is_monotonic_increasing
    assert det.table["cum_area_pct"].iloc[-1] <= 100.0 + 1e-9
    assert list(det.table.columns[:3]) == ["cell", "rank", "score"]


def test_the_library_refuses_ae_sources_with_a_sentence():
    # A&E counts leave the library only through the overlay's small-number suppression
    with Store(":memory:") as s, pytest.raises(SettingError, match="does not use A&E data"):
        detect(s, "count", Selection(sources=("police", "ae")))
