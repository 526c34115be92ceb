"""The one canonical incident table, and the catalogue of rejection reasons.

Every reader turns its file into rows of ``INCIDENT_COLUMNS`` (or lists a row in the
rejection report with one of ``REASONS``). Downstream code trusts this schema.
The README's "Incident table" section is generated from ``INCIDENT_COLUMNS``
(tests/unit/test_readme.py keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.constants import SYNTHETIC_MARK

__all__ = ["Column", "INCIDENT_CHECKS", "INCIDENT_COLUMNS", "REASONS", "Reason", "REJECTION_COLUMNS", "is_synthetic"]


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    description: str
    nullable: bool = True
    default: str | None = None


#: The canonical incident table (DuckDB types).
INCIDENT_COLUMNS: tuple[Column, ...] = (
    Column("id", "VARCHAR", "The source's identifier: police.uk Crime ID, the force's crime "
           "reference; made from file and row where the source has none (police.uk ASB).", False),
    Column("source", "VARCHAR", "`police` (police.uk street), `stop_search`, `rms` (force records) or `ae` (A&E ISTV).", False),
    Column("force", "VARCHAR", "The force (police.uk `Reported by`; the mapping's `force` for RMS exports).", False),
    Column("category", "VARCHAR", "One of the 14 police.uk crime types, `A&E assault` or `Stop and search`.", False),
    Column("subcategory", "VARCHAR", "Finer type where the source has one: RMS offence description, object of search, A&E method."),
    Column("month", "DATE", "First day of the month the incident falls in (police.uk `Month`).", False),
    Column("occurred_at", "TIMESTAMP", "When it happened, as precisely as `time_precision` says; empty for month-only data."),
    Column("occurred_until", "TIMESTAMP", "End of the from-to window when `time_precision` is `window`."),
    Column("time_precision", "VARCHAR", "`month`, `day`, `minute` or `window`.", False),
    Column("lon", "DOUBLE", "Longitude, WGS84 degrees.", False),
    Column("lat", "DOUBLE", "Latitude, WGS84 degrees.", False),
    Column("easting", "DOUBLE", "British National Grid easting, metres (EPSG:27700).", False),
    Column("northing", "DOUBLE", "British National Grid northing, metres (EPSG:27700).", False),
    Column("h3_11", "UBIGINT", "H3 cell at resolution 11 (integer); resolutions 7-10 are its parents "
           "(view `incidents_h3`: columns `h3_7` ... `h3_11` as H3 strings, `h3_int` the integer).", False),
    Column("location", "VARCHAR", "Location text as given (police.uk: `On or near ...`). Untrusted: escape before HTML."),
    Column("lsoa_code", "VARCHAR", "LSOA code as given (2011 or 2021 codes: the vintage is not assumed)."),
    Column("outcome", "VARCHAR", "Latest known outcome: the newest police.uk outcomes-file entry for the Crime ID, else the street file's `Last outcome category`."),
    Column("outcome_given", "VARCHAR", "The outcome as the incident's own file gave it."),
    Column("weapon", "BOOLEAN", "Weapon flag where the source has one (RMS mapping, A&E method); empty where unknown."),
    Column("source_file", "VARCHAR", "The file (or `archive.zip!member`) the row came from.", False),
    Column("source_row", "INTEGER", "Its row in that file as a spreadsheet numbers it (the header is row 1).", False),
    Column("load_id", "INTEGER", "The load that stored it (table `loads`).", False),
    Column("duplicate_id", "BOOLEAN", "True for a later row of the same file with the same identifier (police.uk "
           "publishes a few Crime IDs twice, at two places): kept, listed in the load's notes, and left out of "
           "every analysis so that the crime is counted once.", False, "false"),
)

#: Rules every stored incident keeps (the store refuses a row that breaks one): a real H3 cell, finite
#: coordinates, and a month in a sane range (readers refuse months after the current one, and police.uk
#: months before 2010-12; these bounds stop anything that slips past them from spanning millennia).
INCIDENT_CHECKS: tuple[str, ...] = (
    "h3_11 <> 0",
    "isfinite(lon) AND isfinite(lat) AND isfinite(easting) AND isfinite(northing)",
    "month >= DATE '1900-01-01' AND month < DATE '2200-01-01'",
)

#: The rejection report: one row per input row not stored.
REJECTION_COLUMNS: tuple[Column, ...] = (
    Column("source", "VARCHAR", "Source kind of the file."),
    Column("force", "VARCHAR", "Force, where the row or file names one."),
    Column("month", "DATE", "Month, where it could be read."),
    Column("file", "VARCHAR", "The file (or `archive.zip!member`)."),
    Column("row", "INTEGER", "Row as a spreadsheet numbers it (header = 1)."),
    Column("column", "VARCHAR", "The column at fault."),
    Column("value", "VARCHAR", "The value at fault, as text."),
    Column("reason", "VARCHAR", "A short code (see README: rejection reasons)."),
    Column("message", "VARCHAR", "A sentence: what was wrong."),
    Column("fix", "VARCHAR", "A sentence: how to fix it."),
)


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    fix: str


def _r(code: str, message: str, fix: str) -> tuple[str, Reason]:
    return code, Reason(code, message, fix)


#: Why a row was not stored. ``rejected_by_reason`` in ``ingest --json`` uses these codes.
REASONS: dict[str, Reason] = dict([
    _r("no_coordinates", "The row has no coordinates, so it cannot be placed on the map.",
       "None needed for police.uk rows (about 1-2 % have no location); for your own files, fill in the coordinates."),
    _r("bad_coordinates", "The coordinates are not finite numbers (text, NaN or infinity).",
       "Use decimal degrees (e.g. -0.3286, 51.7453) or whole metres for easting/northing."),
    _r("coordinates_swapped", "Longitude and latitude appear swapped: the point is in Great Britain only the other way round.",
       "Swap the two columns (or the two names in the column mapping) and load the file again."),
    _r("outside_great_britain", "The point is outside Great Britain.",
       "Check the coordinates; British National Grid eastings/northings must be mapped as easting/northing, not longitude/latitude."),
    _r("outside_area", "The point lies outside the area boundary the load was given (--area, or 'Keep only points inside' on the Data page).",
       "None needed if the area is right: the row belongs to another area. Otherwise load the file again with the right boundary."),
    _r("far_outside_force_area", "The point is far from the bulk of the file's points (more than 1.5 x the 98th-percentile distance from their median centre): recorded by this force but located elsewhere.",
       "None needed; to judge points near the border exactly, load with the force boundary (--area FILE, or 'Keep only points inside' on the Data page)."),
    _r("bad_month", "The month is not a valid YYYY-MM month.",
       "Use the month as police.uk writes it, e.g. 2021-06."),
    _r("month_out_of_range", "The month is before police.uk's first month (2010-12) or after the current month.",
       "Check the Month column: police.uk writes YYYY-MM (e.g. 2021-06); a spreadsheet may have changed it."),
    _r("date_out_of_range", "The date is after the current month, or before the first year loads accept (2000 unless set).",
       "Check the date column and its format (05/06/21 is read as 2021); for older records, load with --first-year."),
    _r("bad_datetime", "The date-time cannot be read.",
       "Use ISO 8601 (2021-06-05 22:15) or day-first UK dates (05/06/2021 22:15), or set [datetime] format in the mapping."),
    _r("window_reversed", "The 'from' date-time is after the 'to' date-time.",
       "Check the two window columns in the mapping are not swapped."),
    _r("unknown_category", "The crime type is not one of the 14 police.uk types and the mapping does not translate it.",
       "Add the value to the [categories] table of the mapping file (value = police.uk type)."),
    _r("missing_id", "The row has no Crime ID, so its outcome cannot be joined to a crime.",
       "None needed: police.uk outcomes without a Crime ID cannot be used."),
    _r("duplicate_id", "Another row of the same file has the same identifier; the first was stored.",
       "Check the export for repeated rows; the identifier column must be unique."),
    _r("bad_row", "The row has a different number of cells from the header.",
       "Check the row for an unquoted comma or a missing cell; police.uk files never have one."),
    _r("file_rejected", "The whole file was rejected (see the file's error).",
       "Fix the file as its error says and load it again."),
    _r("not_located", "The A&E record's location description could not be placed (no postcode, venue, street and town, or area found in it).",
       "On the Data page (A&E tab), give the description a postcode, a venue or coordinates: the answer is remembered for later loads."),
    _r("bad_code", "The code is not in the code list (A&E assault method or location type).",
       "Add the code to the codes file (--codes FILE.toml; see sample_data/ae/istv_codes.toml) or correct it in the file."),
    _r("missing_value", "A mandatory field is blank (A&E: site code, assault date-time, method or location type).",
       "Fill in the field in the file and load it again."),
])


def markdown_tables() -> str:
    """The README's "Incident table" and "Rejection reasons" tables, from the definitions above."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.sql_type}{'' if c.nullable else ', required'} | {c.description} |"
              for c in INCIDENT_COLUMNS]
    lines += ["", "| reason | what was wrong | what to do |", "|---|---|---|"]
    lines += [f"| `{r.code}` | {r.message} | {r.fix} |" for r in REASONS.values()]
    return "\n".join(lines)


def write_readme(path: str = "README.md") -> None:
    """Rewrite the generated tables between the README's schema/reasons markers."""
    import re
    from pathlib import Path

    p = Path(path)
    text = p.read_text(encoding="utf-8")
    schema, reasons = markdown_tables().split("\n\n")
    for tag, body in (("schema", schema), ("reasons", reasons)):
        text = re.sub(rf"(<!-- {tag}:start -->\n).*?(<!-- {tag}:end -->)", lambda m: m.group(1) + body + "\n" + m.group(2),
                      text, flags=re.S)
    p.write_text(text, encoding="utf-8")


if __name__ == "__main__":  # python -m geo.schema --write-readme
    import sys

    if "--write-readme" in sys.argv:
        write_readme()
    else:
        print(markdown_tables())


def is_synthetic(df: pd.DataFrame) -> bool:
    """True when any row's force marks it as the synthetic sample."""
    return "force" in df and df["force"].astype(str).str.contains(SYNTHETIC_MARK, regex=False).any()
