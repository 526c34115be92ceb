"""H3 helpers for the local statistics: cells in, k-ring neighbours out.

Private to ``hotspots`` (``gistar`` and ``emerging`` use them). Cells arrive as H3
strings (``'89195da182bffff'``) or 64-bit integers; inside, they are ``uint64``
numpy arrays. The vectorised work is done by h3ronpy (Rust, over Arrow arrays).
"""

from __future__ import annotations

import numbers

import h3ronpy
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.errors import SettingError

__all__ = [
    "cells_to_uint64",
    "uint64_to_strings",
    "single_resolution",
    "unique_in_order",
    "grid_disk_lists",
    "positions_in",
]

_HEX_CELL = r"^[0-9a-fA-F]{15,16}$"
_FIX_CELLS = (
    "Pass H3 cell indexes, either as strings like '89195da182bffff' or as "
    "64-bit integers (uint64 or int64)."
)


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    i = int(np.flatnonzero(bad)[0])
    value = arr[i].item() if isinstance(arr[i], np.generic) else arr[i]
    return f"{value!r} at position {i}"


def cells_to_uint64(cells, *, name: str = "cells") -> np.ndarray:
    """Validate H3 cells and return them as a ``uint64`` array.

    Parameters
    ----------
    cells : array-like of str or int
        H3 cell indexes: hexadecimal strings (15 or 16 hex digits) or integers.
    name : str, default "cells"
        What the argument is called, for the error message.

    Returns
    -------
    numpy.ndarray of uint64
        The cells, in the order given (duplicates kept).

    Raises
    ------
    SettingError
        If ``cells`` is empty, not one-dimensional, holds missing values, floats,
        strings that are not H3 hexadecimal indexes, or integers that are not
        valid H3 cells.

    Examples
    --------
    >>> cells_to_uint64(["89195da182bffff"])
    array([617439387867414527], dtype=uint64)
    >>> cells_to_uint64([617439387867414527]).tolist()
    [617439387867414527]
    """
    arr = np.asarray(cells)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise SettingError(
            f"{name} must be a one-dimensional array of H3 cells; got an array of shape "
            f"{arr.shape}.",
            _FIX_CELLS,
        )
    if arr.size == 0:
        raise SettingError(f"{name} is empty: there are no H3 cells to analyse.", _FIX_CELLS)
    kind = arr.dtype.kind
    if kind == "O" and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in arr
    ):
        if any(int(v) < 0 or int(v) >= 2**64 for v in arr):
            raise SettingError(
                f"{name} holds integers outside 0..2**64-1; H3 cell integers are positive "
                "64-bit numbers.",
                _FIX_CELLS,
            )
        arr = np.array([int(v) for v in arr], dtype=np.uint64)
        kind = "u"
    if kind in "UST" or kind == "O":
        try:
            text = pa.array(arr.astype(object) if kind in "ST" else arr, type=pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            raise SettingError(
                f"{name} mixes strings with other values (or holds missing values); "
                "H3 cells must all be strings or all be integers.",
                _FIX_CELLS,
            ) from None
        missing = np.asarray(text.is_null().to_numpy(zero_copy_only=False))
        if missing.any():
            raise SettingError(
                f"{name} has {int(missing.sum())} missing value(s) (first at position "
                f"{int(np.flatnonzero(missing)[0])}); every row needs an H3 cell.",
                "Drop the rows without a cell, or bin their points into cells first.",
            )
        ok = np.asarray(pc.match_substring_regex(text, _HEX_CELL).to_numpy(zero_copy_only=False))
        if not ok.all():
            raise SettingError(
                f"{name} holds {int((~ok).sum())} value(s) that are not H3 cell strings "
                f"(first: {_first_bad(arr, ~ok)}); an H3 cell string is 15 hexadecimal "
                "digits such as '89195da182bffff'.",
                _FIX_CELLS,
            )
        parsed = pa.array(h3ronpy.cells_parse(text, set_failing_to_invalid=True))
        unparsed = np.asarray(parsed.is_null().to_numpy(zero_copy_only=False))
        if unparsed.any():
            raise SettingError(
                f"{name} holds {int(unparsed.sum())} value(s) that are not valid H3 cells "
                f"(first: {_first_bad(arr, unparsed)}).",
                _FIX_CELLS,
            )
        out = parsed.to_numpy(zero_copy_only=False).astype(np.uint64)
    elif kind in "iu":
        if kind == "i" and (arr < 0).any():
            bad = arr < 0
            raise SettingError(
                f"{name} holds {int(bad.sum())} negative integer(s) (first: "
                f"{_first_bad(arr, bad)}); H3 cell integers are positive 64-bit numbers.",
                _FIX_CELLS,
            )
        out = arr.astype(np.uint64)
    elif kind == "f":
        raise SettingError(
            f"{name} holds floating-point numbers; H3 cells need all 64 bits of an "
            "integer, which a float cannot hold exactly.",
            "Read the cell column as strings or as uint64 integers, never as floats.",
        )
    else:
        raise SettingError(
            f"{name} has dtype {arr.dtype}, which cannot hold H3 cells.", _FIX_CELLS
        )
    valid = np.asarray(
        pa.array(h3ronpy.cells_valid(out, booleanarray=True)).to_numpy(zero_copy_only=False)
    )
    if not valid.all():
        raise SettingError(
            f"{name} holds {int((~valid).sum())} value(s) that are not valid H3 cells "
            f"(first: {_first_bad(arr, ~valid)}).",
            _FIX_CELLS,
        )
    return out


def uint64_to_strings(cells: np.ndarray) -> np.ndarray:
    """Return H3 cell strings (an object array) for a ``uint64`` array.

    Examples
    --------
    >>> uint64_to_strings(np.array([617439387867414527], dtype=np.uint64)).tolist()
    ['89195da182bffff']
    """
    return pa.array(h3ronpy.cells_to_string(np.asarray(cells, dtype=np.uint64))).to_numpy(
        zero_copy_only=False
    )


def single_resolution(cells: np.ndarray, *, name: str = "cells") -> int:
    """Return the one H3 resolution of ``cells`` or raise a SettingError.

    Examples
    --------
    >>> single_resolution(cells_to_uint64(["89195da182bffff"]))
    9
    """
    res = pa.array(h3ronpy.cells_resolution(cells)).to_numpy(zero_copy_only=False)
    found = np.unique(res)
    if found.size != 1:
        raise SettingError(
            f"{name} mixes H3 resolutions {found.tolist()}; k-ring neighbours only make "
            "sense between cells of one resolution.",
            "Bin every incident at one resolution (res 9 is the default patrol-area grid).",
        )
    return int(found[0])


def unique_in_order(cells: np.ndarray) -> tuple[np.ndarray, bool]:
    """Drop repeated cells, keeping first occurrences in their order.

    Returns the unique cells and whether any were repeated.

    Examples
    --------
    >>> u, repeated = unique_in_order(np.array([5, 3, 5], dtype=np.uint64))
    >>> u.tolist(), repeated
    ([5, 3], True)
    """
    _, first = np.unique(cells, return_index=True)
    if first.size == cells.size:
        return cells, False
    return cells[np.sort(first)], True


def positions_in(window: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Position of each of ``cells`` in ``window``, or -1 where it is absent.

    ``window`` must hold no repeats.

    Examples
    --------
    >>> window = np.array([7, 2, 9], dtype=np.uint64)
    >>> positions_in(window, np.array([9, 4, 7], dtype=np.uint64)).tolist()
    [2, -1, 0]
    """
    order = np.argsort(window, kind="stable")
    sorted_window = window[order]
    pos = np.searchsorted(sorted_window, cells)
    pos_clipped = np.minimum(pos, window.size - 1)
    found = sorted_window[pos_clipped] == cells
    return np.where(found, order[pos_clipped], -1)


def grid_disk_lists(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All cells within ``k`` grid steps of each cell (the cell included).

    Returns ``(offsets, neighbours)``: the disk of ``cells[i]`` is
    ``neighbours[offsets[i]:offsets[i + 1]]`` (h3 ``grid_disk``, vectorised by h3ronpy).

    Examples
    --------
    >>> off, nb = grid_disk_lists(cells_to_uint64(["89195da182bffff"]), 1)
    >>> off.tolist(), len(nb)
    ([0, 7], 7)
    """
    lists = pa.array(h3ronpy.grid_disk(np.asarray(cells, dtype=np.uint64), int(k), flatten=False))
    offsets = lists.offsets.to_numpy().astype(np.int64)
    neighbours = lists.values.to_numpy(zero_copy_only=False).astype(np.uint64)
    return offsets, neighbours
