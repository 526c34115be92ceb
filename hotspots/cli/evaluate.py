"""``python -m hotspots evaluate``: how well each method's map predicts the next months (hit rate, PAI, RRI)."""

from __future__ import annotations

import json
from dataclasses import replace

from hotspots import defaults
from hotspots.cli.common import add_selection, add_setting, open_store, selection_from_args
from hotspots.outputs.evaluate import evaluation_text
from hotspots.tasks.evaluate import DEFAULT_GROUPS, DEFAULT_METHODS, evaluate_groups

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="how well hotspot maps predict the next month (hit rate, PAI, RRI)",
                       description="Rolling-origin accuracy of hotspot maps: train on --train-months months, "
                                   "test on the next, for each test month.")
    add_setting(p, "train_months", default=defaults.PATROL_TRAIN_MONTHS)
    p.add_argument("--test", required=True, metavar="YYYY-MM[..YYYY-MM]",
                   help="test month, or a range: one rolling origin per month")
    p.add_argument("--methods", metavar="a,b,...",
                   help=f"methods to compare (default {','.join(DEFAULT_METHODS)}; also kde-<m>, oracle)")
    add_selection(p, period=False, types_default=None)
    add_setting(p, "res", default=defaults.H3_DEFAULT_RES)
    p.add_argument("--json", action="store_true", help="print one JSON object (all crime unless --types)")


def run(args) -> int:
    """Print the accuracy tables (or JSON).

    Without ``--types`` the text has one table for each of ``DEFAULT_GROUPS`` and JSON is for all crime;
    ``--json`` prints ``{method: {"hit@1": ..., "pai@1": ..., "rri@1": ..., "harm@1": ..., "hit@1_sd": ...},
    "split": {...}, "recommended": "forecast"}``.
    """
    with open_store(args) as store:
        sel = selection_from_args(args, store)
        if sel.categories:
            groups = {", ".join(sel.categories): sel.categories}
        elif args.json:
            groups = {"All crime": ()}
        else:
            groups = DEFAULT_GROUPS
        evs = evaluate_groups(store, args.test, groups, sel=replace(sel, categories=()),
                              train_months=args.train_months, methods=args.methods, res=args.res)
    if args.json:
        print(json.dumps(next(iter(evs.values())).to_dict(), indent=2))
        return 0
    print("\n\n".join(evaluation_text(ev) for ev in evs.values()))
    return 0
