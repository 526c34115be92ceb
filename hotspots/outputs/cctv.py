"""A camera plan as files: CSV, GeoJSON, KML, a map and the printable PDF sheet."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo.grid import cell_latlng
from hotspots.defaults import CCTV_MAX_MONTHS_PER_SITE
from hotspots.methods.words import plural, verb
from hotspots.outputs.artefacts import ARTEFACT_COLOUR, artefact_features, artefact_legend, artefact_markers
from hotspots.outputs.files import SYNTHETIC_NOTE, kml_document, kml_text, safe_csv, write_by_suffix
from hotspots.tasks.cctv import CctvPlan
from geo.crs import bng_to_lonlat, lonlat_to_bng
from hotspots.outputs.staticmap import StaticMap
from hotspots.outputs.legend import sequential_style
from hotspots.outputs.webmap import MAX_CELLS
from hotspots.outputs.sheets import Sheet
from hotspots.outputs.plans import add_method_notes

__all__ = ["PLAN_NOTES", "existing_words", "plan_csv", "plan_geojson", "plan_kml", "plan_layers", "plan_pdf", "plan_png",
           "write_plan"]


def _circle_lonlat(e: float, n: float, r: float, k: int = 64) -> list[list[float]]:

    t = np.linspace(0, 2 * np.pi, k, endpoint=False)
    lon, lat = bng_to_lonlat(e + r * np.cos(t), n + r * np.sin(t))
    ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat)]
    return ring + [ring[0]]


PLAN_NOTES = (
    "Consult residents and businesses near each site before a camera goes up.",
    f"A mobile camera stays up to {CCTV_MAX_MONTHS_PER_SITE} months at a site; plan the next sites before then.",
    "Coverage counts incidents within the radius of a site, as the crow flies; walls and trees block some views: "
    "check each site on foot.",
    "police.uk places each crime at a nearby 'snap point', not its address; counts near a point are approximate.",
)


def existing_words(summary: dict) -> str:
    """What the existing cameras see, in a sentence.

    >>> existing_words({"existing_cameras": 1, "already_covered": 1, "objective": "incidents"})
    '1 existing camera already sees 1 incident; it is not counted again.'
    """
    n, seen = summary["existing_cameras"], summary["already_covered"]
    unit = "days of harm (approximate CCHI)" if summary["objective"] == "harm" else (
        "incident" if seen == 1 else "incidents")
    cams = "1 existing camera already sees" if n == 1 else f"{n} existing cameras already see"
    return f"{cams} {seen:,.0f} {unit}; {'it is' if seen == 1 else 'those are'} not counted again."


def plan_notes(plan: CctvPlan) -> list[str]:
    s = plan.summary
    unit = "days of harm (approximate CCHI)" if s["objective"] == "harm" else "incidents"
    status = ("proven optimal (HiGHS, gap 0)" if s["optimal"]
              else f"the best found in the time limit (the optimum is at most {s['bound']:,.0f})")
    out = [f"{s['sites_used']} camera sites cover {s['covered']:,} of {s['total']:,} {unit} "
           f"({s['coverage_pct']:.1f}%) within {s['radius_m']:,.0f} m, {s['months'][0]} to {s['months'][-1]}. "
           f"This plan is {status}.",
           f"Adding cameras one at a time (greedy) covers {s['greedy_covered']:,} {unit}: {s['gap_pct']:.2f}% less."]
    if s["existing_cameras"]:
        out.append(existing_words(s))
    if s["sites_used"] < s["cameras"]:
        out.append(f"Only {plural(s['sites_used'], 'site')} {verb(s['sites_used'], 'adds', 'add')} anything: every "
                   "incident in reach of a candidate is covered.")
    return out + list(PLAN_NOTES)


def _export_table(plan: CctvPlan) -> pd.DataFrame:
    t = plan.sites.copy()
    t.insert(0, "radius_m", plan.summary["radius_m"])
    if plan.synthetic:
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return t


def plan_csv(plan: CctvPlan) -> bytes:
    """The sites as CSV, safe to open in a spreadsheet (formulas neutralised)."""
    return safe_csv(_export_table(plan))


def plan_geojson(plan: CctvPlan) -> bytes:
    """The sites as GeoJSON (WGS84): a point and a coverage circle (polygon) per site."""
    feats = []
    for r in _export_table(plan).to_dict(orient="records"):
        props = {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                      "properties": {**props, "feature": "camera site"}})
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
            _circle_lonlat(r["easting"], r["northing"], plan.summary["radius_m"])]},
                      "properties": {"rank": props["rank"], "site": props["site"], "radius_m": props["radius_m"],
                                     "feature": "coverage circle"}})
    return json.dumps({"type": "FeatureCollection", "features": feats}, default=str).encode("utf-8")


def plan_kml(plan: CctvPlan, name: str = "Mobile CCTV sites") -> bytes:
    """The sites as KML placemarks (points and circles); every text XML-escaped."""
    from xml.sax.saxutils import escape

    title = f"{name} ({SYNTHETIC_NOTE})" if plan.synthetic else name
    marks = []
    for r in plan.sites.to_dict(orient="records"):
        desc = "<br/>".join(html.escape(f"{k}: {r[k]}") for k in ("covered_incidents", "covered_harm",
                                                                   "added_incidents", "top_locations", "flag")
                            if k in r)
        ring = " ".join(f"{a:.6f},{b:.6f}" for a, b in _circle_lonlat(r["easting"], r["northing"],
                                                                       plan.summary["radius_m"]))
        site = f"Site {r['rank']}"
        marks.append(f"<Placemark><name>{kml_text(site)}</name><description>{escape(desc)}</description>"
                     f"<Point><coordinates>{r['lon']:.6f},{r['lat']:.6f}</coordinates></Point></Placemark>"
                     f"<Placemark><name>{kml_text(site + ' coverage')}</name><Polygon><outerBoundaryIs>"
                     f"<LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
                     "</Placemark>")
    return kml_document(title, marks)


#: Colours of the map and the PDF (ColorBrewer Paired: blue for new sites, grey for existing).
SITE_COLOUR = "#1f78b4"


EXISTING_COLOUR = "#636363"


#: The PDF map shows hexagons within this distance of a site (metres): the sites, not the whole district.
NEAR_SITES_M = 1500.0


def _cells_near(plan: CctvPlan, within_m: float) -> pd.DataFrame:
    """The plan's hexagons whose centres lie within ``within_m`` of a new or existing camera."""
    from scipy.spatial import cKDTree

    pts = pd.concat([plan.sites[["easting", "northing"]], plan.existing[["easting", "northing"]]]).to_numpy(float)
    if len(plan.cells) == 0 or len(pts) == 0:
        return plan.cells
    lat, lon = np.array([cell_latlng(c) for c in plan.cells["cell"]]).T
    e, n = lonlat_to_bng(lon, lat)
    d, _ = cKDTree(pts).query(np.column_stack([e, n]))
    return plan.cells.loc[d <= within_m].reset_index(drop=True)


def plan_png(plan: CctvPlan, boundaries=(), width_px: int = 1800, height_px: int = 1200, context=None) -> bytes:
    """A static map of the plan: incidents per hexagon, coverage circles, existing cameras, legend; ``context``
    (``hotspots.tasks.mapcontext.MapContext``): the basemap's tiles, or offline outlines and street names."""
    s = plan.summary
    m = StaticMap(title=f"Mobile CCTV: {plural(s['sites_used'], 'site')}, {s['radius_m']:,.0f} m coverage",
                  synthetic=plan.synthetic,
                  note=f"{s['months'][0]} to {s['months'][-1]}; hexagons: incidents within {NEAR_SITES_M:,.0f} m of a "
                       "camera (H3 res 10)", context=context)
    if boundaries:
        m.boundaries(list(boundaries))
    near = _cells_near(plan, NEAR_SITES_M)
    legend = []
    if len(near):
        colours, leg = sequential_style(near["count"].to_numpy(dtype=float), "Incidents per hexagon", "incidents")
        m.cells(list(near["cell"]), colours)
        legend += list(leg.rows)
    if len(plan.existing):
        m.circles(plan.existing["easting"].to_numpy(float), plan.existing["northing"].to_numpy(float),
                  float(s["radius_m"]), colour=EXISTING_COLOUR)
        legend.append((EXISTING_COLOUR, "Existing camera (already covered)"))
    if len(plan.sites):
        m.circles(plan.sites["easting"].to_numpy(float), plan.sites["northing"].to_numpy(float), float(s["radius_m"]),
                  colour=SITE_COLOUR, labels=[str(r) for r in plan.sites["rank"]])
        m.points(plan.sites["easting"].to_numpy(float), plan.sites["northing"].to_numpy(float), colour=SITE_COLOUR)
        legend.append((SITE_COLOUR, f"New camera site, {s['radius_m']:,.0f} m coverage (number = rank)"))
        legend += artefact_markers(m, plan.artefacts, [shapely.Point(e, n).buffer(float(s["radius_m"])) for e, n in
                                                       zip(plan.sites["easting"], plan.sites["northing"])],
                                   bool(s.get("include_artefacts")))
    m.legend(legend, title="Legend")
    return m.to_png(width_px=width_px, height_px=height_px, fit="data")


def plan_layers(plan: CctvPlan, max_cells: int = MAX_CELLS) -> dict:
    """The plan on the app's map component: incidents per res-10 hexagon near the cameras, the new sites'
    coverage circles numbered by rank, the existing cameras dashed, and a legend (``map_layers``' keys).

    Labels are plain text (the component shows them as text).
    """
    s = plan.summary
    r = float(s["radius_m"])
    cells = _cells_near(plan, NEAR_SITES_M).head(max_cells)
    colours, legend = sequential_style(cells["count"].to_numpy(dtype=float), "Incidents per hexagon (res 10)",
                                       "incidents")
    labels = [f"{plural(c, 'incident')}, harm {plural(h, 'day', fmt=',.0f')}" for c, h in zip(cells["count"], cells["harm"])]
    new = [_circle_feature(row["easting"], row["northing"], r, SITE_COLOUR, str(int(row["rank"])),
                           f"Site {row['rank']}: sees {plural(row['covered_incidents'], 'incident')} "
                           f"({plural(row['covered_harm'], 'day of harm', fmt=',.0f')}), adds {row['added_incidents']:,}. "
                           f"Nearby: {row['top_locations'] or 'no location text'}")
           for row in plan.sites.to_dict(orient="records")]
    overlays = [{"name": f"New camera sites ({r:,.0f} m)", "geojson": {"type": "FeatureCollection", "features": new}}]
    rows = [(SITE_COLOUR, f"New camera site, {r:,.0f} m coverage (number = rank)")]
    if len(plan.existing):
        old = [_circle_feature(row["easting"], row["northing"], float(row["radius_m"]), EXISTING_COLOUR, "",
                               f"Existing camera: {row['name']} ({row['radius_m']:,.0f} m)", dash=True)
               for row in plan.existing.to_dict(orient="records")]
        overlays.append({"name": "Existing cameras", "geojson": {"type": "FeatureCollection", "features": old}})
        rows.append((EXISTING_COLOUR, "Existing camera (counted as covered)"))
    marks = artefact_features(plan.artefacts, bool(s.get("include_artefacts")), plan.sites["easting"],
                              plan.sites["northing"], within_m=NEAR_SITES_M)
    if marks:
        overlays.append({"name": "Recording artefacts", "geojson": {"type": "FeatureCollection", "features": marks}})
        rows.append((ARTEFACT_COLOUR, artefact_legend(len(marks), bool(s.get("include_artefacts")))))
    legend.rows = rows + legend.rows
    return {"cells": cells, "colours": colours, "labels": labels, "legend": legend, "overlays": overlays,
            "note": f"Hexagons: incidents per street-level hexagon within {NEAR_SITES_M / 1000:.1f} km of a camera."}


def _circle_feature(e: float, n: float, r: float, colour: str, mark: str, label: str, dash: bool = False) -> dict:
    """A coverage circle as a GeoJSON feature the map component styles from its properties."""
    return {"type": "Feature",
            "properties": {"fill": colour, "stroke": colour, "weight": 3 if not dash else 2, "fill_opacity": 0.15
                           if not dash else 0.2, "dash": "4" if dash else "", "mark": mark, "label": label},
            "geometry": {"type": "Polygon", "coordinates": [_circle_lonlat(float(e), float(n), r)]}}


def plan_pdf(plan: CctvPlan, boundaries=(), title: str = "Mobile CCTV sites", context=None) -> bytes:
    """A printable plan: map, table of sites, plain-words notes (residents consulted first)."""
    s = plan.summary
    area = f" in {s['area']}" if s.get("area") else ""
    types = "all crime" if s["types"] == "all" else ", ".join(s["types"])
    doc = Sheet(title, subtitle=f"{plural(s['sites_used'], 'site')}{area}; {types}; {s['months'][0]} to {s['months'][-1]}; "
                                f"radius {s['radius_m']:,.0f} m", synthetic=plan.synthetic)
    doc.image(plan_png(plan, boundaries, context=context), height_frac=0.72)
    doc.page_break()
    doc.heading("The sites")
    t = plan.sites[["rank", "easting", "northing", "covered_incidents", "added_incidents", "covered_harm",
                    "cumulative_pct", "top_locations"]].rename(columns={
        "rank": "Site no.", "easting": "Easting (m)", "northing": "Northing (m)", "covered_incidents": "Incidents seen",
        "added_incidents": "Incidents added", "covered_harm": "Harm seen (days)", "cumulative_pct": "Cumulative %",
        "top_locations": "Busiest locations nearby"})
    doc.table(t)
    add_method_notes(doc, plan)
    doc.heading("What this means")
    doc.bullets(plan_notes(plan))
    return doc.to_pdf()


def write_plan(plan: CctvPlan, path, boundaries=(), context=None) -> Path:
    """Write the plan as .csv, .geojson, .kml or .pdf (by the file's ending)."""
    writers = {".csv": plan_csv, ".geojson": plan_geojson, ".kml": plan_kml,
               ".pdf": lambda pl: plan_pdf(pl, boundaries, context=context), ".json": plan_geojson}
    return write_by_suffix(plan, path, writers, example="cameras.pdf")
