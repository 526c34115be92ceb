"""``python -m hotspots sweeps``: knife-sweep areas (weapon-violence score, green share, visiting order)."""

from __future__ import annotations

import json

from hotspots import defaults
from hotspots.methods.words import plural
from hotspots.cli.common import (add_artefact_options, add_basemap, add_selection, add_setting, open_store,
                                 selection_from_args)
from hotspots.outputs.plans import jsonable
from hotspots.outputs.sweeps import sweep_table, write_sweeps
from hotspots.tasks.mapcontext import sheet_context
from hotspots.tasks.sweeps import plan_sweeps

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:  # every command module: add_parser and run, the same shape on purpose
    p = sub.add_parser("sweeps", help="knife-sweep areas: weapon-violence score, green share, a route",
                       description="Rank small areas by a weapon-violence score and suggest a visiting order for "
                                   f"a weapon sweep. Crime types: {defaults.SWEEP_TYPES_WHY} (the --weights' "
                                   "types).")
    add_selection(p, types=False, sources_default="police,ae")
    p.add_argument("--weights", metavar='"Type=w,..."',
                   help="score weights, e.g. \"Possession of weapons=3,Robbery=2,Violence and sexual offences=1,"
                        "A&E knife/sharp=3\" (the defaults)")
    p.add_argument("--weapon-flag-extra", type=defaults.SPECS["flag_extra"].parse,
                   default=defaults.SWEEP_WEAPON_FLAG_EXTRA, metavar="WEIGHT",
                   help=f"added when a record flags a weapon, {defaults.SPECS['flag_extra'].interval()} "
                        f"(default {defaults.SWEEP_WEAPON_FLAG_EXTRA:g})")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--areas", type=defaults.SPECS["sweep_areas"].parse, dest="n_areas", metavar="N",
                   help=f"number of sweep areas, {defaults.SPECS['sweep_areas'].interval()} "
                        f"(default {defaults.SWEEP_AREAS})")
    add_setting(g, "budget_pct", help_extra=" (or at most this share of the study area)")
    add_artefact_options(p)
    add_basemap(p)
    p.add_argument("--green", metavar="FILE", help="green-space / vegetation polygons (e.g. an OSM extract, GeoJSON)")
    add_setting(p, "res", default=defaults.SWEEP_RES)
    p.add_argument("--out", metavar="FILE", help="write the plan: .pdf, .geojson, .kml or .csv")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    """``--json`` prints ``summary`` and ``areas`` (visiting order)."""
    with open_store(args) as store:
        plan = plan_sweeps(store, selection_from_args(args, store), res=args.res, weights=args.weights,
                           n_areas=args.n_areas, budget_pct=args.budget_pct, green=args.green,
                           flag_extra=args.weapon_flag_extra, include_artefacts=args.include_artefacts,
                           artefact_share_pct=args.artefact_share_pct,
                           artefact_min_incidents=args.artefact_min_incidents)
        # a PDF's map: the chosen basemap's tiles, or offline outlines and street names
        context = sheet_context(store, args.out, plan.study_geometry, getattr(args, "basemap", None))
    if args.out:
        plan.summary["out"] = str(write_sweeps(plan, args.out, context=context))
    if args.json:
        rows = plan.areas.iloc[plan.order].to_dict(orient="records")
        print(json.dumps({"summary": plan.summary, "notes": plan.notes,
                          "areas": [{k: jsonable(v) for k, v in r.items()} for r in rows]}, indent=2, default=str))
        return 0
    s = plan.summary
    print(f"Knife-sweep plan: {plural(s['areas'], 'area')}, {s['area_km2']:.3f} km2 ({s['area_pct']:.2f}% of "
          f"{s['study_area']}), {s['incidents_scored']:,} scoring police incidents"
          + (" and A&E knife/sharp assaults" if s["ae_included"] else "") + f", {s['months'][0]} to {s['months'][-1]}")
    print(s["score_note"] + ". Weights: " + ", ".join(f"{k}={v:g}" for k, v in s["weights"].items()))
    print(f"Visiting order: walk {s['walk_m']:,.0f} m between area centres (nearest neighbour alone: "
          f"{s['nearest_neighbour_walk_m']:,.0f} m)")
    for n in plan.notes:
        print(n)
    print(sweep_table(plan).to_string(index=False))
    if args.out:
        print(f"Wrote {s['out']}")
    return 0
