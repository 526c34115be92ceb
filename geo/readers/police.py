"""police.uk readers: street-level crime, outcomes, and stop and search.

Files are recognised by their header, not their name, so a folder or a bulk-download
zip (``YYYY-MM/YYYY-MM-<force>-street.csv`` with ``-outcomes`` and
``-stop-and-search`` beside it) can be given as it is.

Each reader is a header test, the columns it needs, and one SQL statement that turns
the text columns of every file of its kind into staged canonical rows in one pass
(DuckDB, vectorised). A row that cannot be used gets a ``reason`` code
(geo.schema.REASONS) with the column and value at fault; it is never dropped.

References
----------
data.police.uk, "About": the CSV columns, the anonymisation to snap points, the
blank Crime ID of anti-social behaviour.
"""

from __future__ import annotations

import re

from geo.constants import (
    POLICE_CATEGORIES,
    POLICE_OUTCOME_COLUMNS,
    POLICE_STREET_COLUMNS,
    SOURCE_POLICE,
    SOURCE_STOP_SEARCH,
    STOP_SEARCH_CATEGORY,
    STOP_SEARCH_COLUMNS,
)
from geo.readers.common import RawTable, match_columns, normalise_name

__all__ = ["KINDS", "force_from_filename", "match_columns_for", "sniff_kind"]

STREET, OUTCOMES, STOP_SEARCH = "street", "outcomes", "stop_search"

#: Reader key -> police.uk column name.
STREET_WANTED = {
    "crime_id": "Crime ID", "month": "Month", "reported_by": "Reported by", "falls_within": "Falls within",
    "lon": "Longitude", "lat": "Latitude", "location": "Location", "lsoa_code": "LSOA code",
    "crime_type": "Crime type", "last_outcome": "Last outcome category",
}
STREET_OPTIONAL = ("reported_by", "falls_within", "location", "lsoa_code", "last_outcome", "crime_id")
OUTCOME_WANTED = {"crime_id": "Crime ID", "month": "Month", "reported_by": "Reported by",
                  "falls_within": "Falls within", "outcome_type": "Outcome type"}
OUTCOME_OPTIONAL = ("reported_by", "falls_within")
STOP_WANTED = {"type": "Type", "date": "Date", "lat": "Latitude", "lon": "Longitude",
               "object": "Object of search", "outcome": "Outcome", "legislation": "Legislation"}
STOP_OPTIONAL = ("legislation", "outcome", "object", "type")

_NORM = {k: {normalise_name(c) for c in cols} for k, cols in (
    (STREET, POLICE_STREET_COLUMNS), (OUTCOMES, POLICE_OUTCOME_COLUMNS), (STOP_SEARCH, STOP_SEARCH_COLUMNS))}


def sniff_kind(cells: list[str]) -> str | None:
    """Which police.uk file a header line belongs to, or None.

    >>> sniff_kind(['Crime ID', 'Month', 'Longitude', 'Latitude', 'Crime type'])
    'street'
    >>> sniff_kind(['Crime ID', 'Month', 'Outcome type'])
    'outcomes'
    >>> sniff_kind(['Type', 'Date', 'Latitude', 'Longitude', 'Object of search'])
    'stop_search'
    >>> sniff_kind(['Name', 'Value']) is None
    True
    """
    norm = {normalise_name(c) for c in cells if c}
    if "crime type" in norm and len(norm & _NORM[STREET]) >= 4:
        return STREET
    if "outcome type" in norm and "crime id" in norm:
        return OUTCOMES
    if "object of search" in norm and len(norm & _NORM[STOP_SEARCH]) >= 4:
        return STOP_SEARCH
    # a street file whose "Crime type" column was renamed is still a street file:
    # the column check then names what is missing
    if {"month", "longitude", "latitude"} <= norm and len(norm & _NORM[STREET]) >= 6:
        return STREET
    return None


#: police.uk file-name slugs of nearby forces -> names as police.uk's "Reported by"
#: writes them (used where a file has no force column: stop and search).
FORCE_NAMES = {
    "hertfordshire": "Hertfordshire Constabulary",
    "bedfordshire": "Bedfordshire Police",
    "cambridgeshire": "Cambridgeshire Constabulary",
    "essex": "Essex Police",
    "thames-valley": "Thames Valley Police",
    "metropolitan": "Metropolitan Police Service",
    "city-of-london": "City of London Police",
    "btp": "British Transport Police",
}

_FILE_RE = re.compile(r"^(\d{4}-\d{2})-(?P<slug>.+?)-(street|outcomes|stop-and-search)(\..*)?$", re.I)


def force_from_filename(name: str) -> str | None:
    """The force a police.uk file name says, or None.

    >>> force_from_filename('2016-11-hertfordshire-stop-and-search.csv')
    'Hertfordshire Constabulary'
    >>> force_from_filename('2021-01-avon-and-somerset-street.csv')
    'Avon And Somerset'
    >>> force_from_filename('crimes.csv') is None
    True
    """
    m = _FILE_RE.match(name)
    if not m:
        return None
    slug = m.group("slug").lower()
    return FORCE_NAMES.get(slug, slug.replace("-", " ").title())


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


class Kind:
    """How to recognise and stage one kind of file."""

    def __init__(self, name, wanted, optional, sql, incident: bool, expected: str):
        self.name, self.wanted, self.optional = name, wanted, optional
        self.sql, self.incident, self.expected = sql, incident, expected


KINDS = {
    STREET: Kind(STREET, STREET_WANTED, STREET_OPTIONAL, STREET_SQL, True,
                 "a police.uk street-level crime file"),
    OUTCOMES: Kind(OUTCOMES, OUTCOME_WANTED, OUTCOME_OPTIONAL, OUTCOMES_SQL, False,
                   "a police.uk outcomes file"),
    STOP_SEARCH: Kind(STOP_SEARCH, STOP_WANTED, STOP_OPTIONAL, STOP_SEARCH_SQL, True,
                      "a police.uk stop-and-search file"),
}


def match_columns_for(raw: RawTable, kind: Kind) -> dict[str, str | None]:
    """The file's column for each of the kind's fields (SchemaError if one is missing)."""
    return match_columns(raw, kind.wanted, kind.expected, kind.optional)
