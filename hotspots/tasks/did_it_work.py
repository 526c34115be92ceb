"""Did it work? Before/after a camera deployment against a control area, and the Weighted Displacement Quotient.

For each site of a past deployment three areas are compared before and after (Bowers &
Johnson 2003):

- **A, the target area**: within the camera's radius of the site;
- **B, the buffer**: a ring around it (``radius_m`` to ``radius_m + buffer_m``), outside
  every site's target area: where displaced crime would go;
- **C, the control area**: a user polygon, or by default the rest of the study area (or
  of the store), minus every site's target and buffer. It stands for what would have
  happened anyway (the trend, the season).

"After" is the deployment's months (``from`` to ``to``, inclusive); "before" the same
number of months just before ``from``. With counts ``A_b, A_a`` (before, after) and so on:

- success measure ``SM = A_a/C_a - A_b/C_b`` (negative: the target improved against the control);
- buffer displacement measure ``BDM = B_a/C_a - B_b/C_b`` (positive: possible displacement,
  negative: possible diffusion of benefits);
- ``WDQ = BDM / SM``, meaningful only when ``SM < 0`` (Bowers & Johnson 2003);
- total net effect ``TNE = [A_b (C_a/C_b) - A_a] + [B_b (C_a/C_b) - B_a]``, the incidents
  prevented net of displacement (Guerette 2009, Appendix B).

The interpretation table (Bowers & Johnson 2003; Guerette 2009, Appendix C) is
:data:`WDQ_MEANING`. These are descriptive measures: with small counts a change can be
chance. Say so wherever they are shown.

References
----------
Bowers, K. J. & Johnson, S. D. (2003). Measuring the geographical displacement and diffusion
of benefit effects of crime prevention activity. Journal of Quantitative Criminology, 19(3), 275-301.
Guerette, R. T. (2009). Analyzing Crime Displacement and Diffusion. Problem-Oriented Guides for
Police, Tool Guide No. 10. Center for Problem-Oriented Policing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.errors import SettingError
from geo.months import months_between, shift_month
from geo.query import Selection, select_incidents, selection_months
from hotspots.defaults import CCTV_RADIUS_M, SPECS, WDQ_BUFFER_M
from hotspots.methods.harm import HARM_LABEL, harm_of
from hotspots.methods.wdq import WDQ_MEANING, wdq
from hotspots.methods.words import plural
from geo.schema import is_synthetic

__all__ = ["DeploymentEvaluation", "evaluate_deployment"]


# ---------------------------------------------------------------------------------------------- deployments


@dataclass
class DeploymentEvaluation:
    """Before/after counts and the WDQ per site, and for all sites together.

    Attributes
    ----------
    table : DataFrame
        One row per site and a last row ``All sites``: ``site, from, to, before_from,
        before_to, target_before, target_after, buffer_before, buffer_after,
        control_before, control_after, target_change_pct, buffer_change_pct,
        control_change_pct, success_measure, buffer_measure, wdq, tne, meaning, interpretation``.
    summary : dict
        Settings and the study's description (radius, buffer, control, unit, sites).
    """
    table: pd.DataFrame
    summary: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        rows = self.table.replace({np.nan: None}).to_dict(orient="records")
        return self.summary | {"sites": rows[:-1], "all_sites": rows[-1]}


def evaluate_deployment(store, deployment: pd.DataFrame, sel: Selection = Selection(), control=None, *,
                        radius_m: float = CCTV_RADIUS_M, buffer_m: float = WDQ_BUFFER_M,
                        weights: dict | None = None) -> DeploymentEvaluation:
    """Before/after a past camera deployment in the target, buffer and control areas, and the WDQ.

    Parameters
    ----------
    store : geo.store.Store
    deployment : DataFrame
        From :func:`read_deployment`: ``site, easting, northing, from, to`` (optional ``radius_m``).
    sel : geo.query.Selection
        Crime types and sources (its months are ignored: the deployment sets them), and the study area: the
        default control is this area minus the targets and buffers.
    control : geo.boundaries.Area, optional
        A control area polygon (targets and buffers are taken out of it).
    radius_m : float
        Camera radius where the file gives none (default 100 m).
    buffer_m : float
        Width of the buffer ring (default 200 m).
    weights : dict, optional
        Harm weight per category: count harm (days) instead of incidents.

    Returns
    -------
    DeploymentEvaluation

    Raises
    ------
    SettingError
        Bad radius or buffer; no loaded data for the before or after months.
    """
    radius_m = SPECS["radius_m"].check(radius_m, "evaluate_deployment")
    buffer_m = SPECS["buffer_m"].check(buffer_m, "evaluate_deployment")
    if deployment is None or len(deployment) == 0:
        raise SettingError("The deployment has no sites.", "Give one row per camera site.")
    dep = deployment.reset_index(drop=True).copy()
    if "radius_m" not in dep:
        dep["radius_m"] = radius_m
    base = sel.for_analysis("Camera siting")
    area = base.area
    whole = base.with_period(None, None)
    loaded = set(selection_months(store, replace(whole, categories=())))
    periods = []
    for j in range(len(dep)):
        after = months_between(dep.at[j, "from"], dep.at[j, "to"])
        before = [shift_month(after[0], -k) for k in range(len(after), 0, -1)]
        lacking = [m for m in before + after if m not in loaded]
        if lacking:
            raise SettingError(f"Site '{dep.at[j, 'site']}' needs data for {before[0]} to {after[-1]} "
                               f"({plural(len(before), 'month')} before and {len(after)} during), but the store has none for "
                               f"{', '.join(lacking)}.",
                               "Load those months (python -m hotspots ingest police), or check the dates.")
        periods.append((before, after))
    inc = select_incidents(store, whole, columns=("easting", "northing", "category", "month", "force"),
                           purpose="Evaluating a camera deployment")

    value = harm_of(inc["category"].to_numpy(), weights) if weights is not None else np.ones(len(inc))
    xy = inc[["easting", "northing"]].to_numpy(dtype=float) if len(inc) else np.empty((0, 2))
    sites_xy = dep[["easting", "northing"]].to_numpy(dtype=float)
    # distance from each incident to each site (only those within the widest ring matter)
    tree = cKDTree(sites_xy)
    reach = float(dep["radius_m"].max()) + buffer_m
    near = tree.query_ball_point(xy, r=reach + 1e-6) if len(xy) else []
    in_target = np.zeros((len(xy), len(dep)), dtype=bool)
    in_ring = np.zeros((len(xy), len(dep)), dtype=bool)
    radii = dep["radius_m"].to_numpy(dtype=float)
    for i, js in enumerate(near):
        for j in js:
            d = math.hypot(xy[i, 0] - sites_xy[j, 0], xy[i, 1] - sites_xy[j, 1])
            if d <= radii[j] + 1e-6:
                in_target[i, j] = True
            elif d <= radii[j] + buffer_m + 1e-6:
                in_ring[i, j] = True
    any_target = in_target.any(axis=1) if len(dep) else np.zeros(len(xy), bool)
    any_zone = any_target | in_ring.any(axis=1)
    ctrl = ~any_zone
    if control is not None:
        ctrl &= control.contains(xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, bool)
    months = inc["month"].to_numpy() if len(inc) else np.empty(0, dtype=object)

    def total(mask, period):
        return float(value[mask & np.isin(months, period)].sum())

    rows = []
    for j, (before, after) in enumerate(periods):
        target, ring = in_target[:, j], in_ring[:, j] & ~any_target
        counts = [total(target, before), total(target, after), total(ring, before), total(ring, after),
                  total(ctrl, before), total(ctrl, after)]
        rows.append({"site": str(dep.at[j, "site"]), "from": after[0], "to": after[-1], "before_from": before[0],
                     "before_to": before[-1], "target_before": counts[0], "target_after": counts[1],
                     "buffer_before": counts[2], "buffer_after": counts[3], "control_before": counts[4],
                     "control_after": counts[5], **wdq(*counts)})
    # All sites together: each incident counted once (the union of the targets, the rings outside
    # every target, and the control outside every zone), over the sites' common months. Adding the
    # sites' own counts would count the control once per site and overlapping rings twice.
    same_months = all(p == periods[0] for p in periods)
    names = ("target_before", "target_after", "buffer_before", "buffer_after", "control_before", "control_after")
    if same_months:
        before, after = periods[0]
        ring_any = in_ring.any(axis=1) & ~any_target if len(dep) else np.zeros(len(xy), bool)
        pooled = [total(any_target, before), total(any_target, after), total(ring_any, before),
                  total(ring_any, after), total(ctrl, before), total(ctrl, after)]
        rows.append({"site": "All sites", "from": after[0], "to": after[-1], "before_from": before[0],
                     "before_to": before[-1], **dict(zip(names, pooled)), **wdq(*pooled)})
    else:
        rows.append({"site": "All sites", "from": min(r["from"] for r in rows), "to": max(r["to"] for r in rows),
                     "before_from": min(r["before_from"] for r in rows),
                     "before_to": max(r["before_to"] for r in rows), **{n: np.nan for n in names},
                     "target_change_pct": None, "buffer_change_pct": None, "control_change_pct": None,
                     "success_measure": None, "buffer_measure": None, "wdq": None, "tne": None,
                     "meaning": "different_months"})
    table = pd.DataFrame(rows)
    table["interpretation"] = table["meaning"].map(WDQ_MEANING)
    if weights is None:
        for c in names:
            table[c] = table[c].round().astype("Int64")  # empty for "All sites" when the months differ
    control_words = (f"{control.name}, minus the target and buffer areas" if control is not None else
                     f"the rest of {area.name}, minus the target and buffer areas" if area is not None else
                     "the rest of the store's incidents, minus the target and buffer areas")
    summary = {"radius_m": radius_m, "buffer_m": buffer_m, "control": control_words,
               "unit": HARM_LABEL if weights is not None else "incidents",
               "types": list(base.categories) or "all", "area": area.name if area is not None else None,
               "synthetic": bool(is_synthetic(inc)), "n_sites": int(len(dep)),
               "note": "Descriptive measures: with small counts a change can be chance. 'All sites' counts each "
                       "incident once (all targets, the rings outside them, the control outside every zone)"
                       + ("." if same_months else
                          "; not given here because the sites ran over different months: judge each site.")}
    return DeploymentEvaluation(table, summary)


