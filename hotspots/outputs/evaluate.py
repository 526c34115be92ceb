"""An accuracy evaluation in words: the tables ``python -m hotspots evaluate`` prints."""

from __future__ import annotations

import math

from hotspots.methods.metrics import key as measure_key
from hotspots.methods.words import plural
from hotspots.tasks.evaluate import Evaluation

__all__ = ["evaluation_text"]


def _pct(mean, sd) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    return f"{100 * mean:.1f}" + ("" if sd is None or math.isnan(sd) else f" +-{100 * sd:.1f}")


def _num(v, digits) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _grid(head, rows) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = lambda r: "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)  # noqa: E731
                              for i, (x, w) in enumerate(zip(r, widths)))
    return [fmt(head)] + [fmt(r) for r in rows]


def evaluation_text(ev: Evaluation) -> str:
    """The tables printed by ``python -m hotspots evaluate``."""
    summ = ev.summary()
    shares = ev.split["shares_pct"]
    sp = ev.split
    lines = [f"{ev.label}: {plural(sp['n_test_mean'], 'incident', fmt=',.0f')} a test month on average; "
             f"train {plural(sp['train_months'], 'month')}, test {sp['test_months'][0]}"
             + (f"..{sp['test_months'][-1]}" if len(sp["test_months"]) > 1 else "")
             + f" ({plural(len(sp['test_months']), 'rolling origin')}); "
             f"history from {sp['history_from']}; {plural(sp['cells'], 'res-' + str(sp['res']) + ' cell')}, "
             f"{sp['area_km2']:,.0f} km2 ({sp['study_area']})",
             "Hit rate, % of the test month's incidents in the top cells covering each share of the area "
             "(mean +- sd over test months):"]
    head = ["method"] + [f"{s:g}%" for s in shares]
    rows = []
    for m, r in summ.iterrows():
        star = " *" if m == ev.recommended else ""
        rows.append([m + star] + [_pct(r[measure_key("hit", s)], r[measure_key("hit", s) + "_sd"]) for s in shares])
    lines += _grid(head, rows)
    lines.append("PAI (hit rate / area share), RRI (Levine 2008; n/a where the flagged cells had no training "
                 "incidents), harm-weighted hit rate (%), means:")
    head = (["method"] + [f"PAI {s:g}%" for s in shares] + [f"RRI {s:g}%" for s in shares]
            + [f"harm {s:g}%" for s in shares])
    rows = []
    for m, r in summ.iterrows():
        rows.append([m] + [_num(r[measure_key("pai", s)], 1) for s in shares]
                    + [_num(r[measure_key("rri", s)], 2) for s in shares]
                    + [_num(100 * r[measure_key("harm", s)], 1) for s in shares])
    lines += _grid(head, rows)
    if not ev.forecast_params.empty:
        fp = ev.forecast_params
        lines.append("* recommended. forecast parameters by test month (half-life months / prior strength): "
                     + ", ".join(f"{t} {h:g}/{a:g}" for t, h, a in
                                 zip(fp["test_month"], fp["half_life_months"], fp["prior_strength"])))
    return "\n".join(lines)
