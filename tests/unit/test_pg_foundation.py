"""The first ground of the shared PostgreSQL store (issue 17): a real server, PostGIS, the project's H3 arithmetic.

On a throwaway cluster (tests/pgcluster.py; ``.ci/run`` starts one with ``CI=true``):
- PostGIS transforms WGS84 to British National Grid as pyproj does (``geo.crs``), to a millimetre, on points
  across Hertfordshire;
- ``geo.grid.parent_sql(dialect="postgres")``, the project's bit arithmetic on BIGINT, gives the parent h3-py
  gives, for res-11 cells at every coarser resolution the store keeps, so the server needs no H3 extension;
- the database's locks serialise two writers on one key (``pg_advisory_xact_lock``), the mechanism the loads
  will use per (source, force, month).
"""

from __future__ import annotations

import threading
import time

import h3
import numpy as np
import pytest

from geo.constants import H3_RESOLUTIONS
from geo.crs import lonlat_to_bng
from geo.grid import parent_sql

pytestmark = pytest.mark.postgres

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra: pip install -e '.[test]'")


def _points(n: int = 400, seed: int = 17):
    """Points over Hertfordshire's extent (lon -0.75..0.20, lat 51.60..52.08)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.75, 0.20, n), rng.uniform(51.60, 52.08, n)


def test_postgis_transforms_to_bng_as_pyproj_does(pg_url):
    lon, lat = _points()
    e, n = lonlat_to_bng(lon, lat)
    with psycopg.connect(pg_url) as con:
        version = con.execute("SELECT postgis_version()").fetchone()[0]
        rows = con.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 27700) AS p, i "
            "FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i)) q ORDER BY i",
            [lon.tolist(), lat.tolist()]).fetchall()
    assert version.split(".")[0] == "3"
    got = np.array(rows)
    # PROJ inside PostGIS and pyproj: the same transformation (7-parameter Helmert unless a grid is installed)
    np.testing.assert_allclose(got[:, 0], e, atol=1e-3)
    np.testing.assert_allclose(got[:, 1], n, atol=1e-3)


def test_h3_parents_by_bit_arithmetic_match_h3_py(pg_url):
    lon, lat = _points()
    cells = [h3.latlng_to_cell(la, lo, 11) for lo, la in zip(lon, lat)]
    ints = [h3.str_to_int(c) for c in cells]
    assert max(ints) < 2 ** 63                                   # every H3 index is a positive BIGINT
    cols = ", ".join(parent_sql("c", r, dialect="postgres") for r in H3_RESOLUTIONS)
    with psycopg.connect(pg_url) as con:
        rows = con.execute(f"SELECT {cols} FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(c, i) ORDER BY i",
                           [ints]).fetchall()
    for cell, row in zip(cells, rows):
        assert [h3.int_to_str(v) for v in row] == [h3.cell_to_parent(cell, r) for r in H3_RESOLUTIONS]


def test_advisory_locks_serialise_two_writers_on_one_key(pg_url):
    """Two sessions take the transaction lock for one partition key: the second waits for the first's commit."""
    key = "police|Hertfordshire Constabulary|2021-06"
    order: list[str] = []
    first_has_lock = threading.Event()

    def writer(name: str, hold: float):
        with psycopg.connect(pg_url) as con:
            with con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
                order.append(f"{name} locked")
                if name == "first":
                    first_has_lock.set()
                time.sleep(hold)
                order.append(f"{name} done")

    a = threading.Thread(target=writer, args=("first", 0.5))
    a.start()
    assert first_has_lock.wait(10)
    b = threading.Thread(target=writer, args=("second", 0.0))
    b.start()
    a.join(20)
    b.join(20)
    assert order == ["first locked", "first done", "second locked", "second done"]
