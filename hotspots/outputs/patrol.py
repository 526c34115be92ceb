"""A patrol plan as files: the table, CSV, GeoJSON, KML, a map and the printable PDF sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotspots.outputs.artefacts import artefact_markers
from hotspots.methods.words import plural
from hotspots.outputs.files import SYNTHETIC_NOTE, safe_csv, write_by_suffix
from hotspots.outputs.plans import add_method_notes, area_colour, areas_geojson, areas_kml, map_sheet
from hotspots.tasks.patrol import PatrolPlan
from hotspots.outputs.staticmap import StaticMap

__all__ = ["AREA_COLUMNS", "WALK_NOTE", "harm_share_text", "plan_csv",
           "plan_geojson", "plan_kml", "plan_map_png", "plan_pdf", "plan_table", "write_plan"]


#: Columns of the areas table in exports and on the page, with plain-words names and units.
AREA_COLUMNS = {
    "rank": "Rank", "name": "Patrol area", "cells": "Hexagons", "area_km2": "Area (km²)",
    "walk_m": "Walk (m)", "perimeter_m": "Outline (m)", "expected_crime_pct": "Expected share of crime (%)",
    "expected_harm_pct": "Expected share of harm (%)", "period_incidents": "Incidents in the period",
    "period_crime_pct": "Share of the period's crime (%)", "top_streets": "Top streets (incidents)",
    "flag": "Flag",
}

#: The walk in words (the page's caption and the sheet): what ``walk_m`` measures.
WALK_NOTE = ("Walk: past the street-level hexagons where the area's crimes are recorded, from the busiest, as the "
             "crow flies. Outline: the length of the area's edge. Flag: recording artefacts inside the area "
             "(police station, hospital, supermarket, petrol station, or a place holding most of the crime around it).")



def plan_table(plan: PatrolPlan) -> pd.DataFrame:
    """The areas table with people's column names and rounded numbers."""
    t = plan.areas[list(AREA_COLUMNS)].copy()
    t["area_km2"] = t["area_km2"].round(3)
    t["perimeter_m"] = t["perimeter_m"].round(0)
    t["walk_m"] = t["walk_m"].round(0)
    for c in ("expected_crime_pct", "expected_harm_pct", "period_crime_pct"):
        t[c] = t[c].round(2)
    return t.rename(columns=AREA_COLUMNS)


def plan_csv(plan: PatrolPlan) -> bytes:
    """The areas as CSV (formulas neutralised; labelled when synthetic)."""
    t = plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"]).copy()
    if plan.summary.get("synthetic"):
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return safe_csv(t)


def plan_geojson(plan: PatrolPlan) -> bytes:
    t = plan.areas.drop(columns=["centroid_x_m", "centroid_y_m"])
    return areas_geojson(t, plan.geometry, synthetic=plan.summary.get("synthetic", False), title="Patrol areas")


def plan_kml(plan: PatrolPlan) -> bytes:
    t = plan.areas[["rank", "name", "area_km2", "walk_m", "perimeter_m", "expected_crime_pct", "expected_harm_pct",
                    "top_streets", "flag"]]
    return areas_kml(t, plan.geometry, synthetic=plan.summary.get("synthetic", False), title="Patrol areas")


def plan_map_png(plan: PatrolPlan, width_px: int = 1800, height_px: int = 1200, context=None) -> bytes:
    """A printable map of the patrol areas (numbered), the study area outline and a legend; ``context``
    (``hotspots.tasks.mapcontext.MapContext``): the basemap's tiles, or offline outlines and street names."""
    s = plan.summary
    m = StaticMap(title=f"Patrol areas ({s['area_pct']:.2f}% of the study area)", synthetic=s.get("synthetic"),
                  note=f"{s['study_area']}; incidents {s['months'][0]} to {s['months'][-1]}; H3 res {s['res']}",
                  context=context)
    if plan.study_geometry is not None:
        m.boundaries([plan.study_geometry])
    ranks = plan.areas["rank"].tolist()
    m.polygons(plan.geometry, [area_colour(r) for r in ranks], labels=[str(r) for r in ranks])
    items = [(area_colour(r), str(n)) for r, n in zip(ranks, plan.areas["name"])][:12]
    items += artefact_markers(m, plan.artefacts, plan.geometry, bool(s.get("include_artefacts")))
    m.legend(items, title="Patrol areas (number on the map = rank)")
    # framed on the areas (the whole district when they spread over half of it), with a locator inset
    fit = "data" if plan.study_geometry is not None else "all"
    return m.to_png(width_px=width_px, height_px=height_px, fit=fit)


def harm_share_text(summary: dict) -> str:
    """The expected share of harm in words: ``"12.3%"``, or ``"n/a: ..."`` when it cannot be computed
    (no harm in the test months, e.g. drugs alone with police-generated offences given no harm).

    >>> harm_share_text({"expected_harm_pct": 12.34}), harm_share_text({"expected_harm_pct": None})
    ('12.3%', 'n/a, no harm in the test months')
    """
    v = summary.get("expected_harm_pct")
    return "n/a, no harm in the test months" if v is None else f"{v:.1f}%"


def plan_pdf(plan: PatrolPlan, large: bool = False, context=None) -> bytes:
    """The printable patrol sheet: map, areas table, times, dosage timetable, instructions."""
    s = plan.summary
    doc = map_sheet("Patrol sheet", f"{s['study_area']}: {plural(s['areas'], 'patrol area')}, {s['area_km2']:.2f} km² "
                    f"({s['area_pct']:.2f}% of the area); shift {s['shift']}; forecast for {s['forecast_month']}",
                    s, large, "Where to patrol", plan_map_png(plan, context=context))
    exp = s.get("expected_crime_pct")
    doc.text(("Expected share of next month's crime in these areas: "
              f"{exp:.1f}% (harm: {harm_share_text(s)}), from testing the forecast on "
              f"{', '.join(s['backtest_months'])}.") if exp is not None else
             "No expected share: the period is too short to test the forecast (it needs two months or more).")
    doc.page_break()
    doc.heading("Patrol areas, best first")
    doc.table(plan_table(plan).drop(columns=[AREA_COLUMNS["cells"]]).rename(columns={"Rank": "#"}))
    add_method_notes(doc, plan)
    doc.heading("When")
    if plan.times.empty:
        doc.text(" ".join(plan.time_notes))
    else:
        t = plan.times.copy()
        t["hour"] = [f"{h:02d}:00-{(h + 1) % 24:02d}:00" for h in t["hour"]]
        t["incidents"] = t["incidents"].round(1)
        t = t.rename(columns={"day": "Day", "hour": "Hour", "incidents": "Incidents (aoristic)"})
        doc.table(t)
        doc.bullets(plan.time_notes)
    doc.page_break()
    doc.heading(f"Visiting timetable: shift {s['shift']}")
    doc.bullets([
        f"Spend {plural(s['visit_min'], 'minute', fmt='g')} in each area on each visit: about 15 minutes is where the effect levels off "
        "(the Koper curve).",
        f"Come back to each area about every {plural(s['revisit_min'] / 60, 'hour', fmt='g')}, in the order below: the order changes "
        "each round so nobody can predict it.",
        "Walk the area's streets and stay visible; the rest of the time, answer calls as usual.",
        "If a call takes you away, pick up the timetable at the next visit; do not try to catch up.",
    ])
    sch = plan.schedule[["team", "round", "start", "end", "area", "minutes"]].rename(columns={
        "team": "Team", "round": "Round", "start": "Start", "end": "End", "area": "Patrol area",
        "minutes": "Minutes"})
    doc.table(sch)
    return doc.to_pdf()


def write_plan(plan: PatrolPlan, path, context=None) -> Path:
    """Save the plan as PDF, GeoJSON, KML or CSV (by the file's ending); ``context``: the PDF map's background."""
    writers = {".pdf": lambda pl: plan_pdf(pl, context=context), ".geojson": plan_geojson, ".kml": plan_kml, ".csv": plan_csv, ".json": plan_geojson}
    return write_by_suffix(plan, path, writers, example="patrol.pdf")
