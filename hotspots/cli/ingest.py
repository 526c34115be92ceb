"""``python -m hotspots ingest KIND PATHS``: police.uk files, force records, A&E (ISTV) files, boundaries.

Every load prints the report of ``geo.ingest`` (``--json``: its keys, see the README). ``ingest ae`` adds
how many records were located and how exactly (``located``, ``not_located``, ``by_precision``,
``located_share_pct``); no A&E free text is printed: descriptions that could not be placed are listed only on
the app's Data page (and in the store's rejections).
"""

from __future__ import annotations

import json
import re
import sys

from geo.boundaries import read_area, read_areas
from geo.errors import HotspotsError, SettingError
from geo.ingest.ae import ingest_ae
from geo.ingest.police import ingest_police
from geo.ingest.rms import ingest_rms
from geo.months import FIRST_RECORD_YEAR
from geo.store import Store
from hotspots.cli.common import add_db, print_report, progress_bar, wait_message
from hotspots.methods.words import plural

__all__ = ["add_parser", "format_located", "run"]

#: Plain words for each precision, as the report prints them.
PRECISION_WORDS = {"postcode": "full postcode", "venue": "venue (gazetteer)", "street": "street and town",
                   "area": "area (postcode sector, district or town centre)"}


def add_parser(sub) -> None:
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
    p.add_argument("--gazetteer", metavar="FILE.csv",
                   help="ae: venues (name, town, postcode or easting/northing); kept for later loads")
    p.add_argument("--codes", metavar="FILE.toml",
                   help="ae: assault method and location-type code lists (default: the sample's placeholders)")
    add_db(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")


def format_located(out: dict) -> list[str]:
    """The located share by precision as lines of text.

    >>> print("\\n".join(format_located({"located": 3, "not_located": 1,
    ...     "by_precision": {"postcode": 2, "venue": 1, "street": 0, "area": 0}})))
    Located: 3 of 4 records (75.0 %); not located: 1 (listed on the Data page to fix)
      postcode        2 ( 50.0 %)  full postcode
      venue           1 ( 25.0 %)  venue (gazetteer)
      street          0 (  0.0 %)  street and town
      area            0 (  0.0 %)  area (postcode sector, district or town centre)
    """
    total = out["located"] + out["not_located"]
    pct = lambda n: 100.0 * n / total if total else 0.0  # noqa: E731
    lines = [f"Located: {out['located']:,} of {plural(total, 'record')} ({pct(out['located']):.1f} %); "
             f"not located: {out['not_located']:,} (listed on the Data page to fix)"]
    for p, n in out["by_precision"].items():
        lines.append(f"  {p:<10} {n:>6,} ({pct(n):5.1f} %)  {PRECISION_WORDS.get(p, p)}")
    return lines


def run(args) -> int:
    if args.kind == "boundaries":
        return _boundaries(args)
    if args.kind == "ae" and args.area:
        raise SettingError("ingest ae does not take --area: A&E records are placed from their descriptions.",
                           "Leave out --area; choose the area on the Police and A&E page instead.")
    if args.kind == "rms" and not args.mapping:
        raise HotspotsError("A force records export needs a column mapping.",
                            "Give --mapping FILE.toml (see README, 'Force records'; "
                            "sample_data/rms/mapping.toml is an example).")
    area = read_area(args.area) if args.area else None
    update, close = progress_bar(sys.stderr.isatty() and not args.json)
    try:
        with Store(args.db, on_wait=wait_message(True)) as store:
            if args.kind == "police":
                report = ingest_police(args.paths, store, area=area, progress=update)
            elif args.kind == "rms":
                report = ingest_rms(args.paths, store, mapping=args.mapping, area=area, progress=update,
                                    first_year=args.first_year)
            else:
                report = ingest_ae(args.paths, store, gazetteer=args.gazetteer, codes=args.codes, progress=update,
                                   first_year=args.first_year or FIRST_RECORD_YEAR)
    finally:
        close()
    out = report.to_dict()
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        print_report(out, with_area=area is not None or args.kind == "ae")
        if args.kind == "ae":
            print("\n".join(format_located(out)))
    return 1 if report.failed else 0


def _boundaries(args) -> int:
    """``ingest boundaries FILES --layer district``: store named areas (replacing same-named ones)."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9 _-]{0,39}", args.layer or ""):
        raise SettingError(f"'{args.layer}' is not a layer name.", "Use a short word such as district or ward.")
    areas = [a for path in args.paths for a in read_areas(path, name_field=args.name_field)]
    with Store(args.db, on_wait=wait_message(True)) as store:
        n = store.save_areas(areas, args.layer)
        names = sorted(name for layer, name in store.area_names() if layer == args.layer)
    km2 = {a.name: round(a.area_km2, 2) for a in areas}
    if args.json:
        print(json.dumps({"layer": args.layer, "areas_stored": n, "areas": km2, "layer_now_holds": names}, indent=2))
    else:
        print(f"Stored {plural(n, 'area')} in layer '{args.layer}': " + ", ".join(f"{k} ({v:,} km²)" for k, v in km2.items()))
        print("Use them with --district NAME (layer 'district') or pick them in the app's sidebar.")
    return 0
