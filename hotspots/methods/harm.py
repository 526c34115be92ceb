"""Harm weights: the Cambridge Crime Harm Index, approximated per police.uk category.

The CCHI weighs a crime by the days of imprisonment its sentencing starting point
carries (Sherman, Neyroud & Neyroud 2016). police.uk gives only a category, which
mixes offences of very different harm, so the per-category weights are an
APPROXIMATION (DOMAIN.md section 3); every view that shows harm says so.

Offences found mainly by police activity (drugs, possession of weapons) measure
patrol effort as much as harm: ``harm_weights(exclude_police_generated=True)`` gives
them weight 0.

References
----------
Sherman, L., Neyroud, P. W. & Neyroud, E. (2016). The Cambridge Crime Harm Index:
measuring total harm from crime based on sentencing guidelines. Policing, 10(3), 171-183.
"""

from __future__ import annotations

import numpy as np

from geo.constants import POLICE_CATEGORIES
from geo.errors import SettingError
from hotspots.defaults import HARM_WEIGHTS_CCHI_APPROX, POLICE_GENERATED_CATEGORIES

__all__ = ["HARM_LABEL", "harm_of", "harm_weights"]

HARM_LABEL = "harm (approximate CCHI, days of imprisonment)"


def harm_weights(exclude_police_generated: bool = False, overrides: dict[str, float] | None = None) -> dict[str, float]:
    """The weight of each category, in days of imprisonment (approximate CCHI).

    Parameters
    ----------
    exclude_police_generated : bool
        Give drugs and possession of weapons weight 0.
    overrides : dict, optional
        Category -> days, replacing the defaults (an edited table).

    Raises
    ------
    SettingError
        An unknown category or a negative weight.

    Examples
    --------
    >>> w = harm_weights()
    >>> w["Burglary"], w["Anti-social behaviour"]
    (230.0, 1.0)
    >>> harm_weights(exclude_police_generated=True)["Drugs"]
    0.0
    """
    w = dict(HARM_WEIGHTS_CCHI_APPROX)
    for cat, days in (overrides or {}).items():
        if cat not in w:
            raise SettingError(f"'{cat}' is not a police.uk crime type, so it has no harm weight.",
                               f"Use one of: {', '.join(POLICE_CATEGORIES)}.")
        try:
            days = float(days)
        except (TypeError, ValueError):
            days = float("nan")
        if not np.isfinite(days) or days < 0:
            raise SettingError(f"The harm weight of '{cat}' must be a number of days, 0 or more (got {days}).",
                               "Use the CCHI days, e.g. 230 for burglary.")
        w[cat] = days
    if exclude_police_generated:
        for cat in POLICE_GENERATED_CATEGORIES:
            w[cat] = 0.0
    return w


def harm_of(categories, weights: dict[str, float] | None = None) -> np.ndarray:
    """The harm of each incident from its category (0 for categories without a weight).

    >>> harm_of(["Robbery", "Shoplifting", "A&E assault"]).tolist()
    [365.0, 1.0, 0.0]
    """
    import pandas as pd

    w = weights or HARM_WEIGHTS_CCHI_APPROX
    return pd.Series(categories, dtype=object).map(w).fillna(0.0).to_numpy(dtype=np.float64)
