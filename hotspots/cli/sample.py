"""``python -m hotspots sample``: write the synthetic sample (and load it with ``--load``)."""

from __future__ import annotations

import json
import sys

from geo.ingest.sample import ingest_sample
from geo.sample import write_sample
from geo.store import Store
from hotspots.cli.common import add_db, progress_bar
from hotspots.methods.words import plural

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="write the synthetic sample data (sample_data/)")
    p.add_argument("--out", default="sample_data", help="folder to write (default: sample_data)")
    p.add_argument("--seed", type=int, default=2024, help="random seed (default: 2024)")
    p.add_argument("--months", type=int, default=24, help="months of data (default: 24)")
    p.add_argument("--load", action="store_true", help="also load it (police, force records, districts) into the store")
    add_db(p)
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def run(args) -> int:
    update, close = progress_bar(sys.stderr.isatty() and not args.json)
    try:
        summary = write_sample(args.out, seed=args.seed, months=args.months, progress=update)
    finally:
        close()
    result = {"out": str(args.out), "summary": summary}
    if args.load:
        with Store(args.db) as store:
            report = ingest_sample(args.out, store)
        result["ingest"] = {k: v for k, v in report.to_dict().items() if k != "file_report"}
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(f"Wrote the SYNTHETIC sample to {args.out}/ (seed {args.seed}).")
        if args.load:
            print(f"Loaded {plural(result['ingest']['rows_stored'], 'incident')} into the store.")
    return 0
