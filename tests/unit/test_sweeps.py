"""Knife-sweep areas: hand-computed scores on a tiny grid, green share against shapely, the visiting
order against nearest neighbour and brute force, A&E counts never shown as 1..7, exports and the PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.errors import SettingError
from hotspots import defaults
from hotspots.patrol import cell_components, cells_to_bng_polygon
from hotspots.sweeps import (AE_KEY, brute_force_order, green_share, nearest_neighbour_order, parse_weights,
                             path_length, plan_sweeps, sweep_csv, sweep_geojson, sweep_kml, sweep_pdf,
                             visiting_order, weapon_scores)
from tests.ae_rows import row, unit

# three res-10 cells: A and B neighbours, C three rings away
A = h3.latlng_to_cell(51.6560, -0.3960, 10)
B = sorted(h3.grid_ring(A, 1))[0]
C = sorted(h3.grid_ring(A, 3))[0]


def _rows():
    """The tiny grid (by hand, default weights PoW 3, Robbery 2, VSO 1, A&E knife/sharp 3, flag +2):
    A: 2 possession of weapons (3 + 3), 1 robbery from force records flagged with a weapon (2 + 2),
       1 burglary (0)                                            -> score 10, 3 scoring incidents
    B: 3 violence (1 + 1 + 1), 1 A&E knife/sharp (3), 1 A&E 'body' assault (0)   -> score 6, 4
    C: 1 robbery (2)                                             -> score 2, 1
    """
    police = "Hertfordshire Constabulary"
    specs = [("police", police, "Possession of weapons", A, None, None),
             ("police", police, "Possession of weapons", A, None, None),
             ("rms", police, "Robbery", A, None, True),
             ("police", police, "Burglary", A, None, None),
             ("police", police, "Violence and sexual offences", B, None, None),
             ("police", police, "Violence and sexual offences", B, None, None),
             ("police", police, "Violence and sexual offences", B, None, None),
             ("ae", "RWH01", "A&E assault", B, "knife/sharp", True),
             ("ae", "RWH01", "A&E assault", B, "body", False),
             ("police", police, "Robbery", C, None, None)]
    out = []
    for i, (src, force, cat, cell, sub, weapon) in enumerate(specs):
        r = row(source=src, force=force, category=cat, cell=cell, i=i, subcategory=sub, weapon=weapon,
                location=f"On or near Street {cell[-6:-4]}",
                occurred_at=dt.datetime(2021, 6, 5, 23, i) if src in ("ae", "rms") else None)
        out.append(r)
    return out


def _frame():
    rows = _rows()
    return pd.DataFrame({k: [r[k] for r in rows] for k in ("h3_11", "category", "subcategory", "source", "weapon")})


def test_scores_by_hand_on_a_tiny_grid():
    t = weapon_scores(_frame(), 10).set_index("cell")
    assert t.loc[A, "score"] == 10 and t.loc[B, "score"] == 6 and t.loc[C, "score"] == 2
    assert t.loc[A, "incidents"] == 3 and t.loc[B, "incidents"] == 4 and t.loc[C, "incidents"] == 1
    assert t.loc[A, "Possession of weapons"] == 2 and t.loc[A, "Robbery"] == 1 and t.loc[A, "flagged"] == 1
    assert t.loc[B, AE_KEY] == 1 and t.loc[B, "Violence and sexual offences"] == 3
    assert list(t.index) == [A, B, C]                      # ranked by score
    # edited weights: robbery 5, no flag bonus -> A = 3 + 3 + 5, C = 5
    t2 = weapon_scores(_frame(), 10, {"Robbery": 5}, flag_extra=0).set_index("cell")
    assert t2.loc[A, "score"] == 11 and t2.loc[C, "score"] == 5 and t2.loc[B, "score"] == 6
    # at res 9 the cells add up into their parents
    t9 = weapon_scores(_frame(), 9)
    assert t9["score"].sum() == 18


def test_parse_weights():
    w = parse_weights("robbery=4, A&E knife/sharp = 0")
    assert w["Robbery"] == 4 and w[AE_KEY] == 0 and w["Possession of weapons"] == 3
    for bad in ("Burglary=3", "Robbery=-1", "Robbery=lots",
                "Possession of weapons=0,Robbery=0,Violence and sexual offences=0,A&E knife/sharp=0"):
        with pytest.raises(SettingError):
            parse_weights(bad)


@pytest.fixture
def tiny_store(tmp_path):
    from geo.store import Store

    rows = _rows()
    s = Store(tmp_path / "tiny.duckdb")
    for src, force in (("police", "Hertfordshire Constabulary"), ("rms", "Hertfordshire Constabulary"),
                       ("ae", "RWH01")):
        part = [r for r in rows if r["source"] == src]
        s.write(unit(part, src, force, f"{src}.csv"))
    yield s
    s.close()


def test_plan_on_the_tiny_grid_hides_ae_counts(tiny_store):
    plan = plan_sweeps(tiny_store, sources=("police", "rms", "ae"), n_areas=2)
    a = plan.areas
    assert len(a) == 2 and plan.summary["ae_included"]
    # A and B merge (neighbours): 10 + 6 = 16; C alone: 2. Shown as an index, the top area = 100
    assert a["score_index"].tolist() == [100.0, 12.5]
    assert "score" not in a and "Robbery" not in a and AE_KEY not in a
    assert a["ae_knife_assaults"].tolist() == ["1 to 7", 0]    # the one A&E knife assault, suppressed
    from hotspots.suppress import assert_no_small_counts

    assert_no_small_counts(a["ae_knife_assaults"].tolist())
    assert plan.summary["incidents_scored"] == 7               # police and force records only: no A&E total
    assert sorted(plan.cells.loc[plan.cells["area"] == 1, "cell"]) == sorted([A, B])
    for col in ("score_index", "ae_knife_assaults"):
        assert col in json.loads(sweep_geojson(plan))["features"][0]["properties"]
    csv = pd.read_csv(io.BytesIO(sweep_csv(plan)), encoding="utf-8-sig", dtype=str)
    assert csv["ae_knife_assaults"].tolist() == ["1 to 7", "0"] and "score" not in csv


def test_plan_without_ae_shows_scores_and_components(tiny_store):
    plan = plan_sweeps(tiny_store, sources=("police", "rms"), n_areas=2)
    a = plan.areas
    assert not plan.summary["ae_included"]
    assert a["score"].tolist() == [13.0, 2.0]                   # A 10 + B's violence 3; C 2
    assert a["Possession of weapons"].tolist() == [2, 0] and a["weapon_flagged"].tolist() == [1, 0]


def test_green_share_against_shapely():
    sq = shapely.box(0, 0, 100, 100)
    assert green_share(sq, shapely.Polygon([(0, 0), (100, 0), (0, 100)])) == pytest.approx(0.5)
    assert green_share(sq, shapely.box(-50, -50, 200, 200)) == 1.0
    assert green_share(sq, shapely.box(200, 200, 300, 300)) == 0.0
    hexes = cells_to_bng_polygon([A, B])
    x0, y0, x1, y1 = hexes.bounds
    cx = (x0 + x1) / 2
    green = shapely.box(x0 - 10, y0 - 10, cx, y1 + 10)
    want = shapely.clip_by_rect(hexes, x0 - 10, y0 - 10, cx, y1 + 10).area / hexes.area
    assert green_share(hexes, green) == pytest.approx(want, rel=1e-6)   # overlay vs clip: round-off
    assert 0.3 < want < 0.7


def test_green_layer_file_in_wgs84(tiny_store, tmp_path):
    """A GeoJSON (WGS84) green layer: the share equals shapely's on the same polygon projected with pyproj."""
    from pyproj import Transformer

    lat, lng = h3.cell_to_latlng(A)
    ring = [(lng - 0.002, lat - 0.002), (lng, lat - 0.002), (lng, lat + 0.002), (lng - 0.002, lat + 0.002)]
    path = tmp_path / "green.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}}]}))
    plan = plan_sweeps(tiny_store, sources=("police",), n_areas=2, green=str(path))
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    green = shapely.Polygon([tr.transform(x, y) for x, y in ring])
    for r, g in zip(plan.areas.itertuples(), plan.geometry):
        assert r.green_pct == pytest.approx(100 * g.intersection(green).area / g.area, abs=1e-6)
    assert plan.areas["green_pct"].iloc[0] > 10


def test_visiting_order_by_hand_and_brute_force():
    # on a line from 0: nearest neighbour goes 0, 1, 3, -1.5 (7.5); the best walk is 0, -1.5, 1, 3 (6)
    x, y = [0.0, 1.0, -1.5, 3.0], [0.0] * 4
    assert path_length(nearest_neighbour_order(x, y), x, y) == 7.5
    order, length = visiting_order(x, y)
    assert order.tolist() == [0, 2, 1, 3] and length == 6.0
    assert brute_force_order(x, y)[1] == 6.0
    same = 0
    for seed in range(60):
        r = np.random.default_rng(seed)
        x, y = r.uniform(0, 1000, 8), r.uniform(0, 1000, 8)
        o, length = visiting_order(x, y)
        assert sorted(o.tolist()) == list(range(8)) and o[0] == 0
        assert length == pytest.approx(path_length(o, x, y))
        assert length <= path_length(nearest_neighbour_order(x, y), x, y) + 1e-9
        best = brute_force_order(x, y)[1]
        assert length >= best - 1e-9
        same += abs(length - best) < 1e-6
    # a heuristic: on these 60 instances of 8 points it finds the optimum 55 times
    assert same >= 55


def test_sample_force_records_plan_exports_and_pdf(tmp_path):
    from pypdf import PdfReader

    from geo.ingest import ingest_sample
    from geo.sample import write_sample
    from geo.store import Store

    write_sample(tmp_path / "sample", months=3)
    with Store(tmp_path / "s.duckdb") as s:
        ingest_sample(tmp_path / "sample", s)
        area = s.area("district", "Watford")
        plan = plan_sweeps(s, sources=("police",), area=area)
    a = plan.areas
    assert len(a) == defaults.SWEEP_AREAS
    for r in a["rank"]:
        assert cell_components(plan.cells.loc[plan.cells["area"] == r, "cell"]).max() == 0
    assert sorted(a["visit"]) == list(range(1, len(a) + 1))
    assert a.loc[plan.order[0], "rank"] == 1                      # the walk starts at the top area
    assert plan.summary["walk_m"] <= plan.summary["nearest_neighbour_walk_m"] + 1e-9
    assert (a["score"].diff().dropna() <= 0).all()
    root = ET.fromstring(sweep_kml(plan))
    assert len(root.findall(".//{http://www.opengis.net/kml/2.2}Placemark")) == len(a)
    csv = pd.read_csv(io.BytesIO(sweep_csv(plan)), encoding="utf-8-sig")
    assert csv["visit"].tolist() == list(range(1, len(a) + 1))
    pdf = tmp_path / "sweep.pdf"
    pdf.write_bytes(sweep_pdf(plan))
    reader = PdfReader(str(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Knife-sweep sheet" in text and "SYNTHETIC" in text and "visiting order" in text
    assert "hedges" in text and a.loc[plan.order[0], "name"].split(":")[0] in text
    assert sum(len(p.images) for p in reader.pages) >= 1
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "pg")], check=True)
    from PIL import Image

    pngs = sorted(tmp_path.glob("pg-*.png"))
    assert len(pngs) == len(reader.pages)
    first = np.asarray(Image.open(pngs[0]).convert("RGB")).reshape(-1, 3)
    assert ((first[:, 0] > 180) & (first[:, 1] < 80) & (first[:, 2] < 80)).sum() > 5   # area 1 in red
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"   # for people to look at (not committed)
    artifacts.mkdir(exist_ok=True)
    for i, png in enumerate(pngs, start=1):
        (artifacts / f"sweep-sheet-page{i}.png").write_bytes(png.read_bytes())


def test_cli(tiny_store, tmp_path, capsys):
    from hotspots.cli import main

    db = str(tiny_store.path)
    tiny_store.close()
    assert main(["sweeps", "--db", db, "--sources", "police,rms,ae", "--areas", "2", "--json",
                 "--out", str(tmp_path / "s.geojson")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["areas"] == 2 and out["areas"][0]["score_index"] == 100.0
    assert json.loads((tmp_path / "s.geojson").read_text())["features"]
    assert main(["sweeps", "--db", db, "--weights", "Burglary=2"]) == 2
    assert "not a weapon-violence score component" in capsys.readouterr().err
