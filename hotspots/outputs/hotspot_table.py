"""A hotspot method's whole result as the ranked table people read under the map, and as files.

``hotspot_table`` turns a ``CellScores`` (and the busiest "On or near" places of each hexagon, from
``hotspots.tasks.profile.busiest_locations``) into one row per hexagon, cluster or band, ranked, with
plain-English headers that carry their units:

- Gi*: rank, class, z-score, FDR-corrected p-value, incidents, the three busiest locations, the hexagon;
  by z-score, hot spots first, cold spots last.
- DBSCAN / HDBSCAN: rank, cluster number (as on the map), incidents, area (km², the cluster's outline),
  incidents per km², the busiest locations, the main crime types and the months; largest first.
- counts, kernel density, forecast: rank, the value with its unit, its share of the total (%), incidents,
  the busiest locations, the hexagon; highest first (the forecast adds the share of the study area
  covered so far, the patrol order).
- emerging hot spots: every hexagon with its pattern, the months it was hot and cold, the trend; the most
  urgent patterns first (new, intensifying, consecutive ... as the briefing lists them), then by the last
  month's z-score.
- Knox (a test, no map): one row per distance x time band: pairs observed and expected, their ratio, p.

Location text stays text here; the page shows it in a table (never HTML), the CSV neutralises formulas and
the KML escapes it (``hotspots.outputs.files``). ``with_locations`` adds the busiest places to the result
itself, so the files ``python -m hotspots detect --out`` writes (``hotspots.outputs.detect``) carry them too;
``detection_kml`` writes the same rows as KML polygons.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import shapely

from geo.crs import to_lonlat
from geo.grid import cells_to_polygons
from hotspots.methods.words import plural
from hotspots.outputs.files import SYNTHETIC_NOTE, kml_document, kml_text
from hotspots.outputs.legend import emerging_rank
from hotspots.tasks.registry import CellScores, resolve

__all__ = ["CELL", "CLUSTER", "INCIDENTS", "PLACES", "RANK", "HotspotTable", "detection_kml", "format_locations",
           "hotspot_table", "with_locations"]

RANK = "Rank"
CELL = "Hexagon (H3 cell)"
CLUSTER = "Cluster"
INCIDENTS = "Incidents"
HARM = "Harm (days, approx. CCHI)"
PLACES = "Busiest locations (incidents)"
#: The busiest places listed per hexagon.
TOP_PLACES = 3


@dataclass
class HotspotTable:
    """The rows people read, ranked, and how to show them.

    Attributes
    ----------
    frame : DataFrame
        Plain-English headers with units; one row per hexagon, cluster or band, first = most important.
    kind : str
        ``cells`` (``key_column`` holds H3 cells), ``clusters`` (``key_column`` holds the cluster number,
        the result's cluster id + 1, as the map labels it) or ``bands`` (nothing to select).
    key_column : str or None
        The column that names each row's place on the map.
    formats : dict
        printf-style number format per numeric column (Streamlit's ``NumberColumn`` takes them).
    help : dict
        A sentence per column, for its header's tooltip.
    title : str
        What the rows are and how they are ranked, e.g. "234 hexagons, by Gi* z-score (hot spots first)".
    """

    frame: pd.DataFrame
    kind: str
    key_column: str | None
    formats: dict[str, str] = field(default_factory=dict)
    help: dict[str, str] = field(default_factory=dict)
    title: str = ""

    def __len__(self) -> int:
        return len(self.frame)

    def target(self, row: int) -> tuple[str, str | int] | None:
        """What row ``row`` (a position) selects on the map: ``("cell", "89...")``, ``("cluster", id)``
        (the result's id, 0 = largest) or None (a band of a test, or no such row)."""
        if self.key_column is None or not 0 <= int(row) < len(self.frame):
            return None
        value = self.frame[self.key_column].iloc[int(row)]
        return ("cell", str(value)) if self.kind == "cells" else ("cluster", int(value) - 1)

    def row_of(self, kind: str, key) -> int | None:
        """The position of the row that names this cell or cluster id (None if none does)."""
        if self.key_column is None or kind != ("cell" if self.kind == "cells" else "cluster") or key is None:
            return None
        value = str(key) if kind == "cell" else int(key) + 1
        hits = np.flatnonzero(self.frame[self.key_column].to_numpy() == value)
        return int(hits[0]) if len(hits) else None


def format_locations(locations: pd.DataFrame | None, top_n: int = TOP_PLACES) -> pd.Series:
    """Each cell's busiest places as one text, "On or near A (12), On or near B (5), ..." (the clusters' form).

    ``locations``: ``cell``, ``location``, ``count`` rows (``busiest_locations``), any order; per cell the
    ``top_n`` with most incidents are kept, ties alphabetical.

    >>> format_locations(pd.DataFrame({"cell": ["a", "a", "b"], "location": ["On or near X", "On or near Y", "Z"],
    ...                                "count": [2, 5, 1]})).to_dict()
    {'a': 'On or near Y (5), On or near X (2)', 'b': 'Z (1)'}
    """
    if locations is None or not len(locations):
        return pd.Series(dtype=object)
    d = locations.sort_values(["cell", "count", "location"], ascending=[True, False, True])
    d = d.groupby("cell", sort=False).head(top_n)
    text = d["location"].astype(str) + " (" + d["count"].map("{:,}".format) + ")"
    return text.groupby(d["cell"].to_numpy(), sort=True).agg(", ".join)


def _value_words(det: CellScores) -> tuple[bool, str, str]:
    harm = det.summary.get("value") == "harm"
    return harm, ("harm" if harm else "count"), ("days of harm" if harm else "incidents")


def _cell_tail(det: CellScores, t: pd.DataFrame, places: pd.Series, harm: bool) -> dict:
    """Incidents, harm (when weighed by harm), the busiest places and the hexagon: the last columns."""
    out = {INCIDENTS: t["count"].to_numpy(dtype=np.int64)}
    if harm:
        out[HARM] = t["harm"].to_numpy(dtype=float)
    out[PLACES] = places.reindex(t["cell"].to_numpy()).fillna("").to_numpy(dtype=object)
    out[CELL] = t["cell"].astype(str).to_numpy(dtype=object)
    return out


def _share(values: np.ndarray) -> np.ndarray:
    total = float(np.nansum(values))
    return 100 * values / total if total > 0 else np.zeros(len(values))


def _count_rows(det, t, places, harm, col, unit):
    t = t.sort_values([col, "cell"], ascending=[False, True], ignore_index=True)
    share = f"Share of all {'harm' if harm else 'incidents'} (%)"
    frame = pd.DataFrame({RANK: np.arange(1, len(t) + 1),
                          share: t["share_pct"].to_numpy(dtype=float) if "share_pct" in t
                          else _share(t[col].to_numpy(dtype=float)),
                          **_cell_tail(det, t, places, harm)})
    help_ = {share: f"This hexagon's {unit} as a share of all the {unit} selected."}
    return frame, {share: "%.1f"}, help_, f"by {unit}, most first", (HARM if harm else INCIDENTS,)


def _kde_rows(det, t, places, harm, col, unit):
    t = t.sort_values(["density", "cell"], ascending=[False, True], ignore_index=True)
    dens = f"Density ({unit} per km²)"
    share = "Share of the smoothed total (%)"
    frame = pd.DataFrame({RANK: np.arange(1, len(t) + 1), dens: t["density"].to_numpy(dtype=float),
                          share: _share(t["density"].to_numpy(dtype=float)), **_cell_tail(det, t, places, harm)})
    bw = det.summary.get("bandwidth_m")
    help_ = {dens: f"Quartic kernel density at the hexagon's centre, bandwidth {bw:,.0f} m." if bw else
             "Quartic kernel density at the hexagon's centre.",
             share: "The hexagon's density as a share of the density summed over every hexagon listed "
                    "(hexagons are all one size, so this is its share of the smoothed incidents)."}
    return frame, {dens: "%.1f", share: "%.2f"}, help_, "by density, highest first", (dens,)


def _forecast_rows(det, t, places, harm, col, unit):
    t = t.sort_values(["rank"], ignore_index=True)
    score, share, area = "Forecast score (relative)", "Share of the forecast (%)", "Study area covered so far (%)"
    frame = pd.DataFrame({RANK: t["rank"].to_numpy(dtype=np.int64), score: t["score"].to_numpy(dtype=float),
                          share: _share(t["score"].to_numpy(dtype=float)),
                          area: t["cum_area_pct"].to_numpy(dtype=float), **_cell_tail(det, t, places, harm)})
    frame = frame.rename(columns={INCIDENTS: "Incidents in the period"})
    month = det.summary.get("forecast_month") or "the next month"
    help_ = {score: f"Higher means more incidents expected in {month}; the rank is what counts.",
             share: "The hexagon's score as a share of the scores of the whole study area.",
             area: "The area of this hexagon and every one ranked above it, as a share of the study area: "
                   "patrol from the top down to the share you can cover."}
    return (frame, {score: "%.2f", share: "%.2f", area: "%.2f"}, help_, f"by the forecast for {month}, highest first",
            (score,))


def _gistar_rows(det, t, places, harm, col, unit):
    t = t.sort_values(["z", "cell"], ascending=[False, True], ignore_index=True)
    z, p = "z-score (Gi*)", "p-value (FDR-corrected)"
    frame = pd.DataFrame({RANK: np.arange(1, len(t) + 1), "Class": t["class"].astype(str).to_numpy(dtype=object),
                          z: t["z"].to_numpy(dtype=float), p: t["p_fdr"].to_numpy(dtype=float),
                          **_cell_tail(det, t, places, harm)})
    help_ = {"Class": "Hot or cold spot at 90, 95 or 99 % confidence after the false-discovery-rate correction "
                      "for testing many hexagons; 'Not significant' otherwise.",
             z: "Standard deviations above (+) or below (−) what chance would give the hexagon and its "
                "neighbours.",
             p: "The chance of a z-score this far from 0 with no pattern, adjusted for testing many hexagons "
                "(Benjamini-Hochberg)."}
    return frame, {z: "%.2f", p: "%.2g"}, help_, "by Gi* z-score, hot spots first, cold spots last", (z, INCIDENTS)


def _emerging_rows(det, t, places, harm, col, unit):
    t = t.assign(_urgency=t["class"].map(emerging_rank)).sort_values(
        ["_urgency", "final_z", "cell"], ascending=[True, False, True], ignore_index=True)
    n = len(det.summary.get("periods") or [])
    of = f" (of {n})" if n else ""
    hot, cold = f"Months hot{of}", f"Months cold{of}"
    trend, trend_p, last = "Trend z-score (Mann-Kendall)", "Trend p-value", "Last month's z-score (Gi*)"
    frame = pd.DataFrame({RANK: np.arange(1, len(t) + 1), "Pattern": t["class"].astype(str).to_numpy(dtype=object),
                          hot: t["n_hot"].to_numpy(dtype=np.int64), cold: t["n_cold"].to_numpy(dtype=np.int64),
                          trend: t["trend_z"].to_numpy(dtype=float), trend_p: t["trend_p"].to_numpy(dtype=float),
                          last: t["final_z"].to_numpy(dtype=float), **_cell_tail(det, t, places, harm)})
    help_ = {"Pattern": "How the hexagon's Gi* status changed month by month (Esri's emerging hot spot classes).",
             hot: "Months in which the hexagon was a hot spot (90 % confidence or more).",
             cold: "Months in which the hexagon was a cold spot.",
             trend: "Positive: the hexagon's monthly counts are rising; negative: falling.",
             last: "Gi* z-score in the last month of the period."}
    return (frame, {trend: "%.2f", trend_p: "%.3f", last: "%.2f"}, help_,
            "most urgent pattern first (new, intensifying, consecutive ...), then by last month's z-score",
            (INCIDENTS,))


def _cluster_rows(det, t, places, harm, col, unit):
    t = t.sort_values([col, "count", "cluster"], ascending=[False, False, True], ignore_index=True)
    area, dens = "Area (km², cluster outline)", "Incidents per km²"
    frame = pd.DataFrame({RANK: np.arange(1, len(t) + 1), CLUSTER: t["cluster"].to_numpy(dtype=np.int64) + 1,
                          INCIDENTS: t["count"].to_numpy(dtype=np.int64)})
    if harm:
        frame[HARM] = t["harm"].to_numpy(dtype=float)
    a = t["area_km2"].to_numpy(dtype=float)
    frame[area] = a
    frame[dens] = np.divide(frame[INCIDENTS].to_numpy(dtype=float), a, out=np.zeros(len(t)), where=a > 0)
    frame[PLACES] = t["top_locations"].fillna("").astype(str).to_numpy(dtype=object)
    frame["Main crime types (% of the cluster)"] = t["top_categories"].fillna("").astype(str).to_numpy(dtype=object)
    frame["Months with incidents"] = t["months_active"].to_numpy(dtype=np.int64)
    frame["First month"] = t["first_month"].astype(str).to_numpy(dtype=object)
    frame["Last month"] = t["last_month"].astype(str).to_numpy(dtype=object)
    help_ = {CLUSTER: "The cluster's number on the map (1 = the largest).",
             area: "Area of the cluster's outline (the hull of its incidents' points).",
             dens: "The cluster's incidents divided by its area."}
    return frame, {area: "%.3f", dens: "%.0f"}, help_, f"by {unit}, largest first", (INCIDENTS, HARM)


def _knox_rows(det, t, places, harm, col, unit):
    frame = pd.DataFrame({
        "Distance apart (m)": [f"{a:,.0f} to {b:,.0f}" for a, b in zip(t["distance_from_m"], t["distance_to_m"])],
        "Days apart": [f"{a:,.0f} to {b:,.0f}" for a, b in zip(t["time_from_days"], t["time_to_days"])],
        "Pairs observed": t["observed"].to_numpy(dtype=np.int64),
        "Pairs expected by chance": t["expected"].to_numpy(dtype=float),
        "Observed ÷ expected": t["ratio"].to_numpy(dtype=float), "p-value": t["p"].to_numpy(dtype=float)})
    help_ = {"Observed ÷ expected": "Above 1: incidents this close in space are this close in time more often "
                                    "than chance would give (near repeats)."}
    return (frame, {"Pairs expected by chance": "%.1f", "Observed ÷ expected": "%.2f", "p-value": "%.3f"}, help_,
            "one row per distance and time band", ())


_ROWS = {"count": _count_rows, "kde": _kde_rows, "forecast": _forecast_rows, "gistar": _gistar_rows,
         "emerging": _emerging_rows, "dbscan": _cluster_rows, "hdbscan": _cluster_rows, "knox": _knox_rows}


def hotspot_table(det: CellScores, locations: pd.DataFrame | None = None) -> HotspotTable:
    """A method's whole result as a ranked table with plain-English headers (see the module's notes).

    Parameters
    ----------
    det : CellScores
        From ``hotspots.tasks.detect.detect``.
    locations : DataFrame, optional
        ``cell``, ``location``, ``count`` rows (``hotspots.tasks.profile.busiest_locations`` at the result's
        resolution): each hexagon's busiest places. Clusters carry their own.

    Returns
    -------
    HotspotTable
        Every row of the result; integers as integers, the rest as floats (formats in ``formats``).
    """
    method, _ = resolve(det.method)
    harm, col, unit = _value_words(det)
    places = format_locations(locations)
    rows = _ROWS.get(method.name)
    if rows is None:  # a method registered later: its own columns, in its own order
        return HotspotTable(det.table.drop(columns=["geometry"], errors="ignore").reset_index(drop=True),
                            "cells" if det.per_cell else "bands", "cell" if det.per_cell else None,
                            title=plural(len(det.table), "row"))
    frame, formats, help_, order, main = rows(det, det.table, places, harm, col, unit)
    # the rank, the class, the main numbers and where, first; the hexagon last
    lead = [c for c in (RANK, "Class", "Pattern", CLUSTER, *main, PLACES) if c in frame]
    frame = frame[lead + [c for c in frame.columns if c not in lead and c != CELL] + [c for c in (CELL,) if c in frame]]
    if HARM in frame:
        formats[HARM] = "%.0f"
        help_[HARM] = "Approximate Cambridge Crime Harm Index: days of imprisonment by police.uk category."
    if PLACES in frame:
        help_[PLACES] = (f"The {TOP_PLACES} commonest police.uk locations ('On or near ...') with their incidents; "
                         "police.uk moves each crime to a nearby snap point, so these are not addresses.")
    kind = "clusters" if CLUSTER in frame else ("cells" if CELL in frame else "bands")
    key = CLUSTER if kind == "clusters" else (CELL if kind == "cells" else None)
    n = len(frame)
    what = {"cells": "hexagon", "clusters": "cluster", "bands": "band"}[kind]
    return HotspotTable(frame.reset_index(drop=True), kind, key, formats, help_,
                        f"{plural(n, what)}, {order}")


def with_locations(det: CellScores, locations: pd.DataFrame | None) -> CellScores:
    """The result with each hexagon's busiest places as a ``top_locations`` column (as clusters have), for
    the files ``hotspots.outputs.detect.write_detection`` writes. Clusters and tests come back unchanged."""
    if not det.per_cell or "cell" not in det.table or "top_locations" in det.table:
        return det
    places = format_locations(locations)
    table = det.table.assign(top_locations=places.reindex(det.table["cell"].to_numpy()).fillna("").to_numpy())
    return replace(det, table=table)


def _column_text(values: pd.Series, fmt: str | None) -> list[str]:
    """A column's values as the description shows them (numbers formatted, text HTML-escaped)."""
    if pd.api.types.is_float_dtype(values):
        f = (lambda v: fmt % v) if fmt else (lambda v: f"{v:,.2f}")
        return ["" if np.isnan(v) else f(v) for v in values.to_numpy(dtype=float)]
    if pd.api.types.is_integer_dtype(values):
        return [f"{v:,}" for v in values.to_numpy(dtype=np.int64).tolist()]
    return [html.escape(str(v)) for v in values.tolist()]


def _placemark_names(table: HotspotTable) -> list[str]:
    f = table.frame
    if table.kind == "clusters":
        return [f"Cluster {c}: {plural(n, 'incident')}"
                for c, n in zip(f[CLUSTER].tolist(), f[INCIDENTS].tolist())]
    first = next((c for c in ("Class", "Pattern") if c in f), None)
    counts = f[INCIDENTS if INCIDENTS in f else "Incidents in the period"].tolist()
    what = [f"{c}: " for c in f[first].tolist()] if first else [""] * len(f)
    return [f"{r}. {w}{plural(n, 'incident')}" for r, w, n in zip(f[RANK].tolist(), what, counts)]


def _kml_polygons(geoms_lonlat) -> list[str]:
    """Each (multi)polygon as KML, coordinates to 6 decimals (about 0.1 m)."""
    def ring(coords) -> str:
        return " ".join(f"{x:.6f},{y:.6f}" for x, y in coords[:, :2].tolist())

    def polygon(p) -> str:
        inner = "".join("<innerBoundaryIs><LinearRing><coordinates>"
                        f"{ring(shapely.get_coordinates(r))}</coordinates></LinearRing></innerBoundaryIs>"
                        for r in p.interiors)
        return ("<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                f"{ring(shapely.get_coordinates(p.exterior))}</coordinates></LinearRing></outerBoundaryIs>"
                f"{inner}</Polygon>")

    out = []
    for g in geoms_lonlat:
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
        out.append(polygon(parts[0]) if len(parts) == 1 else f"<MultiGeometry>{''.join(map(polygon, parts))}"
                   "</MultiGeometry>")
    return out


def detection_kml(det: CellScores, table: HotspotTable, name: str = "Hotspots") -> bytes:
    """The table's rows as KML polygons (hexagons or cluster outlines, WGS84), in the table's order.

    Each placemark is named as the map labels the place ("3. Hot spot 99%: 139 incidents", "Cluster 2: 334
    incidents") and described by every column of its row; all text is escaped (``kml_text``: Google Earth
    renders HTML in names and descriptions).

    Raises
    ------
    ValueError
        A table with no places (a test's bands): write it as CSV.
    """
    if table.kind == "cells":
        geoms = cells_to_polygons(table.frame[CELL].tolist())
    elif table.kind == "clusters":
        by_id = dict(zip(det.table["cluster"].astype(int), det.table["geometry"]))
        bng = np.array([by_id[int(n) - 1] for n in table.frame[CLUSTER]], dtype=object)
        geoms = list(to_lonlat(bng)) if len(bng) else []
    else:
        raise ValueError("this result has no places to map: save it as CSV")
    title = f"{name} ({SYNTHETIC_NOTE})" if det.summary.get("synthetic") else name
    # a description is HTML: each header and value escaped as HTML, then the whole as XML
    columns = [(html.escape(str(c)), _column_text(table.frame[c], table.formats.get(c))) for c in table.frame]
    marks = []
    for i, (label, polygon) in enumerate(zip(_placemark_names(table), _kml_polygons(geoms))):
        desc = "<br/>".join(f"{header}: {values[i]}" for header, values in columns)
        marks.append(f"<Placemark><name>{kml_text(label)}</name><description>{escape(desc)}</description>"
                     f"{polygon}</Placemark>")
    return kml_document(title, marks)
