"""What every reader shares: the header, the columns, the table as text.

A file is read whole into memory (within ``geo.readers.inputs``'s limits), turned into UTF-8 text
(``geo.readers.text``: encodings, line endings, delimiters) and parsed with pyarrow's multi-threaded
CSV reader, every column as text: readers validate values themselves so that a bad value rejects its
row, never the file. XLSX workbooks are read row by row. Rows are numbered as a spreadsheet shows them
(the header row is 1; lines above a header, as some Excel exports write, keep their numbers).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.errors import HotspotsError, InputFileError, SchemaError, SettingError
from geo.readers.inputs import MAX_RATIO, RATIO_FLOOR_BYTES, FileSource, Inputs, read_source, shown_name
from geo.readers.text import decode, delimiter_name, find_header, printable

__all__ = [
    "FileSource",
    "Inputs",
    "NamedPath",
    "RawTable",
    "discover",
    "file_sha256",
    "load_toml",
    "match_columns",
    "normalise_name",
    "read_table",
    "shown_name",
]

#: How many lines at the top of a file may precede the header (Excel exports put
#: titles, dates and blank lines there).
HEADER_SEARCH_LINES = 30


class NamedPath(os.PathLike):
    """A file on disk that reports and the store name by another name.

    The app copies an upload to a private temporary folder before reading it; wrapped
    in a ``NamedPath`` with the name the user uploaded, the copy is stored and reported
    as that name (``source_file``, the load log, the rejection report), not as the
    temporary path. Anything that takes a path takes it (``os.fspath``, ``str``), and
    ``Path`` methods and attributes (``stat()``, ``suffix``) are those of the file on disk.

    >>> p = NamedPath("/tmp/hotspots-upload-x1/2021-01-herts-street.csv", "2021-01-herts-street.csv")
    >>> os.fspath(p), p.display_name
    ('/tmp/hotspots-upload-x1/2021-01-herts-street.csv', '2021-01-herts-street.csv')
    """

    __slots__ = ("path", "display_name")

    def __init__(self, path: str | os.PathLike, display_name: str):
        self.path = Path(path)
        self.display_name = str(display_name)

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __str__(self) -> str:
        return os.fspath(self.path)

    def __getattr__(self, attr: str):  # stat(), suffix, exists(), name ...: the file on disk
        if attr.startswith("_") or attr in NamedPath.__slots__:  # not set yet (copy, pickle): no recursion
            raise AttributeError(attr)
        return getattr(self.path, attr)

    def __reduce__(self):
        return NamedPath, (os.fspath(self.path), self.display_name)

    def __eq__(self, other) -> bool:
        return isinstance(other, NamedPath) and (self.path, self.display_name) == (other.path, other.display_name)

    def __hash__(self) -> int:
        return hash((self.path, self.display_name))

    def __lt__(self, other) -> bool:
        return os.fspath(self) < os.fspath(other)

    def __repr__(self) -> str:
        return f"NamedPath({os.fspath(self.path)!r}, {self.display_name!r})"


def file_sha256(src: FileSource) -> str:
    """SHA-256 of a file's stored bytes (a zip member's own bytes), or "" when it cannot be read."""
    try:
        return hashlib.sha256(src.read_bytes()).hexdigest()
    except HotspotsError:
        return ""


def discover(paths: Iterable[str | Path]) -> list[FileSource]:
    """The table files of files, folders and zip archives (see ``Inputs``, which also lists what it skipped).

    Nested archives need ``Inputs`` used as a context manager (their temporary copies live as long as it);
    this list form is for callers that read plain files and single-level archives.
    """
    inputs = Inputs(paths)
    out = _Sources(inputs.sources)
    out.inputs = inputs  # the temporary copies of nested archives live as long as the list
    return out


class _Sources(list):
    """A list of sources that keeps its ``Inputs`` (and so any temporary copies) alive."""

    inputs: Inputs | None = None


def normalise_name(name: str) -> str:
    """Column names compared case-, space- and punctuation-insensitively.

    >>> normalise_name('\\ufeffCrime_ID ')
    'crime id'
    >>> normalise_name('LSOA-code')
    'lsoa code'
    """
    s = str(name).replace("\ufeff", "").strip().strip('"').lower()
    return re.sub(r"[\s_\-.]+", " ", s).strip()


@dataclass
class RawTable:
    """A file's table with every column as text, plus where each row came from.

    Attributes
    ----------
    table : pyarrow.Table
        The columns as named in the file (strings, blank cells are null), and ``_row``.
    header_row : int
        The spreadsheet row number of the header.
    encoding : str
        ``utf-8``, ``cp1252`` (the Windows code page Excel writes), ``utf-16`` or ``xlsx``.
    """

    source: FileSource
    table: pa.Table
    header_row: int
    encoding: str
    notes: list[str] = field(default_factory=list)
    #: rows whose number of cells does not match the header: (row number, text)
    ragged: list[tuple[int, str]] = field(default_factory=list)
    #: SHA-256 of the file's bytes as stored (kept in the load log: which download was loaded)
    sha256: str = ""
    #: the lines above the header, as cells (the A&E submission block)
    preamble: list[list[str]] = field(default_factory=list)
    #: the delimiter the file uses; semicolon files come from locales that write decimal commas
    delimiter: str = ","

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.column_names if c != "_row"]

    @property
    def decimal_comma(self) -> bool:
        """Whether numbers may be written with a decimal comma (semicolon- or tab-delimited exports)."""
        return self.delimiter in (";", "\t")


def _no_header(src: FileSource, expected: str, first: list[str], where: str) -> SchemaError:
    shown = printable(", ".join(c for c in first[:8] if c), 120) or "nothing readable"
    return SchemaError(
        f"no header row of {expected} was found in the first {HEADER_SEARCH_LINES} {where} "
        f"(the first has: {shown}).", file=src.name, row=1,
        fix=f"Check this is {expected}; if its columns have other names, give a column mapping.")


def _unique_names(header: list[str]) -> list[str]:
    """Header cells as column names: blank or repeated cells get unique names, so no column is lost."""
    seen: dict[str, int] = {}
    names = []
    for i, h in enumerate(header):
        h = h or f"column {i + 1}"
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return names


def read_table(src: FileSource, looks_like_header: Callable[[list[str]], bool],
               expected: str) -> RawTable:
    """Read a CSV (also gzip-compressed, UTF-16, semicolon- or tab-delimited) or XLSX file as text columns.

    Parameters
    ----------
    src : FileSource
    looks_like_header : callable
        Given the cells of a line, True when it is the header the reader expects.
    expected : str
        What the reader expects, for the error message (e.g. "a police.uk street-level file").

    Raises
    ------
    InputFileError
        The file is empty, too large, damaged, or not text.
    SchemaError
        No header row is found in the first lines.
    """
    data, stored = read_source(src)
    digest = hashlib.sha256(stored).hexdigest()  # releases the GIL: the reader threads hash in parallel
    notes = [] if data is stored else ["gzip-compressed: expanded"]
    del stored
    if data[:4] == b"PK\x03\x04" and src.suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(src, data, digest, looks_like_header, expected)
    if src.suffix in (".xlsx", ".xlsm"):
        raise InputFileError("the file is named .xlsx but is not an Excel workbook.", file=src.name,
                             fix="Open it in Excel and save it as .xlsx, or give it its real ending (.csv).")
    if not data.strip(b"\xef\xbb\xbf\xff\xfe \r\n\t,;\x00"):
        raise InputFileError("the file is empty.", file=src.name,
                             fix=f"Export or download it again; it should be {expected}.")
    dec = decode(data, src.name, expected)
    del data
    data, encoding = dec.data, dec.encoding
    head_text = data[:65536].decode("utf-8", errors="replace")
    found = find_header(head_text, looks_like_header, HEADER_SEARCH_LINES)
    if found is None:
        first = next(iter(head_text.splitlines()), "")
        raise _no_header(src, expected, [first], "lines")
    delimiter, idx, head_rows = found
    names = _unique_names([h.replace("\ufeff", "").strip() for h in head_rows[idx]])
    # the header's own line number: count physical lines above it (csv rows may not be lines)
    header_line = _line_of_row(head_text, idx, delimiter)
    ragged: list[tuple[int, str]] = []
    table = _parse_csv(src, data, header_line, names, expected, ragged, delimiter, use_threads=True)
    if ragged:
        # pyarrow only numbers bad rows when reading on one thread: read again so
        # each one can be reported with its row
        ragged.clear()
        table = _parse_csv(src, data, header_line, names, expected, ragged, delimiter, use_threads=False)
    table = _drop_blank_rows(table, first_row=header_line + 2, ragged=[r for r, _ in ragged])
    notes += dec.notes
    if header_line:
        notes.append(f"{header_line} line(s) above the header were skipped")
    if delimiter != ",":
        notes.append(f"{delimiter_name(delimiter)}-delimited")
    return RawTable(src, table, header_line + 1, encoding, notes=notes, ragged=ragged, sha256=digest,
                    preamble=[list(r) for r in head_rows[:idx]], delimiter=delimiter)


def _parse_csv(src, data, header_line, names, expected, ragged, delimiter, use_threads):
    def on_bad_row(row):
        ragged.append((row.number if row.number is not None else -1, row.text))
        return "skip"

    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(skip_rows=header_line, column_names=names, skip_rows_after_names=1,
                                           block_size=8 << 20, use_threads=use_threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_bad_row),
            # only a blank cell is missing: "NA", "N/A", "null" and "-" are text a person wrote
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[""],
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise SchemaError(f"the file cannot be read as CSV ({printable(str(exc), 200)}).", file=src.name,
                          fix=f"Open it in a spreadsheet and save it as CSV; it should be {expected}.") from exc


def _line_of_row(text: str, row_index: int, delimiter: str = ",") -> int:
    if row_index == 0:
        return 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for _ in range(row_index):
        next(reader)
    return reader.line_num


def _drop_blank_rows(table: pa.Table, first_row: int, ragged: list[int] = (), rows=None) -> pa.Table:
    """Number the rows as a spreadsheet does and drop rows whose cells are all blank.

    ``ragged`` are the row numbers pyarrow skipped: later rows shift down past them. ``rows`` gives the
    row numbers outright (XLSX, read sparsely).
    """
    if rows is None:
        rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int32)
        for r in sorted(ragged):
            if r > 0:
                rows[rows >= r] += 1
    rows = np.asarray(rows, dtype=np.int32)
    if table.num_rows and table.num_columns:
        blank = np.ones(table.num_rows, dtype=bool)
        for col in table.columns:
            blank &= col.is_null().to_numpy(zero_copy_only=False)
        if blank.any():
            keep = ~blank
            table = table.filter(pa.array(keep))
            rows = rows[keep]
    return table.append_column("_row", pa.array(rows))


#: The largest part of a workbook read (a sheet's XML, the shared strings).
MAX_XLSX_PART_BYTES = 256 * 2**20


def _check_workbook(src: FileSource, data: bytes) -> None:
    """Refuse a workbook whose parts are too large, compress absurdly, or declare XML entities.

    Excel never writes a DOCTYPE: one in a workbook is there to expand entities (a "billion laughs"
    attack) or to read other files (external entities). openpyxl reads through defusedxml, which refuses
    them too; this check says so in a sentence before any XML is parsed.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InputFileError("the workbook is damaged: it is not a valid .xlsx file.", file=src.name,
                             fix="Open it in Excel and save it again as .xlsx, or save the sheet as CSV.") from exc
    with zf:
        for info in zf.infolist():
            if info.file_size > MAX_XLSX_PART_BYTES:
                raise InputFileError(f"the workbook's part {printable(info.filename)} is {info.file_size / 2**20:,.0f} MB "
                                     "once expanded, more than a table this program reads.", file=src.name,
                                     fix="Save the sheet as CSV, or split it into smaller workbooks.")
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise InputFileError(f"the workbook's part {printable(info.filename)} expands "
                                     f"{info.file_size / max(info.compress_size, 1):,.0f} times: it was not read "
                                     "(it may be made to exhaust the server's memory).", file=src.name,
                                     fix="Open it in Excel and save it again, or save the sheet as CSV.")
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with zf.open(info) as fh:
                    tail = b""
                    total = 0
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_XLSX_PART_BYTES:
                            raise InputFileError("a part of the workbook expands past its declared size.",
                                                 file=src.name, fix="Save the sheet as CSV.")
                        window = tail + chunk
                        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                            raise InputFileError(
                                "the workbook contains an XML document type declaration (DOCTYPE or ENTITY), "
                                "which Excel never writes: it can be made to expand without end or to read "
                                "other files, so it was not read.", file=src.name,
                                fix="Open it in Excel and save it again as .xlsx, or save the sheet as CSV.")
                        tail = chunk[-16:]
            except InputFileError:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
                raise InputFileError(f"the workbook is damaged ({type(exc).__name__} in {printable(info.filename)}).",
                                     file=src.name, fix="Open it in Excel and save it again as .xlsx.") from exc


def _cell_text(v) -> str | None:
    """A cell's value as the text a spreadsheet shows (dates as ISO dates, whole numbers without .0)."""
    import datetime as dt

    if v is None:
        return None
    if isinstance(v, dt.datetime):
        # a date-only cell comes back as midnight: keep it a date, not a time of 00:00
        return v.strftime("%Y-%m-%d") if v.time() == dt.time(0) else v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v)
    return s if s.strip() else None


def _sheet_rows(src: FileSource, data: bytes):
    """(row number, cells without trailing blanks) of the first sheet's non-empty rows, streamed.

    The sheet's declared size is ignored (``reset_dimensions``): one cell at XFD1048576 declares a sheet
    of 17 billion cells, and padding every row to it is what exhausts memory.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl and defusedxml raise many types for a broken or hostile workbook
        raise InputFileError(f"the workbook cannot be opened ({type(exc).__name__}).", file=src.name,
                             fix="Open it in Excel and save it again as .xlsx, or save the sheet as CSV.") from exc
    try:
        if not wb.worksheets:
            raise InputFileError("the workbook has no sheet.", file=src.name, fix="Save the sheet as CSV.")
        ws = wb.worksheets[0]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            while cells and cells[-1] is None:
                cells.pop()
            if cells:
                yield number, cells
    except HotspotsError:
        raise
    except Exception as exc:  # a damaged sheet part, found while streaming it
        raise InputFileError(f"the workbook's first sheet cannot be read ({type(exc).__name__}).", file=src.name,
                             fix="Open it in Excel and save it again as .xlsx, or save the sheet as CSV.") from exc
    finally:
        wb.close()


def _read_xlsx(src: FileSource, data: bytes, digest: str, looks_like_header, expected: str) -> RawTable:
    _check_workbook(src, data)
    rows = _sheet_rows(src, data)
    head: list[tuple[int, list[str]]] = []
    header_at = None
    for number, cells in rows:
        if number > HEADER_SEARCH_LINES:
            break
        head.append((number, cells))
        if looks_like_header([c or "" for c in cells]):
            header_at = number
            break
    if header_at is None:
        rows.close()
        raise _no_header(src, expected, head[0][1] if head else [], "rows of the first sheet")
    header = _unique_names([str(h or "").strip() for h in head[-1][1]])
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in header]
    numbers: list[int] = []
    ragged: list[tuple[int, str]] = []
    for number, cells in rows:
        if len(cells) > width:  # a value right of the last column: listed, as a CSV row with too many cells
            ragged.append((number, printable(",".join(c or "" for c in cells[:50]), 200)))
            continue
        numbers.append(number)
        for i in range(width):
            columns[i].append(cells[i] if i < len(cells) else None)
    table = pa.table({h: pa.array(col, type=pa.string()) for h, col in zip(header, columns)})
    table = _drop_blank_rows(table, first_row=header_at + 1, rows=numbers)
    return RawTable(src, table, header_at, "xlsx",
                    notes=[f"{header_at - 1} row(s) above the header were skipped"] if header_at > 1 else [],
                    ragged=ragged, sha256=digest,
                    preamble=[[c or "" for c in cells] for n, cells in head[:-1]])


def match_columns(raw: RawTable, wanted: dict[str, str], expected: str,
                  optional: Iterable[str] = ()) -> dict[str, str | None]:
    """Find each wanted column in the file, forgiving case, spaces and underscores.

    Parameters
    ----------
    wanted : dict
        Key: the reader's name for the field; value: the column name to look for.
    optional : iterable of str
        Keys that may be missing (mapped to None).

    Returns
    -------
    dict
        The reader's key to the file's actual column name.

    Raises
    ------
    SchemaError
        Naming the first missing column, with the closest name found.
    """
    by_norm = {normalise_name(c): c for c in raw.columns}
    found: dict[str, str | None] = {key: by_norm.get(normalise_name(col)) for key, col in wanted.items()}
    optional = set(optional)
    # a hint may only name a column no other field has claimed
    unclaimed = [n for n, c in by_norm.items() if c not in set(found.values())]
    for key, col in wanted.items():
        actual = found[key]
        if actual is None and key not in optional:
            close = difflib.get_close_matches(normalise_name(col), unclaimed, n=1, cutoff=0.6)
            hint = f" Did you mean '{by_norm[close[0]]}'?" if close else ""
            raise SchemaError(
                f"the column is missing.{hint} The file has: {', '.join(raw.columns[:15])}.",
                file=raw.source.name, row=raw.header_row, column=col,
                fix=f"Rename the column to '{col}', or check this is {expected}.")
        found[key] = actual
    return found


def load_toml(path: str | Path, what: str, option: str, example: str, line_hint: str) -> dict:
    """A settings file (column mapping, code lists) as a dict, or a ``SettingError`` saying what is wrong.

    ``what`` names the file in sentences ("mapping file"), ``option`` the flag that gives it,
    ``example`` the sample to copy, ``line_hint`` what a line looks like.
    """
    import tomllib

    p, shown = Path(path), shown_name(path)
    if not p.exists():
        raise SettingError(f"The {what} {shown} does not exist.", f"Give {option} FILE.toml; {example} is an example.")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(f"The {what} {shown} is not valid TOML ({exc}).", f"{line_hint}; see {example}.") from exc
