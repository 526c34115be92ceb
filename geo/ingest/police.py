"""Loading police.uk files: street-level crime, outcomes, and stop and search.

Files are read in batches of about ``BATCH_BYTES`` (pyarrow, two threads), every file of one kind is staged
by one SQL statement over its text columns (DuckDB in memory, vectorised: months, coordinates and categories
checked, every unusable row given a reason), every row is placed once per distinct point, and each file is
written in its own transaction. The next batch is prepared in a worker thread while one is written.
"""

from __future__ import annotations

import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import duckdb
import numpy as np
import pyarrow as pa

from geo.boundaries import Area
from geo.constants import (
    POLICE_CATEGORIES,
    SOURCE_POLICE,
    SOURCE_STOP_SEARCH,
    STOP_SEARCH_CATEGORY,
)
from geo.errors import HotspotsError
from geo.ingest.pipeline import (
    IngestReport,
    Progress,
    append_ragged,
    decimal_point,
    failed_unit,
    incident_units,
    ingest_units,
    partitions_of,
    read_safely,
    rejections_table,
    write_batches,
)
from geo.months import FIRST_POLICE_MONTH, current_month
from geo.readers import police
from geo.readers.common import RawTable
from geo.store import LoadUnit, Store
from geo.readers.inputs import FileSource, Inputs

__all__ = ["BATCH_BYTES", "ingest_police", "read_files", "stage"]


def _categories_map() -> str:
    pairs = ", ".join("'{}': '{}'".format(c.lower().replace("'", "''"), c.replace("'", "''"))
                      for c in POLICE_CATEGORIES)
    return "MAP {" + pairs + "}"


# Lookups, not joins, so each statement is a projection of the files' rows and keeps
# their order (each file's rows stay one contiguous run). $basenames and $forces are
# lists indexed by _member.
_MEMBER = "$basenames[_member + 1] AS basename, $forces[_member + 1] AS file_force"


# The staged row every incident reader produces (see geo.ingest.pipeline): canonical columns
# except the located ones, plus x/y as numbers and the reason a row is unusable.
# A month as police.uk writes it (YYYY-MM); a spreadsheet's two-digit year (21-06) is read as 20xx, never as
# the year 21. $first_month and $last_month bound it (police.uk's first month, the current month).
_MONTH_D = ("TRY_STRPTIME(CASE WHEN regexp_full_match(trim(r.month), '\\d{2}-\\d{1,2}') THEN '20' ELSE '' END"
            " || trim(r.month) || '-01', '%Y-%m-%d')::DATE")


_MONTH_OK = "(month_d >= $first_month::DATE AND month_d <= $last_month::DATE)"


# coordinates that are numbers but not finite ("inf", "1e999", "NaN") are as unusable as text
_BAD_XY = "x IS NULL OR y IS NULL OR NOT isfinite(x) OR NOT isfinite(y)"


# The staged row every incident reader produces (see geo.ingest.pipeline): canonical columns
# except the located ones, plus x/y as numbers and the reason a row is unusable.
STREET_SQL = f"""
WITH p AS (
  SELECT r.*, {_MEMBER},
    {_MONTH_D} AS month_d,
    TRY_CAST(trim(r.lon) AS DOUBLE) AS x, TRY_CAST(trim(r.lat) AS DOUBLE) AS y,
    {_categories_map()}[lower(trim(r.crime_type))] AS category_c,
    nullif(trim(r.crime_id), '') AS crime_id_t
  FROM raw r
)
SELECT
  _member, _row AS source_row,
  coalesce(crime_id_t, 'row:' || basename || ':' || _row) AS id,
  '{SOURCE_POLICE}' AS source,
  coalesce(nullif(trim(reported_by), ''), nullif(trim(falls_within), ''), file_force, 'Unknown force') AS force,
  coalesce(category_c, crime_type) AS category,
  NULL::VARCHAR AS subcategory,
  CASE WHEN {_MONTH_OK} THEN month_d END AS month,
  NULL::TIMESTAMP AS occurred_at, NULL::TIMESTAMP AS occurred_until, 'month' AS time_precision,
  location, lsoa_code, last_outcome AS outcome_given, NULL::BOOLEAN AS weapon,
  x, y,
  CASE WHEN month_d IS NULL THEN 'bad_month'
       WHEN NOT {_MONTH_OK} THEN 'month_out_of_range'
       WHEN category_c IS NULL THEN 'unknown_category'
       WHEN lon IS NULL OR lat IS NULL OR trim(lon) = '' OR trim(lat) = '' THEN 'no_coordinates'
       WHEN {_BAD_XY} THEN 'bad_coordinates' END AS reason,
  CASE WHEN month_d IS NULL OR NOT {_MONTH_OK} THEN 'Month'
       WHEN category_c IS NULL THEN 'Crime type'
       WHEN x IS NULL OR NOT isfinite(x) THEN 'Longitude'
       WHEN y IS NULL OR NOT isfinite(y) THEN 'Latitude' END AS reason_column,
  CASE WHEN month_d IS NULL OR NOT {_MONTH_OK} THEN month
       WHEN category_c IS NULL THEN crime_type
       WHEN x IS NULL OR NOT isfinite(x) THEN lon
       WHEN y IS NULL OR NOT isfinite(y) THEN lat END AS reason_value
FROM p
"""


OUTCOMES_SQL = f"""
WITH p AS (
  SELECT r.*, {_MEMBER}, {_MONTH_D} AS month_d
  FROM raw r
)
SELECT
  _member, _row AS source_row,
  nullif(trim(crime_id), '') AS crime_id,
  coalesce(nullif(trim(reported_by), ''), nullif(trim(falls_within), ''), file_force, 'Unknown force') AS force,
  CASE WHEN {_MONTH_OK} THEN month_d END AS month,
  outcome_type,
  CASE WHEN month_d IS NULL THEN 'bad_month'
       WHEN NOT {_MONTH_OK} THEN 'month_out_of_range'
       WHEN crime_id IS NULL OR trim(crime_id) = '' THEN 'missing_id' END AS reason,
  CASE WHEN month_d IS NULL OR NOT {_MONTH_OK} THEN 'Month'
       WHEN crime_id IS NULL OR trim(crime_id) = '' THEN 'Crime ID' END AS reason_column,
  CASE WHEN month_d IS NULL OR NOT {_MONTH_OK} THEN month END AS reason_value
FROM p
"""


# police.uk stop-and-search dates are ISO 8601 with a UTC offset; stored as local
# (Europe/London) wall-clock time, which is what time-of-day analysis needs.
STOP_SEARCH_SQL = f"""
WITH p AS (
  SELECT r.*, {_MEMBER},
    timezone('Europe/London', TRY_CAST(trim(r.date) AS TIMESTAMPTZ)) AS at_ts,
    -- police.uk publishes stop and search by UTC month: the month a row belongs to (and
    -- replaces) is its UTC month, even when its local time is already the next month
    date_trunc('month', timezone('UTC', TRY_CAST(trim(r.date) AS TIMESTAMPTZ)))::DATE AS month_d,
    TRY_CAST(trim(r.lon) AS DOUBLE) AS x, TRY_CAST(trim(r.lat) AS DOUBLE) AS y
  FROM raw r
)
SELECT
  _member, _row AS source_row,
  'row:' || basename || ':' || _row AS id,
  '{SOURCE_STOP_SEARCH}' AS source,
  coalesce(file_force, 'Unknown force') AS force,
  '{STOP_SEARCH_CATEGORY}' AS category,
  nullif(trim(object), '') AS subcategory,
  CASE WHEN {_MONTH_OK} THEN month_d END AS month,
  at_ts AS occurred_at, NULL::TIMESTAMP AS occurred_until, 'minute' AS time_precision,
  nullif(concat_ws(' - ', nullif(trim(type), ''), nullif(trim(legislation), '')), '') AS location,
  NULL::VARCHAR AS lsoa_code, outcome AS outcome_given, NULL::BOOLEAN AS weapon,
  x, y,
  CASE WHEN at_ts IS NULL THEN 'bad_datetime'
       WHEN NOT {_MONTH_OK} THEN 'month_out_of_range'
       WHEN lon IS NULL OR lat IS NULL OR trim(lon) = '' OR trim(lat) = '' THEN 'no_coordinates'
       WHEN {_BAD_XY} THEN 'bad_coordinates' END AS reason,
  CASE WHEN at_ts IS NULL OR NOT {_MONTH_OK} THEN 'Date'
       WHEN x IS NULL OR NOT isfinite(x) THEN 'Longitude'
       WHEN y IS NULL OR NOT isfinite(y) THEN 'Latitude' END AS reason_column,
  CASE WHEN at_ts IS NULL OR NOT {_MONTH_OK} THEN date
       WHEN x IS NULL OR NOT isfinite(x) THEN lon
       WHEN y IS NULL OR NOT isfinite(y) THEN lat END AS reason_value
FROM p
"""


#: The staging statement of each kind of file.
STAGING_SQL = {police.STREET: STREET_SQL, police.OUTCOMES: OUTCOMES_SQL, police.STOP_SEARCH: STOP_SEARCH_SQL}


def read_files(sources: list[FileSource], progress: Progress | None) -> list[tuple[FileSource, RawTable | None, str | None, HotspotsError | None]]:
    """Read every file (threads: pyarrow releases the GIL) and say what kind each is."""
    kind_of: dict[str, str] = {}

    def looks(cells: list[str], key: str) -> bool:
        k = police.sniff_kind(cells)
        if k:
            kind_of[key] = k
        return k is not None

    def one(src: FileSource):
        raw, err = read_safely(src, lambda cells: looks(cells, src.name),
                               "a police.uk CSV (street, outcomes or stop and search)")
        return src, raw, kind_of.get(src.name) if raw is not None else None, err

    out = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i, res in enumerate(pool.map(one, sources)):
            out.append(res)
            if progress:
                progress(0.25 * (i + 1) / max(len(sources), 1), f"Read {res[0].name}")
    return out


def stage(con: duckdb.DuckDBPyConnection, kind: police.Kind, raws: list[RawTable]) -> pa.Table:
    """Run the kind's SQL over all its files at once; returns the staged rows."""
    tables, members = [], []
    for i, raw in enumerate(raws):
        cols = police.match_columns_for(raw, kind)
        t = raw.table
        arrays = {key: (t.column(col) if col else pa.nulls(t.num_rows, pa.string())) for key, col in cols.items()}
        if raw.decimal_comma:
            for key in ("lon", "lat"):
                if key in arrays:
                    arrays[key] = decimal_point(arrays[key])
        arrays["_row"] = t.column("_row")
        arrays["_member"] = pa.array(np.full(t.num_rows, i, dtype=np.int32))
        tables.append(pa.table(arrays))
        members.append({"_member": i, "basename": raw.source.basename,
                        "file_force": police.force_from_filename(raw.source.basename)})
    raw_all = pa.concat_tables(tables) if tables else None
    con.register("raw", raw_all)
    params = {"basenames": [m["basename"] for m in members], "forces": [m["file_force"] for m in members],
              "first_month": f"{FIRST_POLICE_MONTH}-01", "last_month": f"{current_month()}-01"}
    staged = con.sql(STAGING_SQL[kind.name], params=params).to_arrow_table()
    con.unregister("raw")
    return staged


def ingest_police(paths: Iterable[str | Path], store: Store, area: Area | None = None,
                  progress: Progress | None = None) -> IngestReport:
    """Load police.uk files: street-level, outcomes and stop-and-search CSVs.

    Parameters
    ----------
    paths : iterable of str or Path
        Files, folders (searched recursively) and bulk-download zips, in any mix.
    store : Store
    area : Area, optional
        With an area boundary, points outside it are rejected (exact test); without
        one, points far outside the bulk of each file's points are (see
        ``geo.locate.far_outside``).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    IngestReport
        ``skipped`` lists the archive members and folder files that were not read, with the reason.
    """
    store.require_write("load data")
    with Inputs(paths) as inputs:
        report = _ingest_sources(inputs.sources, store, area, progress)
    report.skipped = [s.to_dict() for s in inputs.skipped]
    return report


def _ingest_sources(sources: list[FileSource], store: Store, area: Area | None,
                    progress: Progress | None) -> IngestReport:
    batches = _batches(sources)
    if len(batches) == 1:
        return ingest_units(_prepare(sources, area, progress), store, progress)

    # A pipeline: while one batch of files is written (DuckDB releases the GIL, and a
    # commit mostly waits for its WAL write), the next batch is read, staged and placed in
    # a worker thread. Progress is only reported from this thread (the app's progress bar
    # cannot be updated from another one).
    def prepared():
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(_prepare, batches[0], area, None)
            for k in range(len(batches)):
                units = pending.result()
                if k + 1 < len(batches):
                    pending = pool.submit(_prepare, batches[k + 1], area, None)
                if progress:
                    progress(0.5 * (k + 1) / len(batches), f"Read and checked {len(units)} file(s)")
                yield units

    return write_batches(prepared(), store, progress, len(sources))


#: Files are prepared (read, staged, placed) in batches of about this many bytes, so
#: that writing one batch overlaps preparing the next.
BATCH_BYTES = 24 << 20


def _batches(sources: list[FileSource]) -> list[list[FileSource]]:
    """Consecutive groups of files of about BATCH_BYTES each (one group for small loads).

    Batches keep the files' order, so files are still written in the order given (a
    later file for the same month replaces an earlier one).
    """
    out: list[list[FileSource]] = [[]]
    size = 0
    member_sizes: dict[Path, dict[str, int]] = {}
    for src in sources:
        try:
            if src.problem is not None:
                n = 0
            elif src.member is None:
                n = src.path.stat().st_size
            else:
                if src.path not in member_sizes:
                    with zipfile.ZipFile(src.path) as zf:
                        member_sizes[src.path] = {i.filename: i.file_size for i in zf.infolist()}
                n = member_sizes[src.path].get(src.member, 0)
        except (OSError, zipfile.BadZipFile):
            n = 0  # reading it will report the problem
        if out[-1] and size + n > BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append(src)
        size += n
    return out


def _prepare(sources: list[FileSource], area: Area | None, progress: Progress | None) -> list[LoadUnit]:
    """Read, stage and place files: one LoadUnit per file, in the files' order."""
    read = read_files(sources, progress)
    units: list[LoadUnit] = []
    by_kind: dict[str, list[RawTable]] = {}
    for src, raw, kind, err in read:
        if err is not None:
            units.append(failed_unit(src, "unknown", SOURCE_POLICE, err, None))
        else:
            by_kind.setdefault(kind, []).append(raw)
    con = duckdb.connect()
    try:
        for kind_name, raws in by_kind.items():
            kind = police.KINDS[kind_name]
            good: list[RawTable] = []
            for raw in raws:
                try:
                    police.match_columns_for(raw, kind)
                    good.append(raw)
                except HotspotsError as err:
                    units.append(failed_unit(raw.source, kind_name, _source_of(kind_name), err, raw))
            if not good:
                continue
            staged = stage(con, kind, good)
            if kind.incident:
                units.extend(incident_units(staged, good, kind_name, area, source=_source_of(kind_name),
                                            repeats_kept=kind_name == police.STREET))
            else:
                units.extend(_outcome_units(staged, good))
            if progress:
                progress(0.5, f"Checked {len(good)} {kind_name.replace('_', ' ')} file(s)")
    finally:
        con.close()
    order = {s.name: i for i, s in enumerate(sources)}
    units.sort(key=lambda u: order.get(u.file, 0))
    return units


def _source_of(kind_name: str) -> str:
    return SOURCE_STOP_SEARCH if kind_name == police.STOP_SEARCH else SOURCE_POLICE


def _outcome_units(staged: pa.Table, raws: list[RawTable]) -> list[LoadUnit]:
    member = staged.column("_member").to_numpy()
    reason = np.asarray(staged.column("reason").to_pylist(), dtype=object)
    placed = np.array([r is None for r in reason])
    col = np.asarray(staged.column("reason_column").to_pylist(), dtype=object)
    val = np.asarray(staged.column("reason_value").to_pylist(), dtype=object)
    units = []
    for i, raw in enumerate(raws):
        idx = np.flatnonzero(member == i)
        ok, bad = idx[placed[idx]], idx[~placed[idx]]
        out = staged.take(pa.array(ok)).select(["crime_id", "force", "month", "outcome_type", "source_row"])
        out = out.append_column("source_file", pa.array([raw.source.name] * len(ok), pa.string()))
        rej = rejections_table(staged.take(pa.array(bad)), reason[bad], col[bad], val[bad], raw.source.name, SOURCE_POLICE)
        rej = append_ragged(rej, raw, SOURCE_POLICE)
        sub = staged.take(pa.array(idx))
        parts = partitions_of(pa.table({"source": pa.array([SOURCE_POLICE] * len(idx), pa.string()),
                                      "force": sub.column("force"), "month": sub.column("month")}))
        units.append(LoadUnit(file=raw.source.name, file_key=raw.source.basename, kind=police.OUTCOMES,
                              source=SOURCE_POLICE, mode="replace", rows_read=raw.table.num_rows + len(raw.ragged),
                              rejections=rej, partitions=parts, outcomes=out, notes=raw.notes,
                              sha256=raw.sha256))
    return units
