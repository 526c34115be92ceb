"""``python -m hotspots cctv``: where to put mobile CCTV cameras; ``--evaluate``: did a past deployment work."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from geo.boundaries import read_area
from geo.errors import SettingError
from geo.readers.points import read_deployment, read_points
from hotspots.cli.common import (add_artefact_options, add_basemap, add_selection, add_setting, open_store,
                                 planner_selection, progress_bar, say_default_types, selection_from_args)
from hotspots.defaults import CCTV_CAMERAS, CCTV_DEFAULT_TYPES, CCTV_RADIUS_M, CCTV_TIME_LIMIT_S, CCTV_TYPES_WHY
from hotspots.methods.harm import harm_weights
from hotspots.outputs.cctv import plan_notes, write_plan
from hotspots.outputs.did_it_work import evaluation_csv, wdq_text
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.mapcontext import sheet_context
from hotspots.tasks.did_it_work import evaluate_deployment

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("cctv", help="where to put mobile CCTV cameras (maximal covering, proven optimal); "
                                    "--evaluate: did a past deployment work (WDQ)",
                       description="Choose camera sites that see the most incidents (or harm) within a radius, "
                                   "solved to proven optimality; or, with --evaluate, compare before and after a "
                                   "past deployment against a control area.")
    add_setting(p, "cameras", default=CCTV_CAMERAS)
    add_setting(p, "radius_m", default=CCTV_RADIUS_M)
    add_selection(p, harm=True, harm_help="maximise harm (approximate CCHI days) instead of incidents")
    say_default_types(p, CCTV_TYPES_WHY + '; --evaluate: all types')
    p.add_argument("--existing", metavar="FILE", help="existing static cameras (CSV or GeoJSON points): what they "
                                                      "see counts as covered already")
    p.add_argument("--candidates", metavar="FILE", help="candidate sites (CSV or GeoJSON points, e.g. lamp "
                                                        "columns; default: centres of res-10 hexagons with incidents)")
    p.add_argument("--exclude", metavar="FILE", help="zones where no camera may go (polygons)")
    add_setting(p, "min_spacing_m", default=0.0)
    add_artefact_options(p)
    add_basemap(p)
    p.add_argument("--time-limit-s", type=float, default=CCTV_TIME_LIMIT_S, metavar="S",
                   help=f"solver time limit (default {CCTV_TIME_LIMIT_S:g} s)")
    p.add_argument("--evaluate", metavar="DEPLOYMENT.csv",
                   help="instead: did a past deployment work? CSV of site, easting/northing or longitude/latitude, "
                        "from, to (YYYY-MM)")
    p.add_argument("--control", metavar="FILE", help="--evaluate: control area polygon (default: the rest of the "
                                                     "area or store, minus the target and buffer)")
    add_setting(p, "buffer_m", help_extra=" (--evaluate)")
    p.add_argument("--out", metavar="FILE",
                   help="write the plan: .csv, .geojson, .kml or .pdf (with --evaluate: the table as .csv)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _boundaries_for_pdf(store, area) -> list:
    if area is not None:
        return [area.geometry]
    return [store.area(layer, name).geometry for layer, name in store.area_names() if layer == "district"]


def _evaluate(args) -> int:
    dep = read_deployment(args.evaluate)
    control = read_area(args.control) if args.control else None
    kw = {} if args.buffer_m is None else {"buffer_m": args.buffer_m}
    if args.types and args.types.strip().lower() == "all":
        args.types = None
    with open_store(args) as store:
        sel = selection_from_args(args, store)
        weights = harm_weights(sel.exclude_police_generated, dict(sel.harm_overrides) or None) if sel.harm else None
        ev = evaluate_deployment(store, dep, sel, control=control, radius_m=args.radius_m, weights=weights, **kw)
    if args.out:
        if not args.out.lower().endswith(".csv"):
            raise SettingError(f"--evaluate writes a table: '{Path(args.out).name}' is not a .csv file.",
                               "End --out with .csv.")
        Path(args.out).write_bytes(evaluation_csv(ev))
    if args.json:
        print(json.dumps(ev.to_dict(), indent=2, default=str))
    else:
        print(wdq_text(ev))
    return 0


def run(args) -> int:
    """Print the plan (or JSON), optionally write it; or ``--evaluate``. Settings problems raise a sentence."""
    if args.evaluate:
        return _evaluate(args)
    existing = read_points(args.existing, "existing cameras") if args.existing else None
    candidates = read_points(args.candidates, "candidate sites") if args.candidates else None
    exclude = read_area(args.exclude) if args.exclude else None
    update, close = progress_bar(sys.stderr.isatty() and not args.json)
    try:
        with open_store(args) as store:
            sel = planner_selection(args, store, CCTV_DEFAULT_TYPES)
            plan = site_cameras(store, sel, cameras=args.cameras, radius_m=args.radius_m, existing=existing,
                                candidates=candidates, exclude=exclude, min_spacing_m=args.min_spacing_m,
                                time_limit_s=args.time_limit_s, include_artefacts=args.include_artefacts,
                                artefact_share_pct=args.artefact_share_pct,
                                artefact_min_incidents=args.artefact_min_incidents, progress=update)
            bounds = _boundaries_for_pdf(store, sel.area) if args.out and args.out.lower().endswith(".pdf") else []
            # a PDF's map: the chosen basemap's tiles, or offline outlines and street names
            context = sheet_context(store, args.out, sel.area, getattr(args, "basemap", None))
    finally:
        close()
    if args.out:
        plan.summary["out"] = str(write_plan(plan, args.out, bounds, context=context))
    if args.json:
        print(json.dumps({**plan.summary, "notes": plan.notes}, indent=2, default=str))
        return 0
    s = plan.summary
    notes = plan_notes(plan)
    print(("SYNTHETIC sample data. " if plan.synthetic else "") + notes[0])
    print(notes[1])
    if s["existing_cameras"]:
        print(notes[2])
    print("Crime types: " + (", ".join(s["types"]) if s["types"] != "all" else "all"))
    for n in plan.notes:
        print(n)
    shown = plan.sites.drop(columns=["lon", "lat", "site"])
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(shown.to_string(index=False))
    print(f"Solved in {s['solve_s']:.2f} s: {s['sizes']['demand_points']:,} demand points, "
          f"{s['sizes']['candidates']:,} candidate sites ({s['candidate_source']}).")
    if args.out:
        print(f"Wrote {s['out']}")
    return 0
