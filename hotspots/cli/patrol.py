"""``python -m hotspots patrol``: plan hot-spot patrols (areas, expected share, times, a dosage timetable)."""

from __future__ import annotations

import json
import sys

from geo.constants import H3_DEFAULT_RES
from hotspots import defaults
from hotspots.methods.words import plural
from hotspots.cli.common import (add_artefact_options, add_basemap, add_selection, add_setting, open_store,
                                 planner_selection, progress_bar, say_default_types)
from hotspots.outputs.patrol import harm_share_text, plan_table, write_plan
from hotspots.outputs.plans import jsonable
from hotspots.tasks.mapcontext import sheet_context
from hotspots.tasks.patrol import plan_patrol

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:  # every command module: add_parser and run, the same shape on purpose
    p = sub.add_parser("patrol", help="plan hot-spot patrols: areas, times, a dosage timetable",
                       description="Ranked patrol areas from the recommended forecast, their expected share of "
                                   "crime from its backtest, and a Koper-curve timetable.")
    add_selection(p, harm=True, harm_help="rank by harm (approximate CCHI days)")
    say_default_types(p, defaults.PATROL_TYPES_WHY)
    g = p.add_mutually_exclusive_group()
    add_setting(g, "budget_pct", help_extra=f" Default {defaults.PATROL_BUDGET_PCT:g} %% when --areas is not given.")
    g.add_argument("--areas", type=defaults.SPECS["n_areas"].parse, metavar="N", dest="n_areas",
                   help=f"exactly N patrol areas instead, {defaults.SPECS['n_areas'].interval()}")
    p.add_argument("--shift", default=defaults.PATROL_DEFAULT_SHIFT,
                   help='early (07:00-15:00), late (15:00-23:00), night (23:00-07:00) or "HH:MM-HH:MM" '
                        f"(default {defaults.PATROL_DEFAULT_SHIFT})")
    add_setting(p, "visit_min", default=defaults.PATROL_VISIT_MIN)
    add_setting(p, "seed", default=0, help_extra=" The seed of the random visiting order.")
    add_setting(p, "res", default=H3_DEFAULT_RES)
    add_setting(p, "max_area_km2", default=defaults.PATROL_MAX_AREA_KM2)
    add_setting(p, "max_walk_m", default=defaults.PATROL_MAX_WALK_M)
    add_artefact_options(p)
    add_basemap(p)
    p.add_argument("--out", metavar="FILE", help="write the plan: .pdf, .geojson, .kml or .csv")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    """``--json`` prints ``summary`` (the plan's settings, ``area_pct``, ``expected_crime_pct``,
    ``expected_harm_pct``, ``month_only``), ``areas`` (the table), ``times``, ``time_notes``, ``schedule`` and
    ``backtest``."""
    update, close = progress_bar(sys.stderr.isatty() and not args.json)
    try:
        with open_store(args) as store:
            plan = plan_patrol(store, planner_selection(args, store, defaults.PATROL_DEFAULT_TYPES), res=args.res,
                               budget_pct=args.budget_pct, n_areas=args.n_areas, shift=args.shift,
                               visit_min=args.visit_min, seed=args.seed, max_area_km2=args.max_area_km2,
                               max_walk_m=args.max_walk_m, include_artefacts=args.include_artefacts,
                               artefact_share_pct=args.artefact_share_pct,
                               artefact_min_incidents=args.artefact_min_incidents, progress=update)
            # a PDF's map: the chosen basemap's tiles, or offline outlines and street names
            context = sheet_context(store, args.out, plan.study_geometry, getattr(args, "basemap", None))
    finally:
        close()
    if args.out:
        plan.summary["out"] = str(write_plan(plan, args.out, context=context))
    if args.json:
        out = {"summary": plan.summary, "notes": plan.notes,
               "areas": [{k: jsonable(v) for k, v in r.items()} for r in plan.areas.to_dict(orient="records")],
               "times": plan.times.to_dict(orient="records"), "time_notes": plan.time_notes,
               "schedule": plan.schedule.to_dict(orient="records"),
               "backtest": [{k: jsonable(v) for k, v in r.items()} for r in plan.backtest.to_dict(orient="records")]}
        print(json.dumps(out, indent=2, default=str))
        return 0
    s = plan.summary
    w = sys.stdout.write
    w(f"Patrol plan: {plural(s['areas'], 'area')}, {plural(s['cells'], 'hexagon')} (res {s['res']}), {s['area_km2']:.2f} km2 = "
      f"{s['area_pct']:.2f}% of {s['study_area']} ({s['study_area_km2']:.1f} km2)\n")
    w(f"Ranked by the forecast for {s['forecast_month']} ({s['value']}); {plural(s['incidents'], 'incident')} "
      f"{s['months'][0]} to {s['months'][-1]}\n")
    if s["expected_crime_pct"] is not None:
        w(f"Expected share of next month's crime in the plan: {s['expected_crime_pct']:.1f}% "
          f"(harm {harm_share_text(s)}), backtest on {', '.join(s['backtest_months'])}\n")
    else:
        w("No expected share: one month is too short to test the forecast.\n")
    w("".join(f"{n}\n" for n in plan.notes))
    w(plan_table(plan).to_string(index=False) + "\n")
    w("When:\n" + "".join(f"  {n}\n" for n in plan.time_notes))
    if not plan.times.empty:
        w("Busiest hours of the week in these areas (incidents, aoristic):\n")
        w(plan.times.round({"incidents": 1}).to_string(index=False) + "\n")
    w(f"Timetable for the {s['shift']} shift: {s['visit_min']:g}-minute visits, each area about every "
      f"{s['revisit_min'] / 60:g} h, random order (seed {s['seed']})\n")
    w(plan.schedule.drop(columns=["start_min"]).to_string(index=False) + "\n")
    if args.out:
        w(f"Wrote {s['out']}\n")
    return 0
