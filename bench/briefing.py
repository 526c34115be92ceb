"""The JAG briefing command on real data: ``python -m hotspots brief`` for a district-month.

Loads the real police.uk Hertfordshire files (``../shared/data``) and the district
boundaries into a temporary store, then times, each in a fresh process as a user runs it:

* the baseline: ``python -m hotspots status`` (interpreter start, imports, opening the store);
* ``python -m hotspots brief --district D --month M --out briefing.pdf``;
* the same with ``--out briefing.pptx``;

best of ``--runs`` each, and prints the seconds, the ratio to the baseline, the goal
(< 30 s, issue 8) as met / not met, and where the time goes section by section (the
command's ``--json`` output). Timings never decide a test; this script only reports.

Usage::

    python bench/briefing.py [--district Watford] [--month 2021-12] [--runs 2] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
STREET = SHARED / "police" / "hertfordshire_2021" / "street"
DISTRICTS = SHARED / "boundaries" / "herts_lad_dissolved_from_lsoa2011.geojson"
GOAL_S = 30.0


def run(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout


def best(cmd: list[str], runs: int) -> tuple[float, str]:
    results = [run(cmd) for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--district", default="Watford")
    ap.add_argument("--month", default="2021-12")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    if not STREET.is_dir():
        print(f"needs the real police.uk files in {STREET}")
        return 1
    sys.path.insert(0, str(ROOT))
    from geo.boundaries import read_areas
    from geo.ingest.police import ingest_police
    from geo.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench_briefing_"))
    try:
        db = tmp / "real.duckdb"
        t0 = time.perf_counter()
        with Store(db) as s:
            report = ingest_police([STREET], s)
            s.save_areas(read_areas(DISTRICTS), "district")
        print(f"Store: {report.rows_stored:,} police.uk rows, 10 districts, loaded in {time.perf_counter() - t0:.1f} s")
        py = sys.executable
        base_s, _ = best([py, "-m", "hotspots", "status", "--db", str(db), "--json"], args.runs)
        rows = [("baseline: status", base_s, None)]
        sections = {}
        for suffix in ("pdf", "pptx"):
            cmd = [py, "-m", "hotspots", "brief", "--db", str(db), "--district", args.district, "--month",
                   args.month, "--out", str(tmp / f"briefing.{suffix}"), "--json"]
            secs, out = best(cmd, args.runs)
            summary = json.loads(out)
            sections = summary.get("section_seconds", {})
            rows.append((f"brief --out .{suffix}", secs, summary))
        print(f"\nbrief --district {args.district} --month {args.month}, best of {args.runs}, fresh process each:")
        print(f"{'command':<22} {'seconds':>8} {'x baseline':>11}  goal < {GOAL_S:.0f} s")
        for name, secs, summary in rows:
            goal = "" if summary is None else ("met" if secs < GOAL_S else "NOT met")
            print(f"{name:<22} {secs:>8.2f} {secs / base_s:>11.1f}  {goal}")
        print("\nWhere the time goes (seconds inside the command, last run):")
        for k, v in sections.items():
            print(f"  {k:<12} {v:>6.2f}")
        h = rows[1][2]["headline"]["total"]
        print(f"\nContent check: {h['month']:,} incidents in {args.month} ({h['previous']:,} the month before).")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
