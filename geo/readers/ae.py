"""A&E assault data: the ISTV minimum data set (ISB 1594), CSV or XLSX.

One submission per emergency department and reporting period. The header fields (reporting period start
and end, treatment site code) come either as columns repeated on every row (as ``sample_data/ae/*.csv``) or
as a block of ``name, value`` lines above the table (``Site Code,SYN-LISTER`` or ``Site Code: SYN-LISTER``).
Per assault: arrival date-time (required, may be blank), assault date-time (mandatory), assault method
(mandatory, a code), method other description (free text), location type (mandatory, a code) and location
description (free text: geocoded by ``geo.geocode``). Column names are matched forgiving case, spaces and
punctuation, and a few common variants (``ALIASES``).

Codes. The national code lists were not found (../shared/data/istv), so they are configurable: a TOML file
like ``sample_data/ae/istv_codes.toml`` with tables ``[assault_method]`` (code -> label),
``[assault_method_weapon_class]`` (code -> one of ``WEAPON_CLASSES``) and ``[assault_location_type]`` (code ->
label). ``DEFAULT_CODES_TOML`` (the sample's placeholder lists) is used when none is given. A code may be
written with or without leading zeros (``1`` = ``01``, as Excel shows it) or as its label.

Rows. A row with a blank mandatory field is rejected (``missing_value``), an unreadable date-time
(``bad_datetime``), a code not in the lists (``bad_code``). An arrival *before* the assault is kept: the
assault time is what places the record in time, and the arrival is only reported; the file's notes count
such rows (they usually mean the two columns were swapped or a date mistyped).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import SchemaError, SettingError
from geo.months import FIRST_RECORD_YEAR, current_month
from geo.readers.common import RawTable, load_toml, normalise_name, read_table
from geo.readers.inputs import FileSource, shown_name

__all__ = ["ALIASES", "Codes", "DEFAULT_CODES_TOML", "IstvFile", "WEAPON_CLASSES", "read_codes", "read_istv"]

KIND = "ae"

#: Weapon classes of the assault method, and whether each is a weapon (None: not known).
WEAPON_CLASSES: dict[str, bool | None] = {
    "knife/sharp": True, "glass/bottle": True, "blunt object": True, "body": False, "firearm": True,
    "other": True, "unknown": None,
}
#: Other spellings of the weapon classes accepted in a codes file.
CLASS_ALIASES = {
    "none": "body", "body part": "body", "bodypart": "body", "fist": "body", "knife": "knife/sharp",
    "sharp": "knife/sharp", "knife or sharp object": "knife/sharp", "glass": "glass/bottle",
    "bottle": "glass/bottle", "blunt": "blunt object", "gun": "firearm", "": "unknown",
}

#: The sample's placeholder code lists (ILLUSTRATIVE, not the national lists), used when no codes file is given.
DEFAULT_CODES_TOML = """\
[assault_method]
"01" = "Body part (fist, feet, head)"
"02" = "Blunt object"
"03" = "Knife or sharp object"
"04" = "Glass or bottle"
"05" = "Firearm"
"06" = "Other"
"99" = "Unknown"

[assault_method_weapon_class]
"01" = "body"
"02" = "blunt object"
"03" = "knife/sharp"
"04" = "glass/bottle"
"05" = "firearm"
"06" = "other"
"99" = "unknown"

[assault_location_type]
"01" = "Street or public place"
"02" = "Licensed premises (pub, bar, club)"
"03" = "Home"
"04" = "Workplace"
"05" = "School or education"
"06" = "Transport"
"07" = "Other"
"99" = "Unknown"
"""

#: Field -> accepted column names (compared by ``_key``). The first is the ISTV data element's name.
ALIASES: dict[str, tuple[str, ...]] = {
    "period_start": ("Reporting Period Start Date", "Reporting Period Start", "Period Start Date", "Period Start"),
    "period_end": ("Reporting Period End Date", "Reporting Period End", "Period End Date", "Period End"),
    "site": ("Site Code", "Site Code (of Treatment)", "Site Code of Treatment", "Treatment Site Code",
             "Organisation Site Code", "Site"),
    "arrival": ("Arrival Date and Time", "Arrival Date and Time at Accident and Emergency Department",
                "Arrival Date Time", "Arrival Datetime", "Arrival Date/Time", "Arrival"),
    "assault": ("Assault Date and Time", "Assault Date Time", "Assault Datetime", "Assault Date/Time",
                "Assault Date"),
    "method": ("Assault Method", "Method"),
    "method_other": ("Assault Method Other Description", "Assault Method Other", "Method Other Description"),
    "location_type": ("Assault Location Type", "Location Type"),
    "description": ("Assault Location Description", "Location Description", "Assault Location"),
}
#: Fields a file must have as columns (the header fields may come from the block above the table).
RECORD_FIELDS = ("assault", "method", "location_type", "description")
OPTIONAL_FIELDS = ("arrival", "method_other")
HEADER_FIELDS = ("period_start", "period_end", "site")

#: Date-time layouts tried in order: ISO 8601, then day-first UK layouts (05/06/2023 is 5 June), then the
#: same with two-digit years (05/06/23: 2023; a spreadsheet's short date format writes them).
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y",
    "%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%d-%m-%y %H:%M", "%d/%m/%y", "%d-%m-%y",
)
EXPECTED = "an ISTV (A&E assault) file with the minimum data set's columns"


def _key(name) -> str:
    return re.sub(r"[^a-z0-9]+", " ", normalise_name(name)).strip()


_ALIAS_KEYS = {f: {_key(a) for a in names} for f, names in ALIASES.items()}


@dataclass(frozen=True)
class Codes:
    """Assault method and location-type code lists (see the module docstring)."""

    methods: dict[str, str]
    weapon_class: dict[str, str]
    location_types: dict[str, str]
    path: str = ""

    @staticmethod
    def _lookup(table: dict[str, str]) -> dict[str, str]:
        out = {}
        for code, label in table.items():
            out[code.strip().lower()] = code
            if code.strip().isdigit():
                out[str(int(code))] = code
            out[str(label).strip().lower()] = code
        return out

    def method_code(self, values: pd.Series) -> pd.Series:
        """The canonical method code of each value (code, code without zeros, or label); NaN if unknown."""
        return _norm(values).map(self._lookup(self.methods))

    def location_code(self, values: pd.Series) -> pd.Series:
        return _norm(values).map(self._lookup(self.location_types))


def _norm(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip().str.lower()
    digits = s.str.fullmatch(r"\d+").fillna(False)
    return s.where(~digits, s.str.lstrip("0").replace("", "0"))


def read_codes(path: str | Path | dict | None = None) -> Codes:
    """Read and check a codes TOML file (None: ``DEFAULT_CODES_TOML``).

    Raises
    ------
    SettingError
        A table is missing, a method has no weapon class, or a weapon class is not one of ``WEAPON_CLASSES``.

    Examples
    --------
    >>> c = read_codes()
    >>> c.methods["03"], c.weapon_class["03"], c.location_types["02"]
    ('Knife or sharp object', 'knife/sharp', 'Licensed premises (pub, bar, club)')
    >>> read_codes({"assault_method": {"1": "Fist"}, "assault_method_weapon_class": {"1": "fists"},
    ...             "assault_location_type": {"1": "Street"}})
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: The weapon class 'fists' of method code '1' is not one of ... Fix: ...
    """
    where = "the default code lists"
    if path is None:
        doc = tomllib.loads(DEFAULT_CODES_TOML)
    elif isinstance(path, dict):
        doc, where = path, "the code lists"
    else:
        where = shown_name(path)
        doc = load_toml(path, "codes file", "--codes", "sample_data/ae/istv_codes.toml",
                        'Each line is "code" = "label"')
    tables = {}
    for name in ("assault_method", "assault_method_weapon_class", "assault_location_type"):
        t = doc.get(name)
        if not isinstance(t, dict) or not t:
            raise SettingError(f"The codes file has no [{name}] table ({where}).",
                               "See sample_data/ae/istv_codes.toml for the three tables it needs.")
        tables[name] = {str(k).strip(): str(v).strip() for k, v in t.items()}
    classes = {}
    for code in tables["assault_method"]:
        raw = tables["assault_method_weapon_class"].get(code)
        if raw is None:
            raise SettingError(f"Method code '{code}' has no weapon class in [assault_method_weapon_class] ({where}).",
                               f'Add "{code}" = one of: {", ".join(WEAPON_CLASSES)}.')
        cls = CLASS_ALIASES.get(raw.lower(), raw.lower())
        if cls not in WEAPON_CLASSES:
            raise SettingError(f"The weapon class '{raw}' of method code '{code}' is not one of "
                               f"{', '.join(WEAPON_CLASSES)} ({where}).",
                               "Use one of those classes (none = body part only).")
        classes[code] = cls
    return Codes(methods=tables["assault_method"], weapon_class=classes,
                 location_types=tables["assault_location_type"],
                 path="" if path is None or isinstance(path, dict) else str(path))


# -- reading a file ---------------------------------------------------------------------------------------------
@dataclass
class IstvFile:
    """One ISTV file read and checked: a frame of every row with its parsed fields and its rejection (if any).

    ``rows`` columns: ``source_row, site, period_start, period_end, assault_at, arrival_at, method_code,
    method, weapon_class, method_other, location_type_code, location_type, description, month (assault),
    period_month, id, reason, reason_column, reason_value`` (``reason`` None: a good row).
    """

    raw: RawTable
    rows: pd.DataFrame
    period_months: list  # (site, month) pairs the file's reporting period covers
    notes: list[str] = field(default_factory=list)


def _looks_like_header(cells: list[str]) -> bool:
    keys = {_key(c) for c in cells if c}
    return sum(1 for f in RECORD_FIELDS + OPTIONAL_FIELDS if keys & _ALIAS_KEYS[f]) >= 3


def _find_columns(raw: RawTable) -> dict[str, str | None]:
    by_key = {_key(c): c for c in raw.columns}
    found = {}
    for f, keys in _ALIAS_KEYS.items():
        found[f] = next((by_key[k] for k in (_key(a) for a in ALIASES[f]) if k in by_key), None)
    missing = [f for f in RECORD_FIELDS if found[f] is None]
    if missing:
        import difflib

        want = ALIASES[missing[0]][0]
        close = difflib.get_close_matches(_key(want), list(by_key), n=1, cutoff=0.6)
        hint = f" Did you mean '{by_key[close[0]]}'?" if close else ""
        raise SchemaError(f"the column is missing.{hint} The file has: {', '.join(raw.columns[:15])}.",
                          file=raw.source.name, row=raw.header_row, column=want,
                          fix=f"Rename the column to '{want}', or check this is {EXPECTED}.")
    return found


def _preamble(raw: RawTable) -> dict[str, str]:
    """``name, value`` (or ``name: value``) lines above the header: the submission header block."""
    out = {}
    for cells in raw.preamble:
        cells = [str(c).strip() for c in cells if c is not None and str(c).strip()]
        if not cells:
            continue
        if len(cells) == 1 and ":" in cells[0]:
            cells = [s.strip() for s in cells[0].split(":", 1)]
        if len(cells) >= 2:
            name, value = cells[0].rstrip(":").strip(), cells[1]
            for f in HEADER_FIELDS:
                if _key(name) in _ALIAS_KEYS[f]:
                    out[f] = value
    return out


def parse_datetimes(values: pd.Series, formats: tuple[str, ...] = DATETIME_FORMATS) -> pd.Series:
    """Text to timestamps, trying each layout in turn (NaT where none fits).

    >>> parse_datetimes(pd.Series(["2023-01-05 22:15", "05/01/2023 22:15", "5 Jan", None])).tolist()[:2]
    [Timestamp('2023-01-05 22:15:00'), Timestamp('2023-01-05 22:15:00')]
    """
    s = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    for fmt in formats:
        todo = out.isna() & s.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    return out


def record_ids(site: pd.Series, fields: list[pd.Series]) -> pd.Series:
    """Stable record ids: a hash of the record's own fields, numbered when a file repeats a record.

    The reporting period and the row number are not part of it, so a record keeps its id when a corrected
    submission adds rows above it, and two victims of one fight (identical rows) get ``#2``.
    """
    content = site.fillna("").astype(str)
    for f in fields:
        content = content + "\x1f" + f.fillna("").astype(str).str.strip()
    digest = content.map(lambda c: hashlib.sha1(c.encode("utf-8")).hexdigest()[:16])
    nth = digest.groupby(digest).cumcount() + 1
    return ("ae:" + digest + np.where(nth > 1, "#" + nth.astype(str), "")).astype(object)


def _out_of_range(when: pd.Series, first_year: int) -> pd.Series:
    """Dates before ``first_year`` or in a month after the current one (NaT: False)."""
    first = pd.Timestamp(first_year, 1, 1)
    after = pd.Timestamp(current_month() + "-01") + pd.offsets.MonthBegin(1)
    return ((when < first) | (when >= after)).fillna(False).astype(bool)


def read_istv(src: FileSource, codes: Codes, first_year: int = FIRST_RECORD_YEAR) -> IstvFile:
    """Read one ISTV file and check every row (no geocoding here).

    Dates after the current month, or before ``first_year``, are refused (``date_out_of_range``), the
    reporting period's as well as each record's: a period reaching the year 9999 would otherwise span
    ninety thousand months.

    Raises
    ------
    InputFileError, SchemaError
        The file cannot be read, has no header of the data set, lacks a record column, or names no site
        code (neither a column nor a ``Site Code`` line above the table).
    """
    raw = read_table(src, _looks_like_header, EXPECTED)
    cols = _find_columns(raw)
    t = raw.table
    n = t.num_rows

    def col(f):
        c = cols.get(f)
        return (pd.Series(t.column(c).to_pylist(), dtype=object) if c else pd.Series([None] * n, dtype=object))

    block = _preamble(raw) if any(cols[f] is None for f in HEADER_FIELDS) else {}
    site = col("site")
    if cols["site"] is None:
        if "site" not in block:
            raise SchemaError("the file names no treatment site: there is no 'Site Code' column and no "
                              "'Site Code' line above the table.", file=src.name, column="Site Code",
                              fix="Add a 'Site Code' column, or a line 'Site Code,<ODS site code>' above the header.")
        site = pd.Series([block["site"]] * n, dtype=object)
    site = site.astype("string").str.strip().replace("", pd.NA)
    start_raw = col("period_start") if cols["period_start"] else pd.Series([block.get("period_start")] * n, dtype=object)
    end_raw = col("period_end") if cols["period_end"] else pd.Series([block.get("period_end")] * n, dtype=object)
    period_start = parse_datetimes(start_raw).dt.normalize()
    period_end = parse_datetimes(end_raw).dt.normalize()

    assault_raw, arrival_raw = col("assault"), col("arrival")
    assault, arrival = parse_datetimes(assault_raw), parse_datetimes(arrival_raw)
    method_raw, type_raw = col("method"), col("location_type")
    method_code, type_code = codes.method_code(method_raw), codes.location_code(type_raw)
    blank = lambda s: s.astype("string").str.strip().fillna("").eq("")  # noqa: E731

    reason = pd.Series([None] * n, dtype=object)
    rcol = pd.Series([None] * n, dtype=object)
    rval = pd.Series([None] * n, dtype=object)
    names = {f: (cols[f] or ALIASES[f][0]) for f in ALIASES}
    checks = [
        (site.isna(), "missing_value", "site", site),
        (blank(assault_raw), "missing_value", "assault", assault_raw),
        (assault.isna(), "bad_datetime", "assault", assault_raw),
        (_out_of_range(assault, first_year), "date_out_of_range", "assault", assault_raw),
        (~blank(arrival_raw) & arrival.isna(), "bad_datetime", "arrival", arrival_raw),
        (_out_of_range(arrival, first_year), "date_out_of_range", "arrival", arrival_raw),
        (_out_of_range(period_start, first_year), "date_out_of_range", "period_start", start_raw),
        (_out_of_range(period_end, first_year), "date_out_of_range", "period_end", end_raw),
        (blank(method_raw), "missing_value", "method", method_raw),
        (method_code.isna(), "bad_code", "method", method_raw),
        (blank(type_raw), "missing_value", "location_type", type_raw),
        (type_code.isna(), "bad_code", "location_type", type_raw),
    ]
    for mask, code, f, values in checks:
        hit = mask.to_numpy(dtype=bool) & reason.isna().to_numpy()
        reason[hit] = code
        rcol[hit] = names[f]
        rval[hit] = values[hit].map(lambda v: None if v is None or pd.isna(v) else str(v))

    notes = list(raw.notes)
    before = (arrival < assault).fillna(False) & reason.isna()
    if before.any():
        notes.append(f"{int(before.sum()):,} record(s) arrive at A&E before the assault time: kept (the assault "
                     "time places them); check the two date-time columns are not swapped")
    # the month a record is reported in: its arrival (else assault) month, kept inside the reporting period
    when = arrival.fillna(assault)
    reported = when.dt.to_period("M").dt.to_timestamp()
    ps = period_start.dt.to_period("M").dt.to_timestamp()
    pe = period_end.dt.to_period("M").dt.to_timestamp()
    reported = reported.where(ps.isna() | (reported >= ps), ps).where(pe.isna() | (reported <= pe), pe)
    period_month = reported.fillna(ps)
    period_month = period_month.where(~_out_of_range(period_month, first_year))  # never a month in year 9999

    method_code_s = method_code.astype(object)
    rows = pd.DataFrame({
        "source_row": np.asarray(t.column("_row").to_pylist(), dtype=np.int64),
        "site": site.astype(object).where(site.notna(), None),
        "period_start": period_start, "period_end": period_end,
        "assault_at": assault, "arrival_at": arrival,
        "method_code": method_code_s.where(method_code.notna(), None),
        "method": method_code_s.map(lambda c: codes.methods.get(c) if isinstance(c, str) else None),
        "weapon_class": method_code_s.map(lambda c: codes.weapon_class.get(c) if isinstance(c, str) else None),
        "method_other": col("method_other").map(lambda v: str(v).strip() if v is not None and str(v).strip() else None),
        "location_type_code": type_code.astype(object).where(type_code.notna(), None),
        "location_type": type_code.astype(object).map(lambda c: codes.location_types.get(c) if isinstance(c, str) else None),
        "description": col("description").map(lambda v: str(v).strip() if v is not None and str(v).strip() else None),
        "month": assault.dt.to_period("M").dt.to_timestamp(),
        "period_month": period_month,
        "reason": reason, "reason_column": rcol, "reason_value": rval,
    })
    rows["id"] = record_ids(rows["site"], [assault_raw, arrival_raw, method_raw, col("method_other"), type_raw,
                                           col("description")])
    # the (site, month) partitions the reporting period covers (else the months its records are reported in)
    pairs = set()
    in_range = ~(_out_of_range(period_start, first_year) | _out_of_range(period_end, first_year))
    for s, a, b, ok in zip(rows["site"], ps, pe, in_range):
        if s is None or pd.isna(a) or pd.isna(b) or b < a or not ok:
            continue
        pairs.update((s, m.to_timestamp()) for m in pd.period_range(a, b, freq="M"))
    have = rows["site"].notna() & rows["period_month"].notna() & rows["reason"].isna()
    pairs.update(zip(rows.loc[have, "site"], rows.loc[have, "period_month"]))
    return IstvFile(raw=raw, rows=rows, period_months=sorted(pairs), notes=notes)
