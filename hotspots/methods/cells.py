"""Counts and harm per H3 cell, and the study area's cells: the input of every per-cell method.

Counts at any resolution come from the stored res-11 cell's parents (bit arithmetic), so a parent's count
always equals the sum of its children's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.constants import H3_DEFAULT_RES
from geo.errors import SettingError
from geo.grid import (cell_to_parent, cells_to_str, check_resolution, footprint_cells, polygon_to_cells)
from hotspots.methods.harm import harm_of

__all__ = ["FOOTPRINT_LEVELS", "analysis_window", "count_by_cell"]


def count_by_cell(incidents: pd.DataFrame, res: int = H3_DEFAULT_RES, weights: dict[str, float] | None = None,
                  by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Incidents and harm per H3 cell (and period, category or source).

    Parameters
    ----------
    incidents : DataFrame
        With ``h3_11`` and ``category`` (and ``month`` when ``by_month``).
    res : int
        H3 resolution, 7-11.
    weights : dict, optional
        Harm weight per category (default: the approximate CCHI table).
    by : tuple of str
        Further keys from ``month``, ``category``, ``source``: one row per cell and key.

    Returns
    -------
    DataFrame
        ``cell`` (H3 string), the ``by`` keys, ``count`` (incidents), ``harm`` (days),
        sorted by count then harm, descending.

    Examples
    --------
    >>> from geo.grid import cell_to_int, latlng_to_cell
    >>> c = cell_to_int(latlng_to_cell(51.656, -0.396, 11))
    >>> df = pd.DataFrame({"h3_11": np.array([c, c], dtype=np.uint64), "category": ["Burglary", "Robbery"]})
    >>> count_by_cell(df, 9)[["count", "harm"]].values.tolist()
    [[2.0, 595.0]]
    """
    res = check_resolution(res)
    bad = [b for b in by if b not in ("month", "category", "source")]
    if bad:
        raise SettingError(f"Cannot count by '{bad[0]}'.", "Count by month, category or source.")
    keys = ["cell", *by]
    if len(incidents) == 0:
        return pd.DataFrame({k: pd.Series(dtype=object) for k in keys} | {"count": pd.Series(dtype=np.int64),
                                                                          "harm": pd.Series(dtype=np.float64)})
    cells = cell_to_parent(incidents["h3_11"].to_numpy(dtype=np.uint64), res)
    frame = pd.DataFrame({"cell_int": cells, "harm": harm_of(incidents["category"].to_numpy(), weights)})
    for b in by:
        frame[b] = incidents[b].to_numpy()
    gk = ["cell_int", *by]
    out = frame.groupby(gk, sort=False).agg(count=("harm", "size"), harm=("harm", "sum")).reset_index()
    out.insert(0, "cell", cells_to_str(out.pop("cell_int").to_numpy(dtype=np.uint64)))
    return out.sort_values(["count", "harm", "cell"], ascending=[False, False, True], ignore_index=True)


#: Without an area, the study area is the footprint of the data: every cell under the
#: parents, this many resolutions coarser, of the occupied cells (res 9 -> res-7
#: parents of ~5 km2). It keeps the empty streets between busy ones as the zeros they
#: are, without the empty countryside a convex hull round a few outlying points adds.
FOOTPRINT_LEVELS = 2


def analysis_window(incidents: pd.DataFrame, res: int = H3_DEFAULT_RES, area=None) -> np.ndarray:
    """Every cell of the study area, as H3 strings: empty cells included.

    ``area`` is anything with a BNG ``geometry`` (a ``geo.boundaries.Area``), or None.

    With an area: the cells whose centres lie inside it. Without one: the footprint of
    the data, every cell under the parents ``FOOTPRINT_LEVELS`` resolutions coarser of
    the occupied cells. Occupied cells are always included.

    Examples
    --------
    >>> from geo.grid import cell_to_int, latlng_to_cell
    >>> c = cell_to_int(latlng_to_cell(51.656, -0.396, 11))
    >>> w = analysis_window(pd.DataFrame({"h3_11": np.array([c], dtype=np.uint64)}), 9)
    >>> len(w)    # the 49 res-9 children of one res-7 cell
    49
    """
    res = check_resolution(res)
    occupied = (cell_to_parent(incidents["h3_11"].to_numpy(dtype=np.uint64), res)
                if len(incidents) else np.empty(0, dtype=np.uint64))
    if area is not None:
        cells = np.union1d(polygon_to_cells(area.geometry, res), occupied)
    elif len(occupied):
        cells = np.union1d(footprint_cells(occupied, res, FOOTPRINT_LEVELS), occupied)
    else:
        return np.empty(0, dtype=object)
    return cells_to_str(cells)
