"""``python -m hotspots brief``: the JAG briefing pack for a district and month, a PDF or a PowerPoint deck."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from geo.errors import SettingError
from hotspots.briefing.pdf import briefing_pdf
from hotspots.briefing.pptx import briefing_pptx
from hotspots.briefing.sections import build_briefing
from hotspots.briefing.words import change_words, command_area_words
from hotspots.cli.common import add_basemap, add_selection, open_store, progress_bar, selection_from_args
from hotspots.tasks.basemaps import configured, open_basemap, resolve

__all__ = ["add_parser", "run"]

WRITERS = {".pdf": briefing_pdf, ".pptx": briefing_pptx}


def add_parser(sub) -> None:
    p = sub.add_parser("brief", help="the JAG briefing pack: a PDF or a PowerPoint deck")
    add_selection(p, period=False, types=False, sources=False)
    p.add_argument("--month", metavar="YYYY-MM", help="the month to brief on (default: the latest in the store)")
    p.add_argument("--exclude-police-generated", action="store_true",
                   help="give drugs and possession of weapons no harm when naming each place's main problem")
    p.add_argument("--cameras", metavar="FILE", help="existing CCTV cameras (CSV) for the CCTV section")
    add_basemap(p)
    p.add_argument("--out", metavar="FILE.pdf|FILE.pptx", required=True, help="the pack to write")
    p.add_argument("--json", action="store_true", help="print a JSON summary (the briefing's numbers)")


def run(args) -> int:
    """Write the pack; ``--json`` prints the briefing's numbers with ``out``, ``bytes`` and ``seconds``."""
    out = Path(args.out)
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        raise SettingError(f"Cannot write '{out.name}': the briefing is a .pdf or a .pptx file.",
                           "Name the output e.g. briefing.pdf or briefing.pptx.")
    t0 = time.perf_counter()
    update, close = progress_bar(sys.stderr.isatty() and not args.json)
    try:
        with open_store(args) as store:
            sel = selection_from_args(args, store)
            district = sel.area.name if (sel.area is not None and args.district) else None
            # the maps' background: the named basemap's tiles, else offline outlines and street names
            tiles = open_basemap(resolve(args.basemap, configured(store))) if args.basemap else None
            b = build_briefing(store, args.month, sel, cameras_file=args.cameras,
                               command_area=command_area_words(district, args.area), district=district,
                               progress=update, tiles=tiles)
    finally:
        close()
    data = writer(b)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    summary = b.summary()
    summary.update(out=str(out), bytes=len(data), seconds=round(time.perf_counter() - t0, 2))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    h = summary["headline"]["total"]
    print(f"{b.title}")
    print(f"Incidents: {h['month']:,} ({change_words(h['month'], h['previous'], b.previous_month)} since "
          f"{b.previous_month})")
    for s in b.sections:
        print(f"  {s.heading}" + (f"  [not available: {s.missing}]" if s.missing else ""))
    print(f"Wrote {out} ({len(data):,} bytes) in {summary['seconds']:.1f} s")
    return 0
