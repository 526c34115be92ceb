"""``python -m hotspots overlay``: police violence x A&E assaults per hexagon (A&E small counts suppressed)."""

from __future__ import annotations

import json

from hotspots import defaults
from hotspots.cli.common import add_selection, add_setting, open_store, selection_from_args
from hotspots.outputs.files import SYNTHETIC_NOTE, check_suffix
from hotspots.methods.words import noun, plural
from hotspots.outputs.overlay import OVERLAY_WRITERS, write_overlay
from hotspots.tasks.overlay import CLASSES, overlay

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("overlay", help="police violence x A&E assaults per hexagon (A&E small counts suppressed)",
                       description="Police violence (police.uk 'Violence and sexual offences') against A&E "
                                   "assaults per H3 cell, with bivariate classes. A&E counts 1 to 7 are never "
                                   "written as numbers.")
    add_selection(p, types=False, sources=False)
    add_setting(p, "res", default=defaults.H3_DEFAULT_RES)
    p.add_argument("--out", required=True, metavar="FILE", help="write the cells: .csv or .geojson")
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def run(args) -> int:
    """Write the cells file and print a summary.

    ``--out FILE.csv|FILE.geojson`` has one row per cell with police violence or A&E assaults:
    ``cell, police_violence, ae_assaults, class, expected_ae, excess`` (A&E counts 1 to 7 as "1 to 7"), then
    ``p, p_fdr, unknown_to_police`` (more A&E assaults than police violence predicts beyond chance).
    ``--json`` prints ``res, months, cells, classes, totals, cells_ae_suppressed, high_cuts, suppression,
    synthetic, out``, and ``unknown_to_police`` (hexagons listed) with ``unknown_to_police_test``, and ``ae_note``
    (small numbers are hidden and others slightly adjusted).
    """
    check_suffix(args.out, OVERLAY_WRITERS, what="the overlay output", example="overlay.geojson")  # before any work
    with open_store(args) as store:
        pub = overlay(store, selection_from_args(args, store), res=args.res)
    out = write_overlay(pub, args.out)
    summary = pub.summary() | {"out": str(out)}
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    months = f"{pub.months[0]} to {pub.months[-1]}" if pub.months else "no months with A&E assaults"
    print(f"Police violence x A&E assaults, H3 res {pub.res}, {months}"
          + (f" ({SYNTHETIC_NOTE})" if pub.synthetic else ""))
    ae_total = pub.totals["ae_assaults"]
    print(f"Police violence: {plural(pub.totals['police_violence'], 'crime')}; A&E assaults: "
          + (f"{ae_total:,} (a rounded figure)" if isinstance(ae_total, int) else ae_total))
    for k in CLASSES:
        print(f"  {pub.class_counts[k]:>7,} {noun(pub.class_counts[k], 'hexagon'):<8}  {k}")
    print(pub.notes[0])  # the protection line (small numbers hidden, others slightly adjusted)
    print(pub.notes[1])  # what "1 to 7" and "suppressed" mean
    if len(pub.ranked):
        print(f"Violence unknown to police: {plural(pub.summary()['unknown_to_police'], 'hexagon')} with more A&E "
              "assaults than police violence predicts, beyond chance (exact test, 5 % false discovery rate):")
        top = pub.ranked[["rank", "cell", "ae_assaults", "police_violence", "excess", "p_fdr", "near"]].head(10).copy()
        top["excess"] = [("hidden" if v is None or v != v else f"{v:.1f}") for v in top["excess"]]
        print(top.to_string(index=False))
    if len(pub.unseen):
        print(f"A&E assaults ({pub.hidden_label} or a hidden larger count) where police recorded no violence, "
              f"in order of the nearest location's name ({plural(len(pub.unseen), 'hexagon')}):")
        print(pub.unseen.head(10).to_string(index=False))
    print(f"Wrote {plural(len(pub.cells), 'hexagon')} to {out}")
    return 0
