"""Plans that see through police.uk's recording artefacts, on the real Hertfordshire 2021 files (issue 15).

On main: mobile CCTV in Hertsmere, all crime, 8 cameras put 4 at "On or near Supermarket" snap points (one site
covering 162 crimes all recorded at one name); knife sweeps in Stevenage included "Police Station" and
"Hospital". The artefact incidents are counted here again from the raw CSVs (csv, h3-py, pyproj), with the rule
re-implemented in tests/known_answer/test_patrol_real.py: the plans must leave out exactly those.
"""

from __future__ import annotations

import pytest

from geo.boundaries import read_areas
from geo.query import Selection
from geo.store import Store
from hotspots import defaults
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.sweeps import plan_sweeps
from tests.conftest import POLICE_STREET_DIR
from tests.known_answer.test_patrol_real import LAD, MONTHS, NAMED, _artefact_rows, _raw_rows

pytestmark = pytest.mark.shared


def _rows(district: str):
    files = sorted(p for p in POLICE_STREET_DIR.rglob("*-street.csv") if p.name[:7] in MONTHS)
    area = next(a for a in read_areas(LAD) if a.name == district)
    return _raw_rows(files, area)


def _first_location(top: str) -> str:
    """The busiest location of a site, from "On or near X (12); On or near Y (3)"."""
    return top.split(";")[0].rsplit(" (", 1)[0].strip()


@pytest.fixture(scope="module")
def hertsmere(real_db):
    with Store(real_db, read_only=True) as s:
        area = s.area("district", "Hertsmere")
        plans = {"all": site_cameras(s, Selection("2021-01", "2021-12", area=area), cameras=8),
                 "all_kept": site_cameras(s, Selection("2021-01", "2021-12", area=area), cameras=8,
                                          include_artefacts=True),
                 "default": site_cameras(s, Selection("2021-01", "2021-12", defaults.CCTV_DEFAULT_TYPES,
                                                      area=area), cameras=8)}
    return plans, _rows("Hertsmere")


def test_no_camera_site_points_at_a_recording_artefact(hertsmere):
    plans, rows = hertsmere
    for key in ("all", "default"):
        sites = plans[key].sites
        assert len(sites) == 8
        firsts = [_first_location(t) for t in sites["top_locations"]]
        assert not set(firsts) & NAMED, (key, firsts)
        assert not any(n in t for t in sites["top_locations"] for n in NAMED), key
    # kept on purpose, the supermarkets come back, and the table flags them
    kept = plans["all_kept"].sites
    assert sum(_first_location(t) == "On or near Supermarket" for t in kept["top_locations"]) >= 3
    assert kept["flag"].str.contains("Supermarket").sum() >= 3
    assert kept["flag"].str.contains(r"\(artefact\)").any()


@pytest.mark.parametrize("key, types", [("all", None), ("default", set(defaults.CCTV_DEFAULT_TYPES))])
def test_cctv_leaves_out_exactly_the_raw_files_artefacts(hertsmere, key, types):
    plans, rows = hertsmere
    s = plans[key].summary
    art = _artefact_rows(rows, types)
    chosen = [r for r in rows if types is None or r[0] in types]
    left = sum(a for r, a in zip(rows, art) if types is None or r[0] in types)
    assert s["artefact_incidents"] == left > 0
    assert s["total_incidents"] == len(chosen) - left
    # per named place: the raw files' count of that "On or near" name
    for place in ("Supermarket", "Petrol Station", "Police Station"):
        raw = sum(1 for r in chosen if r[3][2] == f"On or near {place}")
        got = sum(a["incidents"] for a in s["artefacts"] if a["location"] == f"On or near {place}")
        assert got == raw, place
        if raw:
            assert any(n.startswith(f"Left out: {raw:,} crime") and f"'On or near {place}'" in n
                       for n in plans[key].notes), place
    if key == "all":   # the count: 749 crimes at Hertsmere's supermarkets in 2021, shoplifting mostly
        assert sum(1 for r in chosen if r[3][2] == "On or near Supermarket") == 749


def test_stevenage_sweeps_leave_out_the_police_station_and_the_hospital(real_db):
    with Store(real_db, read_only=True) as s:
        area = s.area("district", "Stevenage")
        plan = plan_sweeps(s, Selection("2021-01", "2021-12", sources=("police",), area=area))
        kept = plan_sweeps(s, Selection("2021-01", "2021-12", sources=("police",), area=area),
                           include_artefacts=True)
    for col in ("name", "top_streets"):
        assert not plan.areas[col].str.contains("Police Station|Hospital").any(), plan.areas[col].tolist()
    # kept, they are back among the sweep areas (as on main) and flagged
    assert kept.areas["top_streets"].str.contains("Police Station|Hospital").any()
    assert kept.areas["flag"].str.contains(r"\(artefact\)").any()
    rows = _rows("Stevenage")
    types = set(defaults.SWEEP_DEFAULT_TYPES)
    for place in ("Police Station", "Hospital"):
        raw = sum(1 for r in rows if r[0] in types and r[3][2] == f"On or near {place}")
        assert raw > 0
        assert any(n == f"Left out: {raw:,} crimes at 'On or near {place}' ({defaults.ARTEFACT_PLACES[place]})."
                   for n in plan.notes), (place, raw, plan.notes)
    art = _artefact_rows(rows, types)
    assert plan.summary["artefact_incidents"] == sum(a for r, a in zip(rows, art) if r[0] in types)
