"""Mobile CCTV siting: the MCLP solver against brute force and hand-made instances; the plan on a hand-made store."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse
from scipy.spatial.distance import cdist

from geo.boundaries import Area
from geo.crs import bng_to_lonlat, lonlat_to_bng
from geo.errors import InputFileError, SettingError
from geo.ingest.police import ingest_police
from hotspots.defaults import CCTV_DEFAULT_TYPES
from hotspots.tasks.cctv import site_cameras
from geo.query import Selection
from tests.conftest import ROOT, street_csv, street_row
from hotspots.methods.mclp import coverage_matrix, greedy_mclp, solve_mclp, spacing_conflicts
from hotspots.outputs.cctv import plan_csv, plan_geojson, plan_kml, plan_pdf
from geo.readers.points import read_points
from geo.sample import write_sample


def brute_force(A, w, p, conflicts=()):
    """The optimum by trying every set of at most p candidates (tiny instances only)."""
    A = sparse.csr_matrix(A).toarray() > 0
    bad = {tuple(sorted(c)) for c in np.asarray(conflicts).reshape(-1, 2).tolist()}
    best = 0.0
    m = A.shape[1]
    for k in range(0, min(p, m) + 1):
        for combo in itertools.combinations(range(m), k):
            if any(pair in bad for pair in itertools.combinations(combo, 2)):
                continue
            v = float(w[A[:, list(combo)].any(axis=1)].sum()) if combo else 0.0
            best = max(best, v)
    return best


def random_instance(rng, n=14, m=8, side=600.0, radius=150.0):
    d = rng.uniform(0, side, (n, 2))
    c = rng.uniform(0, side, (m, 2))
    w = rng.integers(0, 6, n).astype(float)
    return d, c, w, coverage_matrix(d, c, radius)


# ------------------------------------------------------------------------------------------- the model


def test_coverage_matrix_equals_brute_force_distances():
    rng = np.random.default_rng(3)
    d, c = rng.uniform(0, 1000, (300, 2)), rng.uniform(0, 1000, (80, 2))
    A = coverage_matrix(d, c, 120.0)
    assert np.array_equal(A.toarray() > 0, cdist(d, c) <= 120.0)
    # exactly on the circle counts as covered (spopt's rule: d <= radius)
    assert coverage_matrix([[0, 0]], [[100, 0]], 100).toarray().tolist() == [[1]]


def test_greedy_misses_the_optimum_on_a_known_instance():
    # six points; S0 covers the middle four, S1 the left three, S2 the right three.
    # Greedy takes S0 (4) then adds 1: 5. The optimum is S1 + S2: 6 (gap 1/6).
    A = sparse.csr_matrix(np.array([[0, 1, 0], [1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 0, 1]]))
    sol = solve_mclp(A, np.ones(6), 2)
    assert sol.status == "optimal" and sol.objective == 6.0 and sol.chosen.tolist() == [1, 2]
    assert sol.greedy.tolist()[0] == 0 and sol.greedy_objective == 5.0
    assert sol.gap_pct == pytest.approx(100 / 6)


def test_hand_made_geometric_instance():
    # demand on a line at 0, 150, 300 m (weights 1, 1, 3); candidates at 0, 75, 300 m; radius 100 m
    A = coverage_matrix([[0, 0], [150, 0], [300, 0]], [[0, 0], [75, 0], [300, 0]], 100)
    w = np.array([1.0, 1.0, 3.0])
    assert solve_mclp(A, w, 1).chosen.tolist() == [2]       # 3 beats 2
    two = solve_mclp(A, w, 2)
    assert two.chosen.tolist() == [1, 2] and two.objective == 5.0
    # at least 250 m apart: 75 and 300 are 225 m apart, so the best pair is 0 and 300 (4)
    conf = spacing_conflicts([[0, 0], [75, 0], [300, 0]], 250)
    assert conf.tolist() == [[0, 1], [1, 2]]
    spaced = solve_mclp(A, w, 2, conf)
    assert spaced.chosen.tolist() == [0, 2] and spaced.objective == 4.0


@pytest.mark.parametrize("seed", range(40))
def test_optimum_equals_brute_force_and_greedy_never_beats_it(seed):
    rng = np.random.default_rng(seed)
    d, c, w, A = random_instance(rng)
    p = int(rng.integers(1, 4))
    conf = spacing_conflicts(c, 200.0) if seed % 2 else None
    sol = solve_mclp(A, w, p, conf)
    want = brute_force(A, w, p, conf if conf is not None else ())
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(want)
    assert sol.greedy_objective <= sol.objective + 1e-9
    assert len(sol.chosen) <= p
    if conf is not None:   # spacing honoured
        chosen = set(sol.chosen.tolist())
        assert not any(a in chosen and b in chosen for a, b in conf.tolist())
        chosen_g = set(sol.greedy.tolist())
        assert not any(a in chosen_g and b in chosen_g for a, b in conf.tolist())


@pytest.mark.parametrize("seed", range(15))
def test_reductions_keep_the_optimum(seed):
    rng = np.random.default_rng(100 + seed)
    d, c, w, A = random_instance(rng, n=120, m=40, side=1500, radius=200)
    d[:30] = d[0]  # many incidents at one snap point
    A = coverage_matrix(d, c, 200)
    p = int(rng.integers(1, 6))
    full = solve_mclp(A, w, p, reduce=False)
    red = solve_mclp(A, w, p, reduce=True)
    assert red.objective == pytest.approx(full.objective)
    assert red.sizes["candidates_reduced"] <= red.sizes["candidates"]
    assert red.sizes["demand_points_reduced"] <= red.sizes["demand_points"]


def test_greedy_gains_add_up_to_its_coverage():
    rng = np.random.default_rng(7)
    d, c, w, A = random_instance(rng, n=200, m=50, side=2000, radius=250)
    order, gains = greedy_mclp(A, w, 5)
    covered = w[np.asarray(A[:, order].sum(axis=1)).ravel() > 0].sum()
    assert gains.sum() == pytest.approx(covered)
    assert np.all(np.diff(gains) <= 1e-9)   # submodular: each camera adds no more than the one before


def test_bad_settings_raise_sentences():
    A = coverage_matrix([[0, 0]], [[0, 0]], 100)
    with pytest.raises(SettingError, match="at least 1"):
        solve_mclp(A, np.ones(1), 0)
    with pytest.raises(SettingError, match="0 or more"):
        solve_mclp(A, np.array([-1.0]), 1)


# ------------------------------------------------------------------------------------------- on a store

#: Three groups of incidents in Watford, each at one snap point, about 1 km apart:
#: 10 robberies, 6 burglaries, 3 robberies.
BASE = (511000.0, 196500.0)
GROUPS = [((0, 0), 10, "Robbery"), ((1000, 0), 6, "Burglary"), ((0, 1000), 3, "Robbery")]


def _point(dx, dy):
    lon, lat = bng_to_lonlat([BASE[0] + dx], [BASE[1] + dy])
    return float(lon[0]), float(lat[0])


@pytest.fixture
def groups_store(store, tmp_path):
    rows, k = [], 0
    for (dx, dy), n, cat in GROUPS:
        lon, lat = _point(dx, dy)
        for _ in range(n):
            rows.append(street_row(crime_id=f"c{k}", month="2021-06", lon=f"{lon:.6f}", lat=f"{lat:.6f}",
                                   crime_type=cat, location=f"=On or near <b>Group</b> {dx}-{dy}"))
            k += 1
    f = tmp_path / "2021-06-test-street.csv"
    f.write_text(street_csv(rows))
    ingest_police([f], store)
    return store


def _stored_xy(store, dx, dy):
    """The stored easting/northing of a group (lon/lat are rounded to 6 decimals in the file)."""
    lon, lat = _point(dx, dy)
    e, n = lonlat_to_bng([round(lon, 6)], [round(lat, 6)])
    return float(e[0]), float(n[0])


def test_plan_on_a_store_picks_the_biggest_group(groups_store):
    plan = site_cameras(groups_store, cameras=1)
    s = plan.summary
    assert (s["covered"], s["total"], s["optimal"]) == (10, 19, True)
    assert s["coverage_pct"] == pytest.approx(100 * 10 / 19, abs=0.01)
    e, n = _stored_xy(groups_store, 0, 0)
    site = plan.sites.iloc[0]
    assert np.hypot(site["easting"] - e, site["northing"] - n) <= 100
    assert site["covered_incidents"] == 10 and site["covered_harm"] == 3650.0   # 10 robberies x 365 days
    three = site_cameras(groups_store, cameras=3)
    assert three.summary["covered"] == 19 and three.sites["added_incidents"].tolist() == [10, 6, 3]
    assert three.sites["cumulative_pct"].iloc[-1] == 100.0


def test_harm_objective_counts_days(groups_store):
    plan = site_cameras(groups_store, Selection(harm=True), cameras=1)
    # 10 robberies = 3,650 days beat 6 burglaries = 1,380 days
    assert plan.summary["covered"] == pytest.approx(3650.0)
    assert plan.summary["total"] == pytest.approx(3650 + 1380 + 1095)


def test_existing_cameras_count_as_served(groups_store):
    e, n = _stored_xy(groups_store, 0, 0)
    existing = pd.DataFrame({"easting": [e + 20], "northing": [n], "name": ["Town hall"]})
    plan = site_cameras(groups_store, cameras=1, existing=existing)
    s = plan.summary
    assert s["already_covered"] == 10 and s["covered"] == 6 and s["existing_cameras"] == 1
    # a camera in another town sees nothing selected: left out
    far = pd.DataFrame({"easting": [e + 20000], "northing": [n]})
    assert site_cameras(groups_store, cameras=1, existing=far).summary["existing_cameras"] == 0


def test_excluded_zones_and_spacing_are_honoured(groups_store):
    e, n = _stored_xy(groups_store, 0, 0)
    zone = Area("no cameras", shapely.Point(e, n).buffer(150))
    plan = site_cameras(groups_store, cameras=1, exclude=zone)
    assert plan.summary["covered"] == 6 and plan.summary["excluded_candidates"] >= 1
    assert not zone.contains(plan.sites["easting"], plan.sites["northing"]).any()
    # cameras at least 1.2 km apart: group 1 is 1 km from both others, groups 2 and 3 are 1.41 km apart,
    # so the choice is group 1 alone (10) or groups 2 and 3 (6 + 3 = 9)
    spaced = site_cameras(groups_store, cameras=3, min_spacing_m=1200)
    assert spaced.summary["optimal"] and spaced.summary["covered"] == 10 and len(spaced.sites) == 1
    # without group 1's sites, the spaced pair
    both = site_cameras(groups_store, cameras=3, min_spacing_m=1200, exclude=zone)
    xy = both.sites[["easting", "northing"]].to_numpy()
    assert both.summary["covered"] == 9 and len(xy) == 2
    assert all(np.hypot(*(a - b)) >= 1200 for a, b in itertools.combinations(xy, 2))


def test_user_candidates_from_csv_and_geojson(groups_store, tmp_path):
    e, n = _stored_xy(groups_store, 1000, 0)
    lon, lat = bng_to_lonlat([e + 50], [n])
    (tmp_path / "lamps.csv").write_text(f"name,longitude,latitude\nLamp 7,{lon[0]:.6f},{lat[0]:.6f}\n")
    cands = read_points(tmp_path / "lamps.csv", "candidate sites")
    plan = site_cameras(groups_store, cameras=2, candidates=cands)
    assert plan.summary["covered"] == 6 and plan.summary["candidate_source"] == "file"
    assert plan.sites["site"].tolist() == ["Lamp 7"]   # one site adds anything
    gj = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "L1"},
                                                     "geometry": {"type": "Point", "coordinates": [lon[0], lat[0]]}}]}
    (tmp_path / "lamps.geojson").write_text(json.dumps(gj))
    pts = read_points(tmp_path / "lamps.geojson")
    assert pts["easting"].iloc[0] == pytest.approx(e + 50, abs=0.5)


def test_read_points_errors(tmp_path):
    f = tmp_path / "cams.csv"
    f.write_text("name,where\nA,town\n")
    with pytest.raises(InputFileError, match="no coordinate columns"):
        read_points(f)
    f.write_text("easting,northing\n511000,abc\n")
    with pytest.raises(InputFileError, match="row 2.*not a number"):
        read_points(f)
    f.write_text("longitude,latitude\n51.65,-0.39\n")
    with pytest.raises(InputFileError, match="not in Great Britain"):
        read_points(f)
    f.write_text("Easting,Northing,radius_m\n511249,196605,80\n")
    assert read_points(f)[["easting", "northing", "radius_m"]].values.tolist() == [[511249.0, 196605.0, "80"]]
    with pytest.raises(InputFileError, match="does not exist"):
        read_points(tmp_path / "nope.csv")


def test_sample_existing_cameras_file_reads(tmp_path):
    write_sample(tmp_path, months=1)  # the generator writes the cameras file whatever the months
    path = tmp_path / "cctv" / "existing_cctv_synthetic.csv"
    cams = read_points(path, "existing cameras")
    data_lines = sum(1 for line in path.read_text(encoding="utf-8-sig").splitlines()[1:] if line.strip())
    assert len(cams) == data_lines == 20 and cams["easting"].between(480000, 560000).all()


def test_bad_plan_settings(groups_store):
    with pytest.raises(SettingError, match="radius"):
        site_cameras(groups_store, radius_m=5)
    with pytest.raises(SettingError, match="No incidents"):
        site_cameras(groups_store, Selection("2020-01", "2020-02"))
    with pytest.raises(SettingError, match="A&E"):
        site_cameras(groups_store, Selection(sources=("ae",)))


# ------------------------------------------------------------------------------------------- exports


def test_exports_are_safe_and_complete(groups_store):
    plan = site_cameras(groups_store, cameras=2, radius_m=100)
    csv = plan_csv(plan).decode("utf-8-sig")
    assert "'=On or near <b>Group</b>" in csv   # formula neutralised, text kept
    assert not any(line.startswith("=") or ",=" in line for line in csv.splitlines())
    gj = json.loads(plan_geojson(plan))
    pts = [f for f in gj["features"] if f["geometry"]["type"] == "Point"]
    circles = [f for f in gj["features"] if f["geometry"]["type"] == "Polygon"]
    assert len(pts) == len(circles) == 2
    ring = np.array(circles[0]["geometry"]["coordinates"][0])
    e, n = lonlat_to_bng(ring[:, 0], ring[:, 1])
    site = plan.sites.iloc[0]
    assert np.allclose(np.hypot(e - site["easting"], n - site["northing"]), 100, atol=0.5)
    kml = plan_kml(plan).decode()
    assert "<b>" not in kml and "&amp;lt;b&amp;gt;Group" in kml and kml.count("<Placemark>") == 4


def test_cli_json_and_errors(groups_store, tmp_path):
    db = str(groups_store.path)
    groups_store.close()
    out = subprocess.run([sys.executable, "-m", "hotspots", "cctv", "--db", db, "--cameras", "2", "--json",
                          "--out", str(tmp_path / "sites.geojson")], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    # the CLI plans the CCTV default types (issue 15): the 6 burglaries (indoors) are out unless chosen
    assert (js["covered"], js["total"], len(js["sites"])) == (13, 13, 2)
    assert js["types"] == list(CCTV_DEFAULT_TYPES) and "Burglary" not in js["types"]
    assert js["optimal"] is True and js["greedy_covered"] <= js["covered"]
    assert (tmp_path / "sites.geojson").exists()
    every = subprocess.run([sys.executable, "-m", "hotspots", "cctv", "--db", db, "--cameras", "2", "--json",
                            "--types", "all"], capture_output=True, text=True, cwd=ROOT)
    js = json.loads(every.stdout)
    assert (js["covered"], js["total"], len(js["sites"]), js["types"]) == (16, 19, 2, "all")
    assert js["notes"] == [] and js["artefact_incidents"] == 0
    bad = subprocess.run([sys.executable, "-m", "hotspots", "cctv", "--db", db, "--radius-m", "5"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "radius" in bad.stderr


def test_pdf_has_the_sites_numbers_notes_and_a_map(groups_store, tmp_path):
    import shutil

    from pypdf import PdfReader

    plan = site_cameras(groups_store, cameras=2)
    pdf = plan_pdf(plan)
    (tmp_path / "plan.pdf").write_bytes(pdf)
    reader = PdfReader(tmp_path / "plan.pdf")
    text = " ".join(p.extract_text() for p in reader.pages)
    flat = " ".join(text.split())
    assert "Mobile CCTV sites" in flat
    assert "2 camera sites cover 16 of 19 incidents (84.2%) within 100 m" in flat
    assert "Consult residents" in flat and "up to 3 months" in flat
    assert "proven optimal" in flat
    for e in plan.sites["easting"]:
        assert f"{e:,.0f}" in flat
    assert "Group" in flat   # the location text, as text
    assert sum(len(p.images) for p in reader.pages) >= 1
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "50", str(tmp_path / "plan.pdf"), str(tmp_path / "page")],
                       check=True)
        pngs = sorted(tmp_path.glob("page*.png"))
        assert len(pngs) == len(reader.pages) and all(p.stat().st_size > 5000 for p in pngs)
        art = ROOT / "test-artifacts"
        art.mkdir(exist_ok=True)
        shutil.copy(pngs[0], art / "cctv-plan-page1.png")
