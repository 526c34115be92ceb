"""A knife-sweep plan as files: the table, CSV, GeoJSON, KML, a map and the printable PDF sheet."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.outputs.files import SYNTHETIC_NOTE, safe_csv, write_by_suffix
from hotspots.methods.words import plural
from hotspots.outputs.plans import add_method_notes, area_colour, areas_geojson, areas_kml, map_sheet
from hotspots.outputs.artefacts import artefact_markers
from hotspots.tasks.sweeps import SweepPlan
from hotspots.outputs.staticmap import StaticMap

__all__ = ["sweep_action_table", "sweep_csv", "sweep_geojson", "sweep_kml", "sweep_map_png", "sweep_pdf",
           "sweep_table", "write_sweeps"]


def sweep_table(plan: SweepPlan) -> pd.DataFrame:
    """The areas in visiting order, with people's column names and units."""
    t = plan.areas.iloc[plan.order].drop(columns=["centroid_x_m", "centroid_y_m"]).copy()
    t["area_km2"] = (t["area_km2"] * 1e6).round(0)   # sweeps are small: square metres
    t["perimeter_m"] = t["perimeter_m"].round(0)
    if "green_pct" in t:
        t["green_pct"] = t["green_pct"].round(1)
    names = {"visit": "Visit", "rank": "Rank", "name": "Sweep area", "cells": "Hexagons", "area_km2": "Area (m²)",
             "perimeter_m": "Walk round it (m)", "score": "Score",
             "green_pct": "Green (%)", "top_streets": "Streets", "weapon_flagged": "Weapon flagged", "flag": "Flag"}
    cols = ["visit"] + [c for c in t.columns if c != "visit"]
    return t[cols].rename(columns=names)


def sweep_action_table(plan: SweepPlan, rows: int | None = None, name_len: int = 40) -> pd.DataFrame:
    """The first ``rows`` areas in visiting order for a briefing: visit, area, score (only
    without A&E data; with it the areas are ranked silently) and the walk round each.

    Examples
    --------
    The briefing's actions section can show ``sweep_action_table(plan, 8)`` and
    ``plan.summary["score_note"]`` as they are: neither holds an A&E number.
    """
    t = plan.areas.iloc[plan.order]
    if rows is not None:
        t = t.head(rows)
    names = [str(n) if len(str(n)) <= name_len else str(n)[:name_len - 1] + "…" for n in t["name"]]
    out = pd.DataFrame({"Visit": t["visit"].astype(np.int64).to_numpy(), "Area": names})
    if "score" in t:
        out["Score"] = t["score"].astype(float).round(1).to_numpy()
    out["Walk round it (m)"] = t["perimeter_m"].astype(float).round(0).to_numpy()
    return out


def sweep_csv(plan: SweepPlan) -> bytes:
    t = plan.areas.iloc[plan.order].drop(columns=["centroid_x_m", "centroid_y_m"]).copy()
    if plan.summary.get("synthetic"):
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return safe_csv(t)


def sweep_geojson(plan: SweepPlan) -> bytes:

    return areas_geojson(plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"]), plan.geometry,
                         synthetic=plan.summary.get("synthetic", False), title="Knife-sweep areas")


def sweep_kml(plan: SweepPlan) -> bytes:

    return areas_kml(plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"]), plan.geometry,
                     synthetic=plan.summary.get("synthetic", False), title="Knife-sweep areas")


def sweep_map_png(plan: SweepPlan, width_px: int = 1800, height_px: int = 1200, context=None) -> bytes:
    """Areas numbered in visiting order, the walk between them, green space and a legend; ``context``
    (``hotspots.tasks.mapcontext.MapContext``): the basemap's tiles, or offline outlines and street names."""
    import shapely

    s = plan.summary
    m = StaticMap(title="Knife-sweep areas, numbered in visiting order", synthetic=s.get("synthetic"),
                  note=f"{s['study_area']}; {s['months'][0]} to {s['months'][-1]}; walk {s['walk_m']:,.0f} m "
                       "between area centres (straight lines)", context=context)
    items = []
    if plan.study_geometry is not None:
        m.boundaries([plan.study_geometry])
    if plan.green_geometry is not None:
        box = shapely.box(*shapely.total_bounds(np.asarray(plan.geometry, dtype=object))).buffer(300)
        g = shapely.intersection(plan.green_geometry, box)
        if not g.is_empty:
            m.polygons([g], ["#a1d99b"])
            items.append(("#a1d99b", "Green space / vegetation"))
    visit = plan.areas["visit"].to_numpy()
    m.polygons(plan.geometry, [area_colour(r) for r in plan.areas["rank"]], labels=[str(v) for v in visit])
    xs = plan.areas["centroid_x_m"].to_numpy()[plan.order]
    ys = plan.areas["centroid_y_m"].to_numpy()[plan.order]
    if len(xs) > 1:
        m.route(xs, ys, colour="#000000")  # the suggested walk, with its direction
    else:
        m.points(xs, ys, colour="#000000", size=8)
    items += [(area_colour(r), f"{v}. {re.sub(r'^Sweep [0-9]+: ', '', n)} (rank {r})") for r, v, n in
              sorted(zip(plan.areas["rank"], visit, plan.areas["name"]), key=lambda t: t[1])][:12]
    items += artefact_markers(m, plan.artefacts, plan.geometry, bool(s.get("include_artefacts")))
    m.legend(items, title="Visit order (rank colour)")
    return m.to_png(width_px=width_px, height_px=height_px, fit="data")


def sweep_pdf(plan: SweepPlan, large: bool = False, context=None) -> bytes:
    """The printable sweep sheet: map, areas in visiting order, what to search, safety."""
    s = plan.summary
    doc = map_sheet("Knife-sweep sheet", f"{s['study_area']}: {plural(s['areas'], 'area')}, {s['area_km2']:.3f} km²; "
                    f"walk about {s['walk_m']:,.0f} m between them; {s['months'][0]} to {s['months'][-1]}",
                    s, large, "Where to search, in this order", sweep_map_png(plan, context=context))
    doc.text(s["score_note"] + ". Weights: " + ", ".join(f"{k} {v:g}" for k, v in s["weights"].items())
             + (f"; a record flagged with a weapon adds {s['weapon_flag_extra']:g}." if s["weapon_flag_extra"]
                else "."))
    doc.page_break()
    doc.heading("Areas in visiting order")
    doc.table(sweep_table(plan).drop(columns=["Rank", "Hexagons"]))
    add_method_notes(doc, plan)
    doc.heading("How to sweep")
    doc.bullets([
        "Search where a knife can be hidden and picked up again: hedges, bushes, long grass, verges, "
        "bins, drains, walls, gaps under fences and parked-car wheel arches on public land.",
        "Walk each area in lines a few metres apart; areas with a high green share take longer.",
        "Wear cut-resistant gloves and use a litter picker. Do not run your hand into anything you cannot see.",
        "If you find a weapon: do not touch it with bare hands, photograph it where it lies, note the place, "
        "and seize it as evidence as your force's procedure says.",
        "Record each area as searched, with the time, even when nothing is found.",
    ])
    return doc.to_pdf()


def write_sweeps(plan: SweepPlan, path, context=None) -> Path:
    """Save the sweep plan as PDF, GeoJSON, KML or CSV (by the file's ending); ``context``: the PDF map's
    background."""
    writers = {".pdf": lambda pl: sweep_pdf(pl, context=context), ".geojson": sweep_geojson, ".kml": sweep_kml, ".csv": sweep_csv, ".json": sweep_geojson}
    return write_by_suffix(plan, path, writers, example="sweeps.pdf")
