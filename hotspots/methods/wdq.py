"""The Weighted Displacement Quotient: did crime move to a buffer, or did the benefit spread?

References
----------
Bowers, K. J. & Johnson, S. D. (2003). Measuring the geographical displacement and diffusion of benefit effects
of crime prevention activity. Journal of Quantitative Criminology 19(3), 275-301.
"""

from __future__ import annotations

import math

from geo.errors import SettingError

__all__ = ["WDQ_MEANING", "interpret_wdq", "wdq"]


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
