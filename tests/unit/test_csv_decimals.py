"""CSV downloads carry sensible decimals, not 15-digit floats (issue 15): every CSV the app and the command
line write goes through ``hotspots.outputs.files.safe_csv``; these tests parse the files back.

Rules checked, by column name (chosen for the reader, independently of the writer's table): coordinates at most
6 decimals (0.1 m), metres whole, km² at most 3 decimals, z-scores at most 2, shares in % at most 1, p-values
3 significant figures, and no other number with more than 6 digits after the point.
"""

import csv
import io
import re

import pandas as pd
import pytest

from geo.query import Selection, select_incidents
from geo.store import Store
from hotspots.cli import main
from hotspots.outputs.files import incidents_csv, safe_csv

NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?(?:e[-+]\d+)?$", re.I)


def max_decimals(column: str) -> int | None:
    """The decimals a column may show (None: a p-value, 3 significant figures)."""
    c = column.lower()
    if c in ("lon", "lat") or c.endswith(("_lon", "_lat")):
        return 6
    if c in ("easting", "northing") or c.endswith("_m"):
        return 0
    if c.endswith("_km2"):
        return 3
    if c == "z" or c.endswith("_z"):
        return 2
    if c.endswith("_pct"):
        return 1
    if c in ("p", "p_fdr") or c.endswith("_p"):
        return None
    return 6


def check_csv(data: bytes, what: str) -> set[str]:
    """Every number of every column within its column's decimals; returns the numeric columns seen."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows, f"{what}: no rows"
    seen = set()
    for col in rows[0]:
        limit = max_decimals(col)
        for r in rows:
            v = (r[col] or "").strip()
            m = NUMBER.match(v)
            if not m:
                continue
            seen.add(col)
            if limit is None:
                digits = re.sub(r"e.*$|[-.]", "", v.lower()).lstrip("0")
                assert len(digits) <= 3, f"{what}: {col} = {v} (a p-value: 3 significant figures)"
            else:
                assert "e" not in v.lower() or limit == 6, f"{what}: {col} = {v}"
                assert len(m.group(1) or "") <= limit, f"{what}: {col} = {v} (at most {limit} decimals)"
    return seen


def test_safe_csv_rounds_each_kind_of_column():
    df = pd.DataFrame({"lon": [-0.396123456789], "lat": [51.6562345678], "easting": [510123.456],
                       "walk_m": [739.1539406431315], "area_km2": [0.09431121690899709], "z": [8.252314880879313],
                       "share_pct": [4.718217562254259], "p": [1.5535543456574014e-16],
                       "density": [951.4642391430608], "count": [108]})
    text = safe_csv(df).decode("utf-8-sig").splitlines()
    assert text[1] == "-0.396123,51.656235,510123,739,0.094,8.25,4.7,1.55e-16,951.46,108"
    assert check_csv(safe_csv(df), "hand-made") >= {"lon", "walk_m", "area_km2", "z", "share_pct", "p"}


@pytest.mark.parametrize("method", ["count", "kde", "gistar", "forecast", "dbscan", "emerging"])
def test_detect_csv_on_real_data(real_db, tmp_path, capsys, method):
    out = tmp_path / f"{method}.csv"
    assert main(["detect", "--db", real_db, "--method", method, "--district", "Watford", "--from", "2021-01",
                 "--to", "2021-12", "--out", str(out)]) == 0
    seen = check_csv(out.read_bytes(), method)
    wanted = {"count": {"share_pct"}, "kde": {"density"}, "gistar": {"z", "p", "p_fdr"},
              "forecast": {"area_km2", "cum_area_pct"}, "dbscan": {"area_km2"}, "emerging": {"trend_z", "final_z"}}
    assert wanted[method] <= seen


@pytest.mark.parametrize("args", [
    ["patrol", "--district", "Watford", "--areas", "4"],
    ["sweeps", "--district", "Stevenage", "--areas", "4"],
    ["cctv", "--district", "Hertsmere", "--cameras", "4", "--from", "2021-10", "--to", "2021-12"],
])
def test_plan_csvs_on_real_data(real_db, tmp_path, capsys, args):
    out = tmp_path / f"{args[0]}.csv"
    assert main([*args, "--db", real_db, "--out", str(out)]) == 0
    seen = check_csv(out.read_bytes(), args[0])
    assert {"area_km2", "perimeter_m"} <= seen or {"easting", "lon", "radius_m"} <= seen, seen


def test_incidents_csv_on_real_data(real_db):
    with Store(real_db, read_only=True) as s:
        inc = select_incidents(s, Selection("2021-06", "2021-06", categories=("Robbery",)),
                               columns=("id", "category", "location", "lon", "lat", "easting", "northing"))
    assert len(inc) and (inc["easting"] % 1 != 0).any()  # the store holds decimals
    seen = check_csv(incidents_csv(inc), "incidents")
    assert {"lon", "lat", "easting", "northing"} <= seen
