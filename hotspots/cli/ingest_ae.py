"""``python -m hotspots ingest ae PATH [--gazetteer FILE] [--codes FILE] [--db FILE] [--json]``.

Loads ISTV (A&E assault) files with ``geo.ingest.ae.ingest_ae`` and prints the usual load report plus how many
records were located, and how exactly: ``--json`` adds ``located``, ``not_located``, ``by_precision`` and
``located_share_pct`` to the keys ``ingest police --json`` prints. No free text is printed: descriptions
that could not be placed are listed only on the app's Data page (and in the store's rejections).
"""

from __future__ import annotations

import json
import sys

__all__ = ["add_ae_arguments", "ae_cli", "format_located"]

#: Plain words for each precision, as the report prints them.
PRECISION_WORDS = {"postcode": "full postcode", "venue": "venue (gazetteer)", "street": "street and town",
                   "area": "area (postcode sector, district or town centre)"}


def add_ae_arguments(p) -> None:
    """The A&E options of the ``ingest`` subcommand (ignored by the other kinds)."""
    p.add_argument("--gazetteer", metavar="FILE.csv",
                   help="ae: venues (name, town, postcode or easting/northing); kept for later loads")
    p.add_argument("--codes", metavar="FILE.toml",
                   help="ae: assault method and location-type code lists (default: the sample's placeholders)")


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
    lines = [f"Located: {out['located']:,} of {total:,} records ({pct(out['located']):.1f} %); "
             f"not located: {out['not_located']:,} (listed on the Data page to fix)"]
    for p, n in out["by_precision"].items():
        lines.append(f"  {p:<10} {n:>6,} ({pct(n):5.1f} %)  {PRECISION_WORDS.get(p, p)}")
    return lines


def ae_cli(args) -> int:
    """Run ``ingest ae``; returns the exit status (1 when a file was refused)."""
    from geo.ingest.ae import ingest_ae
    from geo.store import Store
    from geo.months import FIRST_RECORD_YEAR
    from hotspots.cli import _print_report, _progress_bar, _wait_message

    if getattr(args, "area", None):
        from geo.errors import SettingError

        raise SettingError("ingest ae does not take --area: A&E records are placed from their descriptions.",
                           "Leave out --area; choose the area on the Police and A&E page instead.")
    update, close = _progress_bar(sys.stderr.isatty() and not args.json)
    try:
        with Store(args.db, on_wait=_wait_message(True)) as store:
            report = ingest_ae(args.paths, store, gazetteer=args.gazetteer, codes=args.codes, progress=update,
                               first_year=args.first_year or FIRST_RECORD_YEAR)
    finally:
        close()
    out = report.to_dict()
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        _print_report(out, with_area=True)
        print("\n".join(format_located(out)))
    return 1 if report.failed else 0
