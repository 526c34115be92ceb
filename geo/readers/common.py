"""What every reader shares: finding files, decoding text, finding the header, columns.

A file is read whole into memory and parsed with pyarrow's multi-threaded CSV reader,
every column as text: readers validate values themselves so that a bad value rejects
its row, never the file. Rows are numbered as a spreadsheet shows them (the header
row is 1; lines above a header, as some Excel exports write, keep their numbers).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.errors import InputFileError, SchemaError, SettingError

__all__ = [
    "FileSource",
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

_TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class FileSource:
    """One input file: a path on disk, or one member of a zip archive.

    ``name`` is what reports show: the path, or ``archive.zip!member/path.csv``.
    """

    name: str
    path: Path
    member: str | None = None

    @property
    def basename(self) -> str:
        return Path(self.member).name if self.member else self.path.name

    @property
    def suffix(self) -> str:
        return Path(self.basename).suffix.lower()

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self.member)


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


def shown_name(path: str | os.PathLike) -> str:
    """How reports name a path: a ``NamedPath``'s display name, else the path itself.

    >>> shown_name(NamedPath("/tmp/x/a.csv", "a.csv")), shown_name("data/a.csv")
    ('a.csv', 'data/a.csv')
    """
    return getattr(path, "display_name", None) or str(Path(path))


def file_sha256(src: "FileSource") -> str:
    """SHA-256 of a file's bytes (a zip member's own bytes), or "" when it cannot be read."""
    try:
        return hashlib.sha256(src.read_bytes()).hexdigest()
    except (OSError, zipfile.BadZipFile, KeyError):
        return ""


def discover(paths: Iterable[str | Path], suffixes: tuple[str, ...] = _TABLE_SUFFIXES) -> list[FileSource]:
    """Expand files, folders (recursively) and zip archives into input files.

    Files are returned in a stable order (sorted by name within each argument) so a
    load is reproducible. Hidden files and Office lock files (``~$...``) are skipped.
    A ``NamedPath`` is reported under its display name (a folder's files as
    ``name/relative/path``, a zip's members as ``name!member``).

    Raises
    ------
    InputFileError
        A path does not exist, or a zip archive cannot be opened.
    """
    out: list[FileSource] = []
    for raw in paths:
        p = Path(raw)
        shown = shown_name(raw)
        if not p.exists():
            raise InputFileError("the path does not exist.", file=shown,
                                 fix="Check the spelling; folders and .zip downloads can be given as they are.")
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p).parts
                if child.is_file() and not any(part.startswith((".", "~$")) for part in rel):
                    name = str(child) if shown == str(p) else f"{shown}/{'/'.join(rel)}"
                    if child.suffix.lower() == ".zip":
                        out.extend(_zip_members(child, suffixes, name))
                    elif child.suffix.lower() in suffixes:
                        out.append(FileSource(name, child))
        elif p.suffix.lower() == ".zip":
            out.extend(_zip_members(p, suffixes, shown))
        else:
            out.append(FileSource(shown, p))
    return out


def _zip_members(path: Path, suffixes: tuple[str, ...], shown: str | None = None) -> list[FileSource]:
    shown = shown or str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(n for n in zf.namelist()
                           if not n.endswith("/") and Path(n).suffix.lower() in suffixes
                           and not any(part.startswith((".", "__MACOSX", "~$")) for part in Path(n).parts))
    except zipfile.BadZipFile as exc:
        raise InputFileError("the file is not a readable zip archive.", file=shown,
                             fix="Download the archive again from data.police.uk.") from exc
    return [FileSource(f"{shown}!{n}", path, n) for n in names]


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
        ``utf-8`` or ``cp1252`` (the Windows code page Excel writes).
    """

    source: FileSource
    table: pa.Table
    header_row: int
    encoding: str
    notes: list[str] = field(default_factory=list)
    #: rows whose number of cells does not match the header: (row number, text)
    ragged: list[tuple[int, str]] = field(default_factory=list)
    #: SHA-256 of the file's bytes as read (kept in the load log: which download was loaded)
    sha256: str = ""

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.column_names if c != "_row"]


def _decode(data: bytes, name: str) -> tuple[bytes, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in cp1252; every byte decodes there, so it is
        # the right fallback for UK files (pound signs, curly quotes, accented names).
        return data.decode("cp1252", errors="replace").encode("utf-8"), "cp1252"


def _find_header(lines: list[list[str]], looks_like_header: Callable[[list[str]], bool]) -> int | None:
    for i, cells in enumerate(lines):
        if looks_like_header(cells):
            return i
    return None


def read_table(src: FileSource, looks_like_header: Callable[[list[str]], bool],
               expected: str) -> RawTable:
    """Read a CSV or XLSX file as text columns, finding its header row.

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
        The file is empty or unreadable.
    SchemaError
        No header row is found in the first lines.
    """
    if src.suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(src, looks_like_header, expected)
    data = src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()  # releases the GIL: the reader threads hash in parallel
    if not data.strip(b"\xef\xbb\xbf \r\n\t,;"):
        raise InputFileError("the file is empty.", file=src.name,
                             fix=f"Export or download it again; it should be {expected}.")
    data, encoding = _decode(data, src.name)
    head_text = data[:65536].decode("utf-8", errors="replace")
    head_lines = list(csv.reader(io.StringIO(head_text)))[:HEADER_SEARCH_LINES]
    idx = _find_header(head_lines, looks_like_header)
    if idx is None:
        first = head_lines[0] if head_lines else []
        raise SchemaError(
            f"no header row of {expected} was found in the first {HEADER_SEARCH_LINES} lines "
            f"(the first line has: {', '.join(first[:8]) or 'nothing'}).",
            file=src.name, row=1,
            fix=f"Check this is {expected}; if its columns have other names, give a column mapping.")
    header = [h.replace("\ufeff", "").strip() for h in head_lines[idx]]
    # blank or repeated header cells get unique names so no column is lost
    seen: dict[str, int] = {}
    names = []
    for i, h in enumerate(header):
        h = h or f"column {i + 1}"
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    # the header's own line number: count physical lines above it (csv rows may not be lines)
    header_line = _line_of_row(head_text, idx)
    ragged: list[tuple[int, str]] = []
    table = _parse_csv(src, data, header_line, names, expected, ragged, use_threads=True)
    if ragged:
        # pyarrow only numbers bad rows when reading on one thread: read again so
        # each one can be reported with its row
        ragged.clear()
        table = _parse_csv(src, data, header_line, names, expected, ragged, use_threads=False)
    table = _drop_blank_rows(table, first_row=header_line + 2, ragged=[r for r, _ in ragged])
    return RawTable(src, table, header_line + 1, encoding,
                    notes=[f"{header_line} line(s) above the header were skipped"] if header_line else [],
                    ragged=ragged, sha256=digest)


def _parse_csv(src, data, header_line, names, expected, ragged, use_threads):
    def on_bad_row(row):
        ragged.append((row.number if row.number is not None else -1, row.text))
        return "skip"

    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(skip_rows=header_line, column_names=names, skip_rows_after_names=1,
                                           block_size=8 << 20, use_threads=use_threads),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_row),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        raise SchemaError(f"the file cannot be read as CSV ({exc}).", file=src.name,
                          fix=f"Open it in a spreadsheet and save it as CSV; it should be {expected}.") from exc


def _line_of_row(text: str, row_index: int) -> int:
    if row_index == 0:
        return 0
    reader = csv.reader(io.StringIO(text))
    for _ in range(row_index):
        next(reader)
    return reader.line_num


def _drop_blank_rows(table: pa.Table, first_row: int, ragged: list[int] = ()) -> pa.Table:
    """Number the rows as a spreadsheet does and drop rows whose cells are all blank.

    ``ragged`` are the row numbers pyarrow skipped: later rows shift down past them.
    """
    rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int32)
    for r in sorted(ragged):
        if r > 0:
            rows[rows >= r] += 1
    if table.num_rows and table.num_columns:
        blank = np.ones(table.num_rows, dtype=bool)
        for col in table.columns:
            blank &= col.is_null().to_numpy(zero_copy_only=False)
        if blank.any():
            keep = ~blank
            table = table.filter(pa.array(keep))
            rows = rows[keep]
    return table.append_column("_row", pa.array(rows))


def _read_xlsx(src: FileSource, looks_like_header, expected: str) -> RawTable:
    import datetime as dt

    import openpyxl

    data = src.read_bytes()
    if not data:
        raise InputFileError("the file is empty.", file=src.name, fix=f"Export it again; it should be {expected}.")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputFileError(f"the workbook cannot be opened ({type(exc).__name__}).", file=src.name,
                             fix="Open it in Excel and save it again as .xlsx, or save the sheet as CSV.") from exc
    ws = wb.worksheets[0]

    def text(v):
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

    rows = [[text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    wb.close()
    head = [[c or "" for c in r] for r in rows[:HEADER_SEARCH_LINES]]
    idx = _find_header(head, looks_like_header)
    if idx is None:
        raise SchemaError(f"no header row of {expected} was found in the first {HEADER_SEARCH_LINES} rows of the first sheet.",
                          file=src.name, row=1, fix=f"Check this is {expected}, or give a column mapping.")
    header = [str(h or f"column {i + 1}").strip() for i, h in enumerate(rows[idx])]
    body = rows[idx + 1:]
    cols = {h: pa.array([r[i] if i < len(r) else None for r in body], type=pa.string())
            for i, h in enumerate(header)}
    table = _drop_blank_rows(pa.table(cols), first_row=idx + 2)
    return RawTable(src, table, idx + 1, "xlsx",
                    notes=[f"{idx} row(s) above the header were skipped"] if idx else [],
                    sha256=hashlib.sha256(data).hexdigest())


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
