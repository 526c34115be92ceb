"""The engine on the real police.uk Hertfordshire files, checked against the raw CSVs.

The expected places are found from the raw files with the csv module and h3-py alone.
"""

from __future__ import annotations

import csv
from collections import Counter

import h3
import pytest

from geo.ingest.police import ingest_police
from geo.query import Selection
from geo.store import Store
from hotspots.tasks.detect import detect
from tests.conftest import POLICE_STREET_DIR, SHARED_REASON

pytestmark = pytest.mark.shared

VIOLENCE = "Violence and sexual offences"


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    s = Store(tmp_path_factory.mktemp("engine") / "real.duckdb")
    ingest_police([POLICE_STREET_DIR], s)
    yield s
    s.close()


def busiest_violence_points(town_prefix: str, n: int = 3):
    """The n snap points with most violence in LSOAs whose name starts with the town's district."""
    counts: Counter = Counter()
    for f in sorted(POLICE_STREET_DIR.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] == VIOLENCE and r["LSOA name"].startswith(town_prefix) and r["Longitude"]:
                    counts[(float(r["Latitude"]), float(r["Longitude"]))] += 1
    return counts.most_common(n)


@pytest.mark.parametrize("town", ["Watford", "Stevenage"])
def test_top_gistar_hot_cells_hold_the_busiest_town_centre_snap_points(real_store, town):
    det = detect(real_store, "gistar", Selection(categories=(VIOLENCE,)), res=9)
    table = det.table.set_index("cell")
    # the top 1 % of the window's cells by z (the table is sorted by z)
    top = set(det.table.head(len(det.table) // 100)["cell"])
    for (lat, lon), n in busiest_violence_points(town):
        cell = h3.cell_to_parent(h3.latlng_to_cell(lat, lon, 11), 9)  # the store's documented cell
        assert n >= 40, (town, n)  # a busy town-centre point (Watford's busiest holds 95 in the year)
        assert cell in top, (town, cell, n, table.loc[cell, "z"])
        assert table.loc[cell, "class"] == "Hot spot 99%"


def test_counts_by_cell_equal_the_raw_files(real_store):
    """A cell's count is the count of incidents whose res-11 cell is under it (h3-py's own
    cell_to_parent on h3-py's own latlng_to_cell), minus the rows rejected as far outside."""
    det = detect(real_store, "count", Selection("2021-06", "2021-06", (VIOLENCE,)), res=9)
    rejected = {int(r) for (r,) in real_store.con.execute(
        "SELECT row FROM rejections WHERE file LIKE '%2021-06-hertfordshire-street.csv'").fetchall()}
    raw: Counter = Counter()
    with open(POLICE_STREET_DIR / "2021-06-hertfordshire-street.csv", newline="", encoding="utf-8") as fh:
        for row, r in enumerate(csv.DictReader(fh), start=2):
            if r["Crime type"] == VIOLENCE and row not in rejected:
                c11 = h3.latlng_to_cell(float(r["Latitude"]), float(r["Longitude"]), 11)
                raw[h3.cell_to_parent(c11, 9)] += 1
    assert dict(zip(det.table["cell"], det.table["count"])) == dict(raw)


def test_kde_peak_is_in_a_town_centre(real_store):
    det = detect(real_store, "kde", Selection(categories=(VIOLENCE,)), res=9, bandwidth_m=300)
    lat, lon = h3.cell_to_latlng(det.table.iloc[0]["cell"])
    peaks = [pt for town in ("Watford", "Stevenage", "Dacorum", "St Albans") for (pt, _n) in busiest_violence_points(town, 1)]
    # the densest cell lies within 1 km of one of the busiest town-centre snap points
    assert min(h3.great_circle_distance((lat, lon), p, unit="m") for p in peaks) < 1000
