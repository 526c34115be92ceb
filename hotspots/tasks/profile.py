"""What happens in one hexagon or one cluster (the drill-down behind a click on the map), and the busiest
"On or near" places of every hexagon (the hotspot table's location column).

A hexagon's incidents are those whose stored res-11 cell has it as parent, the rule of every count on the
map; a cluster's are the incidents its clustering put in it (the clustering is fitted again on the same
incidents, in the same order, with the settings the result records, and checked against the result's size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import SettingError
from geo.grid import cell_to_parent, cells_to_str, str_to_cells
from geo.query import Selection, select_incidents, selection_months
from geo.store import Store
from hotspots.defaults import SPECS
from hotspots.methods.harm import harm_of
from hotspots.methods.words import plural
from hotspots.tasks.registry import CellScores, resolve

__all__ = ["CellProfile", "ClusterProfile", "Profile", "busiest_locations", "cell_profile", "cluster_incidents",
           "cluster_profile"]

PROFILE_COLUMNS = ("month", "category", "location", "outcome", "occurred_at", "time_precision", "source",
                   "force", "lon", "lat", "easting", "northing", "h3_11", "id")
#: Shown when an incident has no location text.
NO_LOCATION = "(no location text)"


@dataclass
class Profile:
    """Counts by type, the monthly trend, top locations and the incidents of a place."""

    incidents: pd.DataFrame
    by_type: pd.DataFrame
    by_month: pd.DataFrame
    top_locations: pd.DataFrame

    @property
    def total(self) -> int:
        return len(self.incidents)


@dataclass
class CellProfile(Profile):
    """The drill-down of one H3 cell."""

    cell: str = ""
    res: int = 9


@dataclass
class ClusterProfile(Profile):
    """The drill-down of one cluster of a DBSCAN or HDBSCAN result.

    ``cluster`` is the result's cluster id (0 = the largest; people see ``number`` = id + 1, as on the map);
    ``area_km2`` the cluster outline's area.
    """

    method: str = ""
    cluster: int = 0
    area_km2: float = 0.0

    @property
    def number(self) -> int:
        return self.cluster + 1


def _summaries(inc: pd.DataFrame, months: list[str], weights: dict[str, float] | None, top_n: int) -> dict:
    """The parts every profile shows, from its incidents (with ``month``, ``category``, ``location``)."""
    inc = inc.assign(harm=harm_of(inc["category"].to_numpy(), weights))
    by_type = (inc.groupby("category").agg(count=("harm", "size"), harm=("harm", "sum"))
               .sort_values(["count", "harm"], ascending=False).reset_index())
    # the trend's axis: every month of the selection (a quiet month here is a 0)
    by_month = (inc.groupby("month").size().rename("count").reindex(pd.Series(months, name="month"), fill_value=0)
                .reset_index())
    top = (inc["location"].fillna(NO_LOCATION).value_counts().head(top_n)
           .rename_axis("location").reset_index(name="count"))
    table = (inc.drop(columns=["h3_11", "easting", "northing", "cluster"], errors="ignore")
             .sort_values(["month", "category"], kind="stable", ignore_index=True))
    return {"incidents": table, "by_type": by_type, "by_month": by_month, "top_locations": top}


def cell_profile(store: Store, sel: Selection, cell: str, res: int, weights: dict[str, float] | None = None,
                 top_n: int = 10) -> CellProfile:
    """The incidents in one H3 cell under a selection, and their summaries.

    The cell's incidents are those whose stored res-11 cell has it as parent (the
    same rule as every count on the map, so the numbers agree).
    """
    res = SPECS["res"].check(res, "cell_profile")
    target = int(str_to_cells([cell])[0])
    inc = select_incidents(store, sel, columns=PROFILE_COLUMNS, within_cell=(target, res))
    return CellProfile(**_summaries(inc, selection_months(store, sel), weights, top_n), cell=cell, res=res)


def cluster_incidents(store: Store, sel: Selection, det: CellScores) -> pd.DataFrame:
    """The incidents a clustering result was made from, each with its ``cluster`` (-1: in none).

    The result's clustering (its ``Method.estimator``) is fitted again on the same incidents, in the same
    order, with the settings its summary records (``eps_m`` and ``min_samples``; ``min_cluster_size`` and
    ``min_samples``), so the labels are the result's own. Each cluster's size is checked against the result.

    Raises
    ------
    SettingError
        The result is not a clustering, or the store changed since it was made (sizes disagree).
    """
    method, _ = resolve(det.method)
    if det.per_cell or "cluster" not in det.table or method.estimator is None:
        raise SettingError(f"The {method.label} result has no clusters to open.",
                           "Choose DBSCAN or HDBSCAN clusters.")
    inc = select_incidents(store, sel, columns=PROFILE_COLUMNS, purpose="Hotspot detection")
    est = method.estimator(**{p: det.summary.get(p) for p in method.params})
    labels = np.asarray(est.fit(inc["easting"].to_numpy(), inc["northing"].to_numpy()).labels_, dtype=np.int64)
    ids, n = np.unique(labels[labels >= 0], return_counts=True)
    sizes = dict(zip(ids.tolist(), n.tolist()))
    expected = dict(zip(det.table["cluster"].astype(int).tolist(), det.table["count"].astype(int).tolist()))
    if len(inc) != det.summary.get("incidents", len(inc)) or sizes != expected:
        raise SettingError("The stored incidents changed since these clusters were found.",
                           "Reload the page to find the clusters again.")
    return inc.assign(cluster=labels)


def cluster_profile(store: Store, sel: Selection, det: CellScores, cluster: int,
                    weights: dict[str, float] | None = None, top_n: int = 10,
                    members: pd.DataFrame | None = None) -> ClusterProfile:
    """The incidents of one cluster of a DBSCAN or HDBSCAN result, and their summaries.

    Parameters
    ----------
    det : CellScores
        The clustering result (``detect(store, "dbscan", sel, ...)``), made with the same selection.
    cluster : int
        The result's cluster id (its ``cluster`` column).
    members : DataFrame, optional
        ``cluster_incidents(store, sel, det)``, when already at hand (a cache).

    Raises
    ------
    SettingError
        No such cluster, or see ``cluster_incidents``.
    """
    method, _ = resolve(det.method)
    row = det.table.loc[det.table["cluster"] == int(cluster)] if "cluster" in det.table else det.table.iloc[:0]
    if row.empty:
        n = len(det.table)
        raise SettingError(f"The {method.label} result has no cluster {int(cluster) + 1} "
                           f"({plural(n, 'cluster')}).", "Click a cluster on the map or in the table.")
    inc = cluster_incidents(store, sel, det) if members is None else members
    inc = inc.loc[inc["cluster"] == int(cluster)].reset_index(drop=True)
    return ClusterProfile(**_summaries(inc, selection_months(store, sel), weights, top_n), method=method.name,
                          cluster=int(cluster), area_km2=float(row["area_km2"].iloc[0]))


def busiest_locations(store: Store, sel: Selection, res: int, top_n: int = 3) -> pd.DataFrame:
    """The ``top_n`` commonest police.uk locations ("On or near ...") of every cell with incidents.

    Returns
    -------
    DataFrame
        ``cell`` (H3 string), ``location``, ``count`` (incidents), ``rank`` (1 = busiest); per cell, most
        incidents first, ties in alphabetical order. Incidents with no location text are not counted.
    """
    res = SPECS["res"].check(res, "busiest_locations")
    inc = select_incidents(store, sel, columns=("h3_11", "location"), purpose="Hotspot detection")
    inc = inc.loc[inc["location"].notna() & (inc["location"].astype(str).str.strip() != "")]
    if inc.empty:
        return pd.DataFrame({"cell": pd.Series(dtype=object), "location": pd.Series(dtype=object),
                             "count": pd.Series(dtype=np.int64), "rank": pd.Series(dtype=np.int64)})
    cells = cell_to_parent(inc["h3_11"].to_numpy(dtype=np.uint64), res)
    counts = (pd.DataFrame({"cell_int": cells, "location": inc["location"].astype(str).to_numpy()})
              .groupby(["cell_int", "location"], sort=False).size().rename("count").reset_index())
    counts = counts.sort_values(["cell_int", "count", "location"], ascending=[True, False, True], ignore_index=True)
    counts["rank"] = counts.groupby("cell_int").cumcount() + 1
    top = counts.loc[counts["rank"] <= top_n].reset_index(drop=True)
    top.insert(0, "cell", cells_to_str(top.pop("cell_int").to_numpy(dtype=np.uint64)))
    top["count"] = top["count"].astype(np.int64)
    return top
