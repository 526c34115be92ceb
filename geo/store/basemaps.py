"""The map backgrounds a partnership shares, kept in the store, and the street names the offline map writes.

``basemaps``
    One row per configured background: ``name`` (what the sidebar shows), ``kind`` ("server": a tile
    server's XYZ template in ``location``; "file": a tile file installed under the app's ``static/tiles``,
    its folder name in ``location``), ``attribution`` (plain text) and when it was added. The files
    themselves are not in the store: each computer running the app installs them (``hotspots.tasks.basemaps``).

The methods here are mixed into ``geo.store.core.Store``; they use its connection and transactions.
"""

from __future__ import annotations

import duckdb
import pandas as pd

__all__ = ["BASEMAP_COLUMNS", "BASEMAPS_DDL", "BasemapTables"]

BASEMAPS_DDL = """CREATE TABLE IF NOT EXISTS basemaps (
  name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, location VARCHAR NOT NULL, attribution VARCHAR,
  added_at TIMESTAMP DEFAULT current_timestamp)"""
BASEMAP_COLUMNS = ["name", "kind", "location", "attribution"]


class BasemapTables:
    """The basemaps table's methods of ``Store`` (a mixin: ``self.con``, ``self.transaction`` come from Store)."""

    def save_basemap(self, name: str, kind: str, location: str, attribution: str = "") -> None:
        """Keep a map background (replacing one of that name)."""
        with self.transaction("save the map background", "saving the map background") as c:
            c.execute(BASEMAPS_DDL)
            c.execute("INSERT OR REPLACE INTO basemaps (name, kind, location, attribution) VALUES (?, ?, ?, ?)",
                      [name, kind, location, attribution])

    def basemaps(self) -> pd.DataFrame:
        """The configured backgrounds, by name (``BASEMAP_COLUMNS``; none in a store made before they existed)."""
        try:
            return self.con.execute(f"SELECT {', '.join(BASEMAP_COLUMNS)} FROM basemaps ORDER BY name").df()
        except duckdb.CatalogException:
            return pd.DataFrame(columns=BASEMAP_COLUMNS)

    def remove_basemap(self, name: str) -> bool:
        """Forget a background; whether there was one of that name."""
        if self.basemaps().query("name == @name").empty:
            return False
        with self.transaction("remove the map background", "removing the map background") as c:
            c.execute("DELETE FROM basemaps WHERE name = ?", [name])
        return True

    def street_labels(self, sources: tuple[str, ...] = ("police",), square_m: float = 1000.0) -> pd.DataFrame:
        """police.uk's "On or near" street names, one per name and ``square_m`` square, at the mean of its snap
        points: ``location, easting, northing, n`` (incidents), busiest first.

        A name repeats across a county (many a High Street), so a name's snap points are averaged within a
        square, not over the whole store; a street crossing squares gets a label in each. Every period and
        crime type counts: where a street is does not depend on the filters. A&E rows never (their locations
        are free text from health records).
        """
        sources = tuple(s for s in sources if s != "ae")
        return self.con.execute(
            "SELECT location, avg(easting) AS easting, avg(northing) AS northing, count(*) AS n FROM incidents "
            "WHERE source IN (SELECT unnest(?)) AND location LIKE 'On or near %' AND easting IS NOT NULL "
            "GROUP BY location, floor(easting / ?), floor(northing / ?) ORDER BY n DESC, location",
            [list(sources), float(square_m), float(square_m)]).df()
