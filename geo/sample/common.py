"""Shared machinery of the sample generator: projections, random offsets, text formats and file writing.

Nothing here draws a data set of its own: these are the helpers that several of the ``geo.sample`` writers use
(British National Grid <-> WGS84, uniform offsets in a disc, police.uk's 6-decimal coordinates, times as text,
byte-stable CSV and text files, the progress callback's type).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.crs import bng_to_lonlat, lonlat_to_bng

__all__ = ["ProgressFn", "disc", "fmt6", "fmt_minutes", "jitter", "to_bng", "to_lonlat", "write_csv", "write_text"]

#: ``progress(fraction, message)``, fraction from 0 to 1.
ProgressFn = Callable[[float, str], None]

def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 longitude, latitude (``geo.crs``'s transformation), as arrays."""
    lon, lat = bng_to_lonlat(x, y)
    return np.asarray(lon), np.asarray(lat)


def to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude, latitude to British National Grid metres (``geo.crs``'s transformation), as arrays."""
    x, y = lonlat_to_bng(lon, lat)
    return np.asarray(x), np.asarray(y)


def disc(rng: np.random.Generator, n: int, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets uniform in a disc."""
    r = radius_m * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    return r * np.cos(a), r * np.sin(a)


def jitter(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, radius_m: float,
            area: shapely.Polygon) -> tuple[np.ndarray, np.ndarray]:
    """Move points by up to ``radius_m``; a point that would cross the area's outline stays where it was."""
    dx, dy = disc(rng, len(x), radius_m)
    nx, ny = x + dx, y + dy
    crossed = shapely.contains_xy(area, nx, ny) != shapely.contains_xy(area, x, y)
    return np.where(crossed, x, nx), np.where(crossed, y, ny)


def fmt6(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%.6f", values.astype(float)).astype(object)


def fmt_minutes(minutes: np.ndarray, fmt: str) -> np.ndarray:
    """Minutes since 1970 as text in ``fmt``."""
    return pd.to_datetime(np.asarray(minutes, dtype=np.int64), unit="m").strftime(fmt).to_numpy(dtype=object)


def _csv_field(values: np.ndarray) -> np.ndarray:
    """Column values as CSV text: quoted (RFC 4180) where they hold a comma, a quote or a line break."""
    text = np.asarray([str(v) for v in values], dtype=object)
    special = pc.match_substring_regex(pa.array(text, type=pa.string()), '[,"\r\n]')
    special = special.to_numpy(zero_copy_only=False).astype(bool)
    if special.any():
        text[special] = ['"' + v.replace('"', '""') + '"' for v in text[special]]
    return text


def write_csv(path: Path, table: pd.DataFrame | dict, columns: tuple[str, ...] | None = None) -> int:
    """Write a table as CSV with Unix line endings (as police.uk does); return the number of data rows.

    ``table`` is a DataFrame or a dict of equal-length arrays and scalars (a scalar fills its column); ``columns``
    fixes the order. Written by hand rather than with ``DataFrame.to_csv``: several times faster on these
    all-text columns, and the bytes do not depend on the pandas version.
    """
    if isinstance(table, pd.DataFrame):
        table = {c: table[c].to_numpy(dtype=object) for c in table.columns}
    names = list(columns) if columns is not None else list(table)
    n = max((len(v) for v in table.values() if isinstance(v, (np.ndarray, list, pd.Series))), default=0)
    fields = []
    for name in names:
        value = table[name]
        if isinstance(value, (np.ndarray, list, pd.Series)):
            fields.append(_csv_field(np.asarray(value, dtype=object)))
        else:
            fields.append(np.full(n, _csv_field(np.asarray([value], dtype=object))[0], dtype=object))
    lines = fields[0] if fields else np.full(n, "", dtype=object)
    for field in fields[1:]:
        lines = lines + "," + field
    header = ",".join(_csv_field(np.asarray(names, dtype=object)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "".join(lines + "\n"), encoding="utf-8", newline="\n")
    return n


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
