"""``python -m hotspots detect --method NAME``: run a hotspot method and print or save its result.

The methods, their settings and their meanings come from the registry (``hotspots.tasks.registry``); each
setting's option comes from its ``hotspots.defaults.SPECS`` entry.
"""

from __future__ import annotations

import json
from pathlib import Path

from hotspots.cli.common import add_selection, add_setting, open_store, selection_from_args
from hotspots.methods.words import plural
from hotspots.outputs.detect import write_detection
from hotspots.outputs.hotspot_table import detection_kml, hotspot_table, with_locations
from hotspots.tasks.detect import detect
from hotspots.tasks.profile import busiest_locations
from hotspots.tasks.registry import METHODS, method_names

__all__ = ["add_parser", "run"]

#: Settings every method may take, in the order ``--help`` lists them.
METHOD_SETTINGS = ("bandwidth_m", "eps_m", "min_samples", "min_cluster_size", "k", "permutations", "seed")


def add_parser(sub) -> None:
    p = sub.add_parser("detect", help="run a hotspot method on the stored incidents")
    p.add_argument("--method", required=True, choices=method_names(),
                   help="; ".join(f"{name}: {m.label}" for name, m in METHODS.items()))
    add_setting(p, "res")
    add_selection(p, harm=True, sources_default="police")
    for name in METHOD_SETTINGS:
        users = [n for n, m in METHODS.items() if name in m.params]
        add_setting(p, name, help_extra=f" ({', '.join(users)})" if users else "")
    p.add_argument("--out", metavar="FILE", help="write the table: .geojson, .gpkg, .csv or .kml (as the map page's downloads, with "
                   "each hexagon's busiest places)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(res=9)


def _write(det, out: str, places) -> Path:
    """``--out``: KML from the ranked table (names escaped), other formats through ``write_detection``."""
    p = Path(out)
    if p.suffix.lower() == ".kml":
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(detection_kml(det, hotspot_table(det, places), name=f"Hotspots: {det.method}"))
        return p
    return write_detection(with_locations(det, places), p)


def run(args) -> int:
    with open_store(args) as store:
        sel = selection_from_args(args, store)
        params = {name: getattr(args, name) for name in METHOD_SETTINGS if getattr(args, name) is not None}
        det = detect(store, args.method, sel, res=args.res, **params)
        # the same file the map page's download gives: each hexagon's busiest police.uk places added
        places = busiest_locations(store, sel, args.res) if args.out and det.per_cell else None
    if args.out:
        det.summary["out"] = str(_write(det, args.out, places))
    if args.json:
        print(json.dumps(det.summary, indent=2, default=str))
        return 0
    s = det.summary
    if s.get("synthetic"):
        print("SYNTHETIC sample data, not real crime.")
    print(f"{args.method}: {s['meaning']}")
    print(f"{plural(s['incidents'], 'incident')}, {s['months'][0]} to {s['months'][-1]}, H3 res {s['res']}"
          + (f"; value: {s['harm_note']}" if s.get("harm_note") else ""))
    shown = det.table.drop(columns=["geometry"], errors="ignore").head(15)
    print(shown.to_string(index=False))
    if len(det.table) > len(shown):
        print(f"... {len(det.table) - len(shown):,} more rows" + ("" if args.out else " (save them with --out FILE)"))
    if args.out:
        print(f"Wrote {plural(len(det.table), 'row')} to {s['out']}")
    return 0
