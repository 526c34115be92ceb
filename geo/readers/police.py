"""police.uk readers: street-level crime, outcomes, and stop and search.

Files are recognised by their header, not their name, so a folder or a bulk-download
zip (``YYYY-MM/YYYY-MM-<force>-street.csv`` with ``-outcomes`` and
``-stop-and-search`` beside it) can be given as it is.

Each kind is a header test and the columns it needs; ``geo.ingest.police`` stages the text
columns of every file of a kind into canonical rows in one pass (DuckDB, vectorised). A row
that cannot be used gets a ``reason`` code (geo.schema.REASONS) with the column and value at
fault; it is never dropped.

References
----------
data.police.uk, "About": the CSV columns, the anonymisation to snap points, the
blank Crime ID of anti-social behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.constants import (
    POLICE_OUTCOME_COLUMNS,
    POLICE_STREET_COLUMNS,
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


@dataclass(frozen=True)
class Kind:
    """How to recognise one kind of police.uk file: its columns, and whether its rows are incidents."""

    name: str
    wanted: dict
    optional: tuple
    incident: bool
    expected: str


KINDS = {
    STREET: Kind(STREET, STREET_WANTED, STREET_OPTIONAL, True, "a police.uk street-level crime file"),
    OUTCOMES: Kind(OUTCOMES, OUTCOME_WANTED, OUTCOME_OPTIONAL, False, "a police.uk outcomes file"),
    STOP_SEARCH: Kind(STOP_SEARCH, STOP_WANTED, STOP_OPTIONAL, True, "a police.uk stop-and-search file"),
}


def match_columns_for(raw: RawTable, kind: Kind) -> dict[str, str | None]:
    """The file's column for each of the kind's fields (SchemaError if one is missing)."""
    return match_columns(raw, kind.wanted, kind.expected, kind.optional)
