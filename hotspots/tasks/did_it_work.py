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
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.errors import InputFileError, SettingError
from geo.months import months_between
from hotspots.defaults import CCTV_RADIUS_M, WDQ_BUFFER_M

__all__ = ["WDQ_MEANING", "DeploymentEvaluation", "evaluate_deployment", "evaluation_csv", "interpret_wdq",
           "read_deployment", "wdq", "wdq_text"]

#: What a WDQ value means, in plain words (Bowers & Johnson 2003; Guerette 2009, Appendix C).
WDQ_MEANING = {
    "undefined": "Not meaningful: the target area did not improve against the control area (success measure 0 or "
                 "more), so there is no effect to be displaced.",
    "diffusion_greater": "WDQ above 1: diffusion of benefits greater than the direct effect. The buffer improved "
                         "even more than the target area.",
    "diffusion": "WDQ above 0 up to 1: diffusion of benefits. The buffer improved too, by less than the target area.",
    "none": "WDQ 0: no displacement and no diffusion. The buffer changed in step with the control area.",
    "displacement_smaller": "WDQ below 0 down to -1: displacement smaller than the direct effect. Some crime "
                            "moved to the buffer, but the scheme still did net good.",
    "displacement_greater": "WDQ below -1: displacement greater than the direct effect. More crime moved into the "
                            "buffer than the target area lost: the scheme did net harm.",
    "no_control": "Cannot be computed: the control area has no incidents in the before or the after period.",
    "different_months": "Not given for all sites together: the sites ran over different months. Judge each site.",
}


def interpret_wdq(value: float | None, success: float | None) -> str:
    """The key of :data:`WDQ_MEANING` for a WDQ and its success measure.

    >>> interpret_wdq(0.4, -0.02), interpret_wdq(-1.5, -0.02), interpret_wdq(None, 0.01)
    ('diffusion', 'displacement_greater', 'undefined')
    """
    if success is None or (isinstance(success, float) and math.isnan(success)):
        return "no_control"
    if success >= 0 or value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    if value > 1:
        return "diffusion_greater"
    if value > 0:
        return "diffusion"
    if value == 0:
        return "none"
    if value >= -1:
        return "displacement_smaller"
    return "displacement_greater"


def wdq(a_before: float, a_after: float, b_before: float, b_after: float, c_before: float, c_after: float) -> dict:
    """The Weighted Displacement Quotient and its parts (Bowers & Johnson 2003).

    Parameters
    ----------
    a_before, a_after : float
        Incidents (or harm) in the target area before and after.
    b_before, b_after : float
        In the buffer.
    c_before, c_after : float
        In the control area.

    Returns
    -------
    dict
        ``success_measure`` (SM), ``buffer_measure`` (BDM), ``wdq`` (None when SM >= 0 or
        the control is empty), ``tne`` (total net effect, incidents prevented),
        ``target_change_pct``, ``control_change_pct``, ``buffer_change_pct``, ``meaning``
        (a key of :data:`WDQ_MEANING`).

    Examples
    --------
    Target 100 -> 60, buffer 80 -> 70, control 1000 -> 1000:

    >>> r = wdq(100, 60, 80, 70, 1000, 1000)
    >>> round(r["success_measure"], 3), round(r["buffer_measure"], 3), round(r["wdq"], 3), r["tne"], r["meaning"]
    (-0.04, -0.01, 0.25, 50.0, 'diffusion')
    """
    vals = [float(v) for v in (a_before, a_after, b_before, b_after, c_before, c_after)]
    if any(not math.isfinite(v) or v < 0 for v in vals):
        raise SettingError("Counts must be numbers, 0 or more.", "Check the counts.")
    ab, aa, bb, ba, cb, ca = vals

    def pct(before, after):
        return None if before == 0 else round(100.0 * (after - before) / before, 2)

    out = {"target_change_pct": pct(ab, aa), "buffer_change_pct": pct(bb, ba), "control_change_pct": pct(cb, ca)}
    if cb == 0 or ca == 0:
        return out | {"success_measure": None, "buffer_measure": None, "wdq": None, "tne": None,
                      "meaning": "no_control"}
    sm = aa / ca - ab / cb
    bdm = ba / ca - bb / cb
    value = bdm / sm if sm < 0 else None
    tne = (ab * ca / cb - aa) + (bb * ca / cb - ba)
    return out | {"success_measure": sm, "buffer_measure": bdm, "wdq": value, "tne": tne,
                  "meaning": interpret_wdq(value, sm)}


# ---------------------------------------------------------------------------------------------- deployments

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-\d{2})?$")
_FROM = ("from", "start", "date_from", "installed")
_TO = ("to", "end", "date_to", "removed")


def _month(value: str, file: str, row: int, column: str) -> str:
    v = str(value).strip()
    m = _MONTH.match(v)
    if not m:
        dmy = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", v)  # a UK date as a spreadsheet writes it
        if dmy and 1 <= int(dmy.group(2)) <= 12:
            return f"{dmy.group(3)}-{int(dmy.group(2)):02d}"
        raise InputFileError(f"row {row}, column '{column}': {v!r} is not a month.", file=file,
                             fix="Write months as YYYY-MM (e.g. 2021-06) or dates as YYYY-MM-DD.")
    return f"{m.group(1)}-{m.group(2)}"


def read_deployment(path, name: str | None = None) -> pd.DataFrame:
    """Read a past deployment: one row per site with its coordinates and months.

    Columns: ``site`` (a name; optional), ``easting``/``northing`` or
    ``longitude``/``latitude``, ``from`` and ``to`` (``YYYY-MM``, or dates: the month is
    used), optional ``radius_m``.

    Returns
    -------
    DataFrame
        ``site, easting, northing, from, to`` (and ``radius_m`` when given).

    Raises
    ------
    InputFileError
        Missing columns, months that are not months, ``from`` after ``to``.
    """
    from hotspots.tasks.cctv import read_points

    df = read_points(path, "deployment", name)
    label = name or str(path)
    f = next((c for c in _FROM if c in df), None)
    t = next((c for c in _TO if c in df), None)
    if f is None or t is None:
        raise InputFileError("the deployment file needs 'from' and 'to' columns (the months the camera was up).",
                             file=label, fix="Add columns from and to, e.g. 2021-03 and 2021-05.")
    rows = df["row"].to_numpy()
    out = pd.DataFrame({
        "site": (df["site"].astype(str) if "site" in df else
                 df["name"].astype(str) if "name" in df else pd.Series([f"Site {i + 1}" for i in range(len(df))])),
        "easting": df["easting"].to_numpy(), "northing": df["northing"].to_numpy(),
        "from": [_month(v, label, r, f) for v, r in zip(df[f], rows)],
        "to": [_month(v, label, r, t) for v, r in zip(df[t], rows)]})
    bad = np.flatnonzero(out["from"].to_numpy() > out["to"].to_numpy())
    if len(bad):
        i = int(bad[0])
        raise InputFileError(f"row {rows[i]}: the camera came down ({out['to'][i]}) before it went up "
                             f"({out['from'][i]}).", file=label, fix="Swap the from and to months.")
    if "radius_m" in df:
        r = pd.to_numeric(df["radius_m"], errors="coerce")
        if r.isna().any() or (r <= 0).any():
            i = int(np.flatnonzero((r.isna() | (r <= 0)).to_numpy())[0])
            raise InputFileError(f"row {rows[i]}: radius_m {df['radius_m'][i]!r} is not a distance in metres.",
                                 file=label, fix="Give the radius in metres, e.g. 100, or leave the column out.")
        out["radius_m"] = r.to_numpy(dtype=float)
    return out


def _shift(month: str, k: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    idx = y * 12 + (m - 1) + k
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def _months_between(a: str, b: str) -> list[str]:
    return months_between(a, b)


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


def evaluate_deployment(store, deployment: pd.DataFrame, flt=None, area=None, control=None, *,
                        radius_m: float = CCTV_RADIUS_M, buffer_m: float = WDQ_BUFFER_M,
                        weights: dict | None = None) -> DeploymentEvaluation:
    """Before/after a past camera deployment in the target, buffer and control areas, and the WDQ.

    Parameters
    ----------
    store : geo.store.Store
    deployment : DataFrame
        From :func:`read_deployment`: ``site, easting, northing, from, to`` (optional ``radius_m``).
    flt : hotspots.tasks.query.IncidentFilter, optional
        Crime types and sources (its months are ignored: the deployment sets them).
    area : geo.boundaries.Area, optional
        The study area: the default control is this area minus the targets and buffers.
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
    from scipy.spatial import cKDTree

    from hotspots.methods.harm import HARM_LABEL, harm_of
    from hotspots.tasks.query import IncidentFilter, select_incidents, selection_months

    try:
        radius_m, buffer_m = float(radius_m), float(buffer_m)
    except (TypeError, ValueError) as exc:
        raise SettingError("Radius and buffer must be distances in metres.", "E.g. 100 and 200.") from exc
    if not 10 <= radius_m <= 1000 or not 10 <= buffer_m <= 5000:
        raise SettingError(f"Radius {radius_m:g} m or buffer {buffer_m:g} m is out of range.",
                           "Use a radius of 10 to 1,000 m and a buffer of 10 to 5,000 m (e.g. 100 and 200).")
    if deployment is None or len(deployment) == 0:
        raise SettingError("The deployment has no sites.", "Give one row per camera site.")
    dep = deployment.reset_index(drop=True).copy()
    if "radius_m" not in dep:
        dep["radius_m"] = radius_m
    base = (flt or IncidentFilter()).checked()
    from hotspots.tasks.cctv import _refuse_ae

    _refuse_ae(base.sources)
    whole = IncidentFilter(None, None, base.categories, base.sources, base.forces)
    loaded = set(selection_months(store, IncidentFilter(None, None, (), base.sources, base.forces)))
    periods = []
    for j in range(len(dep)):
        after = _months_between(dep.at[j, "from"], dep.at[j, "to"])
        before = [_shift(after[0], -k) for k in range(len(after), 0, -1)]
        lacking = [m for m in before + after if m not in loaded]
        if lacking:
            raise SettingError(f"Site '{dep.at[j, 'site']}' needs data for {before[0]} to {after[-1]} "
                               f"({len(before)} months before and {len(after)} during), but the store has none for "
                               f"{', '.join(lacking)}.",
                               "Load those months (python -m hotspots ingest police), or check the dates.")
        periods.append((before, after))
    inc = select_incidents(store, whole, area, columns=("easting", "northing", "category", "month", "force"))
    from hotspots.outputs.files import is_synthetic

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


def evaluation_csv(ev: DeploymentEvaluation) -> bytes:
    """The comparison as CSV, safe to open in a spreadsheet, labelled when the data is synthetic."""
    from hotspots.outputs.files import SYNTHETIC_NOTE, safe_csv

    t = ev.table.copy()
    if ev.summary.get("synthetic"):
        t.insert(0, "data_note", SYNTHETIC_NOTE)
    return safe_csv(t)


def wdq_text(ev: DeploymentEvaluation) -> str:
    """The evaluation as plain text for the terminal."""
    s = ev.summary
    lines = [("SYNTHETIC sample data. " if s["synthetic"] else "")
             + f"Did it work? {s['n_sites']} sites; target: within {s['radius_m']:g} m; buffer: the next "
               f"{s['buffer_m']:g} m; control: {s['control']}. Values: {s['unit']}."]
    for r in ev.table.to_dict(orient="records"):
        w = "n/a" if r["wdq"] is None or (isinstance(r["wdq"], float) and math.isnan(r["wdq"])) else f"{r['wdq']:.2f}"
        lines.append(f"{r['site']} ({r['from']} to {r['to']}, before {r['before_from']} to {r['before_to']}): "
                     f"target {r['target_before']:,} -> {r['target_after']:,}, buffer {r['buffer_before']:,} -> "
                     f"{r['buffer_after']:,}, control {r['control_before']:,} -> {r['control_after']:,}; "
                     f"WDQ {w}. {r['interpretation']}")
    lines.append(s["note"])
    return "\n".join(lines)
