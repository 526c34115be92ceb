"""The hotspot table on real data (Watford, violence and sexual offences, 2021), checked against values computed
here independently of the library: counts and "On or near" places from the raw police.uk CSVs with h3-py and
pyproj, Gi* z-scores from esda, kernel density by the quartic formula, clusters by scikit-learn's DBSCAN.

Tolerances, named:
- ``Z_TOL`` (1e-9): esda's z is the same formula; only rounding differs.
- ``DENSITY_RTOL`` (1e-9): the quartic kernel summed in plain numpy.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import h3
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from geo.query import Selection
from geo.store import Store
from hotspots.cli import main
from hotspots.outputs.hotspot_table import CELL, CLUSTER, INCIDENTS, PLACES, RANK, detection_kml, hotspot_table
from hotspots.tasks.detect import detect
from hotspots.tasks.profile import busiest_locations, cluster_incidents, cluster_profile
from tests.unit.test_hotspot_table_raw import raw_cells, raw_incidents, raw_top_places

VIOLENCE = "Violence and sexual offences"
Z_TOL = 1e-9
DENSITY_RTOL = 1e-9
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def watford(real_db):
    with Store(real_db, read_only=True) as s:
        sel = Selection("2021-01", "2021-12", (VIOLENCE,), area=s.area("district", "Watford"))
        yield s, sel, busiest_locations(s, sel, 9)


def test_counts_rank_every_hexagon_with_the_raw_counts_and_places(watford):
    s, sel, locs = watford
    table = hotspot_table(detect(s, "count", sel), locs)
    raw = raw_cells().value_counts()
    f = table.frame
    assert table.kind == "cells" and table.key_column == CELL
    assert len(f) == raw.size == 194 and table.title.startswith("194 hexagons")
    assert list(f.columns) == [RANK, INCIDENTS, PLACES, "Share of all incidents (%)", CELL]
    assert f[RANK].tolist() == list(range(1, 195))
    assert f[INCIDENTS].is_monotonic_decreasing
    # every hexagon's count, and the whole, from the raw files
    assert dict(zip(f[CELL], f[INCIDENTS])) == raw.to_dict()
    assert f[INCIDENTS].sum() == len(raw_incidents())
    top = f.iloc[0]
    assert (top[CELL], top[INCIDENTS]) == ("89195da1867ffff", 213) == (raw.index[0], raw.iloc[0])
    assert top["Share of all incidents (%)"] == pytest.approx(100 * 213 / 2942)
    for i in range(5):  # the busiest places of the five busiest hexagons
        assert f[PLACES].iloc[i] == raw_top_places(f[CELL].iloc[i])
    assert top[PLACES] == "On or near Shopping Area (85), On or near Nightclub (84), On or near Wellstones (17)"


def test_gistar_z_scores_equal_esdas_on_the_raw_counts(watford):
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    s, sel, locs = watford
    det = detect(s, "gistar", sel)
    table = hotspot_table(det, locs)
    f = table.frame
    assert list(f.columns[:5]) == [RANK, "Class", "z-score (Gi*)", INCIDENTS, PLACES]
    window = list(h3.int_to_str(int(c)) for c in det.cells)  # the study area's cells, empty ones included
    counts = raw_cells().value_counts().reindex(window, fill_value=0).to_numpy(dtype=float)
    index = {c: i for i, c in enumerate(window)}
    nbrs = {i: sorted(index[nb] for nb in h3.grid_disk(c, 1) if nb in index) for i, c in enumerate(window)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lg = esda.G_Local(counts, libpysal.weights.W(nbrs, silence_warnings=True), transform="B", star=True,
                          permutations=0)
    z = dict(zip(window, lg.Zs))
    assert len(f) == len(window) == 234
    np.testing.assert_allclose(f["z-score (Gi*)"], [z[c] for c in f[CELL]], rtol=0, atol=Z_TOL)
    assert f["z-score (Gi*)"].is_monotonic_decreasing  # hot spots first, cold spots last
    top = f.iloc[0]
    assert top["Class"] == "Hot spot 99%" and top[CELL] == max(z, key=z.get)
    assert top[INCIDENTS] == raw_cells().value_counts()[top[CELL]] == 213
    assert top[PLACES] == raw_top_places(top[CELL])
    hot = f.loc[f["Class"].str.startswith("Hot spot")]
    assert len(hot) == 12 and all(p == raw_top_places(c) for p, c in zip(hot[PLACES], hot[CELL]))


def test_kernel_density_equals_the_quartic_formula(watford):
    s, sel, locs = watford
    det = detect(s, "kde", sel)
    f = hotspot_table(det, locs).frame
    h = det.summary["bandwidth_m"]
    inc = raw_incidents()
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    for cell, dens in zip(f[CELL].head(3), f["Density (incidents per km²)"].head(3)):
        lat, lon = h3.cell_to_latlng(cell)
        x, y = to_bng.transform(lon, lat)
        d2 = ((inc["easting"] - x) ** 2 + (inc["northing"] - y) ** 2).to_numpy() / h ** 2
        expected = (3 / (np.pi * h ** 2) * np.where(d2 < 1, (1 - d2) ** 2, 0)).sum() * 1e6
        assert dens == pytest.approx(expected, rel=DENSITY_RTOL)
    assert f["Share of the smoothed total (%)"].sum() == pytest.approx(100)


def test_dbscan_clusters_are_scikit_learns(watford):
    DBSCAN = pytest.importorskip("sklearn.cluster").DBSCAN
    s, sel, locs = watford
    det = detect(s, "dbscan", sel)
    table = hotspot_table(det, locs)
    f = table.frame
    inc = raw_incidents()
    labels = DBSCAN(eps=det.summary["eps_m"], min_samples=det.summary["min_samples"]).fit(
        inc[["easting", "northing"]].to_numpy()).labels_
    assert table.kind == "clusters" and len(f) == labels.max() + 1 == 48
    assert f[INCIDENTS].sum() == (labels >= 0).sum()  # core, border and noise agree
    assert f[CLUSTER].tolist() == list(range(1, 49)) and f[INCIDENTS].is_monotonic_decreasing
    assert list(f.columns[:5]) == [RANK, CLUSTER, INCIDENTS, PLACES, "Area (km², cluster outline)"]
    np.testing.assert_allclose(f["Incidents per km²"], f[INCIDENTS] / f["Area (km², cluster outline)"])
    # each incident's cluster: the same rows in the same order (the store keeps month, file, row order, as
    # the raw files read); core points split alike, noise alike; a border point may go to another cluster
    # that reaches it (scikit-learn: the first; here: the nearest core)
    members = cluster_incidents(s, sel, det)
    np.testing.assert_allclose(members[["easting", "northing"]], inc[["easting", "northing"]], atol=0.01)
    ours = members["cluster"].to_numpy()
    core = np.zeros(len(inc), dtype=bool)
    core[DBSCAN(eps=det.summary["eps_m"], min_samples=det.summary["min_samples"]).fit(
        inc[["easting", "northing"]].to_numpy()).core_sample_indices_] = True
    pairs = set(zip(ours[core].tolist(), labels[core].tolist()))
    assert len(pairs) == len(set(ours[core].tolist())) == len(set(labels[core].tolist())) == 48
    assert ((ours >= 0) == (labels >= 0)).all()
    # the largest cluster, its incidents and places
    big = members.loc[members["cluster"] == 0]
    assert len(big) == f[INCIDENTS].iloc[0] == 853
    sk = pd.Series(labels).value_counts()
    assert sk.iloc[0] == 853
    places = big["location"].value_counts()
    places = places.sort_index().sort_values(ascending=False, kind="stable").head(3)
    assert f[PLACES].iloc[0] == ", ".join(f"{k} ({v})" for k, v in places.items())
    assert table.target(1) == ("cluster", 1) and table.row_of("cluster", 1) == 1


def test_a_clusters_profile_holds_its_members(watford):
    s, sel, _ = watford
    for method in ("dbscan", "hdbscan"):
        det = detect(s, method, sel)
        for _, row in det.table.head(3).iterrows():
            prof = cluster_profile(s, sel, det, int(row["cluster"]))
            assert prof.total == row["count"] and prof.number == int(row["cluster"]) + 1
            assert prof.by_type["count"].sum() == prof.total == prof.by_month["count"].sum()
            assert len(prof.by_month) == 12
            assert prof.area_km2 == pytest.approx(row["area_km2"])


def test_forecast_and_emerging_rank_what_matters_first(watford):
    s, sel, locs = watford
    f = hotspot_table(detect(s, "forecast", sel), locs).frame
    assert f[RANK].tolist() == list(range(1, len(f) + 1)) and f["Forecast score (relative)"].is_monotonic_decreasing
    assert f["Share of the forecast (%)"].sum() == pytest.approx(100)
    assert f["Study area covered so far (%)"].is_monotonic_increasing
    assert f["Incidents in the period"].iloc[0] == raw_cells().value_counts()[f[CELL].iloc[0]]
    e = hotspot_table(detect(s, "emerging", sel), locs)
    assert e.frame["Pattern"].iloc[0] == "Intensifying hot spot"  # no new hot spot in Watford in 2021
    assert e.frame["Months hot (of 12)"].iloc[0] == 12
    patterns = e.frame["Pattern"].tolist()
    assert patterns.index("No pattern detected") > max(i for i, p in enumerate(patterns) if p.endswith("hot spot"))


def test_kml_has_every_row_with_names_escaped(watford):
    s, sel, locs = watford
    det = detect(s, "gistar", sel)
    locs = locs.copy()
    locs.loc[0, "location"] = "<b>Bar</b> & =1+1"
    table = hotspot_table(det, locs)
    kml = detection_kml(det, table, name="Watford <violence>")
    assert b"<b>Bar</b>" not in kml and b"&amp;lt;b&amp;gt;Bar" in kml
    root = ET.fromstring(kml)
    marks = root.findall(f".//{KML}Placemark")
    assert len(marks) == len(table) == 234
    assert marks[0].find(f"{KML}name").text == "1. Hot spot 99%: 213 incidents"
    assert root.find(f".//{KML}Document/{KML}name").text == "Watford &lt;violence&gt;"  # shown as typed
    ring = marks[0].find(f".//{KML}coordinates").text.split()
    assert len(ring) == 7  # a closed hexagon
    corners = np.array([[float(v) for v in p.split(",")] for p in ring[:-1]])
    expected = np.array([[lng, lat] for lat, lng in h3.cell_to_boundary(table.frame[CELL].iloc[0])])
    order = lambda a: a[np.lexsort((a[:, 1], a[:, 0]))]  # noqa: E731 (the corners, in any ring order)
    np.testing.assert_allclose(order(corners), order(expected), rtol=0, atol=1e-6)  # KML keeps 6 decimals


def test_the_files_neutralise_formulas_in_place_names(watford, tmp_path):
    from hotspots.outputs.detect import write_detection
    from hotspots.outputs.hotspot_table import with_locations

    s, sel, locs = watford
    det = detect(s, "count", sel)
    top = det.table["cell"].iloc[0]
    locs = locs.copy()
    locs.loc[locs["cell"] == top, "location"] = '=HYPERLINK("http://example.invalid","x")'
    body = write_detection(with_locations(det, locs), tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body and ',"=HYPERLINK' not in body
    assert len(body.strip().splitlines()) == 1 + len(det.table)


def test_a_knox_test_is_a_table_of_bands_with_nothing_to_select():
    from hotspots.tasks.registry import CellScores

    bands = pd.DataFrame({"distance_from_m": [0.0, 200.0], "distance_to_m": [200.0, 400.0],
                          "time_from_days": [0.0, 0.0], "time_to_days": [14.0, 14.0], "observed": [30, 12],
                          "expected": [20.0, 12.5], "ratio": [1.5, 0.96], "p": [0.01, 0.6]})
    table = hotspot_table(CellScores("knox", bands, per_cell=False))
    assert table.kind == "bands" and table.key_column is None and table.target(0) is None
    assert table.frame["Distance apart (m)"].tolist() == ["0 to 200", "200 to 400"]
    assert table.frame["Observed ÷ expected"].tolist() == [1.5, 0.96] and table.title.startswith("2 bands")


def test_detect_out_kml_writes_the_map_pages_ranked_placemarks(real_db, tmp_path, capsys):
    """``detect --out x.kml`` writes what the map page's KML download gives: one placemark per row of the
    ranked table, first the busiest Gi* hexagon with its busiest places (text escaped, never markup)."""
    out = tmp_path / "watford.kml"
    code = main(["detect", "--db", real_db, "--method", "gistar", "--district", "Watford", "--types", VIOLENCE,
                 "--out", str(out)])
    capsys.readouterr()
    assert code == 0
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = ET.parse(out).getroot().findall(".//k:Placemark", ns)
    with Store(real_db, read_only=True) as s:
        sel = Selection("2021-01", "2021-12", (VIOLENCE,), area=s.area("district", "Watford"))
        table = hotspot_table(detect(s, "gistar", sel, res=9), busiest_locations(s, sel, 9))
    assert len(marks) == len(table.frame)
    assert marks[0].find("k:name", ns).text.startswith("1. Hot spot")
    assert "On or near" in marks[0].find("k:description", ns).text
