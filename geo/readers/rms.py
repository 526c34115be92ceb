"""Force records (RMS) exports: CSV or XLSX, read through a column mapping.

Column names vary by force and by export, so they are never guessed: a small TOML
file names them (DOMAIN.md s2). ``sample_data/rms/mapping.toml`` is a worked
example; the README's "Force records" section documents every key::

    [source]
    force = "Hertfordshire Constabulary"   # stored in the force column
    name = "Athena export"                 # optional label

    [columns]                    # file column for each field
    id = "Crime Reference"       # optional: else an id is made from the row's content
    category = "Crime Type"      # required
    subcategory = "Offence Description"
    occurred_at = "Committed"    # one date-time column, or a window:
    occurred_from = "Committed From"
    occurred_to = "Committed To"
    easting = "Easting"          # British National Grid metres, or:
    northing = "Northing"
    longitude = "Longitude"      # WGS84 degrees
    latitude = "Latitude"
    location = "Location"
    lsoa_code = "LSOA"
    outcome = "Outcome"
    weapon = "Weapon Flag"

    [datetime]
    format = "%d/%m/%Y %H:%M"    # optional; default: ISO 8601 or day-first UK dates

    [weapon]
    true_values = ["Y", "Yes"]   # default: Y, Yes, True, 1

    [categories]                 # the file's values -> the 14 police.uk crime types
    "VIOLENCE WITH INJURY" = "Violence and sexual offences"

Rows are upserted by (force, id): a new export that overlaps an earlier one
replaces the crimes it repeats and adds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


from geo.constants import POLICE_CATEGORIES
from geo.errors import SettingError
from geo.months import FIRST_RECORD_YEAR
from geo.readers.common import load_toml
from geo.readers.inputs import shown_name

__all__ = ["FIELDS", "KIND", "Mapping", "read_mapping"]

KIND = "rms"

#: Date-time layouts tried, in order, when the mapping gives no format: ISO 8601
#: first, then day-first UK layouts (a UK export's 05/06/2021 is 5 June).
DEFAULT_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y",
)
DEFAULT_TRUE_VALUES = ("y", "yes", "true", "1", "t")

FIELDS = ("id", "category", "subcategory", "occurred_at", "occurred_from", "occurred_to", "easting",
           "northing", "longitude", "latitude", "location", "lsoa_code", "outcome", "weapon")


@dataclass(frozen=True)
class Mapping:
    """A parsed column mapping (see the module docstring for the file format)."""

    force: str
    columns: dict[str, str]
    name: str = ""
    datetime_formats: tuple[str, ...] = DEFAULT_DATETIME_FORMATS
    true_values: tuple[str, ...] = DEFAULT_TRUE_VALUES
    categories: dict[str, str] = field(default_factory=dict)
    path: str = ""
    #: records dated before this year are refused ([datetime] first_year; default FIRST_RECORD_YEAR)
    first_year: int = FIRST_RECORD_YEAR

    @property
    def is_bng(self) -> bool:
        return "easting" in self.columns

    @property
    def coordinate_names(self) -> tuple[str, str]:
        if self.is_bng:
            return self.columns["easting"], self.columns["northing"]
        return self.columns["longitude"], self.columns["latitude"]


def read_mapping(path: str | Path | dict) -> Mapping:
    """Read and check a column-mapping TOML file (or an already-parsed dict).

    Raises
    ------
    SettingError
        Naming the key that is missing or wrong and what is allowed.

    Examples
    --------
    >>> m = read_mapping({"source": {"force": "Herts"},
    ...                   "columns": {"category": "Type", "occurred_at": "When", "easting": "E", "northing": "N"}})
    >>> m.is_bng, m.coordinate_names
    (True, ('E', 'N'))
    >>> read_mapping({"source": {"force": "Herts"}, "columns": {"category": "Type", "occurred_at": "When"}})
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: The mapping names no coordinates. ...
    """
    where = "the mapping"
    if isinstance(path, dict):
        doc = path
    else:
        where = shown_name(path)
        doc = load_toml(path, "mapping file", "--mapping", "sample_data/rms/mapping.toml", 'Each line is key = "value"')
    cols = {k: str(v) for k, v in (doc.get("columns") or {}).items()}
    unknown = sorted(set(cols) - set(FIELDS))
    if unknown:
        raise SettingError(f"The mapping has unknown field(s) {', '.join(unknown)} in [columns] ({where}).",
                           f"Fields are: {', '.join(FIELDS)}.")
    force = str((doc.get("source") or {}).get("force") or "").strip()
    if not force:
        raise SettingError(f"The mapping does not say which force the export is from ({where}).",
                           'Add [source] force = "Hertfordshire Constabulary".')
    if "category" not in cols:
        raise SettingError(f"The mapping names no category column ({where}).",
                           'Add category = "<column with the offence type>" under [columns].')
    has_bng = "easting" in cols and "northing" in cols
    has_ll = "longitude" in cols and "latitude" in cols
    if not (has_bng or has_ll):
        raise SettingError("The mapping names no coordinates.",
                           "Under [columns] give easting and northing (British National Grid metres) "
                           "or longitude and latitude (degrees).")
    if has_bng and has_ll:
        raise SettingError("The mapping names both easting/northing and longitude/latitude.",
                           "Keep one pair: easting/northing if the export has them (they are exact).")
    if "occurred_at" not in cols and "occurred_from" not in cols:
        raise SettingError("The mapping names no date-time column.",
                           "Give occurred_at (one column) or occurred_from and occurred_to (a window).")
    cats = {str(k): str(v) for k, v in (doc.get("categories") or {}).items()}
    bad = [v for v in cats.values() if v not in POLICE_CATEGORIES]
    if bad:
        raise SettingError(f"The [categories] table maps to '{bad[0]}', which is not a police.uk crime type.",
                           f"Use one of: {', '.join(POLICE_CATEGORIES)}.")
    first_year = (doc.get("datetime") or {}).get("first_year", FIRST_RECORD_YEAR)
    if not isinstance(first_year, int) or not 1900 <= first_year <= 2100:
        raise SettingError(f"[datetime] first_year = {first_year!r} is not a year ({where}).",
                           "Write a year from 1900, e.g. first_year = 2005.")
    fmt = (doc.get("datetime") or {}).get("format")
    formats = tuple(fmt) if isinstance(fmt, list) else ((fmt,) if fmt else DEFAULT_DATETIME_FORMATS)
    trues = tuple(str(v).strip().lower() for v in (doc.get("weapon") or {}).get("true_values", DEFAULT_TRUE_VALUES))
    return Mapping(force=force, columns=cols, name=str((doc.get("source") or {}).get("name", "")),
                   datetime_formats=formats, true_values=trues, categories=cats,
                   path="" if isinstance(path, dict) else str(path), first_year=first_year)


