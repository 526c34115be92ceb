"""Accuracy of hotspot maps on the real police.uk months: does the map predict?

Loads the Hertfordshire street-level files in ``../shared/data`` into a temporary
store, then for the five default groups of crime types evaluates every method on
the same rolling-origin split: train on three months, test on the next, for each of
the last six months the files hold (``hotspots.tasks.evaluate``). The study area is the
county boundary (``herts_county_cty17_E10000015.geojson``), res-9 cells; a second,
short run repeats all crime on the data's footprint (no boundary), to show how much
the choice of study area moves the numbers.

Prints, as Markdown: one table per group (hit rate mean +- sd over the test months at
1, 2, 5 and 10 % of the area; PAI, RRI and harm-weighted hit rate), the forecast's
fitted parameters per test month, whether the recommended forecast is ahead of naive
and KDE-300 m (and of naive over the whole history) at 2 % and 5 %, in how many test
months, and the time taken. The oracle row (the test month's own counts) is the
ceiling, not a method.

The forecast's design (grid, bandwidths) was chosen by looking only at test months
2021-04..07; its two parameters are refitted for each test month from the months
before it. So the six test months here were never used to tune it.

Usage::

    python bench/accuracy.py [--test YYYY-MM..YYYY-MM] [--train-months N] [--res N] [--no-footprint]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
STREET_DIR = DATA / "police" / "hertfordshire_2021" / "street"
BOUNDARY = DATA / "boundaries" / "herts_county_cty17_E10000015.geojson"
#: Test months: the last this many months of the files.
N_TEST_MONTHS = 6

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))


def _pct(m, s=None) -> str:
    if m is None or math.isnan(m):
        return "n/a"
    return f"{100 * m:.1f}" + ("" if s is None or math.isnan(s) else f" ± {100 * s:.1f}")


def _num(v, d) -> str:
    return "n/a" if v is None or math.isnan(v) else f"{v:.{d}f}"


def markdown_group(ev) -> str:
    summ = ev.summary()
    shares = ev.split["shares_pct"]
    sp = ev.split
    out = [f"### {ev.label}", "",
           f"{sp['n_test_mean']:,.0f} incidents a test month on average (test months "
           f"{sp['test_months'][0]}..{sp['test_months'][-1]}: "
           + ", ".join(f"{o['n_test']:,}" for o in sp["origins"]) + ").", "",
           "| method | " + " | ".join(f"hit {s:g} %" for s in shares) + " | "
           + " | ".join(f"PAI {s:g} %" for s in shares) + " | " + " | ".join(f"RRI {s:g} %" for s in shares)
           + " | " + " | ".join(f"harm {s:g} %" for s in shares) + " |",
           "|---" * (1 + 4 * len(shares)) + "|"]
    for m, r in summ.iterrows():
        name = f"**{m}** (recommended)" if m == ev.recommended else ("oracle (ceiling)" if m == "oracle" else m)
        cells = [_pct(r[f"hit@{s:g}"], r[f"hit@{s:g}_sd"]) for s in shares]
        cells += [_num(r[f"pai@{s:g}"], 1) for s in shares]
        cells += [_num(r[f"rri@{s:g}"], 2) for s in shares]
        cells += [_pct(r[f"harm@{s:g}"]) for s in shares]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    fp = ev.forecast_params
    if not fp.empty:
        out += ["", "Forecast parameters fitted for each test month on the months before it (half-life in months / "
                "prior strength; validation months used): "
                + ", ".join(f"{t}: {h:g} / {a:g} ({v})" for t, h, a, v in
                            zip(fp["test_month"], fp["half_life_months"], fp["prior_strength"],
                                fp["validation_months"]))]
    return "\n".join(out)


def markdown_wins(evs) -> str:
    out = ["| group | share | forecast | naive | KDE-300 | naive-all | ahead of naive (months won) | "
           "ahead of KDE-300 (months won) | ahead of naive-all (months won) |", "|---" * 9 + "|"]
    for label, ev in evs.items():
        w = ev.wins(over=("naive", "kde-300", "naive-all"))
        for s in (2, 5):
            ws = w[w["share_pct"] == s].set_index("other")
            f = ws["forecast"].iloc[0]
            others = ("naive", "kde-300", "naive-all")
            cells = [label, f"{s} %", _pct(f)] + [_pct(ws.loc[o, "other_hit"]) for o in others]
            for o in others:
                r = ws.loc[o]
                cells.append(f"{'yes' if r['ahead'] else '**no**'} ({100 * r['diff']:+.1f} pts; "
                             f"{r['months_won']}/{r['months']})")
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--test", help="test months (default: the last six months of the files)")
    ap.add_argument("--train-months", type=int, default=3)
    ap.add_argument("--res", type=int, default=9)
    ap.add_argument("--no-footprint", action="store_true", help="skip the all-crime run without a boundary")
    args = ap.parse_args(argv)
    if not STREET_DIR.is_dir():
        print(f"needs {STREET_DIR} (the real police.uk files); not found", file=sys.stderr)
        return 1

    from geo.boundaries import read_area
    from geo.ingest.police import ingest_police
    from geo.store import Store
    from hotspots.tasks.evaluate import DEFAULT_GROUPS, DEFAULT_METHODS, evaluate_groups
    from geo.months import shift_month
    from geo.query import Selection

    methods = list(DEFAULT_METHODS) + ["oracle"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = Store(Path(tmp) / "bench.duckdb")
        report = ingest_police([STREET_DIR], store)
        t_load = time.perf_counter() - t0
        months = report.months
        test = args.test or f"{months[-N_TEST_MONTHS]}..{months[-1]}"
        area = read_area(BOUNDARY)
        t0 = time.perf_counter()
        evs = evaluate_groups(store, test, DEFAULT_GROUPS, sel=Selection(area=area), train_months=args.train_months,
                              methods=methods, res=args.res)
        t_eval = time.perf_counter() - t0
        foot = None
        if not args.no_footprint:
            t0 = time.perf_counter()
            foot = evaluate_groups(store, test, {"All crime": ()}, train_months=args.train_months,
                                   methods=methods, res=args.res)["All crime"]
            t_foot = time.perf_counter() - t0
        store.close()

    first = next(iter(evs.values()))
    sp = first.split
    print("## Accuracy of hotspot maps, Hertfordshire police.uk street crime\n")
    print(f"Data: {report.rows_stored:,} incidents stored from {len(months)} monthly files "
          f"({months[0]}..{months[-1]}); {report.rows_rejected:,} rows rejected "
          f"({', '.join(f'{k} {v:,}' for k, v in report.rejected_by_reason.items())}).")
    print(f"Split: train on {args.train_months} months, test on the next; rolling origin over the test months "
          f"{sp['test_months'][0]}..{sp['test_months'][-1]} ({len(sp['test_months'])} origins; first training "
          f"window {shift_month(sp['test_months'][0], -args.train_months)}..{shift_month(sp['test_months'][0], -1)}). "
          f"History for naive-all and forecast: every month from {sp['history_from']} to the month before the test.")
    print(f"Study area: {sp['study_area']}: {sp['cells']:,} res-{sp['res']} cells, {sp['area_km2']:,.0f} km². "
          f"1 % of the area = {sp['area_km2'] / 100:.1f} km² (about {sp['cells'] / 100:.0f} cells).")
    print("Ties: " + sp["ties"] + ". Budget: " + sp["budget"] + ". RRI: " + sp["rri"] + ".\n")
    print("Hit rates are % of the test month's incidents (mean ± sd over the test months); PAI = hit rate / area "
          "share; harm = harm-weighted hit rate (approximate CCHI), %.\n")
    for ev in evs.values():
        print(markdown_group(ev))
        print()
    print("### Is the recommended forecast ahead? (mean hit rate over the test months)\n")
    print(markdown_wins(evs))
    print()
    if foot is not None:
        fsp = foot.split
        print(f"### All crime on the data's footprint instead of the county ({fsp['cells']:,} cells, "
              f"{fsp['area_km2']:,.0f} km²)\n")
        print(markdown_group(foot).split("\n", 2)[2])
        print()
    print("### Run\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}.")
    print(f"Time: loading {t_load:.1f} s; evaluating 5 groups x {len(sp['test_months'])} origins x "
          f"{len(methods)} methods {t_eval:.1f} s" + (f"; footprint run {t_foot:.1f} s." if foot is not None else "."))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
