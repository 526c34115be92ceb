"""``python -m hotspots status``: what the store holds, A&E counts suppressed."""

from __future__ import annotations

import json

import pandas as pd

from geo.constants import SOURCE_AE
from hotspots.cli.common import add_db, open_store
from hotspots.methods.suppress import primary_label
from hotspots.tasks.ae_status import published_ae_status
from hotspots.tasks.overlay import PROTECTION_NOTE
from hotspots.methods.words import plural

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("status", help="what the store holds")
    add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args) -> int:
    """What the store holds. A&E counts go through the publication function (``hotspots.methods.suppress``):
    counts 1 to 7 print as "1 to 7"; stored and rejected A&E rows per partition and their totals are perturbed
    by their records' cell keys (``hotspots.tasks.ae_status``; cell-key perturbation, ``hotspots.methods.ckm``),
    so that a load of a few rows cannot be read off as the difference of two totals; and A&E is kept out of the total and reported apart
    (the Data page is the one place for exact A&E counts)."""
    with open_store(args) as store:
        df = store.status()
        pub = published_ae_status(store) if len(df) and (df["source"] == SOURCE_AE).any() else None
    is_ae = (df["source"] == SOURCE_AE).to_numpy() if len(df) else []
    other = df[~is_ae] if len(df) else df
    ae = pub.partitions.assign(source=SOURCE_AE)[list(df.columns)] if pub is not None and not pub.empty else df[:0]
    ae_total = pub.totals if pub is not None else {}
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
            out["ae_note"] = PROTECTION_NOTE
        print(json.dumps(out, indent=2, default=str))
        return 0
    if df.empty:
        print(f"The store {store.path} is empty. Load data with: python -m hotspots ingest police FILES")
        return 0
    print(f"Store: {store.path}")
    print(pd.DataFrame(partitions, columns=list(df.columns)).to_string(index=False))
    print(f"Total: {plural(int(other['rows'].sum()), 'incident')} stored, {plural(int(other['rejected'].sum()), 'row')} rejected"
          + (" (A&E not included)" if ae_total else ""))
    if ae_total:
        fmt = lambda v: f"{v:,}" if isinstance(v, int) else v  # noqa: E731
        print(f"A&E assaults, apart from the total: stored {fmt(ae_total['rows'])}; rows rejected "
              f"{fmt(ae_total['rejected'])}. Counts {primary_label()} are shown as \"{primary_label()}\" and some "
              "others as \"suppressed\", so that none can be worked out from the rest; the other A&E numbers "
              "and their totals are rounded figures; the Data page shows the exact numbers.")
        print(PROTECTION_NOTE)
    return 0

