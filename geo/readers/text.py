"""Bytes to text a CSV parser can read: encodings, line endings, delimiters, and what is not text at all.

Spreadsheet programs write "CSV" in more ways than police.uk does:

* UTF-8 with or without a byte-order mark; Windows cp1252 (Excel's "CSV"); UTF-16 with a byte-order mark
  (Excel's "Unicode text", tab-delimited);
* Windows (CRLF), Unix (LF) and old Mac (CR only) line endings;
* commas, or semicolons where the computer's locale writes decimal commas (most of Europe), or tabs.

Anything else is refused with a sentence naming what the bytes look like: a zip archive, an old ``.xls``
workbook, a PDF, or binary data. Every function is pure (bytes in, bytes out): nothing is written.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from typing import Callable

from geo.errors import InputFileError

__all__ = ["DELIMITERS", "Decoded", "decode", "find_header", "printable"]

#: Delimiters tried, in order, when looking for the header row.
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

#: What some binary files start with, in plain words (checked when a "text" file is not text).
_MAGIC = (
    (b"PK\x03\x04", "a zip archive or an Excel .xlsx workbook", "Give it its real ending (.zip or .xlsx)."),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (or another Office 97 file)",
     "Open it in Excel and save it as .xlsx or CSV."),
    (b"%PDF", "a PDF document", "Export the data as CSV or XLSX, not PDF."),
    (b"\x89PNG", "a PNG image", "Load the data file, not a picture of it."),
    (b"\xff\xd8\xff", "a JPEG image", "Load the data file, not a picture of it."),
    (b"SQLite format 3", "an SQLite database", "Export the table as CSV."),
    (b"\x1f\x8b", "a gzip stream", "Compress it again with gzip, or unpack it."),
)


@dataclass
class Decoded:
    """Text as UTF-8 bytes with LF or CRLF line ends, and how it was read."""

    data: bytes
    encoding: str
    notes: list[str] = field(default_factory=list)


def printable(text: str, limit: int = 80) -> str:
    """Text safe to quote in a sentence: control characters shown as ``?``, cut at ``limit`` characters.

    >>> printable("Crime ID\\x00\\x1b[31m,Month")
    'Crime ID??[31m,Month'
    """
    out = "".join(c if c.isprintable() else "?" for c in str(text))
    return out if len(out) <= limit else out[:limit - 1] + "…"


def _utf16_order(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when text without a byte-order mark looks like UTF-16 (ASCII with NULs)."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    z_even, z_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if z_odd > 0.4 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.4 and z_odd < 0.05:
        return "utf-16-be"
    return None


def _is_utf8(data: bytes) -> bool:
    """Valid UTF-8, checked a few MB at a time (no copy of the whole file as a str)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 4 << 20
    try:
        for i in range(0, len(data), step):
            dec.decode(view[i:i + step], final=i + step >= len(data))
        return True
    except UnicodeDecodeError:
        return False


def _not_text(data: bytes, name: str, expected: str) -> InputFileError:
    for magic, what, fix in _MAGIC:
        if data.startswith(magic):
            return InputFileError(f"the file is {what}, not a text (CSV) file.", file=name,
                                  fix=f"{fix} It should be {expected}.")
    return InputFileError("the file holds binary data, not text: it is not a CSV file (it may be damaged, "
                          "encrypted, or another kind of file given a .csv name).", file=name,
                          fix=f"Export or download it again; it should be {expected}.")


def decode(data: bytes, name: str, expected: str) -> Decoded:
    """Turn a file's bytes into UTF-8 text bytes with ordinary line endings.

    Parameters
    ----------
    data : bytes
    name : str
        The file's name, for messages.
    expected : str
        What the reader expects, for messages ("a police.uk street-level file").

    Raises
    ------
    InputFileError
        The bytes are not text in any of the accepted encodings.

    Examples
    --------
    >>> d = decode("Crime ID,Month\\r2021-06\\r".encode("utf-16"), "x.csv", "a CSV")
    >>> d.data, d.encoding
    (b'Crime ID,Month\\n2021-06\\n', 'utf-16')
    >>> decode(b"\\x00\\x01\\x02\\x03binary", "x.csv", "a CSV")
    Traceback (most recent call last):
    ...
    geo.errors.InputFileError: x.csv: the file holds binary data, not text: ...
    """
    notes: list[str] = []
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_order(data):
        order = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _utf16_order(data)
        try:
            text = data.decode(order)
        except UnicodeDecodeError as exc:
            raise InputFileError("the file starts like UTF-16 text but is not valid UTF-16.", file=name,
                                 fix=f"Save it again as CSV (UTF-8); it should be {expected}.") from exc
        data = text.lstrip("\ufeff").encode("utf-8")
        del text
        encoding = "utf-16"
        notes.append("read as UTF-16 text (Excel's 'Unicode text')")
    head = data[:65536]
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    if b"\x00" in head or (head and controls > max(8, len(head) // 100)):
        raise _not_text(data, name, expected)
    if encoding == "utf-8" and not _is_utf8(data):
        # Excel on Windows saves "CSV" in cp1252; every byte decodes there, so it is the right fallback
        # for UK files (pound signs, curly quotes, accented names)
        data = data.decode("cp1252", errors="replace").encode("utf-8")
        encoding = "cp1252"
        notes.append("read as cp1252")
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")
        notes.append("old Mac line endings (CR only) read")
    return Decoded(data, encoding, notes)


def _rows(text: str, delimiter: str, limit: int) -> list[list[str]]:
    """The first ``limit`` rows of ``text`` split by ``delimiter`` (fewer where the csv module gives up)."""
    out: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            out.append(row)
            if len(out) >= limit:
                break
    except csv.Error:
        pass  # a damaged line (or the head cut inside a quoted field): search what was read
    return out


def find_header(head_text: str, looks_like_header: Callable[[list[str]], bool],
                limit: int) -> tuple[str, int, list[list[str]]] | None:
    """The delimiter, header row index and first rows of a text, or None when no header is found.

    Each of ``DELIMITERS`` is tried in turn; the first under which a line of the first ``limit`` looks like
    the expected header wins.

    >>> find_header("Title;\\nCrime ID;Month;Crime type\\n1;2021-06;Drugs\\n",
    ...             lambda cells: "Month" in cells, 30)[:2]
    (';', 1)
    """
    for delimiter in DELIMITERS:
        if delimiter not in head_text:
            continue
        rows = _rows(head_text, delimiter, limit)
        for i, cells in enumerate(rows):
            if looks_like_header(cells):
                return delimiter, i, rows
    return None


def delimiter_name(delimiter: str) -> str:
    """>>> delimiter_name(';')
    'semicolon'
    """
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))
