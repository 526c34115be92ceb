"""What happens in one hexagon: the drill-down behind a click on the map."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.grid import str_to_cells
from geo.query import Selection, select_incidents, selection_months
from geo.store import Store
from hotspots.defaults import SPECS
from hotspots.methods.harm import harm_of

__all__ = ["CellProfile", "cell_profile"]

PROFILE_COLUMNS = ("month", "category", "location", "outcome", "occurred_at", "time_precision", "source",
                   "force", "lon", "lat", "easting", "northing", "h3_11", "id")


@dataclass
class CellProfile:
    """Counts by type, the monthly trend, top locations and the incidents of one cell."""

    cell: str
    res: int
    incidents: pd.DataFrame
    by_type: pd.DataFrame
    by_month: pd.DataFrame
    top_locations: pd.DataFrame

    @property
    def total(self) -> int:
        return int(len(self.incidents))


def cell_profile(store: Store, sel: Selection, cell: str, res: int, weights: dict[str, float] | None = None,
                 top_n: int = 10) -> CellProfile:
    """The incidents in one H3 cell under a selection, and their summaries.

    The cell's incidents are those whose stored res-11 cell has it as parent (the
    same rule as every count on the map, so the numbers agree).
    """
    res = SPECS["res"].check(res, "cell_profile")
    target = int(str_to_cells([cell])[0])
    inc = select_incidents(store, sel, columns=PROFILE_COLUMNS, within_cell=(target, res))
    inc = inc.assign(harm=harm_of(inc["category"].to_numpy(), weights))
    by_type = (inc.groupby("category").agg(count=("harm", "size"), harm=("harm", "sum"))
               .sort_values(["count", "harm"], ascending=False).reset_index())
    # the trend's axis: every month of the selection (a quiet month in this cell is a 0)
    months = pd.Series(selection_months(store, sel), name="month")
    by_month = (inc.groupby("month").size().rename("count").reindex(months, fill_value=0).reset_index())
    top = (inc["location"].fillna("(no location text)").value_counts().head(top_n)
           .rename_axis("location").reset_index(name="count"))
    table = inc.drop(columns=["h3_11", "easting", "northing"]).sort_values(["month", "category"], ignore_index=True)
    return CellProfile(cell, res, table, by_type, by_month, top)
