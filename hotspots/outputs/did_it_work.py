"""A deployment's evaluation (did it work?) as a CSV table and in words."""

from __future__ import annotations

import math

from hotspots.methods.words import plural
from hotspots.outputs.files import SYNTHETIC_NOTE, safe_csv
from hotspots.tasks.did_it_work import DeploymentEvaluation

__all__ = ["evaluation_csv", "wdq_text"]


def evaluation_csv(ev: DeploymentEvaluation) -> bytes:
    """The comparison as CSV, safe to open in a spreadsheet, labelled when the data is synthetic."""
    t = ev.table.copy()
    if ev.summary.get("synthetic"):
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return safe_csv(t)


def wdq_text(ev: DeploymentEvaluation) -> str:
    """The evaluation as plain text for the terminal."""
    s = ev.summary
    lines = [("SYNTHETIC sample data. " if s["synthetic"] else "")
             + f"Did it work? {plural(s['n_sites'], 'site')}; target: within {s['radius_m']:g} m; buffer: the next "
               f"{s['buffer_m']:g} m; control: {s['control']}. Values: {s['unit']}."]
    for r in ev.table.to_dict(orient="records"):
        w = "n/a" if r["wdq"] is None or (isinstance(r["wdq"], float) and math.isnan(r["wdq"])) else f"{r['wdq']:.2f}"
        lines.append(f"{r['site']} ({r['from']} to {r['to']}, before {r['before_from']} to {r['before_to']}): "
                     f"target {r['target_before']:,} -> {r['target_after']:,}, buffer {r['buffer_before']:,} -> "
                     f"{r['buffer_after']:,}, control {r['control_before']:,} -> {r['control_after']:,}; "
                     f"WDQ {w}. {r['interpretation']}")
    lines.append(s["note"])
    return "\n".join(lines)
