"""Watford's 2021 violence read straight from the raw police.uk CSVs and the raw district boundary (h3-py,
pyproj, shapely; not the store, not the library): the independent values the hotspot table's tests
(tests/unit/test_hotspot_table_real.py, tests/app/test_map_page.py, tests/e2e/test_map_browser.py) compare with.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache

import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo.query import Selection
from geo.store import Store
from hotspots.tasks.detect import detect
from tests.conftest import POLICE_STREET_DIR, SHARED_DATA, SHARED_REASON

VIOLENCE = "Violence and sexual offences"
LAD = SHARED_DATA / "boundaries" / "herts_lad_dissolved_from_lsoa2011.geojson"


def district_shape(district: str = "Watford"):
    """The district's outline (WGS84) from the raw boundary file."""
    feature = next(f for f in json.loads(LAD.read_text())["features"] if f["properties"]["LAD23NM"] == district)
    return shapely.geometry.shape(feature["geometry"])


def district_bbox(district: str = "Watford") -> tuple[float, float, float, float]:
    """(south, west, north, east) of the district's outline, in degrees."""
    w, s, e, n = shapely.bounds(district_shape(district))
    return s, w, n, e


@lru_cache(maxsize=4)
def raw_incidents(district: str = "Watford", crime_type: str = VIOLENCE) -> pd.DataFrame:
    """The 2021 police.uk street rows of one crime type inside a district, read from the raw CSVs (not the
    store): longitude, latitude, easting, northing, location, and the res-11 H3 cell (h3-py)."""
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    rows = []
    for path in sorted(POLICE_STREET_DIR.glob("2021-*-street.csv")):
        with open(path, newline="", encoding="utf-8-sig") as f:
            for r in csv.DictReader(f):
                if r["Crime type"] == crime_type and r["Longitude"] and r["Latitude"]:
                    rows.append((float(r["Longitude"]), float(r["Latitude"]), r["Location"], r["Crime ID"]))
    df = pd.DataFrame(rows, columns=["lon", "lat", "location", "crime_id"])
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    df["easting"], df["northing"] = to_bng.transform(df["lon"].to_numpy(), df["lat"].to_numpy())
    area = shapely.transform(district_shape(district), lambda c: np.column_stack(to_bng.transform(c[:, 0], c[:, 1])))
    df = df.loc[shapely.contains_xy(area, df["easting"].to_numpy(), df["northing"].to_numpy())]
    df["h3_11"] = [h3.latlng_to_cell(lat, lon, 11) for lon, lat in zip(df["lon"], df["lat"])]
    return df.reset_index(drop=True)


def raw_cells(res: int = 9) -> pd.Series:
    """Each incident's res-``res`` cell: the parent of its res-11 cell (the store's rule), by h3-py."""
    return raw_incidents()["h3_11"].map(lambda c: h3.cell_to_parent(c, res))


def raw_top_places(cell: str, n: int = 3) -> str:
    """A cell's n commonest locations from the raw rows, ties alphabetical, as the table writes them."""
    inc = raw_incidents()
    counts = inc.loc[raw_cells() == cell, "location"].value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable").head(n)
    return ", ".join(f"{loc} ({k:,})" for loc, k in counts.items())



def test_the_store_holds_what_the_raw_files_hold(real_db):
    """The check that makes the others independent: the same incidents, read two ways."""
    with Store(real_db, read_only=True) as s:
        det = detect(s, "count", Selection("2021-01", "2021-12", (VIOLENCE,), area=s.area("district", "Watford")))
    assert det.summary["incidents"] == len(raw_incidents()) == 2942
    assert dict(zip(det.table["cell"], det.table["count"])) == raw_cells().value_counts().to_dict()
