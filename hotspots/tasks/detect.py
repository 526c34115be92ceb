"""Run a hotspot method on stored incidents: one call per method, one ``CellScores`` out.

``detect(store, method, selection, ...)`` selects the incidents (period, types, sources, area, harm), runs
the method from the registry (``hotspots.tasks.registry``) and returns its ``CellScores``: the table (one row
per cell, per cluster for DBSCAN/HDBSCAN, per distance x time band for Knox), the score of every cell of the
study area, and a summary for people and for ``--json``.
"""

from __future__ import annotations

from dataclasses import replace

from geo.errors import SettingError
from geo.query import DEFAULT_COLUMNS, Selection, select_incidents
from geo.store import Store
from hotspots import defaults
from hotspots.methods.harm import harm_weights
from hotspots.tasks.registry import CellScores, MethodInput, resolve
from geo.schema import is_synthetic

__all__ = ["detect", "method_summary"]


def method_summary(method: str, sel: Selection, res: int, inc, weights: dict) -> dict:
    """The summary every method's result starts from."""
    m, _ = resolve(method)
    return {"method": m.name, "meaning": m.meaning, "res": res, "incidents": int(len(inc)),
            "months": sorted(inc["month"].unique().tolist()), "value": "harm" if sel.harm else "count",
            "harm_note": "approximate CCHI (days of imprisonment)" if sel.harm else None,
            "harm_weights": weights if sel.harm else None, "synthetic": bool(is_synthetic(inc))}


def detect(store: Store, method: str, sel: Selection = Selection(), *, res: int = defaults.H3_DEFAULT_RES,
           **params) -> CellScores:
    """Run one hotspot method on the incidents a selection picks.

    Parameters
    ----------
    method : str
        A registered method (``hotspots.tasks.registry.method_names()``) or an alias of one.
    sel : Selection
        Period, crime types, sources, forces, area, and harm weighting.
    res : int
        H3 resolution of the output cells (``defaults.SPECS["res"]``).
    **params
        The method's settings (``Method.params``, each checked by its ``defaults.SPECS`` entry); settings a
        method does not take are ignored, so one call site can pass them all.

    Raises
    ------
    SettingError
        An unknown method, a bad setting, A&E data asked for, or no incidents in the selection.
    """
    m, fixed = resolve(method)
    res = defaults.SPECS["res"].check(res, "detect")
    if fixed.pop("harm", False):
        sel = replace(sel, harm=True)
    sel = sel.for_analysis("Hotspot detection")
    taken = {k: v for k, v in {**params, **fixed}.items() if k in m.params or k in fixed}
    columns = DEFAULT_COLUMNS + (("occurred_until",) if m.needs_times else ())
    inc = select_incidents(store, sel, columns=columns, purpose="Hotspot detection")
    if inc.empty:
        raise SettingError("No incidents match the selection (period, crime types, sources, area).",
                           "Widen the period or choose other crime types; `python -m hotspots status` "
                           "shows what the store holds.")
    weights = harm_weights(sel.exclude_police_generated, dict(sel.harm_overrides) or None)
    summary = method_summary(m.name, sel, res, inc, weights)
    return m.run(MethodInput(inc, res, sel.area, sel.harm, weights, summary), taken)
