"""Police violence x A&E assaults, hexagon by hexagon: where violence goes unreported.

The Cardiff Model's premise (../shared/DOMAIN.md section 2): many assaults treated in
emergency departments never reach the police (65.6 % in Swansea, Sutherland et al.
2002). Putting the two on one grid shows where.

What is compared
----------------
* **Police violence**: police.uk street-level crime of type "Violence and sexual
  offences" (source ``police``). Robbery is left out: it is recorded as an
  acquisitive crime and A&E assault data does not separate it; public order offences
  are left out because most involve no injury. Sexual offences are in the police
  type and cannot be taken out of police.uk data; A&E assault records include
  sexual assaults that led to an attendance.
* **A&E assaults**: ISTV attendances for assault (source ``ae``, category
  ``A&E assault``) that the geocoder placed on the map; each counts once, at the
  place it happened, in the month of the assault.

Both are counted per H3 cell at one resolution (cells are equal-area, so counts are
comparable without dividing by area), over the same months and area.

Classes for the bivariate map
-----------------------------
A cell is **high** for a source when its count is at least that source's *high cut*:
the smallest count among the busiest 20 % of the cells where the source has any
(``HIGH_SHARE``; ties at the cut are included, so a little over 20 % can be high).
For A&E the cut is never between 2 and ``threshold`` (7): a class boundary there would
tell a reader part of a suppressed count ("1 to 7" and "A&E high" at a cut of 7 means
exactly 7). A cut that falls there becomes ``threshold + 1`` (8) if any cell has that
many, else 1: on sparse data (a short period, small cells) "A&E high" then means any
A&E assault, and the page says so. Classes: "Both high", "Police only" (police high, A&E not),
"A&E only" (A&E high, police not), "Low" (neither). Only cells with at least one
police violence crime or A&E assault are listed; all other cells are Low with zero
of each.

Violence unknown to police
--------------------------
If A&E assaults followed the geography of police violence, a cell with ``p`` of the
area's ``P`` police violence crimes would see ``expected = p x A / P`` of its ``A``
A&E assaults. ``excess = ae_assaults - expected`` is the number of A&E assaults
the police data does not account for. Without police violence in the area, expected
is 0 and excess is the A&E count.

A busy cell has a large excess by chance alone (a cell with 200 police violence crimes and
an expected 20 A&E assaults sees 25 about one time in seven), so the list holds only cells
where A&E exceeds what police data predicts beyond chance: the exact conditional test of
two Poisson counts (Przyborowski & Wilenski 1940; ``hotspots.methods.poisson``): given the
cell's ``n = a + p`` incidents of both kinds, under the null that A&E assaults follow police
violence ``a`` is binomial with ``n`` trials and probability ``A / (A + P)``; ``p`` (one-sided)
is ``P(X >= a)``. The police count is itself random, which this test allows for and a
Poisson test against ``expected`` would not. The p-values are corrected for testing many
cells by the Benjamini-Hochberg false discovery rate (``FDR_ALPHA``, 5 %) over the cells
whose A&E count is published (``p_fdr``). Listed cells (``unknown_to_police``) are ranked by
excess (largest first, ties by cell id so equal values keep no meaningful order), and each is
given the nearest police.uk snap-point locations ("On or near ...", any crime type) for
orientation. A cell can be "Both high" and listed: the classes compare volumes, the list
compares A&E with police violence.

Only cells whose A&E count is *shown* are ranked (in practice 8 or more), and the FDR
correction runs over those cells only, so it depends on no hidden count. A hidden
count's place in an excess ranking would give it away: listed means ``count >
expected``, unlisted means ``count <= expected``, and its rank between two shown
excesses (with the published police counts and totals, which give ``expected``)
brackets its count, often to one value. The published ranking is therefore exactly
what a reader can compute from the published cells (shown counts, expected, excess),
and tells nothing more. Hexagons with hidden counts stay on the map and in the files.

Suppression and perturbation
----------------------------
:func:`compute_overlay` returns true counts and stays inside the library, with each hexagon's
and the total's *cell key* (the sum of their records' keys, from the store) and the hexagons'
published counts (``ae_published_n``: cell-key perturbation, ``hotspots.methods.ckm``; 0 and
1..7 unchanged, larger counts moved by -2..+2, or by 3 for one key in 65,536; one moved to 7
or below is hidden as "1 to 7"). Expected counts, excess, p-values, the A&E high cut and the
classes are computed from the published counts and the published total, so that neither a
class nor a rank can rebuild an exact count (issue 16). Shown hexagon counts, the hours of the
week, the weapon classes and the total are published perturbed (the total as a cell of its
own, with its own key sum), through ``hotspots.methods.suppress.publish_counts``.
:func:`overlay` (what the CLI, the page and the files use) passes every A&E number
through ``hotspots.methods.suppress``: counts 1-7 show as "1 to 7", totals are protected by
secondary suppression, and the excess (derived from the count) is hidden with it. The
hexagons, the hours of the week and the weapon classes are three breakdowns of one
total (all selected A&E assaults), each audited against it; the total is shown only if
all three allow it. When it cannot be shown exactly (it is itself 1-7, or no count is
left to protect a small one), no A&E breakdown is published at all: under a total known
only to be small, even which hexagons have any assault narrows the counts, and shares
or expected counts would give the total back. The classes then use police violence only,
and only hexagons with police violence are listed (one without would be there only for
its A&E assaults).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.constants import H3_DEFAULT_RES, SOURCE_AE, SOURCE_POLICE, SOURCE_RMS, SYNTHETIC_MARK
from geo.crs import lonlat_to_bng
from geo.errors import SettingError
from geo.grid import cell_to_parent, cells_to_latlng, cells_to_str
from geo.query import Selection, select_ae, select_incidents
from geo.readers.ae import WEAPON_CLASSES as READER_WEAPON_CLASSES
from geo.store import Store
from hotspots.defaults import AE_SUPPRESS_MAX, FDR_ALPHA, SPECS
from hotspots.methods.heavy import scipy_stats
from hotspots.methods.lattice import benjamini_hochberg
from hotspots.methods.ckm import MAX_MOVE, perturb
from hotspots.methods.suppress import (
    SECONDARY_LABEL,
    Suppressed,
    primary_label,
    publish_counts,
    published_small,
    suppress_counts,
    suppress_table,
)
from hotspots.methods.temporal import DAYS, day_hour_grid
from geo.schema import is_synthetic

__all__ = ["CLASSES", "CLASS_COLOURS", "HIGH_SHARE", "POLICE_VIOLENCE", "PROTECTION_NOTE", "WEAPON_CLASSES",
           "OverlayCounts", "PublishedOverlay", "compute_overlay", "high_cut", "overlay"]

#: police.uk types counted as police violence (module docstring: why not Robbery).
POLICE_VIOLENCE: tuple[str, ...] = ("Violence and sexual offences",)
#: A cell is "high" for a source when among the busiest 20 % of its non-empty cells.
HIGH_SHARE = 0.20
#: Bivariate classes, in legend order.
CLASSES: tuple[str, ...] = ("Both high", "Police only", "A&E only", "Low")
#: A 2 x 2 bivariate palette (Stevens' scheme): red for A&E, blue for police, dark for both.
CLASS_COLOURS: dict[str, str] = {"Both high": "#574249", "Police only": "#64acbe", "A&E only": "#c85a5a",
                                 "Low": "#e8e8e8"}
#: Weapon classes of A&E records (the ISTV reader's contract, ``geo.readers.ae``), in display order.
WEAPON_CLASSES: tuple[str, ...] = tuple(READER_WEAPON_CLASSES)
#: The one line every view showing A&E numbers carries (issue 16).
PROTECTION_NOTE = "Small numbers are hidden and others slightly adjusted to protect patients."
#: Places listed under "violence unknown to police".
RANKED_MAX = 20
#: Police.uk locations named for each ranked place.
STREETS_PER_PLACE = 3
#: The day x hour grid's extra cell for A&E records without a time of day.
NO_TIME = "time not recorded"


def high_cut(counts, share: float = HIGH_SHARE, floor: int = 1) -> float:
    """The smallest count among the busiest ``share`` of the non-zero counts (at least ``floor``).

    Returns ``inf`` when there is no non-zero count (nothing is high).

    >>> high_cut([0, 1, 1, 2, 3, 5, 8, 9, 10, 20, 40])   # 10 non-zero, top 2: 40 and 20
    20.0
    >>> high_cut([1, 1, 2, 3], floor=8)
    8.0
    >>> high_cut([0, 0])
    inf
    """
    v = np.sort(np.asarray(counts, dtype=float))[::-1]
    v = v[v > 0]
    if v.size == 0:
        return math.inf
    k = max(1, math.ceil(share * v.size))
    return float(max(v[k - 1], floor))


@dataclass
class OverlayCounts:
    """The overlay's true counts. Library-internal: publish through :func:`overlay` only.

    Attributes
    ----------
    cells : DataFrame
        ``cell, police_violence, ae_assaults, expected_ae, excess, p, police_high, ae_high, class``:
        one row per cell with any police violence or A&E assault, by cell id; ``p`` is the one-sided
        p-value that A&E exceeds what police violence predicts (module docstring).
    police_cut, ae_cut : float
        The high cuts (counts in the period).
    ae_hours : ndarray
        169 counts: the 168 hours of the week (Monday 00:00 first) and A&E assaults
        without a time of day.
    weapons : DataFrame
        ``weapon, assaults``, every class of ``WEAPON_CLASSES``.
    rms_grid : DayHourGrid or None
        Force-records violence by day and hour (aoristic), when such records are loaded.
    streets : dict
        cell -> list of (police.uk location text, distance in m from the cell centre), for the
        cells that may be ranked (excess > 0 and more than ``threshold`` A&E assaults).
    """
    res: int
    cells: pd.DataFrame
    police_cut: float
    ae_cut: float
    ae_hours: np.ndarray
    weapons: pd.DataFrame
    rms_grid: object | None
    streets: dict
    months: list[str]
    synthetic: bool
    threshold: int
    top: int = RANKED_MAX
    ae_total_key: int = 0
    ae_hour_keys: np.ndarray | None = None


def _cells_of(h3_11, res: int) -> np.ndarray:
    return cells_to_str(cell_to_parent(np.asarray(h3_11, dtype=np.uint64), res))


def compute_overlay(store: Store, sel: Selection = Selection(), *, res: int = H3_DEFAULT_RES,
                    exclude_synthetic_ae: bool = False, threshold: int = AE_SUPPRESS_MAX,
                    top: int = RANKED_MAX) -> OverlayCounts:
    """Police violence and A&E assaults per cell, classes, excess, weapon mix, hours. True counts.

    Parameters
    ----------
    sel : geo.query.Selection
        The period and the study area (both sources keep incidents inside it); its forces are the police
        forces to include (empty: all). Its crime types and sources are the overlay's own.
    res : int
        H3 resolution (7-11; default 9, ~0.1 km2 cells).
    exclude_synthetic_ae : bool
        Leave out A&E records marked synthetic (when real data is shown).
    threshold : int
        The suppression threshold: the A&E high cut is at least ``threshold + 1``.
    top : int
        How many places the published ranking lists (street names are looked up for every
        candidate: cells with excess > 0 and more than ``threshold`` A&E assaults).

    Raises
    ------
    SettingError
        Bad months or resolution; no A&E assaults loaded at all (with how to load them).
    """
    res = SPECS["res"].check(res, "overlay")
    pflt = replace(sel, categories=POLICE_VIOLENCE, sources=(SOURCE_POLICE,)).checked()
    if not store.source_count(SOURCE_AE):
        raise SettingError(
            "No A&E assault data is loaded, so there is nothing to compare police violence with.",
            "Load the emergency departments' ISTV files: `python -m hotspots ingest ae FILES` (or the Data "
            "page's A&E tab); the synthetic sample's are in sample_data/ae/.")
    police = select_incidents(store, pflt, columns=("h3_11", "force"))
    ae = select_ae(store, replace(pflt, forces=()), columns=("h3_11", "subcategory", "occurred_at", "occurred_until",
                                                             "time_precision", "force", "month", "id"))
    if exclude_synthetic_ae and len(ae):
        ae = ae.loc[~ae["force"].astype(str).str.contains(SYNTHETIC_MARK, regex=False)].reset_index(drop=True)
    p = pd.Series(_cells_of(police["h3_11"], res)).value_counts() if len(police) else pd.Series(dtype=np.int64)
    ae_cells = _cells_of(ae["h3_11"], res) if len(ae) else np.array([], dtype=object)
    a = pd.Series(ae_cells).value_counts() if len(ae) else pd.Series(dtype=np.int64)
    cells = pd.DataFrame({"police_violence": p, "ae_assaults": a}).fillna(0).astype(np.int64)
    cells.index.name = "cell"
    cells = cells.sort_index().reset_index()
    # cell keys (sums of the records' keys, in the store) of each hexagon and of the total, and the counts
    # as published (cell-key perturbation: exact for 0 and 1..threshold, which are shown as 0 or hidden)
    hour_idx = _hour_of_week(ae) if len(ae) else np.zeros(0, dtype=np.int64)
    wclass = ae["subcategory"].fillna("unknown").astype(str) if len(ae) else pd.Series([], dtype=object)
    keys = _key_sums(store, ae, {"": ae_cells, _HOUR: hour_idx.astype(str), _WEAPON: wclass.to_numpy(dtype=object)})
    cells["ae_key"] = cells["cell"].map(keys).fillna(0).astype(np.int64)
    cells["ae_published_n"] = perturb(cells["ae_assaults"].to_numpy(), cells["ae_key"].to_numpy(), threshold)
    total_key = int(keys.get(_TOTAL, 0))
    p_total, a_total = int(cells["police_violence"].sum()), int(cells["ae_assaults"].sum())
    a_total_pub = int(perturb([a_total], [total_key], threshold)[0])
    # everything derived from A&E counts (expected, excess, p, cuts, classes) comes from the published
    # counts, so that a class or a rank cannot be used to rebuild an exact count either
    a_pub = cells["ae_published_n"]
    ratio = a_total_pub / p_total if p_total else 0.0
    cells["expected_ae"] = cells["police_violence"] * ratio
    cells["excess"] = a_pub - cells["expected_ae"]
    cells["p"] = excess_p(a_pub, cells["police_violence"], a_total_pub, p_total)
    police_cut = high_cut(cells["police_violence"])
    ae_cut = high_cut(a_pub)
    if 2 <= ae_cut <= threshold:  # a cut inside 2..threshold would reveal part of a suppressed count
        ae_cut = float(threshold + 1) if (a_pub > threshold).any() else 1.0
    cells["police_high"] = cells["police_violence"] >= police_cut
    cells["ae_high"] = a_pub >= ae_cut
    cells["class"] = np.select([cells["police_high"] & cells["ae_high"], cells["police_high"], cells["ae_high"]],
                               ["Both high", "Police only", "A&E only"], "Low")

    # A&E by hour of the week: each record in the hour it happened (every ISTV record has a time to the
    # minute); a record without a time of day is counted in its own cell (168), as is a time window (the
    # grid's aoristic spreading would split a record, and a published cell must count whole records)
    hours = np.bincount(hour_idx, minlength=169).astype(np.int64)
    hour_keys = np.array([int(keys.get(f"{_HOUR}{i}", 0)) for i in range(169)], dtype=np.int64)
    wcounts = wclass.value_counts()
    order = list(WEAPON_CLASSES) + sorted(set(wcounts.index) - set(WEAPON_CLASSES))
    weapons = pd.DataFrame({"weapon": order, "assaults": [int(wcounts.get(w, 0)) for w in order],
                            "key": [int(keys.get(f"{_WEAPON}{w}", 0)) for w in order]})

    rms_grid = None
    if store.source_count(SOURCE_RMS):
        rflt = replace(pflt, sources=(SOURCE_RMS,), forces=())
        rms = select_incidents(store, rflt, columns=("occurred_at", "occurred_until", "time_precision"))
        if len(rms):
            rms_grid = day_hour_grid(rms)

    # only shown counts are ranked (0 or more than threshold; 0 has no excess): streets for all of them,
    # since which of them stay shown is decided on publishing (a secondary suppression drops one)
    candidates = _ranked(cells.loc[cells["ae_assaults"] > threshold])
    # and every hexagon with A&E assaults but no police violence (the "unseen" list: which hexagons these are
    # is in the published cells already, whatever their counts)
    unseen = cells.loc[(cells["police_violence"] == 0) & (cells["ae_assaults"] > 0), "cell"]
    wanted = list(dict.fromkeys(candidates["cell"].tolist() + unseen.tolist()))
    streets = _nearest_streets(store, pflt, wanted) if wanted else {}
    months = sorted(set(ae["month"]) if len(ae) else set())
    return OverlayCounts(res, cells, police_cut, ae_cut, hours, weapons, rms_grid, streets, months,
                         bool(is_synthetic(police) or is_synthetic(ae)), int(threshold), int(top),
                         ae_total_key=total_key, ae_hour_keys=hour_keys)


#: The cell names of the overlay's total, hours of the week and weapon classes in the key sums.
_TOTAL, _HOUR, _WEAPON = "total", "hour:", "weapon:"


def _hour_of_week(ae: pd.DataFrame) -> np.ndarray:
    """Each A&E record's hour of the week (0 = Monday 00:00 .. 167), or 168 without a time of day.

    >>> _hour_of_week(pd.DataFrame({"occurred_at": pd.to_datetime(["2021-06-07 00:10", "2021-06-06 23:59", None]),
    ...                             "time_precision": ["minute", "minute", "minute"]})).tolist()
    [0, 167, 168]
    """
    at = pd.to_datetime(ae["occurred_at"], errors="coerce")
    timed = at.notna().to_numpy() & ae["time_precision"].astype(str).isin(("minute", "hour")).to_numpy()
    idx = (at.dt.day_of_week.fillna(0) * 24 + at.dt.hour.fillna(0)).to_numpy(dtype=np.int64)
    return np.where(timed, idx, 168).astype(np.int64)


def _key_sums(store: Store, ae: pd.DataFrame, groups: dict) -> dict:
    """Cell keys of the total (``_TOTAL``) and of each cell of each breakdown (``prefix -> cell per record``:
    hexagons, hours, weapons), summed in the store (record keys never come up)."""
    if not len(ae):
        return {}
    base = pd.DataFrame({"force": ae["force"].to_numpy(), "id": ae["id"].to_numpy()})
    members = pd.concat([base.assign(cell=_TOTAL)]
                        + [base.assign(cell=[f"{prefix}{c}" for c in cells]) for prefix, cells in groups.items()],
                        ignore_index=True)
    sums = store.ae_key_sums(members)
    return dict(zip(sums["cell"], sums["cell_key"].astype(int)))


def excess_p(ae, police, ae_total: int, police_total: int) -> np.ndarray:
    """One-sided p-values that each cell has more A&E assaults than its police violence predicts.

    The exact conditional test of two Poisson counts (Przyborowski & Wilenski 1940): given a cell's
    ``n = ae + police``, under the null (A&E assaults follow police violence) ``ae`` is binomial with
    ``n`` trials and probability ``ae_total / (ae_total + police_total)``; the p-value is ``P(X >= ae)``.

    30 A&E assaults beside 200 police violence crimes, where the area has 100 and 1,000: 20.9 expected, and
    ``P(X >= 30)`` for ``X ~ Binomial(230, 1/11)`` is the sum of the binomial terms from 30 up:

    >>> p = excess_p([30, 10, 0, 8], [200, 100, 5, 0], 100, 1000)
    >>> from math import comb
    >>> round(float(p[0]), 6), round(sum(comb(230, k) * (1 / 11) ** k * (10 / 11) ** (230 - k) for k in range(30, 231)), 6)
    (0.028997, 0.028997)
    >>> [round(float(v), 4) for v in p[1:]], round(float(p[3]) / (1 / 11) ** 8, 6)
    ([0.5481, 1.0, 0.0], 1.0)
    """
    a = np.asarray(ae, dtype=np.int64)
    n = a + np.asarray(police, dtype=np.int64)
    total = int(ae_total) + int(police_total)
    if total == 0 or len(a) == 0:
        return np.ones(len(a))
    p = scipy_stats().binom.sf(a - 1, n, int(ae_total) / total)
    return np.where(a > 0, np.clip(p, 0.0, 1.0), 1.0)


def _near_text(streets: dict, cell: str) -> str:
    """A cell's nearest police.uk locations as text: ``On or near X (40 m); ...``."""
    return "; ".join(f"{name} ({d:,.0f} m)" for name, d in streets.get(cell, []))


def _ranked(cells: pd.DataFrame, alpha: float | None = None) -> pd.DataFrame:
    """Cells with excess > 0, largest first (ties by cell id). True values: rank only shown counts.

    With ``alpha``, only cells whose A&E count exceeds the police prediction beyond chance: p-values
    corrected by Benjamini-Hochberg over the given cells (``p_fdr``) at most ``alpha``.
    """
    r = cells.copy()
    if alpha is not None:
        r["p_fdr"] = benjamini_hochberg(r["p"].to_numpy(dtype=float)) if len(r) else np.zeros(0)
        r = r.loc[r["p_fdr"] <= alpha]
    r = r.loc[r["excess"] > 0]
    return r.sort_values(["excess", "cell"], ascending=[False, True], ignore_index=True)


def _nearest_streets(store: Store, pflt: Selection, cells: list[str]) -> dict:
    """The nearest distinct police.uk locations (any crime type, same period) to each cell's centre."""
    pts = store.location_points(date_from=pflt.date_from, date_to=pflt.date_to, sources=(SOURCE_POLICE,),
                                forces=pflt.forces)
    pts = pts.loc[pts["location"].astype(str) != ""].reset_index(drop=True)
    if pts.empty:
        return {c: [] for c in cells}
    tree = cKDTree(pts[["e", "n"]].to_numpy(dtype=float))
    lat, lng = cells_to_latlng(list(cells))
    x, y = lonlat_to_bng(lng, lat)
    k = min(len(pts), 12)
    dist, idx = tree.query(np.column_stack([x, y]), k=k)
    dist, idx = np.atleast_2d(dist), np.atleast_2d(idx)
    out = {}
    for c, drow, irow in zip(cells, dist, idx):
        names: list[tuple[str, float]] = []
        for d, i in zip(drow, irow):
            name = str(pts["location"].iat[int(i)])
            if name not in [n for n, _ in names]:
                names.append((name, float(d)))
            if len(names) == STREETS_PER_PLACE:
                break
        out[c] = names
    return out


# ------------------------------------------------------------------------------ published


@dataclass
class PublishedOverlay:
    """Everything the overlay shows, with A&E small numbers suppressed. Safe to publish.

    Attributes
    ----------
    cells : DataFrame
        ``cell, police_violence, ae_assaults, class, expected_ae, excess, p, ae_assaults_suppressed, p_fdr,
        unknown_to_police``; ``ae_assaults`` is an int, ``"1 to 7"`` or ``"suppressed"``; ``excess`` and ``p``
        are None where the count is hidden; ``p_fdr`` (Benjamini-Hochberg over the hexagons with a shown count
        above 0) is None where the hexagon is not tested; ``unknown_to_police``: listed (``p_fdr`` at most
        ``FDR_ALPHA`` and excess > 0).
    ranked : DataFrame
        ``rank, cell, ae_assaults, police_violence, expected_ae, excess, class, near, p, p_fdr`` (near:
        police.uk locations with distances, as text; untrusted: escape before HTML). The first ``top``
        hexagons with more A&E assaults than police violence predicts beyond chance (``unknown_to_police``),
        largest excess first: only hexagons whose A&E count is shown, so what the published ``cells`` give.
    unseen : DataFrame
        ``cell, ae_assaults, near``: hexagons whose A&E count is hidden and that have no police
        violence at all, in the order of their nearest location's name (never of a count). On
        sparse data, where the ranking is empty, these are the places A&E knows of and the
        police data does not; the published ``cells`` already say which hexagons they are.
    ae_grid : DataFrame
        7 x 24 published labels (index ``DAYS``, columns hours 0-23).
    ae_grid_values : DataFrame
        The same, numbers with NaN where hidden (for charts).
    ae_no_time
        Published count of A&E records without a time of day.
    weapons : DataFrame
        ``weapon, assaults, share_pct`` (share hidden with its count).
    rms_grid : DayHourGrid or None
        Force-records violence (not health data: not suppressed).
    totals : dict
        ``police_violence`` (int), ``ae_assaults`` (int, "1 to 7" or "suppressed").
    class_counts : dict
        Hexagons per class.
    cuts : dict
        ``police_high``, ``ae_high``: the high cuts (counts in the period; None when nothing is high).
    """
    res: int
    cells: pd.DataFrame
    ranked: pd.DataFrame
    ae_grid: pd.DataFrame
    ae_grid_values: pd.DataFrame
    ae_no_time: object
    weapons: pd.DataFrame
    rms_grid: object | None
    totals: dict
    class_counts: dict
    cuts: dict
    months: list[str]
    synthetic: bool
    threshold: int
    notes: list[str] = field(default_factory=list)
    unseen: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["cell", "ae_assaults", "near"]))

    @property
    def hidden_label(self) -> str:
        return primary_label(self.threshold)

    def summary(self) -> dict:
        """For ``--json`` and the page's headline numbers."""
        hidden = self.cells["ae_assaults_suppressed"]
        return {"res": self.res, "months": self.months, "cells": int(len(self.cells)),
                "classes": self.class_counts, "totals": self.totals,
                "cells_ae_suppressed": int(hidden.sum()),
                "cells_ae_hidden_no_police_violence": int(len(self.unseen)),
                "unknown_to_police": int(self.cells["unknown_to_police"].sum()) if len(self.cells) else 0,
                "unknown_to_police_test": {"test": "exact conditional test of two Poisson counts, one-sided",
                                           "fdr": "Benjamini-Hochberg", "alpha": FDR_ALPHA},
                "high_cuts": self.cuts, "suppression": {"threshold": self.threshold, "label": self.hidden_label,
                                                        "secondary_label": SECONDARY_LABEL},
                "synthetic": self.synthetic, "ae_note": PROTECTION_NOTE}


def _cut(x: float):
    return None if not math.isfinite(x) else int(x)


def publish(counts: OverlayCounts) -> PublishedOverlay:
    """Pass every A&E number of an overlay through small-number suppression."""
    t = counts.threshold
    c = counts.cells
    # what the class says of each cell's A&E count (bounds a reader knows even when it is hidden)
    # The class follows the published count, which is the exact one for 0 and 1..t and moves by at most
    # MAX_MOVE otherwise: so "A&E high" says the exact count is at least the cut - MAX_MOVE. The secondary
    # suppression audits the group against the exact total, stricter than the perturbed one a reader sees.
    # counts published as "1 to 7": the small ones and larger ones the perturbation brought to 7 or below
    a_pub = c["ae_published_n"].to_numpy(dtype=float)
    small = (c["ae_assaults"].to_numpy() >= 1) & (a_pub <= t)
    cut = counts.ae_cut
    exact = (c["ae_assaults"].to_numpy() >= 1) & (c["ae_assaults"].to_numpy() <= t)  # published unmoved
    cut_lo = np.where(exact, cut, cut - MAX_MOVE) if math.isfinite(cut) else np.inf
    cut_hi = np.where(exact, cut - 1, cut - 1 + MAX_MOVE) if math.isfinite(cut) else np.inf
    lower = np.where(c["ae_high"], cut_lo, 0.0)
    upper = np.where(c["ae_high"], np.inf, cut_hi)
    cells, s_cells = suppress_table(c[["cell", "police_violence", "ae_assaults", "class", "expected_ae", "excess",
                                       "p"]],
                                    "ae_assaults", derived=["excess", "p"], threshold=t, lower=lower, upper=upper,
                                    primary=small)
    # shown counts are published perturbed (cell-key perturbation), hidden ones keep their labels
    cells["ae_assaults"] = pd.Series(publish_counts(c["ae_assaults"].to_numpy(), c["ae_key"].to_numpy(),
                                                    threshold=t, hidden=s_cells.secondary),
                                     index=cells.index, dtype=object)
    cells["expected_ae"] = cells["expected_ae"].round(2)
    cells["excess"] = pd.Series([None if v is None else round(float(v), 2) for v in cells["excess"]],
                                index=cells.index, dtype=object)

    hour_keys = counts.ae_hour_keys if counts.ae_hour_keys is not None else np.zeros(169, dtype=np.int64)
    s_hours = suppress_counts(counts.ae_hours, threshold=t,
                              primary=published_small(counts.ae_hours, hour_keys, threshold=t))
    labels = publish_counts(counts.ae_hours, hour_keys, threshold=t, hidden=s_hours.secondary)
    shown = np.array([float(v) if isinstance(v, int) else np.nan for v in labels])
    grid = pd.DataFrame(np.array(labels[:168], dtype=object).reshape(7, 24), index=pd.Index(DAYS, name="day"),
                        columns=pd.Index(range(24), name="hour"))
    grid_values = pd.DataFrame(shown[:168].reshape(7, 24), index=grid.index, columns=grid.columns)

    w = counts.weapons.drop(columns="key")
    w["share_pct"] = 0.0
    weapons, s_weapons = suppress_table(w, "assaults", derived=["share_pct"], threshold=t,
                                        primary=published_small(counts.weapons["assaults"].to_numpy(),
                                                                counts.weapons["key"].to_numpy(), threshold=t))
    weapons["assaults"] = pd.Series(publish_counts(counts.weapons["assaults"].to_numpy(),
                                                   counts.weapons["key"].to_numpy(), threshold=t,
                                                   hidden=s_weapons.secondary), index=weapons.index, dtype=object)

    # the three groups share one total (all A&E assaults selected): shown only if every group may show it
    groups: list[Suppressed] = [s_cells, s_hours, s_weapons]
    ae_total = s_cells.total
    if all(g.total_shown for g in groups) or ae_total == 0:
        total_label = s_cells.total_label()
        if isinstance(total_label, int):  # the total is perturbed as a cell, with its own key sum
            total_label = publish_counts([ae_total], [counts.ae_total_key], threshold=t)[0]
    else:
        total_label = primary_label(t) if 1 <= ae_total <= t else SECONDARY_LABEL
    tiny = not isinstance(total_label, int)
    # shares of the published total, from the published counts (an exact share would give the count back)
    weapons["share_pct"] = pd.Series([round(100.0 * v / total_label, 1) if isinstance(v, int) and not tiny
                                      and total_label else None for v in weapons["assaults"]],
                                     index=weapons.index, dtype=object)
    if tiny:
        # Too few A&E assaults to publish any breakdown: with the total only known to be small (or
        # withheld), even which hexagons, hours or weapons have any would narrow the counts (seven
        # non-empty hexagons under a total of "1 to 7" are one each), and a share or an expected count
        # would give the total back. So no A&E number, zero or not, and classes from police alone.
        hide = SECONDARY_LABEL
        cells["ae_assaults"] = hide
        cells["ae_assaults_suppressed"] = True
        cells["expected_ae"] = None
        cells["excess"] = None
        cells["class"] = np.where(c["police_high"], "Police only", "Low")
        weapons["assaults"] = hide
        weapons["assaults_suppressed"] = True
        weapons["share_pct"] = None
        grid.loc[:, :] = hide
        grid_values.loc[:, :] = np.nan
        labels[168] = hide

    # only hexagons whose count is published are ranked: a hidden count's place in the list (listed or
    # not, and between which shown excesses) would narrow it. So the ranking follows from the published
    # cells (shown count, expected, excess, p) alone; the FDR correction runs over the hexagons with a shown
    # count above 0, the only ones that can be listed (a count of 0 can never exceed a prediction: Tarone 1990)
    tested = ~cells["ae_assaults_suppressed"].to_numpy(dtype=bool) & (c["ae_assaults"].to_numpy() > 0)
    if tiny:
        tested[:] = False
    ranked_cells = _ranked(c.loc[tested], alpha=FDR_ALPHA)
    p_fdr = np.full(len(c), np.nan)
    p_fdr[tested] = benjamini_hochberg(c.loc[tested, "p"].to_numpy(dtype=float)) if tested.any() else []
    cells["p"] = pd.Series([None if v is None else float(f"{float(v):.3g}") for v in cells["p"]],
                           index=cells.index, dtype=object)
    cells["p_fdr"] = pd.Series([None if np.isnan(v) else float(f"{v:.3g}") for v in p_fdr], index=cells.index,
                               dtype=object)
    cells["unknown_to_police"] = cells["cell"].isin(set(ranked_cells["cell"]))
    if tiny:
        cells["p"] = None
    pub = cells.set_index("cell")
    rows = []
    for i, cell in enumerate(ranked_cells["cell"].head(counts.top), start=1):
        r = pub.loc[cell]
        rows.append({"rank": i, "cell": cell, "ae_assaults": r["ae_assaults"],
                     "police_violence": int(r["police_violence"]), "expected_ae": r["expected_ae"],
                     "excess": r["excess"], "class": r["class"], "near": _near_text(counts.streets, cell),
                     "p": r["p"], "p_fdr": r["p_fdr"]})
    ranked = pd.DataFrame(rows, columns=["rank", "cell", "ae_assaults", "police_violence", "expected_ae", "excess",
                                         "class", "near", "p", "p_fdr"])
    # hexagons with hidden A&E counts and no police violence, in no order that depends on a count: the
    # published cells already say which they are (a listed hexagon without police violence has A&E assaults)
    hidden_only = cells["ae_assaults_suppressed"].to_numpy(dtype=bool) & (c["police_violence"].to_numpy() == 0)
    if tiny:  # no A&E breakdown at all
        hidden_only[:] = False
    unseen = pd.DataFrame({"cell": c.loc[hidden_only, "cell"].to_numpy(),
                           "ae_assaults": cells.loc[hidden_only, "ae_assaults"].to_numpy()})
    unseen["near"] = [_near_text(counts.streets, cell) for cell in unseen["cell"]]
    unseen = unseen.sort_values(["near", "cell"], ignore_index=True)
    notes = [PROTECTION_NOTE,
             f"A&E counts from 1 to {t} are shown as \"{primary_label(t)}\" (NHS small-number practice; so is "
             f"a slightly larger count the adjustment brings to {t} or below); "
             f"\"{SECONDARY_LABEL}\" marks a larger count (more than {t}) hidden so that totals cannot reveal "
             "a small one."]
    if counts.ae_cut == 1 and t >= 1:
        notes.append(f"No hexagon has more than {t} A&E assaults in the period, so 'A&E high' means any A&E "
                     "assault (a cut between 2 and 7 would give away suppressed counts); larger hexagons or a "
                     "longer period separate the busiest places.")
    n_hidden = int(cells["ae_assaults_suppressed"].sum())
    if not tiny and n_hidden:
        notes.append(f"Hexagons whose A&E count is hidden ({n_hidden:,}) are not ranked under 'violence unknown "
                     "to police': their place in the list would give their counts away. They are on the map and "
                     "in the downloads.")
    if tiny:
        notes.append("Too few A&E assaults in this selection to show any breakdown without giving small numbers "
                     "away: A&E numbers are hidden and the classes use police violence only. Widen the period or "
                     "the area.")
        # a hexagon without police violence is listed only because A&E has an assault there: under a total
        # known only to be small, even that narrows the counts (seven such under "1 to 7" are one each)
        cells = cells.loc[c["police_violence"].to_numpy() > 0].reset_index(drop=True)
    class_counts = {k: int((cells["class"] == k).sum()) for k in CLASSES}
    return PublishedOverlay(
        res=counts.res, cells=cells, ranked=ranked, ae_grid=grid, ae_grid_values=grid_values,
        ae_no_time=labels[168], weapons=weapons, rms_grid=counts.rms_grid,
        totals={"police_violence": int(c["police_violence"].sum()), "ae_assaults": total_label},
        class_counts=class_counts, cuts={"police_high": _cut(counts.police_cut), "ae_high": _cut(counts.ae_cut)},
        months=counts.months, synthetic=counts.synthetic, threshold=t, notes=notes, unseen=unseen)


def overlay(store: Store, sel: Selection = Selection(), *, res: int = H3_DEFAULT_RES,
            exclude_synthetic_ae: bool = False, threshold: int = AE_SUPPRESS_MAX) -> PublishedOverlay:
    """The police x A&E overlay, ready to publish (every A&E count suppressed). See :func:`compute_overlay`."""
    return publish(compute_overlay(store, sel, res=res, exclude_synthetic_ae=exclude_synthetic_ae,
                                   threshold=threshold))



