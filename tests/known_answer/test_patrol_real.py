"""A patrol plan and a sweep plan for a real district: Watford, police.uk 2021-01..2021-12.

Known answers come from the raw police.uk CSVs read here with the csv module, h3-py and
pyproj, independently of the store: the incidents in each patrol area, the busiest
hexagon of the year (which must be in the plan), and the weapon-violence score of each
sweep area computed by hand from the raw rows.
"""

from __future__ import annotations

import csv

import h3
import numpy as np
import pytest
import shapely

from geo.boundaries import read_areas
from geo.ingest.police import ingest_police
from geo.months import months_between
from geo.query import Selection, select_incidents
from geo.store import Store
from hotspots.methods.cells import analysis_window
from hotspots.methods.cellsets import cell_components
from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, cell_months
from hotspots.tasks.evaluate import evaluate_cell_months
from hotspots.tasks.patrol import plan_patrol
from hotspots.tasks.sweeps import plan_sweeps
from tests.conftest import POLICE_STREET_DIR, SHARED_DATA, SHARED_REASON

pytestmark = pytest.mark.shared

LAD = SHARED_DATA / "boundaries" / "herts_lad_dissolved_from_lsoa2011.geojson"
MONTHS = [f"2021-{m:02d}" for m in range(1, 13)]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    files = sorted(p for p in POLICE_STREET_DIR.rglob("*-street.csv") if p.name[:7] in MONTHS)
    assert len(files) == 12
    db = tmp_path_factory.mktemp("patrol_real") / "real.duckdb"
    with Store(db) as s:
        ingest_police(files, s)
        watford = next(a for a in read_areas(LAD) if a.name == "Watford")
        plan = plan_patrol(s, Selection("2021-01", "2021-12", area=watford), budget_pct=1.5, seed=1)
        plan6 = plan_patrol(s, Selection("2021-01", "2021-12", area=watford), n_areas=6, seed=1)
        sweeps = plan_sweeps(s, Selection("2021-01", "2021-12", sources=("police",), area=watford))
    return {"plan": plan, "plan6": plan6, "sweeps": sweeps, "area": watford, "raw": _raw_rows(files, watford)}


def _raw_rows(files, area):
    """(crime type, res-9 cell, res-10 cell) of every located row inside Watford, from the CSVs."""
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    out = []
    for f in files:
        with open(f, newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                if not r["Longitude"] or not r["Latitude"]:
                    continue
                lon, lat = float(r["Longitude"]), float(r["Latitude"])
                x, y = tr.transform(lon, lat)
                out.append((r["Crime type"], lon, lat, x, y))
    x = np.array([o[3] for o in out])
    y = np.array([o[4] for o in out])
    inside = shapely.intersects_xy(area.geometry, x, y)
    rows = []
    for (cat, lon, lat, _, _), ok in zip(out, inside):
        if ok:
            c11 = h3.latlng_to_cell(lat, lon, 11)
            rows.append((cat, h3.cell_to_parent(c11, 9), h3.cell_to_parent(c11, 10)))
    return rows


def test_patrol_areas_hold_what_the_raw_files_say(real):
    plan, raw = real["plan"], real["raw"]
    assert plan.summary["incidents"] == len(raw)             # the store kept every located Watford row
    per_cell: dict[str, int] = {}
    for _, c9, _ in raw:
        per_cell[c9] = per_cell.get(c9, 0) + 1
    for r in plan.areas.itertuples():
        cells = plan.cells.loc[plan.cells["area"] == r.rank, "cell"]
        n = sum(per_cell.get(c, 0) for c in cells)
        assert r.period_incidents == n
        assert r.period_crime_pct == pytest.approx(100 * n / len(raw))
    # the busiest hexagon of the year (Watford town centre) is in the top patrol area
    busiest = max(per_cell, key=per_cell.get)
    assert busiest in set(plan.cells.loc[plan.cells["area"] == 1, "cell"])
    assert plan.cells.sort_values("rank").iloc[0]["cell"] == busiest   # and ranked first by the forecast


def test_patrol_budget_contiguity_and_backtest_on_real_data(real):
    plan = real["plan"]
    s = plan.summary
    assert s["area_pct"] <= 1.5 and s["area_km2"] <= 0.015 * s["study_area_km2"] + 1e-12
    # Watford is about 21.4 km2 (ONS); its res-9 study area about the same
    assert 20 < s["study_area_km2"] < 24
    for r in plan.areas["rank"]:
        assert cell_components(plan.cells.loc[plan.cells["area"] == r, "cell"]).max() == 0
    assert s["backtest_months"] == ["2021-10", "2021-11", "2021-12"]
    # sanity of the real numbers: a town-centre plan of 1.5 % catches 10-30 % of next month's crime
    assert 10 < s["expected_crime_pct"] < 30
    assert plan.time_notes[0].startswith("police.uk gives only the month")
    assert plan.summary["month_only"]
    assert plan.areas["expected_crime_pct"].sum() == pytest.approx(s["expected_crime_pct"])
    six = real["plan6"]
    assert len(six.areas) == 6
    for r in six.areas["rank"]:
        assert cell_components(six.cells.loc[six.cells["area"] == r, "cell"]).max() == 0
    # six areas take the top of the same ranking: the budget plan's cells are a prefix of it, or the reverse
    a, b = plan.cells.sort_values("rank")["cell"].tolist(), six.cells.sort_values("rank")["cell"].tolist()
    n = min(len(a), len(b))
    assert a[:n] == b[:n]


def test_expected_share_equals_evaluate_on_real_data(real, tmp_path):
    """evaluate_cell_months on the incidents of the store, the plan's share: the same hit rate."""
    area = real["area"]
    files = sorted(p for p in POLICE_STREET_DIR.rglob("*-street.csv") if p.name[:7] in MONTHS[-6:])
    with Store(tmp_path / "six.duckdb") as s:
        ingest_police(files, s)
        inc = select_incidents(s, Selection("2021-07", "2021-12", area=area))
    # only the last six months: a different history, so compare against a plan on the same six months
    with Store(tmp_path / "six.duckdb", read_only=True) as s:
        p6 = plan_patrol(s, Selection("2021-07", "2021-12", area=area), budget_pct=1.5)
    data = cell_months(inc, analysis_window(inc, 9, area), tuple(months_between("2021-07", "2021-12")),
                       FORECAST_BANDWIDTHS_M)
    share = p6.summary["area_pct"]
    ev = evaluate_cell_months(data, ("2021-10", "2021-11", "2021-12"), train_months=3, methods=["forecast"],
                              shares_pct=[share])
    key = f"{float(share):g}"
    assert p6.summary["expected_crime_pct"] == pytest.approx(100 * ev.by_origin[f"hit@{key}"].mean(), abs=1e-9)
    assert p6.summary["expected_harm_pct"] == pytest.approx(100 * ev.by_origin[f"harm@{key}"].mean(), abs=1e-9)


def test_sweep_scores_match_the_raw_files(real):
    sw, raw = real["sweeps"], real["raw"]
    w = {"Possession of weapons": 3, "Robbery": 2, "Violence and sexual offences": 1}
    score: dict[str, float] = {}
    for cat, _, c10 in raw:
        score[c10] = score.get(c10, 0) + w.get(cat, 0)
    for r in sw.areas.itertuples():
        cells = sw.cells.loc[sw.cells["area"] == r.rank, "cell"]
        assert r.score == sum(score.get(c, 0) for c in cells)
    top = max(score, key=score.get)
    assert top in set(sw.cells["cell"])
    assert sw.summary["walk_m"] <= sw.summary["nearest_neighbour_walk_m"] + 1e-9
