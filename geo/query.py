"""Which incidents: one ``Selection`` that every task takes, and the functions that read them.

A selection names the period, the crime types, the sources, the forces and the study area, and how
incidents are weighed (counts, or harm). ``select_incidents`` returns the selected rows of every source
but A&E: health data leaves the store only through ``select_ae``, which the A&E overlay and the knife-sweep
score call and nothing else does (the rule lives here, once). No SQL here: the store builds it.

References
----------
../shared/DOMAIN.md section 2 (sources) and section 4 (A&E handling rules).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

import pandas as pd

from geo.boundaries import Area, read_area
from geo.constants import CATEGORIES, SOURCE_AE, SOURCE_POLICE, SOURCES
from geo.errors import SettingError
from geo.months import check_month
from geo.store import Store

__all__ = ["DEFAULT_COLUMNS", "AE_REFUSAL", "Selection", "select_ae", "select_incidents", "selection_months",
           "street_labels", "study_area"]

#: The columns analyses read when they do not say.
DEFAULT_COLUMNS = ("easting", "northing", "lon", "lat", "h3_11", "category", "month", "location",
                   "occurred_at", "time_precision", "source", "force", "weapon")

#: Why a task other than the A&E overlay and the sweep score gets no A&E rows (DOMAIN.md section 4).
AE_REFUSAL = ("its counts would not be protected by small-number suppression (A&E counts 1 to 7 are never "
              "shown)")


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
class Selection:
    """Which incidents an analysis uses, and how they are weighed. Hashable (a cache key).

    Parameters
    ----------
    date_from, date_to : str, optional
        First and last month, ``YYYY-MM``, inclusive (None: all).
    categories : tuple of str
        Crime types (empty: all).
    sources : tuple of str
        Sources (default: police.uk street crime only, so sources are never mixed silently).
    forces : tuple of str
        Forces (empty: all).
    area : Area, optional
        The study area: incidents inside it (exact test on British National Grid metres). None: everywhere.
    harm : bool
        Weigh each incident by the harm of its category (approximate Cambridge Crime Harm Index days) instead
        of counting it.
    exclude_police_generated : bool
        With ``harm``: give drugs and possession of weapons no harm (they measure patrol effort).
    harm_overrides : tuple of (str, float)
        With ``harm``: category -> days, replacing the default weights.

    Examples
    --------
    >>> Selection("2021-01", "2021-03", ("burglary",)).checked().categories
    ('Burglary',)
    >>> Selection("2021-13").checked()
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: From month '2021-13' is not a month. ...
    """

    date_from: str | None = None
    date_to: str | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = (SOURCE_POLICE,)
    forces: tuple[str, ...] = ()
    area: Area | None = None
    harm: bool = False
    exclude_police_generated: bool = False
    harm_overrides: tuple[tuple[str, float], ...] = ()

    def checked(self) -> "Selection":
        """The selection with its values checked and normalised (SettingError otherwise)."""
        f, t = check_month(self.date_from, "From month"), check_month(self.date_to, "To month")
        if f and t and f > t:
            raise SettingError(f"The period starts ({f}) after it ends ({t}).", "Swap the two months.")
        bad = [s for s in self.sources if s not in SOURCES]
        if bad:
            raise SettingError(f"'{bad[0]}' is not a source.", f"Use one of: {', '.join(SOURCES)}.")
        return replace(self, date_from=f, date_to=t, categories=_check_categories(self.categories),
                       sources=tuple(self.sources), forces=tuple(self.forces))

    def with_period(self, date_from: str | None, date_to: str | None) -> "Selection":
        """The same selection over another period."""
        return replace(self, date_from=date_from, date_to=date_to)

    @property
    def has_ae(self) -> bool:
        return SOURCE_AE in self.sources

    def for_analysis(self, purpose: str = "This analysis") -> "Selection":
        """The selection checked for a task that must never see A&E rows: A&E asked for is refused with the one
        sentence (``AE_REFUSAL``), before any work."""
        sel = self.checked()
        if sel.has_ae:
            raise SettingError(f"{purpose} does not use A&E data: {AE_REFUSAL}.",
                               "Compare A&E assaults with police violence with `python -m hotspots overlay` (or the "
                               "Overlay page), which suppresses small counts.")
        return sel

    def without_ae(self) -> "Selection":
        return replace(self, sources=tuple(s for s in self.sources if s != SOURCE_AE))


def _area_filter(df: pd.DataFrame, area: Area | None) -> pd.DataFrame:
    if area is None or not len(df):
        return df
    # many incidents share a point: test each distinct point once
    codes, uniq = pd.factorize(df["easting"].to_numpy() + 1j * df["northing"].to_numpy())
    inside = area.contains(uniq.real, uniq.imag)[codes]
    return df.loc[inside].reset_index(drop=True)


def _select(store: Store, sel: Selection, columns, within_cell) -> pd.DataFrame:
    cols = list(dict.fromkeys(list(columns) + (["easting", "northing"] if sel.area is not None else [])))
    df = store.select_incidents(cols, date_from=sel.date_from, date_to=sel.date_to, categories=sel.categories,
                                sources=sel.sources, forces=sel.forces, within_cell=within_cell,
                                bbox=None if sel.area is None else tuple(sel.area.geometry.bounds))
    return _area_filter(df, sel.area)


def select_incidents(store: Store, sel: Selection = Selection(), columns=DEFAULT_COLUMNS,
                     within_cell: tuple[int, int] | None = None, purpose: str = "This analysis") -> pd.DataFrame:
    """The incidents a selection picks (never A&E), one row each, in month and file order.

    ``within_cell`` is ``(cell as int, resolution)``: only incidents whose res-11 cell has that cell as
    parent. A row repeating an earlier row's identifier in its file (``duplicate_id``) is never selected.

    Returns
    -------
    pandas.DataFrame
        The requested columns of the canonical table; ``month`` as ``YYYY-MM`` text.

    Raises
    ------
    SettingError
        The selection asks for A&E rows (say which ``purpose`` asked), or a value is wrong.
    """
    return _select(store, sel.for_analysis(purpose), columns, within_cell)


def select_ae(store: Store, sel: Selection, columns=DEFAULT_COLUMNS) -> pd.DataFrame:
    """A&E assault records (located ones) a selection's period, forces and area pick.

    Only the A&E overlay and the knife-sweep score call this: what they publish goes through
    ``hotspots.methods.suppress`` (small counts hidden) or is a rank and an order only.
    """
    sel = sel.checked()
    return _select(store, replace(sel, sources=(SOURCE_AE,), categories=()), columns, None)


def selection_months(store: Store, sel: Selection = Selection()) -> list[str]:
    """The months (``YYYY-MM``) in which the selection picks any incident, in order (area not applied)."""
    sel = sel.checked()
    return store.selection_months(date_from=sel.date_from, date_to=sel.date_to, categories=sel.categories,
                                  sources=sel.sources, forces=sel.forces)


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


#: The most street names an offline map is sent (the busiest kept; a county has about 11,000).
MAX_STREET_LABELS = 4000


def street_labels(store: Store, area: Area | None = None, limit: int = MAX_STREET_LABELS) -> tuple[pd.DataFrame, int]:
    """police.uk's street names to write on an offline map: ``name`` ("On or near " dropped), ``easting``,
    ``northing``, ``n`` (incidents), busiest first, at most ``limit``; and how many there were in all.

    One label per name and kilometre square, at the mean of its snap points (``Store.street_labels``); only
    police.uk rows (anonymised snap points), never A&E; inside ``area`` when given.
    """
    df = store.street_labels((SOURCE_POLICE,))
    df = _area_filter(df, area)
    total = len(df)
    df = df.head(max(int(limit), 0)).copy()
    df["name"] = df["location"].str.removeprefix("On or near ").str.strip()
    df = df.loc[df["name"] != ""]
    return df[["name", "easting", "northing", "n"]].reset_index(drop=True), total
