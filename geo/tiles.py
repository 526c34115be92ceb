"""Map tiles: read a local PMTiles or MBTiles file, or a partnership's XYZ / WMTS tile server, and install a
tile file so the app can serve it from its own port.

Every source is a ``TileSource``: ``kind`` ("raster" or "vector"), ``tile_format`` ("png", "jpg", "webp",
"pbf"), ``min_zoom``, ``max_zoom``, ``bounds`` ((west, south, east, north) in degrees, or None),
``attribution`` (plain text), ``name``, and ``tile(z, x, y)``: the tile's bytes (decompressed), or None where
the source has no tile. Tiles are addressed in the XYZ scheme (Web Mercator, EPSG:3857; y counted from the
north), as Leaflet, OpenStreetMap and PMTiles address them; MBTiles stores TMS rows (y from the south), which
``MBTilesSource`` flips.

A tile file comes from outside and is treated as hostile until read: its magic number is checked before
anything else; every offset and length it declares must fit inside the file; compressed directories,
metadata and tiles are inflated with a ceiling (a zip bomb stops at the ceiling); nothing reads the whole
file (tiles and directories are read where they lie, a few recent directories kept); an MBTiles file is
opened read-only, with a step budget on every query (a view written to spin forever is stopped). No source
here reaches the network except ``XyzSource``, and only when its ``tile`` is called.

``install_tiles`` prepares a file for the app's own port: Streamlit's static serving (``/app/static``) refuses
files over 200 MB (``streamlit/web/server/starlette/starlette_server_config.py``, ``MAX_APP_STATIC_FILE_SIZE``),
so an MBTiles file is converted to PMTiles and the PMTiles file is cut into parts of ``PART_BYTES`` with a
small ``manifest.json``; the map's script reads byte ranges across the parts with HTTP Range requests
(``pages/_ui/hexmap_frontend/main.js``).

References
----------
PMTiles v3 specification: https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md
MBTiles 1.3 specification: https://github.com/mapbox/mbtiles-spec/blob/master/1.3/spec.md
OGC WMTS 1.0 (07-057r7), annex E.4: the GoogleMapsCompatible well-known scale set (EPSG:3857).
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import shutil
import sqlite3  # rule 4's one exception outside geo/store: an MBTiles file is a tile container (see the test)
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import Callable

from pmtiles.tile import Compression, TileType, deserialize_header, tileid_to_zxy, zxy_to_tileid
from pmtiles.writer import Writer

from geo.errors import HotspotsError, InputFileError, SettingError

__all__ = ["MANIFEST", "MAX_TILE_BYTES", "PART_BYTES", "MBTilesSource", "PMTilesSource", "TileServerError",
           "TileSource", "XyzSource", "install_tiles", "open_tiles", "plain_text", "read_manifest",
           "safe_folder", "xyz_template"]

#: The most one tile may hold, compressed or not (a map tile is a few to a few hundred kB).
MAX_TILE_BYTES = 8 * 1024 * 1024
#: The most a PMTiles directory or metadata block may inflate to (a planet file's leaves are ~1 MB).
MAX_DIRECTORY_BYTES = 32 * 1024 * 1024
#: PMTiles v3: the header and the root directory lie in the first 16,384 bytes.
ROOT_LIMIT = 16384
#: Size of each served part of an installed file: under Streamlit's 200 MB static-file limit.
PART_BYTES = 128 * 1024 * 1024
#: The installed folder's description of its parts.
MANIFEST = "manifest.json"
#: Steps SQLite may take for one query of an MBTiles file before it is stopped (a normal look-up takes < 10^4).
SQLITE_STEP_BUDGET = 50_000_000
#: How many PMTiles leaf directories a source keeps in memory.
LEAF_CACHE = 64

_FORMATS = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp", TileType.MVT: "pbf"}
_MBTILES_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp", "pbf": "pbf", "mvt": "pbf"}
_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_TIPPECANOE = "Fix: make the file again (e.g. with tippecanoe, gdal_translate or pmtiles convert), or download it again."


class TileServerError(HotspotsError):
    """A tile server did not answer with a tile (unreachable, refused, or sent something else)."""


# -- what every source has --------------------------------------------------------------------------------
class TileSource:
    """A set of map tiles in the XYZ scheme.

    Attributes
    ----------
    kind : str
        "raster" (pictures) or "vector" (Mapbox Vector Tiles, drawn by the browser).
    tile_format : str
        "png", "jpg", "webp" or "pbf".
    min_zoom, max_zoom : int
        The zoom levels the source holds.
    bounds : tuple of float or None
        (west, south, east, north) in degrees, when the source says.
    attribution : str
        Plain text (never HTML): who to credit, as the source gives it.
    name : str
        The source's own name (the file's, or the server's host).
    """

    kind: str = "raster"
    tile_format: str = "png"
    min_zoom: int = 0
    max_zoom: int = 19
    bounds: tuple[float, float, float, float] | None = None
    attribution: str = ""
    name: str = ""
    metadata: dict = {}

    def tile(self, z: int, x: int, y: int) -> bytes | None:  # pragma: no cover - every source overrides it
        raise NotImplementedError

    def close(self) -> None:
        """Let go of the file (a source may still be garbage-collected without it)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name={self.name!r}, kind={self.kind!r}, tile_format={self.tile_format!r}, "
                f"zooms={self.min_zoom}-{self.max_zoom})")


def _check_zxy(z: int, x: int, y: int) -> tuple[int, int, int]:
    z, x, y = int(z), int(x), int(y)
    if not (0 <= z <= 30 and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
        raise SettingError(f"There is no tile {z}/{x}/{y}: at zoom {z} x and y run from 0 to {(1 << max(z, 0)) - 1}.",
                           "Ask for a tile inside the zoom level.")
    return z, x, y


def plain_text(value, limit: int = 500) -> str:
    """Attribution or a name from a file as plain text: tags dropped, entities decoded, one line, bounded.

    >>> plain_text('&copy; <a href="https://x">OS</a> 2025')
    '© OS 2025'
    """
    text = html.unescape(re.sub(r"<[^>]*>", "", str(value or "")))
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:limit]


def _inflate(data: bytes, limit: int, what: str, file: str) -> bytes:
    """gzip or zlib data inflated, refusing anything that grows beyond ``limit`` (a zip bomb)."""
    d = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InputFileError(f"its {what} is damaged ({exc}).", file=file, fix=_TIPPECANOE[5:]) from exc
    if len(out) > limit or d.unconsumed_tail:
        raise InputFileError(f"its {what} inflates to more than {limit // (1024 * 1024)} MB, which no real map tile "
                             "file needs (a 'zip bomb').", file=file, fix="Use a tile file from a trusted source.")
    return out


def _sniff(data: bytes) -> str | None:
    if data.startswith(_MAGIC["png"]):
        return "png"
    if data.startswith(_MAGIC["jpg"]):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _bounds(west, south, east, north) -> tuple[float, float, float, float] | None:
    try:
        b = tuple(float(v) for v in (west, south, east, north))
    except (TypeError, ValueError):
        return None
    if not (-180 <= b[0] < b[2] <= 180 and -90 <= b[1] < b[3] <= 90):
        return None
    return b  # type: ignore[return-value]


# -- PMTiles ------------------------------------------------------------------------------------------------
def _varints(buf: bytes, pos: int, n: int, file: str) -> tuple[list[int], int]:
    out = []
    end = len(buf)
    for _ in range(n):
        value = shift = 0
        while True:
            if pos >= end or shift > 63:
                raise InputFileError("a tile directory ends in the middle of an entry.", file=file, fix=_TIPPECANOE[5:])
            b = buf[pos]
            pos += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        out.append(value)
    return out, pos


def _directory(buf: bytes, file: str) -> list[tuple[int, int, int, int]]:
    """A PMTiles directory (inflated): (tile_id, offset, length, run_length) per entry, checked as read."""
    (n,), pos = _varints(buf, 0, 1, file)
    if n > len(buf):  # each entry takes at least 4 bytes: a count beyond the bytes is a lie
        raise InputFileError(f"a tile directory says it has {n:,} entries in {len(buf):,} bytes.", file=file,
                             fix=_TIPPECANOE[5:])
    deltas, pos = _varints(buf, pos, n, file)
    runs, pos = _varints(buf, pos, n, file)
    lengths, pos = _varints(buf, pos, n, file)
    offsets, pos = _varints(buf, pos, n, file)
    entries = []
    tile_id = 0
    for i in range(n):
        tile_id += deltas[i]
        if i > 0 and offsets[i] == 0:
            off = entries[-1][1] + entries[-1][2]
        else:
            off = offsets[i] - 1
        if off < 0 or (i > 0 and deltas[i] == 0):
            raise InputFileError("a tile directory is out of order.", file=file, fix=_TIPPECANOE[5:])
        entries.append((tile_id, off, lengths[i], runs[i]))
    return entries


def _find(entries: list[tuple[int, int, int, int]], tile_id: int):
    lo, hi = 0, len(entries) - 1
    while lo <= hi:
        mid = (lo + hi) >> 1
        c = tile_id - entries[mid][0]
        if c > 0:
            lo = mid + 1
        elif c < 0:
            hi = mid - 1
        else:
            return entries[mid]
    if hi >= 0:
        e = entries[hi]
        if e[3] == 0 or tile_id - e[0] < e[3]:
            return e
    return None


class _Bytes:
    """Reads byte ranges of one file, or of an installed file's parts as if they were one file."""

    def __init__(self, path: Path):
        self.files: list[tuple[int, int, object]] = []  # (start, size, open file)
        try:
            if path.is_dir():
                manifest = read_manifest(path)
                start = 0
                for part, size in manifest["parts"]:
                    self.files.append((start, int(size), open(path / part, "rb")))
                    start += int(size)
            else:
                fh = open(path, "rb")
                self.files.append((0, os.fstat(fh.fileno()).st_size, fh))
        except OSError as exc:
            self.close()
            raise InputFileError(f"cannot be opened ({exc.strerror or exc}).", file=str(path),
                                 fix="Check the path and that this user can read the file.") from exc
        self.size = sum(size for _, size, _ in self.files)
        self._lock = threading.Lock()

    def read(self, offset: int, length: int) -> bytes:
        out = []
        end = min(offset + length, self.size)
        with self._lock:
            for start, size, fh in self.files:
                if offset < start + size and end > start:
                    a = max(offset, start)
                    fh.seek(a - start)
                    out.append(fh.read(min(end, start + size) - a))
        return b"".join(out)

    def close(self) -> None:
        for _, _, fh in self.files:
            fh.close()


class PMTilesSource(TileSource):
    """A PMTiles (version 3) file, read where its bytes lie.

    Parameters
    ----------
    path : str or Path
        The file, or the folder of an installed file (``install_tiles``: its parts read as one file).

    Raises
    ------
    InputFileError
        Not a PMTiles v3 file, damaged or hostile (offsets outside the file, zip-bomb directories), or a tile
        type or compression the map cannot draw.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.file = self.path.name
        self._bytes = _Bytes(self.path)
        self._lock = threading.Lock()
        self._leaves: OrderedDict[tuple[int, int], list] = OrderedDict()
        try:
            self._read_header()
        except BaseException:
            self._bytes.close()
            raise

    def _read(self, offset: int, length: int) -> bytes:
        data = self._bytes.read(offset, length)
        if len(data) != length:
            raise InputFileError("ends early: it was cut short (a download or copy that did not finish).",
                                 file=self.file, fix="Copy or download the file again.")
        return data

    def _read_header(self) -> None:
        f = self.file
        self.size = self._bytes.size
        head = self._read(0, min(127, self.size)) if self.size else b""
        if head[:2] == b"PM" and head[2:3] in (b"\x01", b"\x02"):
            raise InputFileError(f"is PMTiles version {head[2]}; this app reads version 3.", file=f,
                                 fix="Convert it: pmtiles convert OLD.pmtiles NEW.pmtiles (the go-pmtiles tool).")
        if head[:7] != b"PMTiles":
            raise InputFileError("is not a PMTiles file (it does not start with 'PMTiles').", file=f,
                                 fix="Give a .pmtiles or .mbtiles map tile file.")
        if len(head) < 127:
            raise InputFileError("ends inside its header: it was cut short.", file=f, fix="Copy or download the file again.")
        if head[7] != 3:
            raise InputFileError(f"is PMTiles version {head[7]}; this app reads version 3.", file=f,
                                 fix="Convert it: pmtiles convert OLD.pmtiles NEW.pmtiles (the go-pmtiles tool).")
        try:
            h = deserialize_header(head)
        except ValueError as exc:  # an unknown compression or tile type number
            raise InputFileError(f"has a header this app does not understand ({exc}).", file=f,
                                 fix=_TIPPECANOE[5:]) from exc
        self.header = h
        for part in ("root", "metadata", "leaf_directory", "tile_data"):
            off, length = h[f"{part}_offset"], h[f"{part}_length"]
            if off < 127 or off + length > self.size:
                raise InputFileError(f"says its {part.replace('_', ' ')} lies at bytes {off:,} to {off + length:,}, "
                                     f"but the file has {self.size:,} bytes: it was cut short, or is not a real "
                                     "tile file.", file=f, fix="Copy or download the file again.")
        if h["root_offset"] + h["root_length"] > ROOT_LIMIT:
            raise InputFileError("has its root directory beyond the first 16 kB, against the PMTiles v3 rules.",
                                 file=f, fix=_TIPPECANOE[5:])
        if h["metadata_length"] > MAX_DIRECTORY_BYTES:
            raise InputFileError("has a metadata block over 32 MB, which no real tile file needs.", file=f,
                                 fix="Use a tile file from a trusted source.")
        if h["internal_compression"] not in (Compression.GZIP, Compression.NONE):
            raise InputFileError(f"compresses its directories with {h['internal_compression'].name.lower()}; this "
                                 "app reads gzip or none.", file=f,
                                 fix="Convert it again with gzip compression (pmtiles convert, the default).")
        tile_type = h["tile_type"]
        if tile_type not in _FORMATS:
            raise InputFileError(f"holds {tile_type.name} tiles; the map draws PNG, JPEG or WebP pictures or "
                                 "Mapbox vector tiles.", file=f, fix="Use a raster (PNG/JPEG/WebP) or vector (MVT) file.")
        self.tile_format = _FORMATS[tile_type]
        self.kind = "vector" if tile_type == TileType.MVT else "raster"
        ok = (Compression.GZIP, Compression.NONE) if self.kind == "vector" else (Compression.NONE, Compression.UNKNOWN)
        if h["tile_compression"] not in ok:
            raise InputFileError(f"compresses its tiles with {h['tile_compression'].name.lower()}, which the browser's "
                                 "map cannot read.", file=f, fix="Convert it with gzip tile compression.")
        self.min_zoom, self.max_zoom = int(h["min_zoom"]), int(h["max_zoom"])
        if not (0 <= self.min_zoom <= self.max_zoom <= 30):
            raise InputFileError(f"says its zoom levels run from {self.min_zoom} to {self.max_zoom}.", file=f,
                                 fix=_TIPPECANOE[5:])
        self.bounds = _bounds(h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7)
        self._root = self._directory_at(h["root_offset"], h["root_length"])
        self.metadata = self._read_metadata()
        self.attribution = plain_text(self.metadata.get("attribution", ""))
        self.name = plain_text(self.metadata.get("name") or self.path.stem, 100)

    def _inflate_internal(self, data: bytes, what: str) -> bytes:
        if self.header["internal_compression"] == Compression.GZIP:
            return _inflate(data, MAX_DIRECTORY_BYTES, what, self.file)
        return data

    def _read_metadata(self) -> dict:
        h = self.header
        if not h["metadata_length"]:
            return {}
        raw = self._inflate_internal(self._read(h["metadata_offset"], h["metadata_length"]), "metadata")
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputFileError("has metadata that is not JSON text.", file=self.file, fix=_TIPPECANOE[5:]) from exc
        return meta if isinstance(meta, dict) else {}

    def _directory_at(self, offset: int, length: int) -> list:
        if length > MAX_DIRECTORY_BYTES:
            raise InputFileError("has a tile directory over 32 MB, which no real tile file needs.", file=self.file,
                                 fix="Use a tile file from a trusted source.")
        return _directory(self._inflate_internal(self._read(offset, length), "tile directory"), self.file)

    def _leaf(self, offset: int, length: int) -> list:
        h = self.header
        if offset + length > h["leaf_directory_length"]:
            raise InputFileError("points at a tile directory outside its directory section.", file=self.file,
                                 fix=_TIPPECANOE[5:])
        key = (offset, length)
        with self._lock:
            hit = self._leaves.get(key)
            if hit is not None:
                self._leaves.move_to_end(key)
                return hit
        entries = self._directory_at(h["leaf_directory_offset"] + offset, length)
        with self._lock:
            self._leaves[key] = entries
            while len(self._leaves) > LEAF_CACHE:
                self._leaves.popitem(last=False)
        return entries

    def raw_tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's bytes as stored (vector tiles may be gzip-compressed), or None."""
        z, x, y = _check_zxy(z, x, y)
        if z < self.min_zoom or z > self.max_zoom:
            return None
        tile_id = zxy_to_tileid(z, x, y)
        entries = self._root
        for _depth in range(4):  # the spec allows at most three levels of leaves
            e = _find(entries, tile_id)
            if e is None:
                return None
            _, off, length, run = e
            if run:
                if length > MAX_TILE_BYTES:
                    raise InputFileError(f"holds a tile of {length:,} bytes; a map tile is never over 8 MB.",
                                         file=self.file, fix="Use a tile file from a trusted source.")
                if off + length > self.header["tile_data_length"]:
                    raise InputFileError("points at a tile outside its tile data.", file=self.file, fix=_TIPPECANOE[5:])
                return self._read(self.header["tile_data_offset"] + off, length)
            entries = self._leaf(off, length)
        raise InputFileError("has tile directories nested deeper than PMTiles allows.", file=self.file,
                             fix=_TIPPECANOE[5:])

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        data = self.raw_tile(z, x, y)
        if data is not None and self.header["tile_compression"] == Compression.GZIP:
            data = _inflate(data, MAX_TILE_BYTES, "tile", self.file)
        return data

    def check_directories(self) -> int:
        """Walk every directory and check every entry points inside the file; returns the tiles addressed."""
        h = self.header
        n = 0
        stack = [(self._root, 0)]
        while stack:
            entries, depth = stack.pop()
            if depth > 3:
                raise InputFileError("has tile directories nested deeper than PMTiles allows.", file=self.file,
                                     fix=_TIPPECANOE[5:])
            for tile_id, off, length, run in entries:
                if run:
                    if off + length > h["tile_data_length"] or length > MAX_TILE_BYTES:
                        raise InputFileError("points at a tile outside its tile data.", file=self.file,
                                             fix=_TIPPECANOE[5:])
                    n += run
                else:
                    if off + length > h["leaf_directory_length"]:
                        raise InputFileError("points at a tile directory outside its directory section.",
                                             file=self.file, fix=_TIPPECANOE[5:])
                    stack.append((self._directory_at(h["leaf_directory_offset"] + off, length), depth + 1))
        if n == 0:
            raise InputFileError("holds no tiles.", file=self.file, fix="Use a tile file that holds the area you map.")
        return n

    def close(self) -> None:
        self._bytes.close()


# -- MBTiles ------------------------------------------------------------------------------------------------
class MBTilesSource(TileSource):
    """An MBTiles file (SQLite), opened read-only, every query on a step budget.

    Parameters
    ----------
    path : str or Path
        The file.

    Raises
    ------
    InputFileError
        Not an SQLite file, no ``tiles`` / ``metadata`` table, cut short, or a format the map cannot draw.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.file = self.path.name
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(100)
                size = os.fstat(fh.fileno()).st_size
        except OSError as exc:
            raise InputFileError(f"cannot be opened ({exc.strerror or exc}).", file=str(path),
                                 fix="Check the path and that this user can read the file.") from exc
        if head[:16] != _SQLITE_MAGIC:
            raise InputFileError("is not an MBTiles file (not an SQLite database).", file=self.file,
                                 fix="Give a .pmtiles or .mbtiles map tile file.")
        if len(head) < 100:
            raise InputFileError("ends inside its header: it was cut short.", file=self.file,
                                 fix="Copy or download the file again.")
        page = int.from_bytes(head[16:18], "big")
        page = 65536 if page == 1 else page
        pages = int.from_bytes(head[28:32], "big")
        if head[24:28] == head[92:96] and pages and size < page * pages:
            raise InputFileError(f"ends early: it says it has {page * pages:,} bytes and has {size:,} (a download "
                                 "or copy that did not finish).", file=self.file, fix="Copy or download the file again.")
        self._lock = threading.Lock()
        uri = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?mode=ro"
        try:
            self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise InputFileError(f"cannot be opened as a database ({exc}).", file=self.file,
                                 fix="Copy or download the file again.") from exc
        self._con.set_progress_handler(self._budget, 1000)
        self._steps = 0
        try:
            self._query("PRAGMA trusted_schema = OFF")
            self._read_metadata()
        except BaseException:
            self._con.close()
            raise

    def _budget(self) -> int:
        self._steps += 1000
        return 1 if self._steps > SQLITE_STEP_BUDGET else 0

    def _query(self, sql: str, params=()) -> list:
        with self._lock:
            self._steps = 0
            try:
                return self._con.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "interrupted" in str(exc):
                    raise InputFileError("takes too long to answer a simple look-up (its tables may be written to "
                                         "stall a reader).", file=self.file, fix="Use a tile file from a trusted source.") from exc
                raise InputFileError(f"is not a readable MBTiles file ({exc}).", file=self.file,
                                     fix="An MBTiles file has a 'tiles' table (zoom_level, tile_column, tile_row, "
                                         "tile_data) and a 'metadata' table (name, value).") from exc
            except sqlite3.DatabaseError as exc:
                raise InputFileError(f"is damaged ({exc}).", file=self.file, fix="Copy or download the file again.") from exc

    def _read_metadata(self) -> None:
        f = self.file
        names = {r[0] for r in self._query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        if "tiles" not in names:
            raise InputFileError("has no 'tiles' table: it is an SQLite database but not an MBTiles file.", file=f,
                                 fix="Give a .pmtiles or .mbtiles map tile file.")
        meta = {}
        if "metadata" in names:
            for k, v in self._query("SELECT name, value FROM metadata LIMIT 1000"):
                if isinstance(k, str) and isinstance(v, (str, int, float)):
                    meta[k] = str(v)[:100_000]
        self.metadata = meta
        first = self._query("SELECT zoom_level, tile_column, tile_row, length(tile_data) FROM tiles LIMIT 1")
        if not first:
            raise InputFileError("holds no tiles.", file=f, fix="Use a tile file that holds the area you map.")
        fmt = _MBTILES_FORMATS.get(meta.get("format", "").strip().lower())
        if fmt is None:
            z, x, y, n = first[0]
            sample = self._tile_bytes(int(z), int(x), int(y), tms=True) or b""
            fmt = _sniff(sample) or ("pbf" if sample[:2] == b"\x1f\x8b" else None)
            if fmt is None:
                raise InputFileError(f"says its tiles are '{plain_text(meta.get('format', ''), 20) or 'unknown'}'; "
                                     "the map draws png, jpg, webp or pbf (vector) tiles.", file=f,
                                     fix="Use a raster (PNG/JPEG/WebP) or vector (pbf) MBTiles file.")
        self.tile_format = fmt
        self.kind = "vector" if fmt == "pbf" else "raster"
        try:
            self.min_zoom, self.max_zoom = int(meta["minzoom"]), int(meta["maxzoom"])
        except (KeyError, ValueError):
            (lo, hi), = self._query("SELECT min(zoom_level), max(zoom_level) FROM tiles")
            self.min_zoom, self.max_zoom = int(lo), int(hi)
        if not (0 <= self.min_zoom <= self.max_zoom <= 30):
            raise InputFileError(f"says its zoom levels run from {self.min_zoom} to {self.max_zoom}.", file=f,
                                 fix=_TIPPECANOE[5:])
        parts = meta.get("bounds", "").split(",")
        self.bounds = _bounds(*parts) if len(parts) == 4 else None
        self.attribution = plain_text(meta.get("attribution", ""))
        self.name = plain_text(meta.get("name") or self.path.stem, 100)
        if "json" in meta:
            try:
                extra = json.loads(meta["json"])
                if isinstance(extra, dict) and isinstance(extra.get("vector_layers"), list):
                    self.metadata = {**meta, "vector_layers": extra["vector_layers"]}
            except json.JSONDecodeError:
                pass

    def _tile_bytes(self, z: int, x: int, row: int, tms: bool) -> bytes | None:
        y = row if tms else (1 << z) - 1 - row
        where = "WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
        size = self._query(f"SELECT length(tile_data) FROM tiles {where} LIMIT 1", (z, x, y))
        if not size or size[0][0] is None:
            return None
        if int(size[0][0]) > MAX_TILE_BYTES:
            raise InputFileError(f"holds a tile of {int(size[0][0]):,} bytes; a map tile is never over 8 MB.",
                                 file=self.file, fix="Use a tile file from a trusted source.")
        rows = self._query(f"SELECT tile_data FROM tiles {where} LIMIT 1", (z, x, y))
        data = rows[0][0] if rows else None
        return bytes(data) if isinstance(data, (bytes, memoryview)) else None

    def raw_tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's bytes as stored (vector tiles are usually gzip-compressed), or None."""
        z, x, y = _check_zxy(z, x, y)
        return self._tile_bytes(z, x, y, tms=False)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        data = self.raw_tile(z, x, y)
        if data is not None and self.kind == "vector" and data[:2] == b"\x1f\x8b":
            data = _inflate(data, MAX_TILE_BYTES, "tile", self.file)
        return data

    def tile_ids(self) -> array:
        """Every tile's PMTiles id (z, x, y in one number, in Hilbert order within a zoom), sorted."""
        ids = array("Q")
        with self._lock:
            self._steps = -(1 << 62)  # a full scan is as long as the file: no step budget here
            try:
                for z, x, row in self._con.execute("SELECT zoom_level, tile_column, tile_row FROM tiles"):
                    z, x, row = int(z), int(x), int(row)
                    if not (0 <= z <= 30 and 0 <= x < (1 << z) and 0 <= row < (1 << z)):
                        raise InputFileError(f"has a tile at zoom {z}, column {x}, row {row}, outside its zoom level.",
                                             file=self.file, fix=_TIPPECANOE[5:])
                    ids.append(zxy_to_tileid(z, x, (1 << z) - 1 - row))
            except sqlite3.DatabaseError as exc:
                raise InputFileError(f"is damaged ({exc}).", file=self.file, fix="Copy or download the file again.") from exc
        return array("Q", sorted(ids))

    def close(self) -> None:
        self._con.close()


# -- a partnership's tile server ---------------------------------------------------------------------------
#: WMTS tile-matrix-set names of the Web Mercator grid (OGC 07-057r7 annex E.4 and common server names).
WEB_MERCATOR_SETS = ("googlemapscompatible", "epsg:3857", "epsg:900913", "webmercatorquad", "3857", "900913",
                     "google", "webmercator")
#: Names of grids the browser map cannot draw (British National Grid and the like).
OTHER_SETS = ("27700", "osgb", "bng", "britishnationalgrid", "4326", "crs84")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def xyz_template(url: str) -> str:
    """A tile server's address as an XYZ template (``{z}/{x}/{y}``, optional ``{s}`` subdomains a, b, c).

    Takes an XYZ template as Leaflet and OpenLayers write it, or a WMTS template (RESTful or key-value) with
    ``{TileMatrix}``, ``{TileCol}``, ``{TileRow}`` on the Web Mercator grid (GoogleMapsCompatible / EPSG:3857):
    its other placeholders (``{Layer}``, ``{Style}``, ``{TileMatrixSet}``) filled in, and the grid named in it.

    Raises
    ------
    SettingError
        Not an http(s) address, a placeholder missing or unknown, or a WMTS grid other than Web Mercator.

    Examples
    --------
    >>> xyz_template("https://maps.example.gov.uk/wmts/road/default/EPSG:3857/{TileMatrix}/{TileRow}/{TileCol}.png")
    'https://maps.example.gov.uk/wmts/road/default/EPSG:3857/{z}/{y}/{x}.png'
    >>> xyz_template("https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    'https://{s}.tiles.example.org/{z}/{x}/{y}.png'
    """
    url = str(url or "").strip()
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingError(f"'{url[:200]}' is not a web address (it must start with https:// or http://).",
                           "Give the tile address, e.g. https://maps.example.gov.uk/tiles/{z}/{x}/{y}.png.")
    if any(ch.isspace() for ch in url) or any(ord(ch) < 32 for ch in url):
        raise SettingError("A tile address cannot contain spaces or control characters.",
                           "Copy the address again from the server's documentation.")
    names = [m.lower() for m in _PLACEHOLDER.findall(url)]
    wmts = {"tilematrix", "tilecol", "tilerow"}
    if wmts & set(names):
        low = url.lower()
        if any(s in low for s in OTHER_SETS) and not any(s in low for s in WEB_MERCATOR_SETS):
            raise SettingError("This WMTS address is on another grid (British National Grid or degrees); the app's "
                               "map draws the Web Mercator grid only (GoogleMapsCompatible, EPSG:3857).",
                               "Ask the server's administrator for its EPSG:3857 / GoogleMapsCompatible tile matrix "
                               "set, or its XYZ address.")
        if "tilematrixset" in names or not any(s in low for s in WEB_MERCATOR_SETS):
            raise SettingError("This WMTS address does not name a Web Mercator tile matrix set "
                               "(GoogleMapsCompatible or EPSG:3857), so the app cannot tell which grid its tiles are on.",
                               "Write the matrix set's name into the address in place of {TileMatrixSet} (the "
                               "server's GetCapabilities lists them), or give its XYZ address.")
        url = re.sub(r"\{tilematrix\}", "{z}", url, flags=re.IGNORECASE)
        url = re.sub(r"\{tilecol\}", "{x}", url, flags=re.IGNORECASE)
        url = re.sub(r"\{tilerow\}", "{y}", url, flags=re.IGNORECASE)
    found = _PLACEHOLDER.findall(url)
    unknown = [p for p in found if p not in ("z", "x", "y", "s")]
    if unknown:
        raise SettingError(f"The tile address has a placeholder {{{unknown[0]}}} the app cannot fill.",
                           "Use {z}, {x}, {y} (and {s} for a, b, c subdomains), or a WMTS template with "
                           "{TileMatrix}, {TileCol}, {TileRow}; write the layer and style names in.")
    for p in ("z", "x", "y"):
        if found.count(p) != 1:
            raise SettingError(f"The tile address must have {{{p}}} exactly once.",
                               "Use a template such as https://maps.example.gov.uk/tiles/{z}/{x}/{y}.png.")
    return url


class XyzSource(TileSource):
    """A tile server: an XYZ or WMTS (Web Mercator) address template, fetched only when ``tile`` is called.

    Parameters
    ----------
    url_template : str
        ``{z}/{x}/{y}`` (``{s}``: subdomains a, b, c) or WMTS ``{TileMatrix}/{TileRow}/{TileCol}`` on
        GoogleMapsCompatible / EPSG:3857 (see ``xyz_template``).
    attribution : str
        Who to credit (plain text), e.g. "© Crown copyright and database rights 2025 OS AC0000000000".
    timeout_s : float
        How long to wait for one tile.
    max_zoom : int
        The deepest zoom the server has (19 unless said).
    name : str, optional
        Else the server's host name.

    Raises
    ------
    SettingError
        The address is not a tile template (``xyz_template``).
    """

    def __init__(self, url_template: str, attribution: str = "", *, timeout_s: float = 10, max_zoom: int = 19,
                 min_zoom: int = 0, name: str | None = None):
        self.url = xyz_template(url_template)
        self.attribution = plain_text(attribution)
        self.timeout_s = float(timeout_s)
        self.min_zoom, self.max_zoom = int(min_zoom), int(max_zoom)
        self.host = urllib.parse.urlsplit(self.url).hostname or ""
        self.name = plain_text(name or self.host, 100)
        ext = urllib.parse.urlsplit(self.url).path.rsplit(".", 1)[-1].lower()
        self.tile_format = {"jpeg": "jpg"}.get(ext, ext) if ext in ("png", "jpg", "jpeg", "webp") else "png"
        self.kind = "raster"
        self.metadata = {}

    def url_for(self, z: int, x: int, y: int) -> str:
        z, x, y = _check_zxy(z, x, y)
        return (self.url.replace("{s}", "abc"[(x + y) % 3]).replace("{z}", str(z)).replace("{x}", str(x))
                .replace("{y}", str(y)))

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        url = self.url_for(z, x, y)
        if z < self.min_zoom or z > self.max_zoom:
            return None
        req = urllib.request.Request(url, headers={"User-Agent": "Hotspots (community safety partnership maps)"})
        fix = "Check the address and that this computer can reach the server (a closed network may need its proxy)."
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310 - http(s) checked above
                data = resp.read(MAX_TILE_BYTES + 1)
                ctype = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            if exc.code in (204, 404):
                return None
            raise TileServerError(f"The tile server {self.host} refused tile {z}/{x}/{y} (HTTP {exc.code}).",
                                  "Check the address and any key in it." if exc.code in (401, 403) else fix) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TileServerError(f"The tile server {self.host} did not answer within {self.timeout_s:g} s ({reason}).",
                                  fix) from exc
        if len(data) > MAX_TILE_BYTES:
            raise TileServerError(f"The tile server {self.host} sent more than 8 MB for one tile.", fix)
        if _sniff(data) is None:
            raise TileServerError(f"The tile server {self.host} answered tile {z}/{x}/{y} with something other than a "
                                  f"map picture ({plain_text(ctype, 60) or 'no type'}).",
                                  "Check the address and any key in it; the server may need a log-in.")
        return data


# -- opening and installing files --------------------------------------------------------------------------
def open_tiles(path) -> TileSource:
    """A local tile file, by its first bytes: PMTiles (v3) or MBTiles; or the folder of an installed file.

    Raises
    ------
    InputFileError
        Missing, unreadable, neither format, cut short, or hostile (see the module's notes).
    """
    p = Path(path)
    if p.is_dir() and (p / MANIFEST).is_file():
        return PMTilesSource(p)  # a file installed for the app (install_tiles)
    if not p.is_file():
        raise InputFileError("is not a file.", file=str(path), fix="Give the path of a .pmtiles or .mbtiles file.")
    try:
        with open(p, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputFileError(f"cannot be opened ({exc.strerror or exc}).", file=str(path),
                             fix="Check the path and that this user can read the file.") from exc
    if head[:7] == b"PMTiles" or head[:2] == b"PM":
        return PMTilesSource(p)
    if head[:16] == _SQLITE_MAGIC:
        return MBTilesSource(p)
    raise InputFileError("is neither a PMTiles nor an MBTiles file.", file=p.name,
                         fix="Give a .pmtiles or .mbtiles map tile file (e.g. OS Open Zoomstack).")


def _mbtiles_to_pmtiles(src: MBTilesSource, out: Path, progress: Callable[[float, str], None]) -> None:
    """Write an MBTiles file's tiles as a PMTiles file (tiles in id order, identical tiles stored once)."""
    ids = src.tile_ids()
    if not len(ids):
        raise InputFileError("holds no tiles.", file=src.file, fix="Use a tile file that holds the area you map.")
    vector = src.kind == "vector"
    with open(out, "wb") as fh:
        writer = Writer(fh)
        for i, tile_id in enumerate(ids):
            z, x, y = tileid_to_zxy(tile_id)
            data = src.raw_tile(z, x, y)
            if data is None:
                continue
            if vector and data[:2] != b"\x1f\x8b":
                data = gzip.compress(data, mtime=0)
            writer.write_tile(tile_id, data)
            if i % 5000 == 0:
                progress(0.8 * i / len(ids), f"Converting to PMTiles: {i:,} of {len(ids):,} tiles")
        b = src.bounds or (-180.0, -85.0511, 180.0, 85.0511)
        tile_type = {"png": TileType.PNG, "jpg": TileType.JPEG, "webp": TileType.WEBP, "pbf": TileType.MVT}[src.tile_format]
        header = {"tile_type": tile_type, "tile_compression": Compression.GZIP if vector else Compression.NONE,
                  "min_lon_e7": int(b[0] * 1e7), "min_lat_e7": int(b[1] * 1e7), "max_lon_e7": int(b[2] * 1e7),
                  "max_lat_e7": int(b[3] * 1e7), "center_zoom": src.min_zoom,
                  "center_lon_e7": int((b[0] + b[2]) / 2 * 1e7), "center_lat_e7": int((b[1] + b[3]) / 2 * 1e7)}
        meta = {k: v for k, v in src.metadata.items() if k not in ("json",)}
        writer.finalize(header, meta)


def safe_folder(name: str) -> str:
    """A folder name from a basemap name: lower-case letters, digits and dashes only."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    return slug or "tiles"


def install_tiles(path, dest_root, name: str, *, progress: Callable[[float, str], None] | None = None) -> dict:
    """Prepare a tile file for the app's own port: PMTiles cut into parts under ``dest_root/<folder>/``.

    Parameters
    ----------
    path : str or Path
        A .pmtiles or .mbtiles file (MBTiles is converted to PMTiles first).
    dest_root : str or Path
        The served folder of installed files (the app's ``static/tiles``).
    name : str
        The basemap's name; its folder is made from it (letters, digits, dashes).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    dict
        The manifest written beside the parts (``read_manifest``): ``folder``, ``parts`` ([file, bytes] in
        order), ``size``, ``kind``, ``tile_format``, ``min_zoom``, ``max_zoom``, ``bounds``, ``attribution``,
        ``name``, ``vector_layers`` and ``source`` (the file's name).

    Raises
    ------
    InputFileError
        The file cannot be read, or is not a tile file the map can draw.
    """
    progress = progress or (lambda f, m: None)
    dest_root = Path(dest_root)
    folder = safe_folder(name)
    src = open_tiles(path)
    work = Path(tempfile.mkdtemp(prefix=f".{folder}-", dir=_ensure_dir(dest_root)))
    try:
        if isinstance(src, MBTilesSource):
            pm_path = work / "converted.pmtiles"
            with src:
                _mbtiles_to_pmtiles(src, pm_path, progress)
        else:
            src.close()
            pm_path = Path(path)
        with PMTilesSource(pm_path) as pm:
            progress(0.8, "Checking the tile directories")
            pm.check_directories()
            layers = pm.metadata.get("vector_layers") if pm.kind == "vector" else None
            manifest = {"folder": folder, "size": pm.size, "kind": pm.kind, "tile_format": pm.tile_format,
                        "min_zoom": pm.min_zoom, "max_zoom": pm.max_zoom,
                        "bounds": list(pm.bounds) if pm.bounds else None,
                        "attribution": pm.attribution, "name": plain_text(name, 100),
                        "vector_layers": _layers(layers), "source": plain_text(Path(str(path)).name, 200),
                        "parts": []}
        with open(pm_path, "rb") as fh:
            i = 0
            while True:
                part = f"part-{i:04d}.bin"
                with open(work / part, "wb") as out:
                    n = _copy_bytes(fh, out, PART_BYTES)
                if n == 0:
                    (work / part).unlink()
                    break
                manifest["parts"].append([part, n])
                progress(0.8 + 0.2 * min(1.0, (i + 1) * PART_BYTES / max(manifest["size"], 1)),
                         f"Copying part {i + 1} into the app's folder")
                i += 1
        if pm_path.parent == work:
            pm_path.unlink()
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.chmod(work, 0o755)  # mkdtemp makes it private; the app's server (maybe another user) serves it
        final = dest_root / folder
        if final.exists():
            shutil.rmtree(final)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress(1.0, "Installed")
    return manifest


def _ensure_dir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def _copy_bytes(src, dst, n: int) -> int:
    done = 0
    while done < n:
        chunk = src.read(min(1 << 20, n - done))
        if not chunk:
            break
        dst.write(chunk)
        done += len(chunk)
    return done


def _layers(layers) -> list[dict]:
    """A vector file's ``vector_layers``: id and field names only, as plain text, bounded."""
    out = []
    for layer in layers if isinstance(layers, list) else []:
        if isinstance(layer, dict) and isinstance(layer.get("id"), str):
            fields = layer.get("fields") if isinstance(layer.get("fields"), dict) else {}
            out.append({"id": layer["id"][:100], "fields": [str(k)[:100] for k in list(fields)[:100]],
                        "minzoom": layer.get("minzoom") if isinstance(layer.get("minzoom"), int) else None,
                        "maxzoom": layer.get("maxzoom") if isinstance(layer.get("maxzoom"), int) else None})
        if len(out) >= 200:
            break
    return out


def read_manifest(folder) -> dict:
    """An installed file's manifest (``install_tiles``), checked against the parts on disk.

    Raises
    ------
    InputFileError
        Missing, not the app's manifest, or a part missing or of another size (a copy that did not finish).
    """
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError("is missing or damaged: the installed map tiles cannot be served.", file=str(path),
                             fix="Install the tile file again (Data page, Map backgrounds).") from exc
    if not isinstance(m, dict) or not isinstance(m.get("parts"), list) or not m["parts"]:
        raise InputFileError("is not an installed tile file's manifest.", file=str(path),
                             fix="Install the tile file again (Data page, Map backgrounds).")
    for part, size in m["parts"]:
        p = folder / str(part)
        if not re.fullmatch(r"part-\d{4}\.bin", str(part)) or not p.is_file() or p.stat().st_size != size:
            raise InputFileError(f"lists a part {part} that is missing or of another size.", file=str(path),
                                 fix="Install the tile file again (Data page, Map backgrounds).")
    return m

