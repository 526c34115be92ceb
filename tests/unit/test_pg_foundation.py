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


# -- the store's schema on PostgreSQL (geo/store/pg_schema.py) -------------------------------------------------
@pytest.fixture
def pg_db(pg_url):
    """A fresh database on the cluster for one test (dropped after)."""
    import uuid

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _row(i: int, x: float, y: float, **over) -> dict:
    e, n = lonlat_to_bng(np.array([x]), np.array([y]))
    row = {"id": f"c{i}", "source": "police", "force": "Hertfordshire Constabulary",
           "category": "Violence and sexual offences", "month": "2021-06-01", "time_precision": "month",
           "lon": x, "lat": y, "easting": float(e[0]), "northing": float(n[0]),
           "h3_11": h3.str_to_int(h3.latlng_to_cell(y, x, 11)), "source_file": "f.csv", "source_row": i + 2,
           "load_id": 1}
    row.update(over)
    return row


def _insert(con, rows: list[dict]) -> None:
    cols = list(rows[0])
    con.execute(f"INSERT INTO incidents ({', '.join(cols)}) SELECT * FROM unnest("
                + ", ".join(f"%s::{t}[]" for t in _pg_types(cols)) + ")", [[r[c] for r in rows] for c in cols])


def _pg_types(cols):
    from geo.store.pg_schema import pg_type
    from geo.schema import INCIDENT_COLUMNS

    types = {c.name: pg_type(c.sql_type) for c in INCIDENT_COLUMNS}
    return [types[c] if types[c] != "double precision" else "float8" for c in cols]


def test_the_schema_is_made_once_versioned_and_drawn_on_bng(pg_db):
    from geo.errors import StoreError
    from geo.store.pg_schema import PG_SCHEMA_VERSION, create_schema, schema_version

    lon, lat = _points(50, seed=3)
    with psycopg.connect(pg_db) as con:
        assert schema_version(con) is None
        assert create_schema(con) == PG_SCHEMA_VERSION
        assert create_schema(con) == PG_SCHEMA_VERSION            # a second start changes nothing
        _insert(con, [_row(i, lo, la) for i, (lo, la) in enumerate(zip(lon, lat))])
        con.commit()
        # QGIS finds the layer: a Point column on EPSG:27700, with a GiST index
        geo_cols = con.execute("SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns "
                               "WHERE f_table_name IN ('incidents', 'incidents_h3') ORDER BY 1").fetchall()
        assert geo_cols == [("incidents", "geom", 27700, "POINT"), ("incidents_h3", "geom", 27700, "POINT")]
        assert con.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'incidents' AND indexdef LIKE "
                           "'%USING gist (geom)%'").fetchone()[0] == 1
        xy = np.array(con.execute("SELECT ST_X(geom), ST_Y(geom) FROM incidents ORDER BY source_row").fetchall())
        e, n = lonlat_to_bng(lon, lat)
        np.testing.assert_allclose(xy[:, 0], e)
        np.testing.assert_allclose(xy[:, 1], n)
        # the H3 view: parents by bit arithmetic, as h3-py gives them
        got = con.execute("SELECT h3_7, h3_8, h3_9, h3_10, h3_11 FROM incidents_h3 ORDER BY source_row").fetchall()
        want = [tuple(h3.cell_to_parent(h3.latlng_to_cell(la, lo, 11), r) for r in H3_RESOLUTIONS)
                for lo, la in zip(lon, lat)]
        assert got == want
        # the checks: no H3 cell, infinite coordinates, a month from another millennium are refused
        for bad in ({"h3_11": 0}, {"lon": float("inf")}, {"month": "3021-06-01"}):
            with pytest.raises(psycopg.errors.CheckViolation):
                with con.transaction():
                    _insert(con, [_row(99, -0.4, 51.7, **bad)])
        # a newer layout is refused with a sentence
        con.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", [str(PG_SCHEMA_VERSION + 1)])
        con.commit()
        with pytest.raises(StoreError, match="newer than this version understands"):
            create_schema(con, where="the test database")

