"""Loading force records (RMS) exports through a column mapping (``geo.readers.rms.Mapping``).

The mapped text columns of every file are staged by one SQL statement (DuckDB in memory): date-times read
with the mapping's formats (two-digit years as 20xx), windows, categories translated, identifiers checked
for repeats, coordinates checked; rows are then placed and upserted by (force, id), one transaction a file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterable

import duckdb
import numpy as np
import pyarrow as pa

from geo.boundaries import Area
from geo.constants import POLICE_CATEGORIES, SOURCE_RMS
from geo.errors import HotspotsError, SettingError
from geo.ingest.pipeline import (
    decimal_point,
    failed_unit,
    incident_units,
    ingest_units,
    read_safely,
)
from geo.months import current_month, shift_month
from geo.readers.common import match_columns, normalise_name
from geo.readers.rms import FIELDS, KIND, Mapping, read_mapping
from geo.readers.inputs import Inputs

__all__ = ["ingest_rms", "staging_sql"]


def _sql_str(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _century(expr: str, raw: str) -> str:
    """A parsed date-time whose year was written with two digits (01/06/21, read by %Y as the year 21) moved to
    20xx; a year written with four digits (0021) stays as written, and is refused as out of range."""
    return (f"(CASE WHEN year({expr}) < 100 AND NOT regexp_matches({raw}, '\\d{{4}}') "
            f"THEN {expr} + INTERVAL 2000 YEAR ELSE {expr} END)")


def staging_sql(m: Mapping) -> str:
    """The SQL that turns the mapped text columns into staged canonical rows."""
    has = lambda k: k in m.columns  # noqa: E731
    fmts = "[" + ", ".join(_sql_str(f) for f in m.datetime_formats) + "]"
    cat_pairs = {c.lower(): c for c in POLICE_CATEGORIES}
    cat_pairs.update({k.strip().lower(): v for k, v in m.categories.items()})
    cats = ", ".join(f"({_sql_str(k)}, {_sql_str(v)})" for k, v in cat_pairs.items())
    trues = "[" + ", ".join(_sql_str(v) for v in m.true_values) + "]"
    start = "occurred_at" if has("occurred_at") else "occurred_from"
    end = "occurred_to" if has("occurred_to") else None
    x, y = ("easting", "northing") if m.is_bng else ("longitude", "latitude")
    xn, yn = m.coordinate_names
    # records dated in a later month than the current one are refused, as are those before first_year
    next_month = f"DATE '{shift_month(current_month(), 1)}-01'"
    col = lambda k: f"r.{k}" if has(k) else "NULL::VARCHAR"  # noqa: E731
    content = " || '|' || ".join(f"coalesce(r.{k}, '')" for k in FIELDS if has(k) and k != "id")
    id_expr = ("nullif(trim(r.id), '')" if has("id")
               else f"'sha1:' || sha1({content}) || '#' || row_number() OVER (PARTITION BY r._member, sha1({content}) ORDER BY r._row)")
    return f"""
WITH cats(key, name) AS (VALUES {cats}),
p AS (
  SELECT r._member, r._row, r.category AS category_raw,
    {id_expr} AS id,
    cats.name AS category_c,
    {col('subcategory')} AS subcategory,
    trim({col(start)}) AS t0_raw, {f"trim({col(end)})" if end else "NULL::VARCHAR"} AS t1_raw,
    {_century(f"TRY_STRPTIME(trim({col(start)}), {fmts})", f"trim({col(start)})")} AS t0,
    {_century(f"TRY_STRPTIME(trim({col(end)}), {fmts})", f"trim({col(end)})") if end else "NULL::TIMESTAMP"} AS t1,
    TRY_CAST(trim({col(x)}) AS DOUBLE) AS x, TRY_CAST(trim({col(y)}) AS DOUBLE) AS y,
    {col(x)} AS x_raw, {col(y)} AS y_raw,
    {col('location')} AS location, {col('lsoa_code')} AS lsoa_code, {col('outcome')} AS outcome_given,
    {f"CASE WHEN r.weapon IS NULL THEN NULL ELSE list_contains({trues}, lower(trim(r.weapon))) END" if has('weapon') else "NULL::BOOLEAN"} AS weapon
  FROM raw r LEFT JOIN cats ON cats.key = lower(trim(r.category))
),
q AS (
  SELECT *,
    -- a window whose ends are equal is an exact time; a missing end leaves the start
    t1 IS NOT NULL AND t1 <> t0 AS is_window,
    row_number() OVER (PARTITION BY _member, id ORDER BY _row) AS nth,
    (t0 < DATE '{m.first_year:04d}-01-01' OR t0 >= {next_month}) AS t0_out,
    (t1 < DATE '{m.first_year:04d}-01-01' OR t1 >= {next_month}) AS t1_out
  FROM p
)
SELECT
  _member, _row AS source_row, id, '{SOURCE_RMS}' AS source, {_sql_str(m.force)} AS force,
  coalesce(category_c, category_raw) AS category, subcategory,
  CASE WHEN NOT coalesce(t0_out, false) THEN date_trunc('month', t0)::DATE END AS month,
  t0 AS occurred_at, CASE WHEN is_window THEN t1 END AS occurred_until,
  CASE WHEN is_window THEN 'window' WHEN t0_raw LIKE '%:%' THEN 'minute' ELSE 'day' END AS time_precision,
  location, lsoa_code, outcome_given, weapon, x, y,
  CASE WHEN t0 IS NULL THEN 'bad_datetime'
       WHEN t1_raw IS NOT NULL AND t1_raw <> '' AND t1 IS NULL THEN 'bad_datetime'
       WHEN t0_out OR t1_out THEN 'date_out_of_range'
       WHEN t1 < t0 THEN 'window_reversed'
       WHEN category_c IS NULL THEN 'unknown_category'
       WHEN id IS NULL THEN 'missing_id'
       WHEN nth > 1 THEN 'duplicate_id'
       WHEN x_raw IS NULL OR y_raw IS NULL OR trim(x_raw) = '' OR trim(y_raw) = '' THEN 'no_coordinates'
       WHEN x IS NULL OR y IS NULL OR NOT isfinite(x) OR NOT isfinite(y) THEN 'bad_coordinates' END AS reason,
  CASE WHEN t0 IS NULL OR t0_out THEN {_sql_str(m.columns[start])}
       WHEN t1_raw IS NOT NULL AND t1_raw <> '' AND t1 IS NULL THEN {_sql_str(m.columns.get('occurred_to', ''))}
       WHEN t1_out OR t1 < t0 THEN {_sql_str(m.columns.get('occurred_to', ''))}
       WHEN category_c IS NULL THEN {_sql_str(m.columns['category'])}
       WHEN id IS NULL OR nth > 1 THEN {_sql_str(m.columns.get('id', ''))}
       WHEN x IS NULL OR NOT isfinite(x) THEN {_sql_str(xn)}
       WHEN y IS NULL OR NOT isfinite(y) THEN {_sql_str(yn)} END AS reason_column,
  CASE WHEN t0 IS NULL OR t0_out THEN t0_raw
       WHEN t1_raw IS NOT NULL AND t1_raw <> '' AND t1 IS NULL THEN t1_raw
       WHEN t1_out OR t1 < t0 THEN t1_raw
       WHEN category_c IS NULL THEN category_raw
       WHEN id IS NULL OR nth > 1 THEN id
       WHEN x IS NULL OR NOT isfinite(x) THEN x_raw
       WHEN y IS NULL OR NOT isfinite(y) THEN y_raw END AS reason_value
FROM q
"""


def _looks_like_header(m: Mapping):
    wanted = {normalise_name(c) for c in m.columns.values()}
    need = max(2, int(0.6 * len(wanted)))
    return lambda cells: len({normalise_name(c) for c in cells if c} & wanted) >= need


def ingest_rms(paths: Iterable[str | Path], store, mapping: str | Path | Mapping | dict,
               area: Area | None = None, progress=None, first_year: int | None = None):
    """Load force records exports (CSV/XLSX) through a column mapping.

    Each file is one transaction; rows are upserted by (force, id). A file whose
    coordinates are mostly of the wrong kind (metres mapped as degrees, swapped
    longitude/latitude) is refused whole with a sentence saying which mapping to change.
    Records dated after the current month, or before ``first_year`` (else the mapping's
    ``[datetime] first_year``, else 2000), are refused with ``date_out_of_range``.

    Returns
    -------
    geo.ingest.pipeline.IngestReport
    """
    m = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
    if first_year is not None:
        if not 1900 <= int(first_year) <= 2100:
            raise SettingError(f"The first year {first_year} is not a year from 1900.", "Give e.g. --first-year 2005.")
        m = replace(m, first_year=int(first_year))
    store.require_write("load data")
    expected = f"a force records export with the columns named in {m.path or 'the mapping'}"
    with Inputs(paths) as inputs:
        sources = inputs.sources
        units, good = [], []
        for i, src in enumerate(sources):
            raw, err = read_safely(src, _looks_like_header(m), expected)
            if err is None:
                try:
                    match_columns(raw, m.columns, expected)
                    good.append(raw)
                except HotspotsError as exc:  # SchemaError: the file lacks a mapped column
                    err = exc
            if err is not None:
                units.append(failed_unit(src, KIND, SOURCE_RMS, err, raw))
            if progress:
                progress(0.25 * (i + 1) / max(len(sources), 1), f"Read {src.name}")
    if good:
        con = duckdb.connect()
        try:
            tables = []
            for i, raw in enumerate(good):
                cols = match_columns(raw, m.columns, expected)
                arrays = {k: raw.table.column(c) for k, c in cols.items()}
                if raw.decimal_comma:
                    for k in ("easting", "northing", "longitude", "latitude"):
                        if k in arrays:
                            arrays[k] = decimal_point(arrays[k])
                arrays["_row"] = raw.table.column("_row")
                arrays["_member"] = pa.array(np.full(raw.table.num_rows, i, dtype=np.int32))
                tables.append(pa.table(arrays))
            con.register("raw", pa.concat_tables(tables))
            staged = con.sql(f"SELECT * FROM ({staging_sql(m)}) ORDER BY _member, source_row").to_arrow_table()
        finally:
            con.close()
        units.extend(incident_units(staged, good, KIND, area, is_bng=m.is_bng, repeats_kept=False,
                                     coord_names=m.coordinate_names, mode="upsert", source=SOURCE_RMS))
    order = {s.name: i for i, s in enumerate(sources)}
    units.sort(key=lambda u: order.get(u.file, 0))
    report = ingest_units(units, store, progress)
    report.skipped = [s.to_dict() for s in inputs.skipped]
    return report
