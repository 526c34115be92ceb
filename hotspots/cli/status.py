"""``python -m hotspots status``: what the store holds, A&E counts suppressed."""

from __future__ import annotations

import json

import pandas as pd

from geo.constants import SOURCE_AE
from hotspots.cli.common import add_db, open_store
from hotspots.methods.suppress import primary_label, suppress_counts
from hotspots.methods.words import plural

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("status", help="what the store holds")
    add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args) -> int:
    """What the store holds. A&E counts go through small-number suppression (``hotspots.methods.suppress``):
    counts 1 to 7 print as "1 to 7", and A&E is kept out of the total and reported apart, so that no
    A&E count can be worked out by subtraction (the Data page is the one place for exact A&E counts)."""
    with open_store(args) as store:
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
    print(f"Total: {plural(int(other['rows'].sum()), 'incident')} stored, {plural(int(other['rejected'].sum()), 'row')} rejected"
          + (" (A&E not included)" if ae_total else ""))
    if ae_total:
        fmt = lambda v: f"{v:,}" if isinstance(v, int) else v  # noqa: E731
        print(f"A&E assaults, apart from the total: stored {fmt(ae_total['rows'])}; rows rejected "
              f"{fmt(ae_total['rejected'])}. Counts {primary_label()} are shown as \"{primary_label()}\" and some "
              "others as \"suppressed\", so that none can be worked out from the rest; the Data page shows the "
              "exact numbers.")
    return 0
