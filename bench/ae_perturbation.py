"""What cell-key perturbation costs the A&E numbers people read (issue 16): utility on the sample's year.

    python bench/ae_perturbation.py [--seeds 2024,7,31] [--res 8,9,10]

For each seed of the synthetic sample (12 months, its own store and secret), the county's Police and A&E
overlay is made twice from the same store: the exact counts (``compute_overlay``'s ``ae_assaults``, never
published) and the published ones (``overlay``). It prints, per resolution:

* the mean absolute change of the published hexagon counts that are shown (more than 7: smaller ones are
  hidden exactly as before), and of the hour-of-week and weapon counts;
* how many hexagons hold more than 7 assaults and how many of those are hidden as "1 to 7" (a count moved to 7
  or below), the share of shown hexagon counts that moved at all, and the largest move;
* the share of hexagons whose bivariate class ("Both high", "Police only", "A&E only", "Low") differs from
  the class the exact counts give (same rules: the busiest 20 %, the A&E cut never in 2..7);
* the time to publish against the time to count (the baseline, same process), as a ratio.

Nothing here needs ../shared: the sample is generated in a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.query import Selection  # noqa: E402
from geo.sample import write_sample  # noqa: E402
from geo.store import Store  # noqa: E402
from hotspots.tasks.overlay import compute_overlay, high_cut, overlay  # noqa: E402
from tests.ae_rows import sample_year_store  # noqa: E402


def exact_classes(cells, threshold: int = 7) -> np.ndarray:
    """The classes the exact counts would give (the overlay's rules, on ``ae_assaults``)."""
    police_cut = high_cut(cells["police_violence"])
    ae_cut = high_cut(cells["ae_assaults"])
    if 2 <= ae_cut <= threshold:
        ae_cut = float(threshold + 1) if (cells["ae_assaults"] > threshold).any() else 1.0
    ph, ah = cells["police_violence"] >= police_cut, cells["ae_assaults"] >= ae_cut
    return np.select([ph & ah, ph, ah], ["Both high", "Police only", "A&E only"], "Low")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="2024,7,31")
    ap.add_argument("--res", default="8,9,10")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    resolutions = [int(r) for r in args.res.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            root = Path(tmp) / f"seed{seed}"
            write_sample(root / "sample", months=12, seed=seed)
            db = sample_year_store(root / "sample", root / "store.duckdb", f"bench seed {seed}".encode())
            with Store(db, read_only=True) as s:
                months = [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                                      "WHERE source = 'ae' ORDER BY 1").fetchall()]
                sel = Selection(months[0], months[-1])
                overlay(s, sel, res=resolutions[0])  # warm-up: the first query also reads the tables in
                for res in resolutions:
                    t0 = time.perf_counter()
                    counts = compute_overlay(s, sel, res=res)
                    t_count = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    pub = overlay(s, sel, res=res)
                    t_pub = time.perf_counter() - t0
                    exact = counts.cells.set_index("cell")
                    shown = pub.cells.set_index("cell")["ae_assaults"]
                    nums = {c: v for c, v in shown.items() if isinstance(v, int) and exact.at[c, "ae_assaults"] > 7}
                    d = np.array([v - int(exact.at[c, "ae_assaults"]) for c, v in nums.items()])
                    big = [c for c in exact.index if exact.at[c, "ae_assaults"] > 7]
                    hid = sum(1 for c in big if shown.get(c) == "1 to 7")
                    hours = [(p, e) for p, e in zip(pub.ae_grid.to_numpy().ravel(), counts.ae_hours[:168])
                             if isinstance(p, int) and e > 7]
                    weapons = [(p, e) for p, e in zip(pub.weapons["assaults"], counts.weapons["assaults"])
                               if isinstance(p, int) and e > 7]
                    cls = exact_classes(exact.reset_index())
                    changed = float(np.mean(cls != exact["class"].to_numpy())) if len(exact) else 0.0
                    rows.append({
                        "seed": seed, "res": res, "hexagons": len(exact), "shown": len(d), "big": len(big),
                        "hid": hid,
                        "mad": float(np.abs(d).mean()) if len(d) else 0.0,
                        "moved": float((d != 0).mean()) if len(d) else 0.0,
                        "max": int(np.abs(d).max()) if len(d) else 0,
                        "mad_hours": float(np.mean([abs(p - e) for p, e in hours])) if hours else 0.0,
                        "mad_weapons": float(np.mean([abs(p - e) for p, e in weapons])) if weapons else 0.0,
                        "class_changed": changed, "ratio": t_pub / t_count})
    print("County overlay, sample year; exact counts against published ones")
    print(f"{'seed':>5} {'res':>3} {'hexagons':>8} {'over 7':>6} {'hidden':>6} {'shown':>5} {'mean |change|':>13} "
          f"{'moved':>6} {'max':>3} "
          f"{'hours':>6} {'weapons':>7} {'class changed':>13} {'publish/count':>13}")
    for r in rows:
        print(f"{r['seed']:>5} {r['res']:>3} {r['hexagons']:>8,} {r['big']:>6,} {r['hid']:>6,} {r['shown']:>5,} "
              f"{r['mad']:>13.2f} "
              f"{100 * r['moved']:>5.0f}% {r['max']:>3} {r['mad_hours']:>6.2f} {r['mad_weapons']:>7.2f} "
              f"{100 * r['class_changed']:>12.1f}% {r['ratio']:>12.2f}x")
    for res in resolutions:
        sub = [r for r in rows if r["res"] == res]
        print(f"res {res}, mean over seeds: mean |change| of shown hexagon counts {np.mean([r['mad'] for r in sub]):.2f} "
              f"assaults; hexagons whose class changed {100 * np.mean([r['class_changed'] for r in sub]):.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
