"""Shared fixtures: the real data folder (skip where absent), hand-made police files, stores."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
POLICE_STREET_DIR = SHARED_DATA / "police" / "hertfordshire_2021" / "street"
POLICE_OUTCOMES_DIR = SHARED_DATA / "police" / "hertfordshire_2021" / "outcomes"
COUNTY_BOUNDARY = SHARED_DATA / "boundaries" / "herts_county_cty17_E10000015.geojson"
SHARED_REASON = "needs ../shared/data (the real police.uk files beside the project); CI has it"

STREET_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                 "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]


@pytest.fixture
def shared_data() -> Path:
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_db(tmp_path_factory) -> str:
    """A DuckDB store of the real Hertfordshire 2021 files, districts and wards (tests/real.py); built once."""
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    from tests.real import build_real_store

    return str(build_real_store(tmp_path_factory.mktemp("real2021") / "herts2021.duckdb"))


def street_row(crime_id="", month="2021-06", lon="-0.396", lat="51.656", location="On or near High Street",
               crime_type="Burglary", force="Hertfordshire Constabulary", outcome="Under investigation"):
    return [crime_id, month, force, force, lon, lat, location, "E01023820", "Watford 005A", crime_type, outcome, ""]


def street_csv(rows, header=STREET_HEADER, above: list[str] = ()) -> str:
    buf = io.StringIO()
    for line in above:
        buf.write(line + "\r\n")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def watford_rows(n: int, month: str = "2021-06", crime_type: str = "Burglary", start: int = 0):
    """n rows on a few snap points in Watford town centre, distinct Crime IDs."""
    pts = [(-0.3960, 51.6560), (-0.3990, 51.6580), (-0.4010, 51.6540), (-0.3940, 51.6600)]
    return [street_row(crime_id=f"{month}-{crime_type[:3]}-{start + i:06d}", month=month,
                       lon=f"{pts[i % 4][0]:.6f}", lat=f"{pts[i % 4][1]:.6f}", crime_type=crime_type)
            for i in range(n)]


@pytest.fixture
def store(tmp_path):
    from geo.store import Store

    s = Store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session", autouse=True)
def _fixed_session_store_secrets():
    """The same for stores made by session fixtures (the sample store, the real 2021 store): fixed secrets."""
    import hashlib

    import geo.store.ae as ae_tables

    made = [0]

    def token_bytes(n: int = 32) -> bytes:
        made[0] += 1
        return hashlib.sha256(f"session store {made[0]}".encode()).digest()[:n]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ae_tables.secrets, "token_bytes", token_bytes)
        yield


@pytest.fixture(autouse=True)
def _fixed_store_secrets(request, monkeypatch):
    """Every store a test makes gets a secret fixed by the test's name and how many it made before (issue 16).

    A store's secret decides its A&E record keys, so which counts the cell-key perturbation moves (an 8 is
    hidden as "1 to 7" for 30 % of keys): with a random secret per store a test of published numbers would
    pass or fail by chance. Distinct stores in one test still get distinct secrets. Stores made by another
    process (the browser tests' app) keep random ones.
    """
    import hashlib

    import geo.store.ae as ae_tables

    made = [0]

    def token_bytes(n: int = 32) -> bytes:
        made[0] += 1
        return hashlib.sha256(f"{request.node.nodeid} {made[0]}".encode()).digest()[:n]

    monkeypatch.setattr(ae_tables.secrets, "token_bytes", token_bytes)


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL database with PostGIS for the ``postgres`` tests (issue 17): ``HOTSPOTS_TEST_PG`` when set
    (``.ci/run`` starts a cluster with ``CI=true``), else a throwaway cluster of this session's
    (tests/pgcluster.py). Skipped with the reason when none can be started, except under ``CI=true``."""
    import os

    from tests import pgcluster

    given = os.environ.get("HOTSPOTS_TEST_PG")
    if given:
        yield given
        return
    import shutil
    import tempfile

    # not under pytest's own temporary folder: that is private to this user, and as root the server runs as
    # nobody, who must reach its folder
    folder = tempfile.mkdtemp(prefix="hotspots-pg-")
    os.chmod(folder, 0o755)
    try:
        try:
            url = pgcluster.start(folder)
        except pgcluster.ClusterError as err:
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true and no PostgreSQL cluster: {err}")
            pytest.skip(f"no PostgreSQL server could be started here: {err}")
        try:
            yield url
        finally:
            pgcluster.stop(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
