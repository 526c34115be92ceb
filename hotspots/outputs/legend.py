"""Colours and words of map classes and legends, one definition each (maps, static maps, the briefing, pages).

Sequential values get ColorBrewer YlOrRd classes at quantile breaks (``sequential_style``); Gi* classes get
ArcGIS's hot/cold palette; emerging hot-spot classes get a red (hot) and blue (cold) ramp and plain words
(Esri's definitions, ``hotspots.methods.emerging.classify_series``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CATEGORY_COLOURS", "EMERGING_COLOURS", "EMERGING_EXPLAINED", "EMERGING_MEANING", "GISTAR_COLOURS",
           "LEGEND_COLOURS", "PALETTES", "Legend", "emerging_rank", "sequential_style", "value_classes"]

#: One colour per police.uk crime type (../shared/DOMAIN.md section 2: the 14 types), the same on every page, chart
#: and printout that colours types. Colours from Paul Tol's qualitative schemes (bright, vibrant, muted, dark, light,
#: high-contrast; "Colour Schemes", SRON/EPS/TN/09-002, 2021) plus black, chosen among them to be as far apart as
#: possible for normal vision and for protanopia, deuteranopia and tritanopia (Machado, Oliveira & Fernandes 2009
#: simulation): every pair differs by CIEDE2000 >= 15 for normal vision and >= 7 under each simulation, and every
#: colour is dark enough (L* < 75) to read as a line on white (tests/unit/test_category_colours.py measures it).
#: Types that often share a chart (anti-social behaviour, violence, shoplifting, criminal damage) get hues far apart.
CATEGORY_COLOURS: dict[str, str] = {
    "Anti-social behaviour": "#4477AA",         # blue (bright)
    "Bicycle theft": "#CC6677",                 # rose (muted)
    "Burglary": "#222255",                      # navy (dark)
    "Criminal damage and arson": "#EE8866",     # orange (light)
    "Drugs": "#999933",                         # olive (muted)
    "Other crime": "#225555",                   # dark teal (dark)
    "Other theft": "#AA3377",                   # purple (bright)
    "Possession of weapons": "#000000",         # black
    "Public order": "#228833",                  # green (bright)
    "Robbery": "#663333",                       # brown (dark)
    "Shoplifting": "#DDAA33",                   # yellow (high-contrast)
    "Theft from the person": "#33BBEE",         # cyan (vibrant)
    "Vehicle crime": "#009988",                 # teal (vibrant)
    "Violence and sexual offences": "#CC3311",  # red (vibrant)
}
#: Sequential classes, light to dark (ColorBrewer YlOrRd 5, readable on a projector).
LEGEND_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Gi* classes (ArcGIS's hot/cold palette).
GISTAR_COLOURS = {
    "Hot spot 99%": "#b2182b", "Hot spot 95%": "#ef8a62", "Hot spot 90%": "#fddbc7",
    "Cold spot 90%": "#d1e5f0", "Cold spot 95%": "#67a9cf", "Cold spot 99%": "#2166ac",
}
#: Emerging hot-spot classes.
EMERGING_COLOURS = {
    "New hot spot": "#fee0d2", "Consecutive hot spot": "#fcbba1", "Intensifying hot spot": "#a50f15",
    "Persistent hot spot": "#de2d26", "Diminishing hot spot": "#fc9272", "Sporadic hot spot": "#fb6a4a",
    "Oscillating hot spot": "#ef3b2c", "Historical hot spot": "#cb181d",
    "New cold spot": "#deebf7", "Consecutive cold spot": "#c6dbef", "Intensifying cold spot": "#08519c",
    "Persistent cold spot": "#3182bd", "Diminishing cold spot": "#9ecae1", "Sporadic cold spot": "#6baed6",
    "Oscillating cold spot": "#4292c6", "Historical cold spot": "#2171b5",
}
#: The class palettes a registered method's map may name (``hotspots.tasks.registry.MapStyle.palette``).
PALETTES = {"gistar": GISTAR_COLOURS, "emerging": EMERGING_COLOURS}

#: Emerging hot spot classes in plain words (Esri's definitions).
EMERGING_MEANING = {
    "New hot spot": "hot in the latest month only, never before",
    "Consecutive hot spot": "hot for an unbroken run of recent months up to now, never before that run",
    "Intensifying hot spot": "hot in (nearly) every month and getting busier",
    "Persistent hot spot": "hot in (nearly) every month, no clear trend",
    "Diminishing hot spot": "hot in (nearly) every month but getting quieter",
    "Sporadic hot spot": "hot now, and on and off before",
    "Oscillating hot spot": "hot now, but a cold spot in an earlier month",
    "Historical hot spot": "hot in (nearly) every month, but not in the latest",
    "No pattern detected": "none of the above (not drawn on the map)",
}
for _kind in ("New", "Consecutive", "Intensifying", "Persistent", "Diminishing", "Sporadic", "Oscillating",
              "Historical"):
    EMERGING_MEANING[f"{_kind} cold spot"] = ("the mirror of a " + _kind.lower() + " hot spot: quieter than "
                                              "chance would give")

EMERGING_EXPLAINED = (
    "Each month, every hexagon gets a Getis-Ord Gi* test: is it, together with its neighbours, busier (a hot spot) "
    "or quieter (a cold spot) than chance would give? Its class sums up that month-by-month record, and a "
    "Mann-Kendall test says whether its counts are rising or falling. A **new** hot spot is hot in the latest "
    "month for the first time; a **consecutive** one has been hot for an unbroken run of recent months; "
    "**persistent**, **intensifying** and **diminishing** hot spots have been hot in (nearly) every month "
    "(at least 90 % of them, so every month when there are fewer than ten), with no clear trend, a rising "
    "one, or a falling one; a **sporadic** hot spot is hot now and was on and off before; an **oscillating** one "
    "is hot now but was a cold spot in an earlier month; a **historical** one was hot in (nearly) every month "
    "but not the latest. Cold spots mirror these. New and intensifying hot spots are the places to look at "
    "first; a persistent one needs a longer-term plan. The classes mean more with a year or more of months.")

#: The emerging classes a briefing lists first (most urgent first).
_URGENCY = ("New hot spot", "Intensifying hot spot", "Consecutive hot spot", "Sporadic hot spot",
            "Oscillating hot spot", "Persistent hot spot", "Diminishing hot spot", "Historical hot spot")


def emerging_rank(c: str) -> int:
    """Sort key of an emerging class: the hot classes by urgency, then cold classes, then the rest.

    >>> sorted(["New cold spot", "Persistent hot spot", "New hot spot"], key=emerging_rank)
    ['New hot spot', 'Persistent hot spot', 'New cold spot']
    """
    return _URGENCY.index(c) if c in _URGENCY else len(_URGENCY) + (0 if "cold" in c else 1)


@dataclass
class Legend:
    """A map legend: a title with its units, and (colour, label) rows."""
    title: str
    rows: list[tuple[str, str]]
    note: str = ""


def value_classes(values: np.ndarray, n: int = 5) -> tuple[np.ndarray, list[float]]:
    """Split positive values into up to n classes at quantile breaks (ties merged).

    Returns the class of each value (0 = lowest) and the break points (upper bounds).

    >>> cls, breaks = value_classes(np.array([1, 1, 2, 3, 10, 50]), 3)
    >>> cls.tolist(), [round(b, 2) for b in breaks]
    ([0, 0, 1, 1, 2, 2], [1.0, 3.0, 50.0])
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return np.zeros(0, dtype=int), []
    qs = np.unique(np.quantile(v, np.linspace(0, 1, n + 1)[1:], method="inverted_cdf"))
    cls = np.searchsorted(qs, v, side="left")
    return np.minimum(cls, len(qs) - 1), qs.tolist()


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.2g}"


def _units(x: float, unit: str) -> str:
    """'1 incident', '2 incidents'."""
    return unit[:-1] if x == 1 and unit.endswith("s") and " " not in unit else unit


def sequential_style(values: np.ndarray, title: str, unit: str) -> tuple[list[str], Legend]:
    """Colours for a sequential variable and its legend: each class labelled with the smallest and largest
    value in it, with units, so no two rows overlap.

    >>> colours, legend = sequential_style(np.array([1.0, 1, 2, 3, 60]), "Incidents per hexagon", "incidents")
    >>> [label for _, label in legend.rows]
    ['60 incidents', '2 to 3 incidents', '1 incident']
    """
    v = np.asarray(values, dtype=float)
    cls, breaks = value_classes(v, len(LEGEND_COLOURS))
    palette = LEGEND_COLOURS[-len(breaks):] if breaks else LEGEND_COLOURS[:1]
    colours = [palette[c] for c in cls]
    rows = []
    for i in range(len(breaks)):
        members = v[cls == i]
        lo, hi = float(members.min()), float(members.max())
        rows.append((palette[i], f"{_fmt(lo)} to {_fmt(hi)} {unit}" if lo != hi else f"{_fmt(hi)} {_units(hi, unit)}"))
    return colours, Legend(title, rows[::-1])
