"""Input files: plain files, folders, zip archives (nested too) and gzip, read within limits.

A load is given paths; this module turns them into the table files to read (``FileSource``) and a list
of what it skipped and why (``Skipped``), and reads each file's bytes so that no file, however made, can
make a load use unbounded memory or disk:

* a file or archive member larger than ``MAX_FILE_BYTES`` once expanded is refused with a sentence, and so
  is a member or gzip stream that expands more than ``MAX_RATIO`` times (a "zip bomb"). Sizes are counted
  while the bytes stream in, so an archive that lies about its sizes is stopped at the limit too;
* a zip inside a zip is read (police.uk bulk downloads are sometimes zipped again), down to
  ``MAX_NESTING`` archives deep; each inner archive is copied to a private temporary folder first, within
  the same limits;
* a member whose name leaves the archive's folder (``..`` or an absolute path), a hidden or system file,
  or a file that is not a table is skipped and listed;
* a corrupt, encrypted or unsupported member is refused alone: the other members still load.

Nothing here reads the network or writes anywhere but the temporary folder.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from geo.errors import InputFileError

__all__ = ["FileSource", "Inputs", "MAX_FILE_BYTES", "MAX_RATIO", "Skipped", "TABLE_SUFFIXES", "read_source",
           "shown_name"]

#: The largest table file read, once expanded (256 MiB: a force records export of about a million rows;
#: a police.uk force-month is a few MB). Larger files are refused with a sentence: split them.
MAX_FILE_BYTES = 256 * 2**20
#: The largest nested archive copied out of an archive (a police.uk bulk download of every force).
MAX_ARCHIVE_BYTES = 4 * 2**30
#: A member or gzip stream that expands more than this many times is refused (CSV files compress 5 to 15
#: times; a zip bomb thousands of times) ...
MAX_RATIO = 100
#: ... once it has expanded past this size (a small, very repetitive file may compress better).
RATIO_FLOOR_BYTES = 8 * 2**20
#: Archives inside archives are read this deep.
MAX_NESTING = 3
#: Members of one archive looked at (a police.uk bulk download of every force for a year has ~1,700).
MAX_MEMBERS = 50_000

#: File endings read as tables inside folders and archives (a file named on its own is always tried).
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


def shown_name(path: str | os.PathLike) -> str:
    """How reports name a path: a ``NamedPath``'s display name, else the path itself.

    >>> shown_name("data/a.csv")
    'data/a.csv'
    """
    return getattr(path, "display_name", None) or str(Path(path))


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


@dataclass(frozen=True)
class FileSource:
    """One input file: a path on disk, or one member of a zip archive.

    ``name`` is what reports show: the path, or ``archive.zip!member/path.csv`` (``outer.zip!inner.zip!x.csv``
    for a nested archive, whose ``path`` is then a private temporary copy of the inner archive).
    ``problem`` is set for an input found unreadable while it was discovered (a corrupt archive): reading
    it raises that error, so it is refused like any other bad file, in its place in the load.
    """

    name: str
    path: Path
    member: str | None = None
    problem: InputFileError | None = None

    @property
    def basename(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def suffix(self) -> str:
        """The table ending (``.csv``, ``.xlsx`` ...), looking through a ``.gz`` ending.

        >>> FileSource("a", Path("2021-01-x-street.csv.gz")).suffix
        '.csv'
        """
        name = self.basename.lower()
        if name.endswith(".gz"):
            name = name[:-3]
        return PurePosixPath(name).suffix

    def read_bytes(self) -> bytes:
        """The file's bytes as stored (a gzip stream is not expanded here), within ``MAX_FILE_BYTES``."""
        return _read_stored(self)[0]


@dataclass(frozen=True)
class Skipped:
    """An input that was not read, and why (listed in the load report)."""

    file: str
    reason: str

    def to_dict(self) -> dict:
        return {"file": self.file, "reason": self.reason}


def _too_big(name: str, size: int, limit: int = MAX_FILE_BYTES) -> InputFileError:
    return InputFileError(f"the file is larger than {_mib(limit)} once expanded ({_mib(size)} or more), "
                          "more than any police.uk, force records or A&E file should be.", file=name,
                          fix="Split it into smaller files (a month or a district each) and load those.")


def _bomb(name: str, expanded: int, compressed: int) -> InputFileError:
    return InputFileError(f"the file expands {expanded / max(compressed, 1):,.0f} times ({_mib(compressed)} to "
                          f"{_mib(expanded)} or more); a real table compresses 5 to 15 times, so it was not read "
                          "(it may be made to exhaust the server's memory).", file=name,
                          fix="Export the data again, or unzip it yourself and check what it holds.")


def _stream(read, name: str, compressed: int, limit: int) -> bytes:
    """Read a stream in chunks, refusing it once it passes ``limit`` or expands too much."""
    parts, total = [], 0
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > limit:
            raise _too_big(name, total, limit)
        if compressed and total > RATIO_FLOOR_BYTES and total > MAX_RATIO * compressed:
            raise _bomb(name, total, compressed)
        parts.append(chunk)


def _member_error(name: str, exc: BaseException) -> InputFileError:
    if isinstance(exc, RuntimeError) and "password" in str(exc).lower():
        return InputFileError("the archive member is encrypted (password protected).", file=name,
                              fix="Unzip it with its password and load the files inside.")
    if isinstance(exc, NotImplementedError):
        return InputFileError(f"the archive member uses a compression method this program cannot read ({exc}).",
                              file=name, fix="Zip the files again with ordinary (deflate) compression.")
    if isinstance(exc, zlib.error):
        why = "its compressed data is corrupt"
    elif isinstance(exc, EOFError):
        why = "it ends early (the archive was cut short)"
    elif isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        why = "its contents fail their checksum (CRC)"
    else:
        why = type(exc).__name__
    return InputFileError(f"the archive member is damaged and cannot be expanded: {why}.",
                          file=name, fix="Download or zip the files again; the archive's other files were read.")


def _read_stored(src: FileSource, limit: int = MAX_FILE_BYTES) -> tuple[bytes, int]:
    """A source's bytes as stored, and its compressed size (0 for a plain file)."""
    if src.problem is not None:
        raise src.problem
    if src.member is None:
        try:
            size = src.path.stat().st_size
            if size > limit:
                raise _too_big(src.name, size, limit)
            with open(src.path, "rb") as fh:
                return _stream(fh.read, src.name, 0, limit), 0
        except OSError as exc:
            raise InputFileError(f"the file cannot be read ({exc.strerror or type(exc).__name__}).", file=src.name,
                                 fix="Check the file is there and readable, then load it again.") from exc
    try:
        with zipfile.ZipFile(src.path) as zf:
            info = zf.getinfo(src.member)
            if info.file_size > limit:
                raise _too_big(src.name, info.file_size, limit)
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _bomb(src.name, info.file_size, info.compress_size)
            with zf.open(info) as fh:
                return _stream(fh.read, src.name, info.compress_size, limit), info.compress_size
    except InputFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, KeyError, OSError,
            ValueError) as exc:
        raise _member_error(src.name, exc) from exc


def read_source(src: FileSource, limit: int = MAX_FILE_BYTES) -> tuple[bytes, bytes]:
    """A source's bytes, a gzip stream expanded (whatever the file's name), within the limits.

    Returns
    -------
    data : bytes
        The file's content.
    stored : bytes
        The bytes as stored (the same object when not compressed): their SHA-256 names the download.

    Raises
    ------
    InputFileError
        Too large, a zip bomb, a damaged archive member or gzip stream, or not readable.
    """
    stored, _ = _read_stored(src, limit)
    if not stored.startswith(_GZIP_MAGIC):
        return stored, stored
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(stored)) as gz:  # one or more gzip members
            return _stream(gz.read, src.name, len(stored), limit), stored
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise InputFileError(f"the file is a damaged or cut-short gzip stream ({type(exc).__name__}).",
                             file=src.name, fix="Download or compress the file again.") from exc


# -- discovery -----------------------------------------------------------------------------------------------
def _hidden(parts: Iterable[str]) -> bool:
    return any(part.startswith((".", "~$")) or part == "__MACOSX" for part in parts)


def _unsafe_member_name(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return p.is_absolute() or ".." in p.parts or (len(name) > 1 and name[1] == ":")


class Inputs:
    """The table files of a load's paths, and what was skipped: use as a context manager.

    Parameters
    ----------
    paths : iterable of str or Path
        Files (any ending is tried), folders (searched recursively for ``TABLE_SUFFIXES``, ``.gz`` of those,
        and ``.zip``) and zip archives. A ``NamedPath`` is reported under its display name.
    suffixes : tuple of str
        Table endings looked for inside folders and archives.

    Attributes
    ----------
    sources : list of FileSource
        In a stable order (sorted by name within each path), so a load is reproducible.
    skipped : list of Skipped
        Every archive member or folder file not read, with the reason.

    Raises
    ------
    InputFileError
        A path does not exist.
    """

    def __init__(self, paths: Iterable[str | os.PathLike], suffixes: tuple[str, ...] = TABLE_SUFFIXES):
        self.suffixes = tuple(suffixes)
        self.sources: list[FileSource] = []
        self.skipped: list[Skipped] = []
        self._tmp: tempfile.TemporaryDirectory | None = None
        try:
            for raw in paths:
                self._add_path(raw)
        except BaseException:
            self.close()
            raise

    # context manager: the temporary copies of nested archives live as long as the load
    def __enter__(self) -> "Inputs":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _wants(self, name: str) -> bool:
        n = name.lower()
        if n.endswith(".gz"):
            n = n[:-3]
        return PurePosixPath(n).suffix in self.suffixes

    def _add_path(self, raw) -> None:
        p = Path(raw)
        shown = shown_name(raw)
        if not p.exists():
            raise InputFileError("the path does not exist.", file=shown,
                                 fix="Check the spelling; folders and .zip downloads can be given as they are.")
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p).parts
                if not child.is_file():
                    continue
                name = str(child) if shown == str(p) else f"{shown}/{'/'.join(rel)}"
                if _hidden(rel):
                    continue  # hidden files, Office lock files, macOS folders: never data
                if child.suffix.lower() == ".zip":
                    self._add_zip(child, name, depth=1)
                elif self._wants(child.name):
                    self.sources.append(FileSource(name, child))
                else:
                    self.skipped.append(Skipped(name, f"not a table file ({child.suffix or 'no ending'}); "
                                                      f"tables end in {', '.join(self.suffixes)}"))
        elif p.suffix.lower() == ".zip" or _is_zip(p):
            self._add_zip(p, shown, depth=1)
        else:
            self.sources.append(FileSource(shown, p))

    def _add_zip(self, path: Path, shown: str, depth: int) -> None:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            err = InputFileError("the file is not a readable zip archive (it is damaged or not a zip).", file=shown,
                                 fix="Download the archive again (from data.police.uk for police files).")
            err.__cause__ = exc
            self.sources.append(FileSource(shown, path, problem=err))
            return
        with zf:
            infos = sorted(zf.infolist(), key=lambda i: i.filename)
            if len(infos) > MAX_MEMBERS:
                self.skipped.append(Skipped(shown, f"the archive has {len(infos):,} members; only the first "
                                                   f"{MAX_MEMBERS:,} were looked at"))
                infos = infos[:MAX_MEMBERS]
            for info in infos:
                name = info.filename
                if info.is_dir():
                    continue
                full = f"{shown}!{name}"
                parts = PurePosixPath(name.replace("\\", "/")).parts
                if _unsafe_member_name(name):
                    self.skipped.append(Skipped(full, "its name leads outside the archive's folder ('..' or an "
                                                      "absolute path), which no real download has"))
                elif _hidden(parts):
                    self.skipped.append(Skipped(full, "a hidden or system file (macOS, Office lock file)"))
                elif name.lower().endswith(".zip"):
                    self._add_inner_zip(zf, info, full, depth)
                elif self._wants(name):
                    self.sources.append(FileSource(full, path, name))
                else:
                    self.skipped.append(Skipped(full, f"not a table file ({PurePosixPath(name).suffix or 'no ending'}"
                                                      f"); tables end in {', '.join(self.suffixes)}"))

    def _add_inner_zip(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, full: str, depth: int) -> None:
        if depth >= MAX_NESTING:
            self.skipped.append(Skipped(full, f"an archive nested more than {MAX_NESTING} deep"))
            return
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="hotspots-inner-zip-")
        target = Path(self._tmp.name) / f"{len(os.listdir(self._tmp.name))}.zip"
        try:
            if info.file_size > MAX_ARCHIVE_BYTES:
                raise _too_big(full, info.file_size, MAX_ARCHIVE_BYTES)
            with zf.open(info) as src, open(target, "wb") as dst:
                total = 0
                while chunk := src.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_ARCHIVE_BYTES:
                        raise _too_big(full, total, MAX_ARCHIVE_BYTES)
                    dst.write(chunk)
        except InputFileError as err:
            target.unlink(missing_ok=True)
            self.sources.append(FileSource(full, Path(zf.filename or ""), problem=err))
            return
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError) as exc:
            target.unlink(missing_ok=True)
            self.sources.append(FileSource(full, Path(zf.filename or ""), problem=_member_error(full, exc)))
            return
        self._add_zip(target, full, depth + 1)


def _is_zip(p: Path) -> bool:
    """A file holding a zip archive whatever its ending (a download saved without one)."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head == b"PK\x03\x04" and p.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".tsv", ".txt")

