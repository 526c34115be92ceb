"""The real police.uk Hertfordshire files (2021-01 .. 2022-01): counts checked against the raw CSVs.

Every expected number here is computed from the raw files inside the test with the
csv module or shapely, never with the project's own code.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from geo.ingest.police import ingest_police
from geo.store import Store
from tests.conftest import COUNTY_BOUNDARY, POLICE_OUTCOMES_DIR, POLICE_STREET_DIR, SHARED_REASON

pytestmark = pytest.mark.shared


def raw_rows() -> list[dict]:
    rows = []
    for f in sorted(POLICE_STREET_DIR.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    db = tmp_path_factory.mktemp("real") / "herts.duckdb"
    store = Store(db)
    report = ingest_police([POLICE_STREET_DIR], store)
    yield store, report, db
    store.close()


def test_every_row_is_read_and_accounted_for(loaded):
    store, report, _ = loaded
    raw = raw_rows()
    assert report.rows_read == len(raw) == 108_465
    assert report.rows_stored + report.rows_rejected == report.rows_read
    assert store.count() == report.rows_stored
    assert len(store.rejections()) == report.rows_rejected


def test_every_row_without_coordinates_is_rejected_as_such(loaded):
    store, report, _ = loaded
    raw = raw_rows()
    no_coords = sum(1 for r in raw if not r["Longitude"] or not r["Latitude"])
    assert no_coords == 1_789
    assert report.rejected_by_reason["no_coordinates"] == no_coords
    rej = store.rejections()
    # the same rows: (file name, row) pairs match the raw files'
    expected = set()
    for f in sorted(POLICE_STREET_DIR.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            for i, r in enumerate(csv.DictReader(fh), start=2):
                if not r["Longitude"] or not r["Latitude"]:
                    expected.add((f.name, i))
    got = {(Path(f).name, int(r)) for f, r in rej.loc[rej.reason == "no_coordinates", ["file", "row"]].values}
    assert got == expected


def test_counts_by_month_match_the_raw_files(loaded):
    store, _, _ = loaded
    raw = raw_rows()
    placed_ids = {}
    for r in raw:
        key = (r["Month"], r["Crime type"])
        placed_ids[key] = placed_ids.get(key, 0) + 1
    got = dict(((m, t), n) for m, t, n in store.con.execute(
        "SELECT strftime(month, '%Y-%m'), category, count(*) FROM incidents GROUP BY ALL").fetchall())
    # no category is stored more often than the raw files hold it
    assert all(n <= placed_ids[k] for k, n in got.items())
    # stored per month plus rejected per month equals the raw month totals
    months = {}
    for (m, _t), n in placed_ids.items():
        months[m] = months.get(m, 0) + n
    status = store.status().set_index("month")
    assert {m: int(status.loc[m, "rows"] + status.loc[m, "rejected"]) for m in months} == months
    assert sum(got.values()) == store.count()


def test_far_outside_rule_rejects_only_points_far_from_the_county(loaded):
    import geopandas as gpd
    import shapely

    store, report, _ = loaded
    county = gpd.read_file(COUNTY_BOUNDARY).to_crs(27700).geometry.iloc[0]
    far = store.con.execute("SELECT r.value FROM rejections r WHERE reason = 'far_outside_force_area'").fetchall()
    lonlat = np.array([[float(v) for v in s.split(",")] for (s,) in far])
    from pyproj import Transformer
    e, n = Transformer.from_crs(4326, 27700, always_xy=True).transform(lonlat[:, 0], lonlat[:, 1])
    dist = shapely.distance(county, shapely.points(e, n))
    # every far-outside point is well away from the county (> 10 km), none inside it
    assert (dist > 10_000).all()
    # independently: every located raw point more than 50 km from the county is among them
    raw = [r for r in raw_rows() if r["Longitude"] and r["Latitude"]]
    re_, rn = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        np.array([float(r["Longitude"]) for r in raw]), np.array([float(r["Latitude"]) for r in raw]))
    very_far = int((shapely.distance(county, shapely.points(re_, rn)) > 50_000).sum())
    assert very_far == 206 and very_far <= len(far) < 2 * very_far
    # the rule keeps neighbours just over the border: no stored point is 40 km out
    stored = store.con.execute("SELECT easting, northing FROM incidents").fetchnumpy()
    assert shapely.distance(county, shapely.points(stored["easting"], stored["northing"])).max() < 40_000


def test_area_boundary_rejects_exactly_the_points_outside_it(tmp_path):
    import geopandas as gpd
    import shapely
    from pyproj import Transformer

    from geo.boundaries import read_area

    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    raw = [r for r in raw_rows() if r["Longitude"] and r["Latitude"]]
    lon = np.array([float(r["Longitude"]) for r in raw])
    lat = np.array([float(r["Latitude"]) for r in raw])
    e, n = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
    county = gpd.read_file(COUNTY_BOUNDARY).to_crs(27700).geometry.iloc[0]
    outside = int((~shapely.contains_xy(county, e, n)).sum())
    assert outside == 1_377
    with Store(tmp_path / "a.duckdb") as s:
        rep = ingest_police([POLICE_STREET_DIR], s, area=read_area(COUNTY_BOUNDARY))
        assert rep.rejected_by_reason == {"no_coordinates": 1_789, "outside_area": outside}


def test_reloading_leaves_status_unchanged_and_a_row_fewer_leaves_one_fewer(loaded, tmp_path):
    store, _, _ = loaded
    before = store.status()
    ingest_police([POLICE_STREET_DIR / "2021-06-hertfordshire-street.csv"], store)
    assert store.status().equals(before)
    # the month re-published with one located row removed
    src = POLICE_STREET_DIR / "2021-06-hertfordshire-street.csv"
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    stored_id = store.con.execute("SELECT id FROM incidents WHERE month = DATE '2021-06-01' AND category = "
                                  "'Violence and sexual offences' ORDER BY id LIMIT 1").fetchall()[0][0]
    victim = next(i for i, line in enumerate(lines) if line.startswith(stored_id + ","))
    (tmp_path / "2021-06-hertfordshire-street.csv").write_text("".join(lines[:victim] + lines[victim + 1:]),
                                                              encoding="utf-8")
    total = store.count()
    ingest_police([tmp_path / "2021-06-hertfordshire-street.csv"], store)
    assert store.count() == total - 1
    ingest_police([src], store)  # put it back for the other tests
    assert store.status().equals(before)


def test_bulk_zip_and_mixed_folder_load_the_same_as_loose_files(loaded, tmp_path):
    store, _, _ = loaded
    files = sorted(POLICE_STREET_DIR.glob("*.csv"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files[:7]:
            zf.write(f, f"{f.name[:7]}/{f.name}")
    mixed = tmp_path / "mixed"
    (mixed / "downloads").mkdir(parents=True)
    (mixed / "downloads" / "herts-2021.zip").write_bytes(buf.getvalue())
    for f in files[7:]:
        (mixed / f.name[:7]).mkdir()
        shutil.copy(f, mixed / f.name[:7] / f.name)
    with Store(tmp_path / "z.duckdb") as z:
        rep = ingest_police([mixed], z)
        assert rep.rows_read == 108_465 and len(rep.files) == 13
        assert z.status().equals(store.status())
        q = "SELECT id, source_row, h3_11, category FROM incidents ORDER BY ALL"
        assert z.con.execute(q).fetchall() == store.con.execute(q).fetchall()


def test_outcomes_files_join_their_latest_outcome(loaded):
    store, _, _ = loaded
    if not POLICE_OUTCOMES_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    rep = ingest_police([POLICE_OUTCOMES_DIR], store)
    assert rep.rows_read == 85_099 and rep.rows_stored + rep.rows_rejected == rep.rows_read
    # independent: the last outcome per Crime ID across the files, in month order
    latest = {}
    for f in sorted(POLICE_OUTCOMES_DIR.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["Crime ID"]:
                    latest[r["Crime ID"]] = r["Outcome type"]
    got = dict(store.con.execute("SELECT id, outcome FROM incidents WHERE source = 'police' "
                                 "AND id IN (SELECT crime_id FROM outcomes)").fetchall())
    assert len(got) > 40_000
    assert all(latest[k] == v for k, v in got.items())


def test_cli_json_contract_on_real_files(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    db = tmp_path / "cli.duckdb"
    run = lambda *a: subprocess.run([sys.executable, "-m", "hotspots", *a, "--db", str(db), "--json"],  # noqa: E731
                                    cwd=ROOT, capture_output=True, text=True, check=True).stdout
    out = json.loads(run("ingest", "police", str(POLICE_STREET_DIR / "2021-01-hertfordshire-street.csv")))
    assert {"files", "rows_read", "rows_stored", "rows_rejected", "rejected_by_reason", "months"} <= set(out)
    assert out["rows_read"] == 6_914 and out["months"] == ["2021-01"]
    st1 = json.loads(run("status"))
    run("ingest", "police", str(POLICE_STREET_DIR / "2021-01-hertfordshire-street.csv"))
    assert json.loads(run("status")) == st1
    assert st1["rows_by_source"] == {"police": out["rows_stored"]}
