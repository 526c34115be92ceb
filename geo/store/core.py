"""The incident store's core: one embedded DuckDB file.

Why DuckDB: a single file a CSP officer can copy, no server, columnar scans that
count a million incidents by cell in milliseconds, ACID transactions (a killed load
leaves the store as it was), and zero-copy exchange with Arrow/pandas.

Rules
-----
* One transaction per input file: it replaces, inserts and records, or nothing.
* police.uk publishes each (force, month) as a snapshot: loading a month again
  replaces every stored row of that (source, force, month). Loading the same file
  twice therefore changes nothing, and a month re-published with one row fewer
  leaves exactly one row fewer.
* Force records (RMS) are upserted by (force, id): a re-export that overlaps an
  earlier one replaces the overlapping crimes and adds the rest.
* police.uk outcomes are kept in their own table; an incident's ``outcome`` is the
  newest outcomes-file entry for its Crime ID, else the street file's own.
* Rejected rows are kept with their reason (table ``rejections``); loading a file
  again replaces its rejections.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import pyarrow as pa
import shapely

from geo.constants import DB_ENV_VAR, DEFAULT_DB_PATH, H3_RESOLUTIONS, SOURCE_POLICE, SOURCE_STOP_SEARCH
from geo.errors import StoreError
from geo.grid import check_resolution, parent_sql
from geo.store.urls import is_pg, redacted
from geo.months import FIRST_POLICE_MONTH, current_month
from geo.schema import INCIDENT_CHECKS, INCIDENT_COLUMNS, REASONS, REJECTION_COLUMNS
from geo.boundaries import Area
from geo.store.ae import AeTables
from geo.store.basemaps import BasemapTables

__all__ = ["DiskFullError", "LoadUnit", "Store", "StoreBusyError", "incident_ddl", "resolve_db_path"]

log = logging.getLogger("hotspots.store")

#: The store's layout. 2: the ``duplicate_id`` column and the incident CHECK rules (``INCIDENT_CHECKS``).
SCHEMA_VERSION = 2
#: How long opening a store waits for another program (the app, another command) to let go of it, in
#: seconds ($HOTSPOTS_LOCK_WAIT_S overrides): DuckDB lets one process write a file at a time.
LOCK_WAIT_S = 60.0


class StoreBusyError(StoreError):
    """Another program holds the store, and it was not let go within the wait."""


class DiskFullError(StoreError):
    """The disk (or the file-size limit) stopped a write: the files committed before it stay loaded."""


def _lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Conflicting lock" in text or "Could not set lock" in text or "lock on file" in text


def _disk_full(exc: BaseException) -> bool:
    text = str(exc)
    return any(s in text for s in ("No space left on device", "File too large", "Disk quota exceeded"))


INCIDENT_NAMES = [c.name for c in INCIDENT_COLUMNS]
REJECTION_NAMES = [c.name for c in REJECTION_COLUMNS]


def _writable(p: Path) -> bool:
    """Whether this user can write the store file and create its write-ahead log beside it."""
    return os.access(p, os.W_OK) and os.access(p.parent, os.W_OK | os.X_OK) and not _read_only_mount(p)


def _read_only_mount(p: Path) -> bool:
    try:
        return bool(os.statvfs(p).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def resolve_db_path(path: str | os.PathLike | None = None) -> Path:
    """The store's path: the argument, else $HOTSPOTS_DB, else data/hotspots.duckdb.

    >>> str(resolve_db_path('x.duckdb'))
    'x.duckdb'
    """
    return Path(path or os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH)


@dataclass
class LoadUnit:
    """What one input file contributes to the store, written in one transaction.

    Attributes
    ----------
    file : str
        Display name (path, or ``archive.zip!member``).
    file_key : str
        The file's base name: loading a file of the same name replaces its rejections.
    kind : str
        ``street``, ``outcomes``, ``stop_search``, ``rms`` ...
    source : str
        The canonical source (``police``, ``stop_search``, ``rms``, ``ae``).
    mode : str
        ``replace`` ((source, force, month) snapshots) or ``upsert`` ((source, force, id)).
    incidents : pyarrow.Table, optional
        Canonical incident columns except ``load_id``.
    outcomes : pyarrow.Table, optional
        ``crime_id, force, month, outcome_type, source_file, source_row``.
    side_tables : dict of str to pyarrow.Table
        Rows for companion tables a reader owns (e.g. the A&E record details), written
        in the same transaction. Each table must exist (``Store.ensure_side_table``) and
        have ``file_key``, ``force`` and ``month`` columns: this file's earlier rows, and
        (mode ``replace``) the rows of the (force, month) partitions it replaces, are
        deleted first; columns are matched by name.
    after_write : callable, optional
        ``after_write(store)``: more Store calls a reader makes inside the file's
        transaction, after its rows, side tables and rejections are written and before
        COMMIT (e.g. the A&E loader's ``Store.sync_ae_incidents``), so that they commit,
        or roll back, with the file.
    rejections : pyarrow.Table
        Rejection columns.
    partitions : pyarrow.Table
        ``source, force, month`` replaced by this file (every valid month it names,
        including months whose every row was rejected).
    sha256 : str
        SHA-256 of the file's bytes, kept in the load log (``loads.sha256``): which
        download, exactly, a month came from.
    """
    file: str
    file_key: str
    kind: str
    source: str
    mode: str
    rows_read: int
    rejections: pa.Table
    partitions: pa.Table
    incidents: pa.Table | None = None
    outcomes: pa.Table | None = None
    sha256: str = ""
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    side_tables: dict[str, pa.Table] = field(default_factory=dict)
    after_write: Callable[[Store], object] | None = None


class Store(AeTables, BasemapTables):
    """An open incident store.

    Parameters
    ----------
    path : str or Path, optional
        The DuckDB file (see ``resolve_db_path``); ``":memory:"`` for a throwaway store.
    read_only : bool
        Open without write access (several processes may read one file).
    create : bool
        Create missing tables and views (off for the app's many short-lived
        connections, after the first).

    Examples
    --------
    >>> with Store(":memory:") as s:
    ...     s.count()
    0
    """
    def __init__(self, path: str | os.PathLike | None = None, read_only: bool = False, create: bool = True,
                 wait_s: float | None = None, on_wait: Callable[[float, float], None] | None = None):
        self._outcomes_seen: bool | None = None
        self._in_transaction = False
        name = path or os.environ.get(DB_ENV_VAR)
        if is_pg(name):  # a PostgreSQL connection string (issue 17): never treated as a file name
            raise StoreError(f"{redacted(name)} names a PostgreSQL database; this version of Hotspots keeps its "
                             "store in a DuckDB file only (the shared PostgreSQL store is being built).",
                             "Give --db (or HOTSPOTS_DB) a file path such as data/hotspots.duckdb.")
        self.path = str(path) if str(path) == ":memory:" else resolve_db_path(path)
        #: why this store cannot be written (None: it can): a read-only file, or opened for reading
        self.read_only_reason: str | None = "it was opened for reading only" if read_only else None
        if self.path != ":memory:":
            p = Path(self.path)
            if read_only and not p.exists():
                raise StoreError(f"There is no store at {self.path}.",
                                 "Check the --db path, or load data first: python -m hotspots ingest police FILES "
                                 f"--db {self.path}")
            if p.exists() and not _writable(p):
                read_only = True
                self.read_only_reason = f"the file {self.path} (or its folder) is read-only for this user"
            if not p.exists():
                p.parent.mkdir(parents=True, exist_ok=True)
        self.read_only = read_only
        self.con = self._connect(read_only, wait_s, on_wait)
        try:
            self._check_version(create)
            if not self.read_only:
                self.migrate_ae_record_keys()  # a store made before record keys (geo.store.ae)
        except BaseException:
            self.con.close()
            raise

    def _connect(self, read_only: bool, wait_s: float | None, on_wait) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting (bounded) while another program holds it."""
        wait = float(os.environ.get("HOTSPOTS_LOCK_WAIT_S", LOCK_WAIT_S)) if wait_s is None else float(wait_s)
        start = time.monotonic()
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                waited = time.monotonic() - start
                if _lock_conflict(exc) and waited < wait:
                    if on_wait is not None:
                        on_wait(waited, wait)
                    time.sleep(min(delay, max(wait - waited, 0.01)))
                    delay = min(delay * 1.5, 1.0)
                    continue
                if _lock_conflict(exc):
                    raise StoreBusyError(
                        f"The store {self.path} is in use by another program (a load, or the app writing to it), "
                        f"and it was not free after {wait:.0f} s.",
                        "Wait for the other load to finish and try again; the app and the command line share "
                        "the store one writer at a time.") from exc
                raise StoreError(f"The store {self.path} cannot be opened ({exc}).",
                                 "Check the file is a Hotspots store (a DuckDB file), or use another --db file.") from exc
            except duckdb.Error as exc:
                raise StoreError(f"The store {self.path} cannot be opened ({exc}).",
                                 "Check the file is a Hotspots store (a DuckDB file), or use another --db file.") from exc

    # -- schema --------------------------------------------------------------
    def _stored_version(self) -> int | None:
        """The layout version the file holds (None: a new, empty file)."""
        try:
            rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        except duckdb.CatalogException:
            return None
        return int(rows[0][0]) if rows else None

    def _check_version(self, create: bool) -> None:
        """Create a new store's tables, upgrade an older one, refuse a newer one."""
        have = self._stored_version()
        if have is not None and have > SCHEMA_VERSION:
            raise StoreError(f"The store {self.path} was made by a newer version of Hotspots (layout {have}; "
                             f"this version reads layout {SCHEMA_VERSION}).",
                             "Upgrade Hotspots (pip install -e . in its folder), or use another --db file.")
        if have is not None and have < SCHEMA_VERSION:
            if self.read_only:
                raise StoreError(f"The store {self.path} was made by an older version of Hotspots and must be "
                                 f"upgraded once, which needs write access ({self.read_only_reason}).",
                                 f"Run python -m hotspots status --db {self.path} once as a user who can write it.")
            self._migrate(have)
        elif (have is None or create) and not self.read_only:
            self._create()

    def _create(self) -> None:
        c = self.con
        c.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        c.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        c.execute("CREATE SEQUENCE IF NOT EXISTS load_seq START 1")
        c.execute(incident_ddl("incidents"))
        c.execute("""CREATE TABLE IF NOT EXISTS outcomes (
            crime_id VARCHAR NOT NULL, force VARCHAR NOT NULL, month DATE NOT NULL,
            outcome_type VARCHAR, source_file VARCHAR, source_row INTEGER, load_id INTEGER)""")
        rej = ", ".join(f'"{col.name}" {col.sql_type}' for col in REJECTION_COLUMNS)
        c.execute(f"CREATE TABLE IF NOT EXISTS rejections ({rej}, kind VARCHAR, file_key VARCHAR, load_id INTEGER)")
        c.execute("""CREATE TABLE IF NOT EXISTS loads (
            load_id INTEGER PRIMARY KEY, file VARCHAR, file_key VARCHAR, kind VARCHAR, source VARCHAR,
            sha256 VARCHAR, loaded_at TIMESTAMP DEFAULT current_timestamp, status VARCHAR,
            rows_read INTEGER, rows_stored INTEGER, rows_rejected INTEGER, error VARCHAR)""")
        c.execute("""CREATE TABLE IF NOT EXISTS areas (
            name VARCHAR NOT NULL, layer VARCHAR NOT NULL, source VARCHAR, wkb BLOB NOT NULL,
            PRIMARY KEY (layer, name))""")
        c.execute("CREATE TABLE IF NOT EXISTS mappings (name VARCHAR PRIMARY KEY, toml VARCHAR, saved_at TIMESTAMP)")
        self._create_view()

    def _create_view(self) -> None:
        cells = ",\n".join(f"  lower(hex({parent_sql('h3_11', r)})) AS h3_{r}" for r in H3_RESOLUTIONS)
        self.con.execute(f"CREATE VIEW IF NOT EXISTS incidents_h3 AS SELECT * EXCLUDE (h3_11), h3_11 AS h3_int,\n"
                         f"{cells}\nFROM incidents")

    def _migrate(self, have: int) -> None:
        """Upgrade an older store in one transaction (all or nothing).

        1 -> 2: the incident table gains ``duplicate_id`` and the CHECK rules. Rows an older version stored
        that break them (no H3 cell or infinite coordinates from "inf" in a file; months after the current
        one, or police.uk months before 2010-12) move to the rejection report with their reason, so nothing
        is lost and no analysis spans millennia.
        """
        c = self.con
        log.warning("Upgrading the store %s from layout %s to %s", self.path, have, SCHEMA_VERSION)
        place_ok = f"coalesce(({INCIDENT_CHECKS[0]}) AND ({INCIDENT_CHECKS[1]}), false)"
        month_ok = (f"coalesce(({INCIDENT_CHECKS[2]}) AND month <= DATE '{current_month()}-01' AND (source NOT IN "
                    f"('{SOURCE_POLICE}', '{SOURCE_STOP_SEARCH}') OR month >= DATE '{FIRST_POLICE_MONTH}-01'), false)")
        ok = f"{place_ok} AND {month_ok}"
        c.execute("BEGIN TRANSACTION")
        try:
            c.execute("DROP VIEW IF EXISTS incidents_h3")
            c.execute("ALTER TABLE incidents RENAME TO incidents_old")
            c.execute(incident_ddl("incidents"))
            old_cols = {r[0] for r in c.execute("SELECT column_name FROM information_schema.columns "
                                                "WHERE table_name = 'incidents_old'").fetchall()}
            cols = ", ".join(col.name for col in INCIDENT_COLUMNS if col.name in old_cols)
            c.execute(f"INSERT INTO incidents ({cols}) SELECT {cols} FROM incidents_old WHERE {ok}")
            for code, test in (("bad_coordinates", f"NOT {place_ok}"), ("month_out_of_range", f"{place_ok} AND NOT {month_ok}")):
                r = REASONS[code]
                c.execute(f"""INSERT INTO rejections (source, force, month, file, "row", "column", value, reason,
                              message, fix, kind, file_key, load_id)
                    SELECT source, force, NULL, source_file, source_row,
                           CASE WHEN ? = 'bad_coordinates' THEN 'Longitude, Latitude' ELSE 'Month' END,
                           CASE WHEN ? = 'bad_coordinates' THEN lon::VARCHAR || ', ' || lat::VARCHAR
                                ELSE strftime(month, '%Y-%m') END,
                           ?, ? || ' (found when the store was upgraded)', ?, source, source_file, load_id
                    FROM incidents_old WHERE {test}""", [code, code, code, r.message, r.fix])
            c.execute("DROP TABLE incidents_old")
            self._create_view()
            c.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            c.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Roll back the open transaction; DuckDB has already ended it after a failed write."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass

    @contextmanager
    def registered(self, name: str, table: pa.Table):
        """An Arrow table visible to SQL as ``name`` for the block, unregistered after whatever happens."""
        self.con.register(name, table)
        try:
            yield name
        finally:
            self.con.unregister(name)

    @contextmanager
    def transaction(self, action: str, doing: str | None = None):
        """Run the block in one transaction (the connection is yielded), or in the one already open.

        ``action`` ("remove data") and ``doing`` ("removing data", default the action) name the write in the
        sentence a person sees when it cannot happen (a read-only store) or fails (a full disk). Rolls back on
        any error.
        """
        if self._in_transaction:
            yield self.con
            return
        self.require_write(action)
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield self.con
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self._rollback()
            raise self.write_error(exc, doing or action) from exc
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_transaction = False

    def require_write(self, action: str) -> None:
        """Raise a ``StoreError`` saying ``action`` needs write access, when the store is read-only."""
        if self.read_only:
            raise StoreError(f"Cannot {action}: the store is read-only ({self.read_only_reason}).",
                             "Ask whoever runs the store for write access, or copy the file and use the copy "
                             "with --db (the app: HOTSPOTS_DB).")

    def write_error(self, exc: BaseException, action: str) -> StoreError:
        """The sentence for a failed write: the disk is full, or the store refused the rows."""
        if _disk_full(exc):
            return DiskFullError(
                f"The disk is full: {action} stopped because the store {self.path} could not grow. Files loaded "
                "before it are kept.",
                "Free some space on that disk (or use --db on a disk with room), then run the same load again: "
                "files already loaded are not loaded twice.")
        if isinstance(exc, duckdb.ConstraintException):
            return StoreError(f"The store refused {action}: a row broke one of its rules ({exc}).",
                              "Report this: the readers should have listed the row with a reason.")
        return StoreError(f"{action[0].upper() + action[1:]} failed: {exc}.",
                          "Check the disk holding the store, then run the same load again.")

    # -- writing ---------------------------------------------------------------
    def _before_commit(self) -> None:
        """Called inside each file's transaction just before COMMIT (a test hook)."""

    def write(self, unit: LoadUnit) -> dict:
        """Write one file's rows, rejections and load record in one transaction.

        Returns
        -------
        dict
            ``load_id, rows_stored, rows_rejected``.
        """
        c = self.con
        parts = unit.partitions.to_pylist()
        replaced = parts if unit.mode == "replace" else []
        if unit.outcomes is not None:
            stored = unit.outcomes.num_rows
        elif unit.incidents is not None:
            stored = unit.incidents.num_rows
        else:
            stored = 0
        rejected = unit.rejections.num_rows
        self.require_write("load data")
        c.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            # the load record first: it draws the load id the rows carry
            load_id = c.execute(
                "INSERT INTO loads (load_id, file, file_key, kind, source, sha256, status, rows_read, "
                "rows_stored, rows_rejected, error) VALUES (nextval('load_seq'),?,?,?,?,?,?,?,?,?,?) RETURNING load_id",
                [unit.file, unit.file_key, unit.kind, unit.source, unit.sha256,
                 "failed" if unit.error else "loaded", unit.rows_read, stored, rejected, unit.error]).fetchall()[0][0]
            # rejections of this file name, or of the months it replaces, go first: a
            # snapshot month replaces that month's rejections too; an upserted export
            # replaces only its own file's (other exports' rejected rows stay listed)
            where = ["file_key = ?"] + ["(kind = ? AND source = ? AND force = ? AND month = ?)"] * len(replaced)
            params = [unit.file_key] + [v for p in replaced for v in (unit.kind, p["source"], p["force"], p["month"])]
            c.execute(f"DELETE FROM rejections WHERE {' OR '.join(where)}", params)
            if unit.incidents is not None:
                self._write_incidents(unit, load_id, parts)
            if unit.outcomes is not None:
                self._write_outcomes(unit, load_id, parts)
            for name, rows in unit.side_tables.items():
                self._write_side(name, rows, unit, load_id, parts)
            if rejected:
                c.register("u_rej", unit.rejections)
                names = ", ".join(f'"{n}"' for n in REJECTION_NAMES)
                c.execute(f"INSERT INTO rejections ({names}, kind, file_key, load_id) "
                          f"SELECT {names}, ?, ?, ? FROM u_rej", [unit.kind, unit.file_key, load_id])
            if unit.after_write is not None:
                unit.after_write(self)
            self._before_commit()
            c.execute("COMMIT")
        except duckdb.Error as exc:
            self._rollback()
            raise self.write_error(exc, f"loading {unit.file}") from exc
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_transaction = False
            for name in ("u_rej", "u_inc", "u_out", "u_side"):
                try:
                    c.unregister(name)
                except Exception:  # pragma: no cover - not registered for this kind
                    pass
        return {"load_id": load_id, "rows_stored": stored, "rows_rejected": rejected}

    def _any_outcomes(self) -> bool:
        """Whether the outcomes table has rows (asked once per Store; outcomes are only ever added here)."""
        if self._outcomes_seen is None:
            self._outcomes_seen = bool(self.con.execute("SELECT EXISTS (SELECT 1 FROM outcomes)").fetchall()[0][0])
        return self._outcomes_seen

    def _write_incidents(self, unit: LoadUnit, load_id: int, parts: list[dict]) -> int:
        c = self.con
        c.register("u_inc", unit.incidents)
        if unit.mode == "replace":
            # plain predicates, not a join: DuckDB skips row groups by their min/max month
            for p in parts:
                c.execute("DELETE FROM incidents WHERE source = ? AND force = ? AND month = ?",
                          [p["source"], p["force"], p["month"]])
        else:
            c.execute("""DELETE FROM incidents WHERE EXISTS (SELECT 1 FROM u_inc u
                WHERE u.source = incidents.source AND u.force = incidents.force AND u.id = incidents.id)""")
        given = set(unit.incidents.column_names)  # duplicate_id is optional (default false)
        cols = [n for n in INCIDENT_NAMES if n not in ("outcome", "load_id") and (n != "duplicate_id" or n in given)]
        sel = ", ".join("coalesce(u.duplicate_id, false)" if n == "duplicate_id" else f"u.{n}" for n in cols)
        if unit.source == SOURCE_POLICE and self._any_outcomes():
            c.execute(f"""INSERT INTO incidents ({', '.join(cols)}, outcome, load_id)
                SELECT {sel}, coalesce(lo.outcome_type, u.outcome_given), ? FROM u_inc u
                LEFT JOIN ({self._latest_outcomes_sql('(SELECT id FROM u_inc)')}) lo ON lo.crime_id = u.id""",
                      [load_id])
        else:
            c.execute(f"INSERT INTO incidents ({', '.join(cols)}, outcome, load_id) "
                      f"SELECT {sel}, u.outcome_given, ? FROM u_inc u", [load_id])
        return unit.incidents.num_rows

    def ensure_side_table(self, name: str, ddl: str, source: str | None = None) -> None:
        """Create a reader's companion table (``CREATE TABLE IF NOT EXISTS`` DDL) once.

        With ``source``, removing that source's data (``remove``) removes the table's
        rows for the same force and months too.
        """
        if not name.isidentifier():
            raise StoreError(f"'{name}' is not a valid table name.", "Use letters, digits and underscores.")
        self.con.execute(ddl)
        if source:
            self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [f"side_table:{name}", source])

    def _side_tables_of(self, source: str) -> list[str]:
        rows = self.con.execute("SELECT key FROM meta WHERE key LIKE 'side_table:%' AND value = ?", [source]).fetchall()
        return [r[0].split(":", 1)[1] for r in rows if r[0].split(":", 1)[1].isidentifier()]

    def _write_side(self, name: str, rows: pa.Table, unit: LoadUnit, load_id: int, parts: list[dict]) -> None:
        c = self.con
        if not name.isidentifier():
            raise StoreError(f"'{name}' is not a valid table name.", "Use letters, digits and underscores.")
        c.execute(f"DELETE FROM {name} WHERE file_key = ?", [unit.file_key])
        for p in (parts if unit.mode == "replace" else []):
            c.execute(f"DELETE FROM {name} WHERE force = ? AND month = ?", [p["force"], p["month"]])
        cols = [n for n in rows.column_names if n != "load_id"]
        names = ", ".join(f'"{n}"' for n in cols)
        with self.registered("u_side", rows):
            c.execute(f"INSERT INTO {name} ({names}, load_id) SELECT {names}, ? FROM u_side", [load_id])

    @staticmethod
    def _latest_outcomes_sql(ids: str) -> str:
        # newest outcomes file first; within a file, the last row
        return f"""SELECT crime_id, arg_max(outcome_type, epoch(month) * 1000000 + source_row) AS outcome_type
                   FROM outcomes WHERE crime_id IN {ids} GROUP BY crime_id"""

    def _write_outcomes(self, unit: LoadUnit, load_id: int, parts: list[dict]) -> int:
        c = self.con
        c.register("u_out", unit.outcomes)
        c.execute("CREATE OR REPLACE TEMP TABLE affected AS SELECT crime_id FROM u_out")
        for p in parts:
            c.execute("INSERT INTO affected SELECT crime_id FROM outcomes WHERE force = ? AND month = ?",
                      [p["force"], p["month"]])
            c.execute("DELETE FROM outcomes WHERE force = ? AND month = ?", [p["force"], p["month"]])
        c.execute("INSERT INTO outcomes SELECT crime_id, force, month, outcome_type, source_file, source_row, ? "
                  "FROM u_out", [load_id])
        self._outcomes_seen = True
        c.execute(f"""UPDATE incidents SET outcome = coalesce(lo.outcome_type, incidents.outcome_given)
            FROM (SELECT a.crime_id, l.outcome_type FROM (SELECT DISTINCT crime_id FROM affected) a
                  LEFT JOIN ({self._latest_outcomes_sql('(SELECT crime_id FROM affected)')}) l USING (crime_id)) lo
            WHERE incidents.source = '{SOURCE_POLICE}' AND incidents.id = lo.crime_id""")
        c.execute("DROP TABLE affected")
        return unit.outcomes.num_rows

    @contextmanager
    def deferred_checkpoint(self):
        """Hold DuckDB's automatic checkpoints during a load and checkpoint once after it.

        Commits still write their WAL record, so a killed load loses nothing committed.
        The per-file statements run on one DuckDB thread meanwhile: each touches a few
        thousand rows, where a second thread costs more to schedule than it saves (and
        leaves a core to the reading of the next files); the checkpoint gets them back.
        """
        if self.path == ":memory:" or self.read_only:
            yield
            return
        old = self.con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0][0]
        threads = self.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        self.con.execute("SET checkpoint_threshold = '64GB'")
        self.con.execute("SET threads = 1")
        try:
            yield
        finally:
            try:
                self.con.execute(f"SET threads = {int(threads)}")
                self.con.execute(f"SET checkpoint_threshold = '{old}'")
                self.con.execute("CHECKPOINT")
            except duckdb.Error as exc:  # e.g. a full disk: the commits are safe in the write-ahead log
                log.warning("Checkpoint of %s after the load failed (%s); it is retried on the next open",
                            self.path, exc)

    def remove(self, source: str, force: str | None = None, months: list[str] | None = None) -> int:
        """Delete a source's incidents (optionally one force, some months); returns rows removed."""
        where, params = ["source = ?"], [source]
        if force:
            where.append("force = ?")
            params.append(force)
        if months:
            where.append("strftime(month, '%Y-%m') IN (SELECT unnest(?))")
            params.append(list(months))
        w = " AND ".join(where)
        with self.transaction("remove data", "removing data") as c:
            n = c.execute(f"SELECT count(*) FROM incidents WHERE {w}", params).fetchall()[0][0]
            c.execute(f"DELETE FROM incidents WHERE {w}", params)
            c.execute(f"DELETE FROM rejections WHERE {w}", params)
            side_where = " AND ".join(x for x in where if x != "source = ?") or "TRUE"
            for table in self._side_tables_of(source):  # e.g. the A&E records and their free text
                c.execute(f"DELETE FROM {table} WHERE {side_where}", params[1:])
        return int(n)

    def save_areas(self, areas, layer: str) -> int:
        """Store named areas (British National Grid) under a layer, replacing same-named ones."""
        with self.transaction("store areas", "storing areas") as c:
            for a in areas:
                c.execute("INSERT OR REPLACE INTO areas VALUES (?, ?, ?, ?)",
                          [a.name, layer, a.source, shapely.to_wkb(a.geometry)])
        return len(areas)

    def area_names(self) -> list[tuple[str, str]]:
        """(layer, name) of every stored area."""
        try:
            return [tuple(r) for r in self.con.execute("SELECT layer, name FROM areas ORDER BY layer, name").fetchall()]
        except duckdb.CatalogException:  # a read-only store made before areas existed
            return []

    def area(self, layer: str, name: str):
        """A stored Area, or a StoreError naming what exists."""
        rows = self.con.execute("SELECT name, source, wkb FROM areas WHERE layer = ? AND name = ?",
                                [layer, name]).fetchall()
        if not rows:
            have = ", ".join(n for lay, n in self.area_names() if lay == layer) or "none"
            raise StoreError(f"There is no {layer} called '{name}' in the store (it has: {have}).",
                             "Load the boundary file on the Data page, or choose another area.")
        n, src, wkb = rows[0]
        return Area(name=n, geometry=shapely.from_wkb(bytes(wkb)), source=src or "")

    def save_mapping(self, name: str, toml_text: str) -> None:
        """Keep a force-records column mapping (TOML text) under a name, replacing one of that name."""
        self.require_write("save the column mapping")
        self.con.execute("INSERT OR REPLACE INTO mappings VALUES (?, ?, current_timestamp)", [name, toml_text])

    def mappings(self) -> dict[str, str]:
        """Saved column mappings: name -> TOML text, by name."""
        try:
            return dict(self.con.execute("SELECT name, toml FROM mappings ORDER BY name").fetchall())
        except duckdb.CatalogException:  # a store made before mappings existed, opened without create
            return {}

    # -- reading -----------------------------------------------------------------
    @staticmethod
    def _where(date_from=None, date_to=None, categories=(), sources=(), forces=()) -> tuple[str, list]:
        """The WHERE clause of a selection. A row repeating an earlier row's identifier in its file
        (``duplicate_id``: police.uk publishes a few Crime IDs twice) is never selected: each crime counts once."""
        w, p = ["NOT duplicate_id"], []
        if date_from:
            w.append("month >= CAST(? AS DATE)")
            p.append(date_from + "-01")
        if date_to:
            w.append("month <= CAST(? AS DATE)")
            p.append(date_to + "-01")
        for col, vals in (("category", categories), ("source", sources), ("force", forces)):
            if vals:
                w.append(f"{col} IN (SELECT unnest(?))")
                p.append(list(vals))
        return " AND ".join(w), p

    def select_incidents(self, columns, *, date_from=None, date_to=None, categories=(), sources=(), forces=(),
                         within_cell: tuple[int, int] | None = None,
                         bbox: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
        """Incident rows (the given canonical columns) of a selection, in month and file order; ``month`` as
        ``YYYY-MM`` text. ``within_cell``: ``(cell, resolution)``, only rows whose res-11 cell is its child.
        ``bbox``: ``(min easting, min northing, max easting, max northing)``, edges included (a study area's
        bounds: the polygon test then runs on far fewer points). Callers go through
        ``geo.query.select_incidents``, which keeps A&E rows out."""
        bad = [c for c in columns if c not in INCIDENT_NAMES]
        if bad:
            raise StoreError(f"'{bad[0]}' is not a column of the incident table.", f"Use: {', '.join(INCIDENT_NAMES)}.")
        where, params = self._where(date_from, date_to, categories, sources, forces)
        if within_cell is not None:
            where += f" AND {parent_sql('h3_11', check_resolution(within_cell[1]))} = ?::UBIGINT"
            params = params + [int(within_cell[0])]
        if bbox is not None:
            where += " AND easting BETWEEN ? AND ? AND northing BETWEEN ? AND ?"
            params = params + [float(bbox[0]), float(bbox[2]), float(bbox[1]), float(bbox[3])]
        sel = ", ".join("strftime(month, '%Y-%m') AS month" if c == "month" else c for c in columns)
        return self.con.execute(f"SELECT {sel} FROM incidents WHERE {where} ORDER BY month, source_file, source_row",
                                params).df()

    def selection_months(self, *, date_from=None, date_to=None, categories=(), sources=(), forces=()) -> list[str]:
        """The months (``YYYY-MM``) holding a selection's incidents, in order."""
        where, params = self._where(date_from, date_to, categories, sources, forces)
        return [r[0] for r in self.con.execute(
            f"SELECT DISTINCT strftime(month, '%Y-%m') AS m FROM incidents WHERE {where} ORDER BY m", params).fetchall()]

    def source_count(self, source: str, month: str | None = None) -> int:
        """Stored incidents of one source (in one month)."""
        sql, params = "SELECT count(*) FROM incidents WHERE source = ?", [source]
        if month:
            sql += " AND month = CAST(? AS DATE)"
            params.append(month + "-01")
        return int(self.con.execute(sql, params).fetchall()[0][0])

    def month_counts(self, month: str, rejection_source: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """One month's stored rows by source (every source but A&E, whose counts leave only through the overlay's
        publication; a repeated Crime ID counted as stored), and one source's rejected rows by reason, most
        first (for data notes)."""
        by_source = self.con.execute("SELECT source, count(*) FROM incidents WHERE month = CAST(? AS DATE) "
                                     "AND source <> 'ae' GROUP BY source ORDER BY source",  # rows stored
                                     [month + "-01"]).fetchall()
        rejected = self.con.execute("SELECT reason, count(*) FROM rejections WHERE month = CAST(? AS DATE) "
                                    "AND source = ? GROUP BY reason ORDER BY 2 DESC, 1",
                                    [month + "-01", rejection_source]).fetchall()
        return [(s, int(n)) for s, n in by_source], [(r, int(n)) for r, n in rejected]

    def location_points(self, *, date_from=None, date_to=None, categories=(), sources=(), forces=(),
                        cells: list[int] | None = None, res: int | None = None) -> pd.DataFrame:
        """Distinct (location, rounded easting, rounded northing) with their counts: ``location, e, n, n_rows``
        (the streets near places), optionally only under some cells of a resolution."""
        where, params = self._where(date_from, date_to, categories, sources, forces)
        where += " AND location IS NOT NULL"
        if cells is not None and res is not None:
            where += f" AND {parent_sql('h3_11', int(res))} IN (SELECT unnest(?::UBIGINT[]))"
            params = params + [[int(c) for c in cells]]
        return self.con.execute(f"SELECT location, round(easting) AS e, round(northing) AS n, count(*) AS n_rows "
                                f"FROM incidents WHERE {where} GROUP BY ALL ORDER BY location, e, n", params).df()

    def street_points(self, sources: tuple[str, ...] = ("police", "rms")) -> pd.DataFrame:
        """police.uk's street snap points in the data (``On or near ...``) with how many incidents each holds:
        ``location, easting, northing, n`` (the A&E geocoder's street index)."""
        return self.con.execute(
            "SELECT location, easting, northing, count(*)::DOUBLE AS n FROM incidents "
            "WHERE source IN (SELECT unnest(?)) AND location LIKE 'On or near %' GROUP BY ALL "
            "ORDER BY location, easting, northing", [list(sources)]).df()

    def meta(self, key: str) -> str | None:
        """A value kept in the store's meta table (None when absent)."""
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.require_write("write to the store")
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, str(value)])

    def has_loads(self) -> bool:
        """Whether anything was ever loaded (a load that stored nothing counts)."""
        return bool(self.con.execute("SELECT count(*) FROM loads").fetchall()[0][0])

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the store file, so a copy or another process sees every write.

        A checkpoint another connection blocks is not an error: DuckDB runs it later."""
        if self.read_only:
            return
        try:
            self.con.execute("CHECKPOINT")
        except duckdb.Error:  # pragma: no cover - another session's transaction holds it
            log.info("checkpoint deferred: another connection is writing")

    def count(self) -> int:
        """Number of stored incidents."""
        return int(self.con.execute("SELECT count(*) FROM incidents").fetchall()[0][0])

    def status(self) -> pd.DataFrame:
        """Stored and rejected rows by source, force and month.

        Columns: ``source, force, month`` (YYYY-MM), ``rows`` (stored), ``rejected``.
        """
        return self.con.execute("""
            WITH s AS (SELECT source, force, month, count(*) AS rows FROM incidents GROUP BY ALL),
                 r AS (SELECT source, force, month, count(*) AS rejected FROM rejections
                       WHERE month IS NOT NULL GROUP BY ALL)
            SELECT source, force, strftime(month, '%Y-%m') AS month,
                   coalesce(rows, 0)::BIGINT AS rows, coalesce(rejected, 0)::BIGINT AS rejected
            FROM s FULL OUTER JOIN r USING (source, force, month)
            ORDER BY source, force, month""").df()

    def rejections(self, file_key: str | None = None) -> pd.DataFrame:
        """The rejection report (all files, or one file by its base name)."""
        names = ", ".join(f'"{n}"' for n in REJECTION_NAMES)
        q = f"SELECT {names} FROM rejections"
        if file_key:
            return self.con.execute(q + " WHERE file_key = ? ORDER BY file, row", [file_key]).df()
        return self.con.execute(q + " ORDER BY file, row").df()

    def outcome_count(self) -> int:
        """police.uk outcomes-file rows in the store (0 for a store made before outcomes were kept)."""
        try:
            return int(self.con.execute("SELECT count(*) FROM outcomes").fetchall()[0][0])
        except duckdb.CatalogException:
            return 0

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def incident_ddl(table: str = "incidents") -> str:
    """CREATE TABLE statement of the canonical incident table.

    >>> incident_ddl().splitlines()[1].strip()
    'id VARCHAR NOT NULL,'
    """
    cols = [f"{c.name} {c.sql_type}{'' if c.default is None else ' DEFAULT ' + c.default}"
            f"{'' if c.nullable else ' NOT NULL'}" for c in INCIDENT_COLUMNS]
    cols += [f"CHECK ({rule})" for rule in INCIDENT_CHECKS]
    body = ",\n  ".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n)"
