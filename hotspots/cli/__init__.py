"""The command line: ``python -m hotspots COMMAND``.

Commands
--------
sample   write the synthetic Hertfordshire-like sample to sample_data/
ingest   load police.uk files or a force records export into the store
status   what the store holds: rows by source, force and month
detect   run a hotspot method (count, kde, gistar, dbscan, hdbscan, emerging, knox, forecast)
evaluate how well each method's map predicts the next months (hit rate, PAI, RRI)
overlay  police violence x A&E assaults per hexagon, A&E small counts suppressed
patrol   plan hot-spot patrols: areas, expected share, times, a dosage timetable
sweeps   knife-sweep areas: weapon-violence score, green share, visiting order
cctv     mobile CCTV sites (maximal covering, proven optimal); --evaluate: did it work (WDQ)
brief    the JAG briefing pack for a district and month: a PDF or a PowerPoint deck

Every command takes ``--db FILE`` (else $HOTSPOTS_DB, else data/hotspots.duckdb).
Expected problems print one sentence with the fix and exit with status 2; a load in
which some file was refused exits with status 1 after loading the others.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import traceback

from geo.errors import HotspotsError, SettingError

__all__ = ["main", "plain"]

#: Control characters a terminal would act on (ESC starts colour codes, cursor moves, title changes;
#: the bidirectional overrides reorder what is shown): removed from everything the commands print.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str, keep_cr: bool = False) -> str:
    r"""Text without terminal control characters (newlines and tabs kept).

    >>> plain("Herts\x1b[2J\x1b]0;owned\x07 Constabulary\r\n")
    'Herts[2J]0;owned Constabulary\n'
    """
    if keep_cr:
        return _CONTROL.sub(lambda m: m.group(0) if m.group(0) == "\r" else "", text)
    return _CONTROL.sub("", text)


class _PlainStream:
    """A text stream that drops control characters from what is written (data text can hold any)."""

    def __init__(self, stream, keep_cr: bool):
        self._stream, self._keep_cr = stream, keep_cr

    def write(self, text: str) -> int:
        self._stream.write(plain(text, self._keep_cr))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _wait_message(enabled: bool):
    """A lock-wait callback for ``Store``: says once, on standard error, that the store is busy."""
    said = []

    def on_wait(waited: float, limit: float) -> None:
        if enabled and not said and waited >= 0.5:
            print(f"The store is in use by another program (the app or another load); waiting up to "
                  f"{limit:.0f} s for it...", file=sys.stderr)
            said.append(True)

    return on_wait


def _progress_bar(enabled: bool):
    """A terminal progress bar (tqdm on stderr) as a progress(fraction, message) callback."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=1000, unit="‰", file=sys.stderr, leave=False,
               bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}")

    def update(fraction: float, message: str) -> None:
        bar.n = int(min(max(fraction, 0.0), 1.0) * 1000)
        bar.set_postfix_str(message[-60:], refresh=False)
        bar.refresh()

    return update, bar.close


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="FILE", help="the store (default: $HOTSPOTS_DB, else data/hotspots.duckdb)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hotspots", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write the synthetic sample data (sample_data/)")
    p.add_argument("--out", default="sample_data", help="folder to write (default: sample_data)")
    p.add_argument("--seed", type=int, default=2024, help="random seed (default: 2024)")
    p.add_argument("--months", type=int, default=24, help="months of data (default: 24)")
    p.add_argument("--load", action="store_true", help="also load it (police, force records, districts) into the store")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print a JSON summary")

    p = sub.add_parser("ingest", help="load files into the store")
    p.add_argument("kind", choices=["police", "rms", "ae", "boundaries"],
                   help="police: police.uk CSVs/zips; rms: force records export; ae: A&E (ISTV) files; "
                   "boundaries: named areas (e.g. districts) for --district and the app's area choice")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or zips")
    p.add_argument("--area", metavar="FILE", help="area boundary (GeoJSON, GeoPackage, Shapefile, KML): "
                   "points outside it are rejected")
    p.add_argument("--mapping", metavar="FILE.toml", help="rms: the column mapping (see README)")
    p.add_argument("--first-year", type=int, metavar="YEAR",
                   help="rms, ae: refuse records dated before this year (default 2000; rms: else the mapping's "
                   "[datetime] first_year)")
    p.add_argument("--layer", default="district",
                   help="boundaries: the layer the areas are stored under (default: district)")
    p.add_argument("--name-field", metavar="FIELD",
                   help="boundaries: the property holding each area's name (default: NAME, LAD23NM, ... found)")
    from hotspots.cli.ingest_ae import add_ae_arguments

    add_ae_arguments(p)
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("detect", help="run a hotspot method on the stored incidents")
    p.add_argument("--method", required=True, choices=["count", "kde", "gistar", "dbscan", "hdbscan", "emerging", "knox", "forecast"])
    p.add_argument("--res", type=int, default=9, help="H3 resolution 7-11 (default 9, ~0.1 km2 cells)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month (default: all)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month (default: all)")
    p.add_argument("--types", metavar='"A,B"', help="crime types, comma-separated (default: all)")
    p.add_argument("--sources", default="police", metavar='"police,rms"',
                   help="sources, comma-separated (default: police; knox needs rms: dated records)")
    p.add_argument("--harm", action="store_true", help="weigh incidents by harm (approximate CCHI days)")
    p.add_argument("--exclude-police-generated", action="store_true",
                   help="with --harm: give drugs and possession of weapons no harm")
    p.add_argument("--harm-weight", action="append", default=[], metavar="TYPE=DAYS",
                   help='with --harm: replace a weight, e.g. "Burglary=120" (repeatable)')
    p.add_argument("--area", metavar="FILE", help="study area boundary: incidents and cells inside it")
    p.add_argument("--district", metavar="NAME", help="a district stored in the store (Data page; instead of --area)")
    p.add_argument("--bandwidth-m", type=float, help="kde: bandwidth in metres (default 300)")
    p.add_argument("--eps-m", type=float, help="dbscan: search distance in metres (default 150)")
    p.add_argument("--min-samples", type=int, help="dbscan/hdbscan: incidents around a core point (default 10)")
    p.add_argument("--min-cluster-size", type=int, help="hdbscan: smallest cluster (default 20)")
    p.add_argument("--k", type=int, default=1, help="gistar/emerging: k-ring of neighbours (default 1)")
    p.add_argument("--permutations", type=int, default=0, help="gistar: conditional permutations (0 = analytic only); knox: default 999")
    p.add_argument("--seed", type=int, help="random seed for permutations")
    p.add_argument("--out", metavar="FILE", help="write the table: .geojson, .gpkg or .csv")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print a JSON summary")

    from hotspots.tasks.evaluate import add_evaluate_parser

    add_evaluate_parser(sub)

    from hotspots.tasks.overlay import add_overlay_parser

    add_overlay_parser(sub)

    from hotspots.tasks.patrol import add_patrol_parser
    from hotspots.tasks.sweeps import add_sweeps_parser

    add_patrol_parser(sub)
    add_sweeps_parser(sub)

    from hotspots.tasks.cctv import add_cctv_parser

    add_cctv_parser(sub)

    from hotspots.briefing.build import add_brief_parser

    add_brief_parser(sub)

    p = sub.add_parser("status", help="what the store holds")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out, err_stream = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PlainStream(out, keep_cr=False), _PlainStream(err_stream, keep_cr=True)
    try:
        return COMMANDS[args.command](args)
    except HotspotsError as err:
        print(f"hotspots: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hotspots: stopped. Files loaded before the stop are kept; run the same command again to finish.",
              file=sys.stderr)
        return 130
    except Exception:  # a bug: the person gets a sentence, the traceback goes to a log file
        log_path = _log_traceback()
        print("hotspots: something went wrong that this program did not expect; nothing half-written was kept. "
              f"The details are in {log_path}. Fix: report the problem with that file.", file=sys.stderr)
        return 3
    finally:
        sys.stdout, sys.stderr = out, err_stream


def _log_traceback() -> str:
    """Write the current exception's traceback to a log file; returns its path."""
    with tempfile.NamedTemporaryFile("w", prefix="hotspots-error-", suffix=".log", delete=False) as fh:
        fh.write(traceback.format_exc())
    logging.getLogger("hotspots.cli").error("Unexpected error; traceback in %s", fh.name)
    return fh.name


def cmd_sample(args) -> int:
    from geo.sample import write_sample

    update, close = _progress_bar(sys.stderr.isatty() and not args.json)
    try:
        summary = write_sample(args.out, seed=args.seed, months=args.months, progress=update)
    finally:
        close()
    result = {"out": str(args.out), "summary": summary}
    if args.load:
        from geo.ingest.pipeline import ingest_sample
        from geo.store import Store

        with Store(args.db) as store:
            report = ingest_sample(args.out, store)
        result["ingest"] = {k: v for k, v in report.to_dict().items() if k != "file_report"}
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(f"Wrote the SYNTHETIC sample to {args.out}/ (seed {args.seed}).")
        if args.load:
            print(f"Loaded {result['ingest']['rows_stored']:,} incidents into the store.")
    return 0


def cmd_ingest(args) -> int:
    if args.kind == "ae":
        from hotspots.cli.ingest_ae import ae_cli

        return ae_cli(args)
    if args.kind == "boundaries":
        return _ingest_boundaries(args)
    from geo.boundaries import read_area
    from geo.ingest.pipeline import ingest_police
    from geo.store import Store

    area = read_area(args.area) if args.area else None
    update, close = _progress_bar(sys.stderr.isatty() and not args.json)
    try:
        with Store(args.db, on_wait=_wait_message(True)) as store:
            if args.kind == "police":
                report = ingest_police(args.paths, store, area=area, progress=update)
            else:
                from geo.readers.rms import ingest_rms

                if not args.mapping:
                    raise HotspotsError("A force records export needs a column mapping.",
                                        "Give --mapping FILE.toml (see README, 'Force records'; "
                                        "sample_data/rms/mapping.toml is an example).")
                report = ingest_rms(args.paths, store, mapping=args.mapping, area=area, progress=update,
                                    first_year=args.first_year)
    finally:
        close()
    out = report.to_dict()
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        _print_report(out, area is not None)
    return 1 if report.failed else 0


def _ingest_boundaries(args) -> int:
    """``ingest boundaries FILES --layer district``: store named areas (replacing same-named ones)."""
    import re

    from geo.boundaries import read_areas
    from geo.store import Store

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9 _-]{0,39}", args.layer or ""):
        raise SettingError(f"'{args.layer}' is not a layer name.", "Use a short word such as district or ward.")
    areas = [a for path in args.paths for a in read_areas(path, name_field=args.name_field)]
    with Store(args.db) as store:
        n = store.save_areas(areas, args.layer)
        names = sorted(name for layer, name in store.area_names() if layer == args.layer)
    km2 = {a.name: round(a.area_km2, 2) for a in areas}
    if args.json:
        print(json.dumps({"layer": args.layer, "areas_stored": n, "areas": km2, "layer_now_holds": names}, indent=2))
    else:
        print(f"Stored {n} areas in layer '{args.layer}': " + ", ".join(f"{k} ({v:,} km²)" for k, v in km2.items()))
        print("Use them with --district NAME (layer 'district') or pick them in the app's sidebar.")
    return 0


def _print_report(out: dict, with_area: bool) -> None:
    print(f"Files read: {out['files']:,} ({out['files_failed']} refused)")
    print(f"Rows read: {out['rows_read']:,}   stored: {out['rows_stored']:,}   rejected: {out['rows_rejected']:,}")
    if out["rejected_by_reason"]:
        from geo.schema import REASONS

        print("Rejected rows by reason:")
        for code, n in out["rejected_by_reason"].items():
            print(f"  {n:>8,}  {code}: {REASONS[code].message}")
    for f in out["file_report"]:
        if f["status"] == "failed":
            print(f"Refused: {f['error']}")
    for sk in out.get("skipped", []):
        print(f"Skipped: {sk['file']}: {sk['reason']}")
    for f in out["file_report"]:
        for note in f.get("notes", []):
            print(f"Note ({f['file']}): {note}")
    if not out["files"] and not out.get("skipped"):
        print("No table files were found in what was given (CSV, XLSX, or zip archives of them).")
    if out["months"]:
        print(f"Months: {out['months'][0]} to {out['months'][-1]} ({len(out['months'])} months)")
    if not with_area:
        print("No --area boundary given: only points far from the bulk of each file's points were rejected.")


def cmd_status(args) -> int:
    """What the store holds. A&E counts go through small-number suppression (``hotspots.methods.suppress``):
    counts 1 to 7 print as "1 to 7", and A&E is kept out of the total and reported apart, so that no
    A&E count can be worked out by subtraction (the Data page is the one place for exact A&E counts)."""
    import pandas as pd

    from geo.constants import SOURCE_AE
    from geo.store import Store
    from hotspots.methods.suppress import primary_label, suppress_counts

    with Store(args.db, read_only=True, on_wait=_wait_message(not args.json)) as store:
        df = store.status()
    is_ae = (df["source"] == SOURCE_AE).to_numpy() if len(df) else []
    other, ae = (df[~is_ae], df[is_ae]) if len(df) else (df, df)
    ae_total = {}
    if len(ae):
        ae = ae.astype({"rows": object, "rejected": object})
        for col in ("rows", "rejected"):
            s = suppress_counts(df.loc[is_ae, col].to_numpy())
            ae[col] = s.labels()
            ae_total[col] = s.total_label()
    records = sorted((r for f in (other, ae) if len(f) for r in f.to_dict(orient="records")),
                     key=lambda r: (r["source"], r["force"], r["month"]))
    partitions = [{k: (int(v) if k in ("rows", "rejected") and not isinstance(v, str) else v)
                   for k, v in r.items()} for r in records]
    if args.json:
        by_source = other.groupby("source")["rows"].sum().astype(int).to_dict() if len(other) else {}
        out = {"db": str(store.path), "rows": int(other["rows"].sum()) if len(other) else 0,
               "rows_by_source": by_source, "partitions": partitions}
        if ae_total:
            out["ae"] = ae_total
        print(json.dumps(out, indent=2, default=str))
        return 0
    if df.empty:
        print(f"The store {store.path} is empty. Load data with: python -m hotspots ingest police FILES")
        return 0
    print(f"Store: {store.path}")
    print(pd.DataFrame(partitions, columns=list(df.columns)).to_string(index=False))
    print(f"Total: {int(other['rows'].sum()):,} incidents stored, {int(other['rejected'].sum()):,} rows rejected"
          + (" (A&E not included)" if ae_total else ""))
    if ae_total:
        fmt = lambda v: f"{v:,}" if isinstance(v, int) else v  # noqa: E731
        print(f"A&E assaults, apart from the total: stored {fmt(ae_total['rows'])}; rows rejected "
              f"{fmt(ae_total['rejected'])}. Counts {primary_label()} are shown as \"{primary_label()}\" and some "
              "others as \"suppressed\", so that none can be worked out from the rest; the Data page shows the "
              "exact numbers.")
    return 0


def cmd_detect(args) -> int:
    from geo.store import Store
    from hotspots.tasks.detect import detect, write_detection
    from hotspots.tasks.query import IncidentFilter, study_area

    split = lambda s: tuple(t.strip() for t in s.split(",") if t.strip()) if s else ()  # noqa: E731
    from hotspots.methods.suppress import refuse_ae

    refuse_ae(split(args.sources), "detect")  # A&E counts leave only through the overlay's suppression
    flt = IncidentFilter(args.date_from, args.date_to, split(args.types), split(args.sources))
    overrides = {}
    for item in args.harm_weight:
        cat, sep, days = item.rpartition("=")
        if not sep or not cat.strip():
            raise SettingError(f"--harm-weight '{item}' is not TYPE=DAYS.", 'Write it as "Burglary=120".')
        overrides[cat.strip()] = days.strip()
    with Store(args.db, read_only=True) as store:
        area = study_area(store, args.district, args.area)
        det = detect(store, args.method, flt, res=args.res, area=area, harm=args.harm,
                     exclude_police_generated=args.exclude_police_generated, harm_overrides=overrides,
                     bandwidth_m=args.bandwidth_m,
                     eps_m=args.eps_m, min_samples=args.min_samples, min_cluster_size=args.min_cluster_size,
                     k=args.k, permutations=args.permutations, seed=args.seed)
    if args.out:
        det.summary["out"] = str(write_detection(det, args.out))
    if args.json:
        print(json.dumps(det.summary, indent=2, default=str))
        return 0
    s = det.summary
    if s.get("synthetic"):
        print("SYNTHETIC sample data, not real crime.")
    print(f"{args.method}: {s['meaning']}")
    print(f"{s['incidents']:,} incidents, {s['months'][0]} to {s['months'][-1]}, H3 res {s['res']}"
          + (f"; value: {s['harm_note']}" if s.get("harm_note") else ""))
    shown = det.table.drop(columns=["geometry"], errors="ignore").head(15)
    print(shown.to_string(index=False))
    if len(det.table) > len(shown):
        print(f"... {len(det.table) - len(shown):,} more rows" + ("" if args.out else " (save them with --out FILE)"))
    if args.out:
        print(f"Wrote {len(det.table):,} rows to {s['out']}")
    return 0


def cmd_evaluate(args) -> int:
    from hotspots.tasks.evaluate import evaluate_cli

    return evaluate_cli(args)


def cmd_patrol(args) -> int:
    from hotspots.tasks.patrol import patrol_cli

    return patrol_cli(args)


def cmd_sweeps(args) -> int:
    from hotspots.tasks.sweeps import sweeps_cli

    return sweeps_cli(args)


def cmd_overlay(args) -> int:
    from hotspots.tasks.overlay import overlay_cli

    return overlay_cli(args)


COMMANDS = {"sample": cmd_sample, "ingest": cmd_ingest, "status": cmd_status, "detect": cmd_detect,
            "evaluate": cmd_evaluate, "overlay": cmd_overlay}
COMMANDS.update({"patrol": cmd_patrol, "sweeps": cmd_sweeps})


def cmd_cctv(args) -> int:
    from hotspots.tasks.cctv import cctv_cli

    return cctv_cli(args)


COMMANDS["cctv"] = cmd_cctv


def cmd_brief(args) -> int:
    from hotspots.briefing.build import brief_cli

    return brief_cli(args)


COMMANDS["brief"] = cmd_brief
