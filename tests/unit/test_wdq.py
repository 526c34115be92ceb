"""Did it work: the Weighted Displacement Quotient by hand, and before/after counts on a hand-made store."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import shapely

from geo.boundaries import Area
from geo.crs import bng_to_lonlat, lonlat_to_bng
from geo.errors import InputFileError, SettingError
from geo.ingest.police import ingest_police
from hotspots.tasks.did_it_work import evaluate_deployment
from geo.query import Selection
from tests.conftest import ROOT, street_csv, street_row
from hotspots.methods.wdq import WDQ_MEANING, wdq
from geo.readers.points import read_deployment


# ------------------------------------------------------------------------------ the formula, by hand
# Bowers & Johnson (2003): WDQ = (B_a/C_a - B_b/C_b) / (A_a/C_a - A_b/C_b);
# Guerette (2009, Appendix B): TNE = [A_b(C_a/C_b) - A_a] + [B_b(C_a/C_b) - B_a].


def test_diffusion_by_hand():
    # target 100 -> 60, buffer 80 -> 70, control 1000 -> 1000
    # SM = 60/1000 - 100/1000 = -0.04; BDM = 70/1000 - 80/1000 = -0.01; WDQ = -0.01 / -0.04 = 0.25
    # TNE = (100 - 60) + (80 - 70) = 50
    r = wdq(100, 60, 80, 70, 1000, 1000)
    assert r["success_measure"] == pytest.approx(-0.04)
    assert r["buffer_measure"] == pytest.approx(-0.01)
    assert r["wdq"] == pytest.approx(0.25)
    assert r["tne"] == pytest.approx(50.0)
    assert r["meaning"] == "diffusion"
    assert (r["target_change_pct"], r["buffer_change_pct"], r["control_change_pct"]) == (-40.0, -12.5, 0.0)


def test_displacement_smaller_than_the_effect_by_hand():
    # target 50 -> 10, buffer 40 -> 50, control 2000 -> 1600
    # SM = 10/1600 - 50/2000 = 0.00625 - 0.025 = -0.01875
    # BDM = 50/1600 - 40/2000 = 0.03125 - 0.02 = 0.01125; WDQ = 0.01125 / -0.01875 = -0.6
    # TNE = (50 * 0.8 - 10) + (40 * 0.8 - 50) = 30 - 18 = 12
    r = wdq(50, 10, 40, 50, 2000, 1600)
    assert r["success_measure"] == pytest.approx(-0.01875)
    assert r["buffer_measure"] == pytest.approx(0.01125)
    assert r["wdq"] == pytest.approx(-0.6)
    assert r["tne"] == pytest.approx(12.0)
    assert r["meaning"] == "displacement_smaller"


@pytest.mark.parametrize("counts, value, meaning", [
    ((50, 40, 40, 80, 1000, 1000), -4.0, "displacement_greater"),   # SM -0.01, BDM +0.04
    ((50, 40, 100, 50, 1000, 1000), 5.0, "diffusion_greater"),      # SM -0.01, BDM -0.05
    ((50, 40, 40, 40, 1000, 1000), 0.0, "none"),                    # BDM 0
    ((50, 30, 40, 40, 2000, 1000), None, "undefined"),              # SM = 0.03 - 0.025 > 0: no effect to displace
    ((50, 50, 40, 30, 1000, 1000), None, "undefined"),              # SM = 0
    ((5, 1, 4, 4, 0, 10), None, "no_control"),                      # empty control before
])
def test_every_row_of_the_interpretation_table(counts, value, meaning):
    r = wdq(*counts)
    assert r["meaning"] == meaning
    if value is None:
        assert r["wdq"] is None
    else:
        assert r["wdq"] == pytest.approx(value)
    assert WDQ_MEANING[meaning]


def test_wdq_does_not_depend_on_the_control_scale():
    a = wdq(50, 10, 40, 50, 2000, 1600)["wdq"]
    assert wdq(50, 10, 40, 50, 4000, 3200)["wdq"] == pytest.approx(a)


def test_bad_counts():
    with pytest.raises(SettingError):
        wdq(-1, 0, 0, 0, 1, 1)


# ------------------------------------------------------------------------------ on a store

SITE = (511000.0, 196500.0)
#: (east offset m, month, count, crime type): target within 100 m, buffer 100-300 m, control far away
LAYOUT = [
    (30, "2021-03", 4, "Robbery"), (30, "2021-04", 4, "Robbery"), (30, "2021-05", 1, "Robbery"),
    (30, "2021-06", 1, "Robbery"),
    (200, "2021-03", 1, "Robbery"), (200, "2021-04", 2, "Robbery"), (200, "2021-05", 3, "Robbery"),
    (200, "2021-06", 2, "Robbery"),
    (3000, "2021-03", 50, "Robbery"), (3000, "2021-04", 50, "Robbery"), (3000, "2021-05", 40, "Robbery"),
    (3000, "2021-06", 50, "Robbery"),
    (-3000, "2021-03", 7, "Robbery"), (-3000, "2021-06", 3, "Robbery"),
    # outside both periods, and another crime type: never counted
    (30, "2021-02", 9, "Robbery"), (30, "2021-05", 6, "Burglary"),
]


def _lonlat(dx):
    lon, lat = bng_to_lonlat([SITE[0] + dx], [SITE[1]])
    return float(lon[0]), float(lat[0])


@pytest.fixture
def wdq_store(store, tmp_path):
    rows, k = [], 0
    for dx, month, n, cat in LAYOUT:
        lon, lat = _lonlat(dx)
        for _ in range(n):
            rows.append(street_row(crime_id=f"w{k}", month=month, lon=f"{lon:.6f}", lat=f"{lat:.6f}", crime_type=cat))
            k += 1
    f = tmp_path / "street.csv"
    f.write_text(street_csv(rows))
    ingest_police([f], store)
    return store


def deployment(**kw):
    import pandas as pd

    row = {"site": "Market", "easting": SITE[0], "northing": SITE[1], "from": "2021-05", "to": "2021-06"} | kw
    return pd.DataFrame([row])


def test_counts_by_area_and_period(wdq_store):
    ev = evaluate_deployment(wdq_store, deployment(), Selection(categories=("Robbery",)))
    r = ev.table.iloc[0]
    # before = 2021-03..04 (as many months as the deployment), after = 2021-05..06
    assert (r["before_from"], r["before_to"], r["from"], r["to"]) == ("2021-03", "2021-04", "2021-05", "2021-06")
    assert (r["target_before"], r["target_after"]) == (8, 2)
    assert (r["buffer_before"], r["buffer_after"]) == (3, 5)
    assert (r["control_before"], r["control_after"]) == (107, 93)
    want = wdq(8, 2, 3, 5, 107, 93)
    assert r["wdq"] == pytest.approx(want["wdq"]) and r["meaning"] == want["meaning"] == "displacement_smaller"
    assert ev.table.iloc[-1]["site"] == "All sites"
    assert r["interpretation"] == WDQ_MEANING["displacement_smaller"]


def test_control_polygon_and_buffer_width(wdq_store):
    east = Area("east", shapely.box(SITE[0] + 1000, SITE[1] - 500, SITE[0] + 5000, SITE[1] + 500))
    ev = evaluate_deployment(wdq_store, deployment(), Selection(categories=("Robbery",)), control=east)
    r = ev.table.iloc[0]
    assert (r["control_before"], r["control_after"]) == (100, 90)
    # a 50 m buffer (100-150 m) holds nothing: the incidents at 200 m join the control
    narrow = evaluate_deployment(wdq_store, deployment(), Selection(categories=("Robbery",)),
                                 buffer_m=50).table.iloc[0]
    assert (narrow["buffer_before"], narrow["buffer_after"]) == (0, 0)
    assert (narrow["control_before"], narrow["control_after"]) == (110, 98)


def test_all_sites_counts_each_incident_once(wdq_store):
    import pandas as pd

    # two sites over the same months: the control is counted once, not once per site
    same = pd.concat([deployment(), deployment(site="Far", easting=SITE[0] - 3000)])
    ev = evaluate_deployment(wdq_store, same, Selection(categories=("Robbery",)))
    one, far, tot = ev.table.iloc[0], ev.table.iloc[1], ev.table.iloc[-1]
    assert tot["site"] == "All sites"
    for c in ("target_before", "target_after", "buffer_before", "buffer_after"):
        assert tot[c] == one[c] + far[c]  # targets and rings far apart: they add up
    # the control is everything outside every zone: counted once (adding the sites' rows doubled it)
    for c in ("control_before", "control_after"):
        assert tot[c] == one[c] == far[c] > 0
    # sites over different months: no pooled measure, and the table says why
    two = pd.concat([deployment(), deployment(site="Far", easting=SITE[0] - 3000, **{"from": "2021-06",
                                                                                     "to": "2021-06"})])
    ev = evaluate_deployment(wdq_store, two, Selection(categories=("Robbery",)))
    far = ev.table.iloc[1]
    assert (far["before_from"], far["target_before"], far["target_after"]) == ("2021-05", 0, 3)
    tot = ev.table.iloc[-1]
    assert tot["meaning"] == "different_months" and pd.isna(tot["wdq"]) and pd.isna(tot["target_before"])


def test_missing_before_months_is_a_sentence(wdq_store):
    with pytest.raises(SettingError, match="2021-01"):
        evaluate_deployment(wdq_store, deployment(**{"from": "2021-03", "to": "2021-04"}))


def test_read_deployment(tmp_path):
    f = tmp_path / "dep.csv"
    lon, lat = _lonlat(0)
    f.write_text(f"site,longitude,latitude,from,to\nMarket,{lon:.6f},{lat:.6f},2021-05-03,30/06/2021\n")
    d = read_deployment(f)
    assert d[["site", "from", "to"]].values.tolist() == [["Market", "2021-05", "2021-06"]]
    e, n = lonlat_to_bng([round(lon, 6)], [round(lat, 6)])
    assert d["easting"].iloc[0] == pytest.approx(e[0])
    f.write_text("site,easting,northing,from,to\nA,511000,196500,2021-07,2021-05\n")
    with pytest.raises(InputFileError, match="before it went up"):
        read_deployment(f)
    f.write_text("site,easting,northing,start\nA,511000,196500,2021-07\n")
    with pytest.raises(InputFileError, match="'from' and 'to'"):
        read_deployment(f)
    f.write_text("site,easting,northing,from,to\nA,511000,196500,May 2021,2021-06\n")
    with pytest.raises(InputFileError, match="row 2.*not a month"):
        read_deployment(f)


def test_cli_evaluate(wdq_store, tmp_path):
    db = str(wdq_store.path)
    wdq_store.close()
    dep = tmp_path / "dep.csv"
    dep.write_text(f"site,easting,northing,from,to\nMarket,{SITE[0]},{SITE[1]},2021-05,2021-06\n")
    out = subprocess.run([sys.executable, "-m", "hotspots", "cctv", "--db", db, "--evaluate", str(dep), "--types",
                          "Robbery", "--json"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    s = js["sites"][0]
    assert (s["target_before"], s["target_after"], s["control_before"], s["control_after"]) == (8, 2, 107, 93)
    assert js["all_sites"]["wdq"] == pytest.approx(wdq(8, 2, 3, 5, 107, 93)["wdq"])
    text = subprocess.run([sys.executable, "-m", "hotspots", "cctv", "--db", db, "--evaluate", str(dep)],
                          capture_output=True, text=True, cwd=ROOT)
    assert text.returncode == 0 and "WDQ" in text.stdout and "Market" in text.stdout
