"""The store's schema on PostgreSQL with PostGIS (issue 17, the shared store): tables, checks, the H3 view, and a
``geom`` column QGIS and ArcGIS can draw.

The tables are the DuckDB store's (``geo.schema``, ``geo.store.core``) with PostgreSQL types: ``VARCHAR`` ->
``text``, ``DOUBLE`` -> ``double precision``, ``BLOB`` -> ``bytea``, and the H3 cell ``UBIGINT`` -> ``bigint``
(an H3 index's top bit is always 0, so every cell is a positive ``bigint``; parents by the same bit arithmetic,
``geo.grid.parent_sql(dialect="postgres")``, no H3 extension). The incident table gains

    geom geometry(Point, 27700) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(easting, northing), 27700)) STORED

with a GiST index, so a GIS connects and draws the incidents on British National Grid with nothing to set up.
The checks are the DuckDB store's, written for PostgreSQL (``isfinite`` there takes dates, not numbers).

``schema_version`` in ``meta`` says which layout a database has: :func:`create_schema` makes it on first use,
refuses a database made by a newer version with a sentence, and leaves a current one as it is (in one
transaction: two processes starting at once make it once).

What is not here yet (issue 17, left): the store's reads and writes on PostgreSQL, the loads, the copy between
stores, the roles.
"""

from __future__ import annotations

from geo.constants import H3_RESOLUTIONS
from geo.errors import StoreError
from geo.grid import parent_sql
from geo.schema import INCIDENT_COLUMNS, REJECTION_COLUMNS

__all__ = ["PG_SCHEMA_VERSION", "create_schema", "incident_ddl", "pg_type", "schema_version"]

#: The PostgreSQL layout's version (its own numbering: the DuckDB store's layout is ``core.SCHEMA_VERSION``).
PG_SCHEMA_VERSION = 1

_TYPES = {"VARCHAR": "text", "DOUBLE": "double precision", "BLOB": "bytea", "UBIGINT": "bigint",
          "INTEGER": "integer", "BIGINT": "bigint", "DATE": "date", "TIMESTAMP": "timestamp", "BOOLEAN": "boolean"}

#: The incident checks (``geo.schema.INCIDENT_CHECKS``) in PostgreSQL's words.
CHECKS: tuple[str, ...] = (
    "h3_11 <> 0",
    "lon NOT IN ('Infinity', '-Infinity', 'NaN') AND lat NOT IN ('Infinity', '-Infinity', 'NaN') AND "
    "easting NOT IN ('Infinity', '-Infinity', 'NaN') AND northing NOT IN ('Infinity', '-Infinity', 'NaN')",
    "month >= DATE '1900-01-01' AND month < DATE '2200-01-01'",
)


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type of a DuckDB column type of the schema.

    >>> pg_type("UBIGINT"), pg_type("VARCHAR")
    ('bigint', 'text')
    """
    return _TYPES[duckdb_type.upper()]


def incident_ddl(table: str = "incidents") -> str:
    """CREATE TABLE of the incident table on PostgreSQL, with its ``geom`` column.

    >>> ddl = incident_ddl()
    >>> "h3_11 bigint NOT NULL" in ddl and "geometry(Point, 27700)" in ddl
    True
    """
    cols = [f"{c.name} {pg_type(c.sql_type)}{'' if c.default is None else ' DEFAULT ' + c.default}"
            f"{'' if c.nullable else ' NOT NULL'}" for c in INCIDENT_COLUMNS]
    cols.append("geom geometry(Point, 27700) GENERATED ALWAYS AS "
                "(ST_SetSRID(ST_MakePoint(easting, northing), 27700)) STORED")
    cols += [f"CHECK ({rule})" for rule in CHECKS]
    body = ",\n  ".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n)"


def _statements() -> list[str]:
    rej = ", ".join(f'"{c.name}" {pg_type(c.sql_type)}' for c in REJECTION_COLUMNS)
    cells = ",\n  ".join(f"lower(to_hex({parent_sql('h3_11', r, dialect='postgres')})) AS h3_{r}"
                         for r in H3_RESOLUTIONS)
    others = ", ".join(c.name for c in INCIDENT_COLUMNS if c.name != "h3_11")
    return [
        "CREATE EXTENSION IF NOT EXISTS postgis",
        "CREATE SEQUENCE IF NOT EXISTS load_seq START 1",
        incident_ddl("incidents"),
        "CREATE INDEX IF NOT EXISTS incidents_geom ON incidents USING gist (geom)",
        "CREATE INDEX IF NOT EXISTS incidents_partition ON incidents (source, force, month)",
        """CREATE TABLE IF NOT EXISTS outcomes (
            crime_id text NOT NULL, force text NOT NULL, month date NOT NULL,
            outcome_type text, source_file text, source_row integer, load_id integer)""",
        f"CREATE TABLE IF NOT EXISTS rejections ({rej}, kind text, file_key text, load_id integer)",
        """CREATE TABLE IF NOT EXISTS loads (
            load_id integer PRIMARY KEY, file text, file_key text, kind text, source text,
            sha256 text, loaded_at timestamp DEFAULT now(), status text,
            rows_read integer, rows_stored integer, rows_rejected integer, error text)""",
        """CREATE TABLE IF NOT EXISTS areas (
            name text NOT NULL, layer text NOT NULL, source text, wkb bytea NOT NULL,
            PRIMARY KEY (layer, name))""",
        "CREATE TABLE IF NOT EXISTS mappings (name text PRIMARY KEY, toml text, saved_at timestamp)",
        f"CREATE OR REPLACE VIEW incidents_h3 AS SELECT {others}, h3_11 AS h3_int,\n  {cells},\n  geom\nFROM incidents",
    ]


def schema_version(con) -> int | None:
    """The layout version of a PostgreSQL store (None: no store there yet). ``con``: a psycopg connection."""
    has_meta = con.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
    if not has_meta:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def create_schema(con, where: str = "the database") -> int:
    """Make the store's tables on first use, in one transaction; refuse a newer layout. Returns the version.

    Parameters
    ----------
    con : psycopg.Connection
    where : str
        How the database is named in a refusal (never its password).

    Raises
    ------
    StoreError
        The database was made by a newer version of Hotspots.
    """
    with con.transaction():
        # one process at a time makes the schema: two apps starting at once must not both create it
        con.execute("SELECT pg_advisory_xact_lock(hashtextextended('hotspots schema', 0))")
        have = schema_version(con)
        if have is not None and have > PG_SCHEMA_VERSION:
            raise StoreError(f"{where} holds a Hotspots store of layout {have}, newer than this version "
                             f"understands ({PG_SCHEMA_VERSION}).", "Upgrade Hotspots (pip install -U) and try again.")
        if have == PG_SCHEMA_VERSION:
            return have
        con.execute("CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text)")
        for sql in _statements():
            con.execute(sql)
        con.execute("INSERT INTO meta VALUES ('schema_version', %s) ON CONFLICT (key) DO UPDATE SET value = "
                    "excluded.value", [str(PG_SCHEMA_VERSION)])
    return PG_SCHEMA_VERSION
