"""Select incidents from the store and count them by cell: the input of every method.

A filter names the period, categories, sources and forces; an optional area keeps
the incidents inside its boundary (exact test on British National Grid metres).
Counts and harm per cell are computed from the stored res-11 cell and its parents,
so counts at any resolution always add up.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.boundaries import Area
from geo.constants import CATEGORIES, H3_DEFAULT_RES, SOURCE_POLICE, SOURCES
from geo.errors import SettingError
from geo.grid import cell_to_parent, cells_to_str, check_resolution, parent_sql, polygon_to_cells
from geo.store import Store
from hotspots.methods.harm import harm_of

__all__ = ["IncidentFilter", "analysis_window", "count_by_cell", "select_incidents", "selection_months", "study_area"]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DEFAULT_COLUMNS = ("easting", "northing", "lon", "lat", "h3_11", "category", "month", "location",
                   "occurred_at", "time_precision", "source", "force", "weapon")


def _check_month(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not _MONTH.match(str(value)):
        raise SettingError(f"{name} '{value}' is not a month.", "Write months as YYYY-MM, e.g. 2021-06.")
    return str(value)


def _check_categories(cats) -> tuple[str, ...]:
    out = []
    for c in cats:
        c = str(c).strip()
        if not c:
            continue
        match = next((k for k in CATEGORIES if k.lower() == c.lower()), None)
        if match is None:
            close = difflib.get_close_matches(c, CATEGORIES, n=1, cutoff=0.5)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SettingError(f"'{c}' is not a crime type.{hint}", f"Use one of: {', '.join(CATEGORIES)}.")
        out.append(match)
    return tuple(out)


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents an analysis uses. Hashable (usable as a cache key).

    Parameters
    ----------
    date_from, date_to : str, optional
        First and last month, ``YYYY-MM``, inclusive.
    categories : tuple of str
        Crime types (empty: all).
    sources : tuple of str
        Sources (default: police.uk street crime only, so sources are never mixed silently).
    forces : tuple of str
        Forces (empty: all).

    Examples
    --------
    >>> IncidentFilter("2021-01", "2021-03", ("burglary",)).checked().categories
    ('Burglary',)
    >>> IncidentFilter("2021-13").checked()
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: From month '2021-13' is not a month. ...
    """

    date_from: str | None = None
    date_to: str | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = (SOURCE_POLICE,)
    forces: tuple[str, ...] = ()

    def checked(self) -> "IncidentFilter":
        """The filter with its values checked and normalised (SettingError otherwise)."""
        f, t = _check_month(self.date_from, "From month"), _check_month(self.date_to, "To month")
        if f and t and f > t:
            raise SettingError(f"The period starts ({f}) after it ends ({t}).", "Swap the two months.")
        bad = [s for s in self.sources if s not in SOURCES]
        if bad:
            raise SettingError(f"'{bad[0]}' is not a source.", f"Use one of: {', '.join(SOURCES)}.")
        return IncidentFilter(f, t, _check_categories(self.categories), tuple(self.sources), tuple(self.forces))

    def where(self) -> tuple[str, list]:
        """SQL WHERE clause and parameters. A row repeating an earlier row's identifier in its file
        (``duplicate_id``: police.uk publishes a few Crime IDs twice) is never selected: each crime counts once."""
        w, p = ["NOT duplicate_id"], []
        if self.date_from:
            w.append("month >= CAST(? AS DATE)")
            p.append(self.date_from + "-01")
        if self.date_to:
            w.append("month <= CAST(? AS DATE)")
            p.append(self.date_to + "-01")
        for col, vals in (("category", self.categories), ("source", self.sources), ("force", self.forces)):
            if vals:
                w.append(f"{col} IN (SELECT unnest(?))")
                p.append(list(vals))
        return " AND ".join(w), p


def select_incidents(store: Store, flt: IncidentFilter = IncidentFilter(), area: Area | None = None,
                     columns=DEFAULT_COLUMNS, within_cell: tuple[int, int] | None = None) -> pd.DataFrame:
    """The incidents matching a filter (and inside an area, and one cell), one row each.

    ``within_cell`` is ``(cell as int, resolution)``: only incidents whose res-11
    cell has that cell as parent.

    Returns
    -------
    pandas.DataFrame
        The requested columns of the canonical table; ``month`` as ``YYYY-MM`` text.
    """
    flt = flt.checked()
    where, params = flt.where()
    if within_cell is not None:
        where += f" AND {parent_sql('h3_11', check_resolution(within_cell[1]))} = ?::UBIGINT"
        params = params + [int(within_cell[0])]
    cols = list(dict.fromkeys(list(columns) + (["easting", "northing"] if area is not None else [])))
    sel = ", ".join("strftime(month, '%Y-%m') AS month" if c == "month" else c for c in cols)
    df = store.con.execute(f"SELECT {sel} FROM incidents WHERE {where} ORDER BY month, source_file, source_row",
                           params).df()
    if area is not None and len(df):
        # many incidents share a point: test each distinct point once
        codes, uniq = pd.factorize(df["easting"].to_numpy() + 1j * df["northing"].to_numpy())
        inside = area.contains(uniq.real, uniq.imag)[codes]
        df = df.loc[inside].reset_index(drop=True)
    return df


def selection_months(store: Store, flt: IncidentFilter = IncidentFilter()) -> list[str]:
    """The months (``YYYY-MM``) in which the filter selects any incident, in order."""
    where, params = flt.checked().where()
    return [r[0] for r in store.con.execute(
        f"SELECT DISTINCT strftime(month, '%Y-%m') AS m FROM incidents WHERE {where} ORDER BY m", params).fetchall()]


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
    >>> import h3
    >>> c = h3.str_to_int(h3.latlng_to_cell(51.656, -0.396, 11))
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


def analysis_window(incidents: pd.DataFrame, res: int = H3_DEFAULT_RES, area: Area | None = None) -> np.ndarray:
    """Every cell of the study area, as H3 strings: empty cells included.

    With an area: the cells whose centres lie inside it. Without one: the footprint of
    the data, every cell under the parents ``FOOTPRINT_LEVELS`` resolutions coarser of
    the occupied cells. Occupied cells are always included.

    Examples
    --------
    >>> import h3
    >>> c = h3.str_to_int(h3.latlng_to_cell(51.656, -0.396, 11))
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
        import h3

        parents = np.unique(cell_to_parent(occupied, max(res - FOOTPRINT_LEVELS, 0)))
        children = [h3.str_to_int(c) for p in parents for c in h3.cell_to_children(format(int(p), "x"), res)]
        cells = np.union1d(np.array(children, dtype=np.uint64), occupied)
    else:
        return np.empty(0, dtype=object)
    return cells_to_str(cells)


def study_area(store: Store, district: str | None = None, area_file: str | None = None) -> Area | None:
    """The study area: a district stored in the store (any case), a boundary file, or None (everything).

    Every analysis command's ``--district NAME`` / ``--area FILE`` go through this.

    Raises
    ------
    SettingError
        Both given, or a district the store does not hold (the message lists those it does).
    """
    if district and area_file:
        raise SettingError("Give either --district or --area, not both.",
                           "Use --district NAME for a stored district, or --area FILE for a boundary file.")
    if area_file:
        from geo.boundaries import read_area

        return read_area(area_file)
    if district:
        names = [(lay, n) for lay, n in store.area_names()]
        match = [(lay, n) for lay, n in names if n.lower() == district.strip().lower()]
        match = sorted(match, key=lambda t: t[0] != "district")
        if not match:
            have = ", ".join(sorted(n for lay, n in names if lay == "district")) or "none"
            raise SettingError(f"There is no district called '{district}' in the store (it has: {have}).",
                               "Load the district boundaries on the Data page, or give a boundary file with --area.")
        return store.area(*match[0])
    return None
