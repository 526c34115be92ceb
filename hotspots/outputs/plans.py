"""What the patrol, sweep and camera plans share in their files: area colours, GeoJSON and KML of areas."""

from __future__ import annotations

import html
import json
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import shapely

from geo.crs import to_lonlat
from geo.constants import POLICE_CATEGORIES
from hotspots.outputs.files import SYNTHETIC_NOTE, kml_document, kml_text
from hotspots.outputs.sheets import Sheet

__all__ = ["AREA_COLOURS", "METHOD_HEADING", "add_method_notes", "area_colour", "areas_geojson", "areas_kml",
           "covers_words", "jsonable", "map_sheet", "types_words"]


#: Distinct fills for numbered areas on maps (ColorBrewer Set1 + Dark2, print-safe).
AREA_COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
                "#d95f02", "#7570b3", "#e7298a", "#66a61e")


def area_colour(rank: int) -> str:
    return AREA_COLOURS[(int(rank) - 1) % len(AREA_COLOURS)]


def jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def areas_geojson(table: pd.DataFrame, geoms_bng, *, synthetic: bool = False, title: str = "") -> bytes:
    """GeoJSON (WGS84) of area polygons, each row's columns as properties."""

    feats = []
    for row, g in zip(table.to_dict(orient="records"), geoms_bng):
        props = {k: jsonable(v) for k, v in row.items()}
        if synthetic:
            props = {"data_note": SYNTHETIC_NOTE, **props}
        feats.append({"type": "Feature", "properties": props,
                      "geometry": json.loads(shapely.to_geojson(shapely.set_precision(to_lonlat(g), 1e-6)))})
    out = {"type": "FeatureCollection", "name": title + (f" ({SYNTHETIC_NOTE})" if synthetic else ""),
           "features": feats}
    return json.dumps(out).encode("utf-8")


def _kml_rings(poly) -> str:
    def ring(coords):
        return " ".join(f"{x:.6f},{y:.6f}" for x, y in coords)

    inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{ring(r.coords)}</coordinates></LinearRing>"
                    "</innerBoundaryIs>" for r in poly.interiors)
    return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring(poly.exterior.coords)}</coordinates>"
            f"</LinearRing></outerBoundaryIs>{inner}</Polygon>")


def areas_kml(table: pd.DataFrame, geoms_bng, *, name_col: str = "name", synthetic: bool = False,
              title: str = "Patrol areas") -> bytes:
    """KML polygons for in-car and handheld devices; every text XML-escaped.

    A KML description is HTML: each value is HTML-escaped, then the whole XML-escaped.
    """
    doc_title = f"{title} ({SYNTHETIC_NOTE})" if synthetic else title
    marks = []
    for row, g in zip(table.to_dict(orient="records"), geoms_bng):
        gl = to_lonlat(g)
        polys = list(gl.geoms) if gl.geom_type == "MultiPolygon" else [gl]
        body = "".join(_kml_rings(p) for p in polys)
        if len(polys) > 1:
            body = f"<MultiGeometry>{body}</MultiGeometry>"
        desc = "<br/>".join(f"{html.escape(str(k))}: {html.escape(str(jsonable(v)))}" for k, v in row.items())
        if synthetic:
            desc = html.escape(SYNTHETIC_NOTE) + "<br/>" + desc
        colour = area_colour(row.get("rank", 1) or 1).lstrip("#")
        kml_colour = "80" + colour[4:6] + colour[2:4] + colour[0:2]   # aabbggrr, half transparent
        marks.append(f"<Placemark><name>{kml_text(row.get(name_col, ''))}</name>"
                     f"<description>{escape(desc)}</description>"
                     f"<Style><LineStyle><color>ff{colour[4:6]}{colour[2:4]}{colour[0:2]}</color><width>2</width>"
                     f"</LineStyle><PolyStyle><color>{kml_colour}</color></PolyStyle></Style>{body}</Placemark>")
    return kml_document(doc_title, marks)


#: The heading over a plan's own account of how it was made (``plan.notes``).
METHOD_HEADING = "How this plan was made"


def types_words(summary: dict) -> str | None:
    """The crime types a plan counts, in words; None when the plan does not say.

    Read from ``summary["types"]`` (a list, or ``"all"``), else from a sweep plan's weights (the police.uk
    types among their keys, and A&E assaults when they were included).

    >>> types_words({"types": "all"}), types_words({"types": ["Robbery", "Drugs"]})
    ('all crime types', 'Robbery, Drugs')
    >>> types_words({"weights": {"Robbery": 2, "Possession of weapons": 3, "A&E knife/sharp": 3},
    ...              "ae_included": False})
    'Robbery, Possession of weapons'
    >>> types_words({}) is None
    True
    """
    types = summary.get("types")
    if types is None and summary.get("categories") is not None:
        types = summary["categories"]
    if types is None and isinstance(summary.get("weights"), dict):
        types = [k for k, v in summary["weights"].items() if k in POLICE_CATEGORIES and v]
        if summary.get("ae_included"):
            types.append("A&E assaults with a knife or sharp object")
    if types is None:
        return None
    if isinstance(types, str):
        return "all crime types" if types.lower() in ("all", "") else types
    types = [str(t) for t in types]
    return ", ".join(types) if types else "all crime types"


def covers_words(summary: dict) -> str:
    """What a plan covers, in one line: crime types, period and area (those the summary holds).

    >>> covers_words({"types": ["Violence and sexual offences"], "months": ["2021-01", "2021-12"],
    ...               "study_area": "Watford"})
    'Crime types: Violence and sexual offences. Period: 2021-01 to 2021-12. Area: Watford.'
    >>> covers_words({"types": "all", "months": ["2021-05"], "area": "Hertsmere"})
    'Crime types: all crime types. Period: 2021-05. Area: Hertsmere.'
    """
    parts = []
    types = types_words(summary)
    if types:
        parts.append(f"Crime types: {types}.")
    months = list(summary.get("months") or [])
    if months:
        parts.append(f"Period: {months[0]}." if months[0] == months[-1] else f"Period: {months[0]} to {months[-1]}.")
    area = summary.get("study_area") or summary.get("area")
    if area:
        parts.append(f"Area: {area}.")
    return " ".join(parts)


def add_method_notes(doc: Sheet, plan) -> None:
    """Print the plan's own notes (``plan.notes``: how the area cap was applied, which artefact locations
    were left out, which crime types were used) under :data:`METHOD_HEADING`; nothing when it has none."""
    notes = [str(n) for n in (getattr(plan, "notes", None) or []) if str(n).strip()]
    if notes:
        doc.heading(METHOD_HEADING)
        doc.bullets(notes)


def map_sheet(title: str, subtitle: str, summary: dict, large: bool, heading: str, map_png: bytes) -> Sheet:
    """A planner's printable sheet, begun: its title (marked synthetic when the plan is), what it covers (crime
    types, period, area), then the map under a heading, on most of the first page."""
    doc = Sheet(title, subtitle=subtitle, synthetic=bool(summary.get("synthetic")), large=large)
    covers = covers_words(summary)
    if covers:
        doc.text(covers)
    doc.heading(heading)
    doc.image(map_png, height_frac=0.64)
    return doc
