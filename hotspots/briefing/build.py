"""The JAG briefing: one content model for the page, the PDF and the PowerPoint deck.

The Joint Agency Group meets monthly and asks two questions: what changed since
last month, and what should the partnership do about it (DOMAIN.md section 1).
:func:`build_briefing` computes every section of the briefing for an area (a
district, a boundary file, or the whole store) and a month, once, as plain data
(:class:`Briefing`: sections of numbers, text, tables and static map images).
The app page, :func:`briefing_pdf` and ``hotspots.briefing.pptx.briefing_pptx`` only lay
that model out, so the three always say the same.

Sections (issue 8):

(a) headline numbers: the month against the previous month and the same month
    last year, in plain words, with a test of whether the change is beyond normal
    variation (:func:`compare_counts`) and the usual range of the last 12 months;
(b) the hotspot map of the month (Getis-Ord Gi*) and the emerging-hotspot classes
    that changed between the analysis up to the previous month and up to this one;
(c) the top ten places (H3 res-9 hexagons) with their change and main problem;
(d) police x A&E summary (``hotspots.tasks.overlay``), small numbers suppressed
    (``hotspots.methods.suppress``);
(e) recommended actions: patrol areas, CCTV sites, knife-sweep areas, each with its
    page and the command that reproduces it;
(f) data notes: sources, months, rows excluded and why, "synthetic" on sample data.

A section that cannot be made says so plainly (``Section.missing``);
nothing is made up in its place.

Text from data files (location names) stays plain text here; every renderer
escapes it for its medium (reportlab through ``hotspots.outputs.sheets``; python-pptx text
is plain; the page uses ``md_escape`` or ``st.dataframe``).
"""

from __future__ import annotations

import shlex

import calendar
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.boundaries import Area
from geo.constants import H3_DEFAULT_RES, SOURCE_POLICE
from geo.errors import SettingError
from geo.store import Store
from hotspots import defaults
from hotspots.outputs.files import SYNTHETIC_NOTE, is_synthetic
from hotspots.methods.harm import harm_weights
from hotspots.tasks.query import IncidentFilter, count_by_cell, select_incidents, selection_months, study_area
from geo.grid import cell_parent, cell_to_int, cells_to_latlng, latlng_to_cell

__all__ = ["Briefing", "Link", "Section", "add_brief_parser", "brief_cli", "briefing_pdf", "build_briefing",
           "change_words", "compare_counts", "resolve_area", "usual_range"]

#: Significance level of "beyond normal variation" (after the false discovery rate
#: correction over the rows of one comparison).
CHANGE_ALPHA = 0.05
#: Months before the briefing month that give the usual range (mean +- 2 sd).
USUAL_RANGE_MONTHS = 12
#: Months of history the emerging-hotspot comparison uses (at most), ending at the
#: briefing month; the comparison "up to the previous month" starts at the same month.
EMERGING_MONTHS = 24
#: Crime types shown one by one in the headline table; the rest are summed.
HEADLINE_TYPES = 6
#: Rows of the "classes that changed" table.
EMERGING_ROWS = 6
#: Places in section (c).
TOP_PLACES = 10
#: H3 resolution of the hotspot map and places (res 9, ~0.1 km2: DOMAIN.md section 3).
BRIEF_RES = H3_DEFAULT_RES

#: Rows of the police x A&E table.
OVERLAY_ROWS = 5
#: Months of the police x A&E section, ending at the briefing month: one month of one
#: district holds a handful of located A&E assaults, all of them suppressed (1 to 7), so
#: the section looks at the 12 months to the briefing month and says so.
BRIEF_OVERLAY_MONTHS = 12
#: Rows of each action's table (patrol areas, camera sites, sweep areas): a plan of up to
#: 8 is shown whole; a longer one says "the first 8 of N".
ACTION_ROWS = 8
#: Pixel size of the action maps (printed beside their table: about square).
ACTION_MAP_PX = (1500, 1400)
#: Months each action is planned on, ending at the briefing month. Patrol: a year, so
#: the forecast has history to learn from and to be backtested on; CCTV: 3 months, the
#: longest a mobile camera stays at a site (DOMAIN.md section 1); sweeps: 6 months, as
#: weapon offences are sparse.
BRIEF_PATROL_MONTHS = 12
BRIEF_CCTV_MONTHS = 3
BRIEF_SWEEP_MONTHS = 6

#: Gi* class colours (as the app's map, hotspots.outputs.webmap.GISTAR_COLOURS).
GISTAR_COLOURS = {
    "Hot spot 99%": "#b2182b", "Hot spot 95%": "#ef8a62", "Hot spot 90%": "#fddbc7",
    "Cold spot 90%": "#d1e5f0", "Cold spot 95%": "#67a9cf", "Cold spot 99%": "#2166ac",
}

#: The pages and commands the actions link to: key -> (page file, page title, CLI command).
ACTION_PAGES = {
    "patrol": ("pages/patrol.py", "Patrol planner", "patrol"),
    "cctv": ("pages/cctv.py", "Mobile CCTV", "cctv"),
    "sweeps": ("pages/sweeps.py", "Knife-sweep areas", "sweeps"),
    "overlay": ("pages/overlay.py", "Police and A&E", "overlay"),
    "map": ("pages/map.py", "Hotspot map", "detect"),
    "trends": ("pages/trends.py", "Trends", "detect"),
}


# --------------------------------------------------------------------------- #
# The content model                                                           #
# --------------------------------------------------------------------------- #
@dataclass
class Link:
    """Where to act on a section: an app page and the command that reproduces it."""

    page: str      # file under the app, e.g. "pages/patrol.py"
    title: str     # the page's menu title
    command: str   # a shell command line
    printed: bool = True  # also in the PDF and the deck (the actions' links are; the app shows all)

    def words(self) -> str:
        return f"Page: {self.title}. Reproduce: {self.command}"


@dataclass
class Section:
    """One page of the PDF, one slide of the deck, one screen of the app page.

    Attributes
    ----------
    key : str
        Stable identifier (``headline``, ``hotspot_map``, ``emerging``, ``places``,
        ``overlay``, ``patrol``, ``cctv``, ``sweeps``, ``notes``).
    letter : str
        The issue's section letter, (a) to (f).
    title : str
        The heading.
    metrics : list of (label, value, note)
        Big numbers.
    text : list of str
        Plain-text lines (bullets).
    table : DataFrame or None
        Plain text and numbers; shown as is.
    image : bytes or None
        A PNG (a static map).
    links : list of Link
    missing : str or None
        Set when the section cannot be produced: the sentence says what is missing.
    """

    key: str
    letter: str
    title: str
    metrics: list[tuple[str, str, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    table_note: str = ""
    image: bytes | None = None
    image_caption: str = ""
    links: list[Link] = field(default_factory=list)
    missing: str | None = None

    @property
    def heading(self) -> str:
        return f"({self.letter}) {self.title}"


@dataclass
class Briefing:
    """Every section of one briefing, and its key numbers for scripts and tests."""

    title: str
    subtitle: str
    area_name: str
    month: str
    previous_month: str
    last_year_month: str
    synthetic: bool
    sections: list[Section]
    numbers: dict

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def summary(self) -> dict:
        """A JSON-ready summary: the numbers, and which sections are missing and why."""
        return {"title": self.title, "area": self.area_name, "month": self.month,
                "previous_month": self.previous_month, "last_year_month": self.last_year_month,
                "synthetic": self.synthetic, **self.numbers,
                "sections": [{"key": s.key, "heading": s.heading, "missing": s.missing} for s in self.sections]}


# --------------------------------------------------------------------------- #
# Small, tested pieces                                                        #
# --------------------------------------------------------------------------- #
def month_words(month: str) -> str:
    """``2021-12`` -> ``December 2021``.

    >>> month_words("2021-12")
    'December 2021'
    """
    y, m = map(int, month.split("-"))
    return f"{calendar.month_name[m]} {y}"


def days_in_month(month: str) -> int:
    """>>> days_in_month("2024-02"), days_in_month("2021-12")
    (29, 31)
    """
    y, m = map(int, month.split("-"))
    return calendar.monthrange(y, m)[1]


def shift_month(month: str, k: int) -> str:
    """The month ``k`` months later (earlier when negative).

    >>> shift_month("2021-01", -1), shift_month("2021-12", -12)
    ('2020-12', '2020-12')
    """
    y, m = map(int, month.split("-"))
    i = y * 12 + (m - 1) + int(k)
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def compare_counts(n_now: int, n_before: int, days_now: float = 1.0, days_before: float = 1.0) -> float:
    """Two-sided p-value that two Poisson counts come from the same daily rate.

    The conditional (binomial) test of Przyborowski & Wilenski (1940): given the
    total ``n = n_now + n_before``, under equal rates ``n_now`` is binomial with
    ``n`` trials and success probability ``days_now / (days_now + days_before)``
    (so a 31-day month is not "up" on a 30-day one by length alone). The p-value is
    scipy's exact two-sided binomial test. It is exact for any counts, small ones
    included, which is why it is used here rather than a normal approximation.

    Crime counts vary more than a Poisson count does (seasons, events, recording
    changes), so "beyond normal variation" is a prompt to look, not proof; the
    briefing says so, and shows the usual range of the last 12 months beside it.

    References
    ----------
    Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing
    samples from Poisson series. Biometrika 31(3/4), 313-323.

    Krishnamoorthy, K. & Thomson, J. (2004). A more powerful test for comparing
    two Poisson means. Journal of Statistical Planning and Inference 119, 23-35
    (section 1: the conditional test, "C-test").

    Examples
    --------
    Ten against two in equal periods: 2 x P(X >= 10), X ~ Binomial(12, 1/2) = 158/4096.

    >>> round(compare_counts(10, 2), 5), round(158 / 4096, 5)
    (0.03857, 0.03857)
    >>> compare_counts(0, 0)
    1.0
    """
    from scipy.stats import binomtest

    n_now, n_before = int(n_now), int(n_before)
    if n_now < 0 or n_before < 0:
        raise SettingError("Counts cannot be negative.", "Pass the numbers of incidents in each period.")
    n = n_now + n_before
    if n == 0:
        return 1.0
    p = float(days_now) / (float(days_now) + float(days_before))
    return float(binomtest(n_now, n, p, alternative="two-sided").pvalue)


def change_words(now: int, before: int | None, before_label: str = "", compact: bool = False) -> str:
    """A change in plain words: "up 12 %, 34 more" (``compact``: "up 12 % (+34)", for tables).

    >>> change_words(318, 284), change_words(90, 100), change_words(5, 5)
    ('up 12 %, 34 more', 'down 10 %, 10 fewer', 'no change')
    >>> change_words(3, 0), change_words(0, 0), change_words(7, None, "2020-12")
    ('up from none to 3', 'none in either month', 'no data for 2020-12')
    >>> change_words(318, 284, compact=True), change_words(90, 100, compact=True), change_words(7, None, compact=True)
    ('up 12 % (+34)', 'down 10 % (-10)', 'no data')
    """
    if before is None:
        return "no data" if compact else f"no data for {before_label}".strip()
    now, before = int(now), int(before)
    if now == before:
        return ("none" if compact else "none in either month") if now == 0 else "no change"
    if before == 0:
        return f"up from none to {now:,}"
    pct = 100.0 * (now - before) / before
    diff = now - before
    pct_text = f"{abs(pct):.0f}" if abs(pct) >= 1 else "under 1"
    if compact:
        return f"{'up' if diff > 0 else 'down'} {pct_text} % ({diff:+,})"
    if diff > 0:
        return f"up {pct_text} %, {diff:,} more"
    return f"down {pct_text} %, {-diff:,} fewer"


def usual_range(history) -> tuple[float, float, float] | None:
    """The usual range of a monthly count: mean +- 2 standard deviations (floored at 0).

    About 95 % of months fall inside it when counts are roughly normal (the "2-sigma"
    control limits of a Shewhart chart; Montgomery, Introduction to Statistical
    Quality Control, ch. 6). The sample standard deviation of the months is used,
    so the range includes the extra-Poisson variation real crime counts have.
    Needs at least 3 months.

    Returns
    -------
    (low, mean, high) or None

    >>> usual_range([10, 12, 14])
    (8.0, 12.0, 16.0)
    >>> usual_range([1, 2]) is None
    True
    """
    h = np.asarray(list(history), dtype=float)
    if len(h) < 3:
        return None
    mean, sd = float(h.mean()), float(h.std(ddof=1))
    return max(0.0, mean - 2 * sd), mean, mean + 2 * sd


#: Short crime-type names for tables read from the back of a room.
SHORT_TYPES = {
    "Anti-social behaviour": "Anti-social behaviour", "Bicycle theft": "Bicycle theft", "Burglary": "Burglary",
    "Criminal damage and arson": "Criminal damage", "Drugs": "Drugs", "Other crime": "Other crime",
    "Other theft": "Other theft", "Possession of weapons": "Weapons possession", "Public order": "Public order",
    "Robbery": "Robbery", "Shoplifting": "Shoplifting", "Theft from the person": "Theft from person",
    "Vehicle crime": "Vehicle crime", "Violence and sexual offences": "Violence & sexual",
}


def short_type(category: str) -> str:
    """>>> short_type("Violence and sexual offences"), short_type("A&E assault")
    ('Violence & sexual', 'A&E assault')
    """
    return SHORT_TYPES.get(category, category)


def short_month(month: str) -> str:
    """>>> short_month("2021-12")
    'Dec 2021'
    """
    y, m = map(int, month.split("-"))
    return f"{calendar.month_abbr[m]} {y}"


def _clip(text: str, n: int = 32) -> str:
    """>>> _clip("Sports/Recreation Area / Alexandra Close", 24)
    'Sports/Recreation Area …'
    """
    return text if len(text) <= n else text[: n - 2].rstrip() + " …"


def _strip_near(location) -> str:
    s = "" if location is None or (isinstance(location, float) and np.isnan(location)) else str(location)
    return s[len("On or near "):] if s.lower().startswith("on or near ") else s


def top_locations(inc: pd.DataFrame, res: int, n: int = 1) -> dict[str, list[str]]:
    """The ``n`` most frequent location texts of each cell (ties: alphabetical), "On or near" removed.

    >>> import h3
    >>> c = cell_to_int(latlng_to_cell(51.656, -0.396, 11))
    >>> df = pd.DataFrame({"h3_11": np.array([c] * 3, dtype=np.uint64),
    ...                    "location": ["On or near B Road", "On or near A Street", "On or near B Road"]})
    >>> list(top_locations(df, 9, n=2).values())
    [['B Road', 'A Street']]
    """
    from geo.grid import cell_to_parent, cells_to_str

    if inc.empty:
        return {}
    cells = cells_to_str(cell_to_parent(inc["h3_11"].to_numpy(dtype=np.uint64), res))
    df = pd.DataFrame({"cell": cells, "location": inc["location"].fillna("").astype(str).to_numpy()})
    df = df.loc[df["location"] != ""]
    k = df.groupby(["cell", "location"], sort=False).size().reset_index(name="k")
    k = k.sort_values(["cell", "k", "location"], ascending=[True, False, True])
    k = k.groupby("cell", sort=False).head(n)
    out: dict[str, list[str]] = {}
    for c, loc in zip(k["cell"], k["location"]):
        out.setdefault(c, []).append(_strip_near(loc))
    return out


def place_names(inc: pd.DataFrame, cells, res: int) -> list[str]:
    """A name for each cell: its most frequent location; where two cells would share a
    name, the second most frequent location is added ("Market Place / High Street").

    >>> import h3
    >>> a = latlng_to_cell(51.656, -0.396, 11)
    >>> b = latlng_to_cell(51.700, -0.300, 11)
    >>> df = pd.DataFrame({"h3_11": np.array([cell_to_int(x) for x in [a, a, a, b, b, b]], dtype=np.uint64),
    ...                    "location": ["On or near Park", "On or near Park", "On or near Elm Road",
    ...                                 "On or near Park", "On or near Park", "On or near Oak Lane"]})
    >>> place_names(df, [cell_parent(a, 9), cell_parent(b, 9)], 9)
    ['Park / Elm Road', 'Park / Oak Lane']
    """
    locs = top_locations(inc, res, n=2)
    first = [(locs.get(c) or ["(no location text)"])[0] for c in cells]
    dup = {n for n in first if first.count(n) > 1}
    out = []
    for c, n in zip(cells, first):
        more = (locs.get(c) or [])[1:]
        out.append(f"{n} / {more[0]}" if n in dup and more else n)
    return out


# --------------------------------------------------------------------------- #
# Area and month                                                              #
# --------------------------------------------------------------------------- #
def resolve_area(store: Store, district: str | None = None, area_file: str | None = None) -> Area | None:
    """The study area: see :func:`hotspots.tasks.query.study_area`."""
    return study_area(store, district, area_file)


def command_area_words(district: str | None = None, area_file: str | None = None) -> str:
    r"""The area part of the reproduce commands (every analysis command takes ``--district`` and ``--area``).

    Names come from data (a boundary file's properties): each is quoted for a POSIX shell, so a pasted
    command never runs anything a name contains.

    >>> command_area_words("Watford"), command_area_words(None, "my area.geojson"), command_area_words()
    ('--district Watford', "--area 'my area.geojson'", '')
    >>> command_area_words('Watford"; curl http://x; echo "')
    '--district \'Watford"; curl http://x; echo "\''
    """
    if area_file:
        return f"--area {shlex.quote(str(area_file))}"
    if district:
        return f"--district {shlex.quote(str(district))}"
    return ""


def _months(store: Store, flt: IncidentFilter) -> list[str]:
    return selection_months(store, flt)


# --------------------------------------------------------------------------- #
# Building the briefing                                                       #
# --------------------------------------------------------------------------- #
def build_briefing(store: Store, month: str | None = None, area: Area | None = None, *,
                   sources: tuple[str, ...] = (SOURCE_POLICE,), forces: tuple[str, ...] = (),
                   exclude_police_generated: bool = False, cameras_file: str | None = None,
                   command_area: str = "", district: str | None = None, progress=None) -> Briefing:
    """Compute every section of the JAG briefing for an area and a month.

    Parameters
    ----------
    store : Store
    month : str, optional
        ``YYYY-MM``; default the latest month in the store (for the sources).
    area : Area, optional
        The district or boundary; None for the whole store.
    sources, forces : tuple of str
        Which incidents (default police.uk street crime; forces: all).
    exclude_police_generated : bool
        Give drugs and possession of weapons no harm when choosing each place's main
        problem (they measure patrol effort as much as harm: DOMAIN.md section 3).
    cameras_file : str, optional
        Existing cameras (CSV), passed to the CCTV siting.
    command_area : str
        The area part of the reproduce commands (:func:`command_area_words`).
    district : str, optional
        The district's name, for commands that take ``--district``.
    progress : callable(fraction, message), optional

    Raises
    ------
    SettingError
        No data, a month the store does not hold, or a bad month.
    """
    tick = progress or (lambda f, m: None)
    flt_all = IncidentFilter(sources=tuple(sources), forces=tuple(forces)).checked()
    months = _months(store, flt_all)
    if not months:
        raise SettingError("The store holds no incidents to brief on.",
                           "Load police.uk files first: python -m hotspots ingest police FILES")
    if month is None:
        month = months[-1]
    IncidentFilter(month, month).checked()
    if month not in months:
        raise SettingError(f"The store has no incidents for {month} (it has {months[0]} to {months[-1]}).",
                           f"Choose a month from {months[0]} to {months[-1]}.")
    prev, last_year = shift_month(month, -1), shift_month(month, -12)
    first = max(months[0], shift_month(month, -(max(EMERGING_MONTHS, USUAL_RANGE_MONTHS + 1) - 1)))
    tick(0.05, "Selecting incidents")
    inc = select_incidents(store, IncidentFilter(first, month, (), tuple(sources), tuple(forces)), area,
                           columns=("month", "category", "h3_11", "location", "easting", "northing", "force"))
    synthetic = bool(is_synthetic(inc)) or bool(forces and any("SYNTHETIC" in f for f in forces))
    area_name = area.name if area is not None else "the whole store"
    weights = harm_weights(exclude_police_generated)
    ctx = _Context(store=store, month=month, prev=prev, last_year=last_year, months=months, inc=inc, area=area,
                   area_name=area_name, synthetic=synthetic, weights=weights, sources=tuple(sources),
                   forces=tuple(forces), command_area=command_area, cameras_file=cameras_file, district=district,
                   exclude_police_generated=exclude_police_generated)
    numbers: dict = {}
    sections: list[Section] = []
    steps = [("headline", _headline, 0.10), ("hotspot_map", _hotspot_map, 0.20), ("emerging", _emerging, 0.30),
             ("places", _places, 0.55), ("overlay", _overlay, 0.60), ("patrol", _patrol, 0.70),
             ("cctv", _cctv, 0.80), ("sweeps", _sweeps, 0.90), ("notes", _notes, 0.97)]
    for key, fn, frac in steps:
        tick(frac, f"Section: {key}")
        t0 = time.perf_counter()
        try:
            sec = fn(ctx, numbers)
        except SettingError as err:  # e.g. too little data for a planner: the section says why
            numbers.setdefault(key, None)
            sec = Section(key, _LETTERS[key], _TITLES[key], missing=f"{err.message} {err.fix}".strip())
        numbers.setdefault("section_seconds", {})[key] = round(time.perf_counter() - t0, 2)
        sections.append(sec)
    tick(1.0, "Done")
    title = f"JAG briefing: {area_name}, {month_words(month)}"
    subtitle = (f"What changed since {month_words(prev)} and what the partnership could do. "
                f"police.uk street-level crime{' (SYNTHETIC sample)' if synthetic else ''}.")
    return Briefing(title=title, subtitle=subtitle, area_name=area_name, month=month, previous_month=prev,
                    last_year_month=last_year, synthetic=synthetic, sections=sections, numbers=numbers)


_LETTERS = {"headline": "a", "hotspot_map": "b", "emerging": "b", "places": "c", "overlay": "d", "patrol": "e",
            "cctv": "e", "sweeps": "e", "notes": "f"}
_TITLES = {"headline": "Headline numbers", "hotspot_map": "Hot spots this month",
           "emerging": "Emerging hot spots: what changed", "places": "Top ten places",
           "overlay": "Police x A&E summary", "patrol": "Action: patrol areas", "cctv": "Action: mobile CCTV sites",
           "sweeps": "Action: knife-sweep areas", "notes": "Data notes"}


@dataclass
class _Context:
    store: Store
    month: str
    prev: str
    last_year: str
    months: list[str]
    inc: pd.DataFrame
    area: Area | None
    area_name: str
    synthetic: bool
    weights: dict
    sources: tuple[str, ...]
    forces: tuple[str, ...]
    command_area: str
    cameras_file: str | None
    district: str | None
    exclude_police_generated: bool
    cache: dict = field(default_factory=dict)

    def of_month(self, m: str) -> pd.DataFrame:
        key = ("month", m)
        if key not in self.cache:
            self.cache[key] = self.inc.loc[self.inc["month"] == m]
        return self.cache[key]

    def has(self, m: str) -> bool:
        return m in self.months

    def flt(self, date_from: str | None, date_to: str | None, categories=()) -> IncidentFilter:
        return IncidentFilter(date_from, date_to, tuple(categories), self.sources, self.forces)

    def cmd(self, name: str, extra: str = "", district: bool = False) -> str:
        """A command line; ``district``: the command takes ``--district NAME`` (patrol, sweeps)."""
        parts = ["python -m hotspots", name]
        if district and self.district:
            parts.append(command_area_words(self.district))
        elif self.command_area:
            parts.append(self.command_area)
        if extra:
            parts.append(extra)
        return " ".join(parts)

    def boundary_geoms(self) -> list:
        if self.area is not None:
            return [self.area.geometry]
        try:
            return [self.store.area(lay, n).geometry for lay, n in self.store.area_names() if lay == "district"]
        except Exception:  # noqa: BLE001 - outlines are decoration; a map without them still reads
            return []


# -- (a) headline -------------------------------------------------------------------
def _count_column(values) -> list:
    """Counts as numbers (right-aligned in tables), or "no data" when the month is not in the store."""
    vals = list(values)
    if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in vals):
        return ["no data"] * len(vals)
    return pd.array([int(v) for v in vals], dtype="Int64")

def _headline(ctx: _Context, numbers: dict) -> Section:
    from hotspots.methods.gistar import benjamini_hochberg

    now = ctx.of_month(ctx.month)["category"].value_counts()
    before = ctx.of_month(ctx.prev)["category"].value_counts() if ctx.has(ctx.prev) else None
    ly = ctx.of_month(ctx.last_year)["category"].value_counts() if ctx.has(ctx.last_year) else None
    main = list(now.sort_values(ascending=False).index[:HEADLINE_TYPES])
    # keep the order stable and readable: biggest this month first; ties alphabetical
    main = sorted(main, key=lambda c: (-int(now.get(c, 0)), c))
    rest = [c for c in set(now.index) | set(before.index if before is not None else []) |
            set(ly.index if ly is not None else []) if c not in main]

    def get(series, cats):
        if series is None:
            return None
        return int(sum(int(series.get(c, 0)) for c in cats))

    rows = [("All crime", None)] + [(c, [c]) for c in main] + ([("All other types", rest)] if rest else [])
    d_now, d_prev, d_ly = days_in_month(ctx.month), days_in_month(ctx.prev), days_in_month(ctx.last_year)
    recs = []
    for label, cats in rows:
        n_now = int(now.sum()) if cats is None else get(now, cats)
        n_prev = (int(before.sum()) if cats is None else get(before, cats)) if before is not None else None
        n_ly = (int(ly.sum()) if cats is None else get(ly, cats)) if ly is not None else None
        p_prev = compare_counts(n_now, n_prev, d_now, d_prev) if n_prev is not None else np.nan
        p_ly = compare_counts(n_now, n_ly, d_now, d_ly) if n_ly is not None else np.nan
        recs.append({"label": label, "now": n_now, "prev": n_prev, "ly": n_ly, "p_prev": p_prev, "p_ly": p_ly})
    df = pd.DataFrame(recs)
    for col in ("p_prev", "p_ly"):
        p = df[col].to_numpy(dtype=float)
        df[col + "_fdr"] = benjamini_hochberg(p) if np.isfinite(p).any() else p

    def verdict(n_now, n_before, p_fdr, label_month):
        words = change_words(n_now, n_before, label_month, compact=True)
        if n_before is not None and np.isfinite(p_fdr) and p_fdr <= CHANGE_ALPHA:
            return f"{words} *"
        return words

    table = pd.DataFrame({
        "Crime type": [short_type(c) for c in df["label"]],
        short_month(ctx.month): df["now"].astype(np.int64),
        short_month(ctx.prev): _count_column(df["prev"]),
        "Change on month": [verdict(a, b, p, ctx.prev) for a, b, p in zip(df["now"], df["prev"], df["p_prev_fdr"])],
        short_month(ctx.last_year): _count_column(df["ly"]),
        "Change on year": [verdict(a, b, p, ctx.last_year) for a, b, p in zip(df["now"], df["ly"], df["p_ly_fdr"])],
    })
    total = df.iloc[0]
    # the usual range of the total: the previous (up to) 12 months held in the store
    hist_months = [m for m in ctx.months if shift_month(ctx.month, -USUAL_RANGE_MONTHS) <= m < ctx.month]
    monthly = ctx.inc["month"].value_counts()
    hist = [int(monthly.get(m, 0)) for m in hist_months]
    rng = usual_range(hist)

    def beyond(p_fdr, n_before):
        if n_before is None:
            return ""
        return "beyond normal variation" if np.isfinite(p_fdr) and p_fdr <= CHANGE_ALPHA else "within normal variation"

    def signed(n_now, n_before):
        return "no data" if n_before is None else f"{int(n_now) - int(n_before):+,}"

    def note(n_now, n_before, p_fdr, label_month):
        if n_before is None:
            return f"{label_month} is not in the store"
        return f"{change_words(n_now, n_before)}, {beyond(p_fdr, n_before)}"

    metrics = [(f"Crimes and ASB in {month_words(ctx.month)}", f"{int(total['now']):,}", ctx.area_name),
               (f"Change since {month_words(ctx.prev)}", signed(total["now"], total["prev"]),
                note(total["now"], total["prev"], total["p_prev_fdr"], ctx.prev)),
               (f"Change since {month_words(ctx.last_year)}", signed(total["now"], total["ly"]),
                note(total["now"], total["ly"], total["p_ly_fdr"], ctx.last_year))]
    text = []
    if rng is not None:
        lo, mean, hi = rng
        where = ("inside" if lo <= total["now"] <= hi else ("above" if total["now"] > hi else "below"))
        text.append(f"Usual range ({hist_months[0]} to {hist_months[-1]}, average ± 2 sd): {lo:,.0f} to {hi:,.0f} "
                    f"a month. {month_words(ctx.month)} is {where} it.")
    else:
        text.append(f"Usual range: not shown; the store holds fewer than 3 months before {ctx.month}.")
    text.append("* Beyond normal variation: this large a change happens by chance less than 1 time in 20 "
                "(test: data notes).")
    numbers["headline"] = {
        "total": {"month": int(total["now"]), "previous": None if total["prev"] is None else int(total["prev"]),
                  "last_year": None if total["ly"] is None else int(total["ly"]),
                  "p_previous": None if not np.isfinite(total["p_prev"]) else float(total["p_prev"]),
                  "p_last_year": None if not np.isfinite(total["p_ly"]) else float(total["p_ly"]),
                  "beyond_previous": bool(beyond(total["p_prev_fdr"], total["prev"]).startswith("beyond")),
                  "beyond_last_year": bool(beyond(total["p_ly_fdr"], total["ly"]).startswith("beyond")),
                  "usual_range": None if rng is None else [round(rng[0], 1), round(rng[2], 1)]},
        "by_type": {r["label"]: {"month": r["now"], "previous": r["prev"], "last_year": r["ly"]} for r in recs},
    }
    return Section("headline", "a", "Headline numbers", metrics=metrics, text=text,
                   table=table, table_note="")


# -- (b) hotspot map and emerging classes ----------------------------------------------
def _gistar_month(ctx: _Context):
    from hotspots.tasks.detect import detect

    if "gistar" not in ctx.cache:
        ctx.cache["gistar"] = detect(ctx.store, "gistar", ctx.flt(ctx.month, ctx.month), res=BRIEF_RES, area=ctx.area)
    return ctx.cache["gistar"]


def _top_cells(ctx: _Context) -> pd.DataFrame:
    if "top" not in ctx.cache:
        t = count_by_cell(ctx.of_month(ctx.month), BRIEF_RES, ctx.weights)
        ctx.cache["top"] = t.sort_values(["count", "harm", "cell"], ascending=[False, False, True],
                                         ignore_index=True).head(TOP_PLACES)
    return ctx.cache["top"]


def _cell_xy(cells) -> tuple[np.ndarray, np.ndarray]:
    from geo.crs import lonlat_to_bng

    lat, lon = cells_to_latlng(list(cells))
    return lonlat_to_bng(lon, lat)


def _hotspot_map(ctx: _Context, numbers: dict) -> Section:
    from hotspots.outputs.staticmap import StaticMap

    det = _gistar_month(ctx)
    t = det.table
    classes = t.loc[t["class"].isin(GISTAR_COLOURS)]
    top = _top_cells(ctx)
    m = StaticMap(title=f"Hot spots, {month_words(ctx.month)}: {ctx.area_name}", synthetic=ctx.synthetic,
                  note=f"Getis-Ord Gi*, H3 res {BRIEF_RES} hexagons (~0.1 km²), police.uk {ctx.month}")
    geoms = ctx.boundary_geoms()
    if geoms:
        m.boundaries(geoms)
    if len(classes):
        m.cells(classes["cell"].tolist(), [GISTAR_COLOURS[c] for c in classes["class"]])
    if len(top):
        x, y = _cell_xy(top["cell"].tolist())
        m.points(x, y, colour="#000000", size=40, labels=[str(i + 1) for i in range(len(top))])
    present = [c for c in GISTAR_COLOURS if c in set(classes["class"])]
    items = [(GISTAR_COLOURS[c], c) for c in present] or [("#ffffff", "No significant hot or cold spots")]
    items.append(("#000000", "Top ten places by count (numbers: section c)"))
    m.legend(items, title="Gi* (FDR-corrected)")
    png = m.to_png(width_px=2300, height_px=1250, dpi=200, fit="data", font_scale=1.3)
    counts = classes["class"].value_counts()
    hot = int(sum(counts.get(c, 0) for c in GISTAR_COLOURS if c.startswith("Hot")))
    cold = int(sum(counts.get(c, 0) for c in GISTAR_COLOURS if c.startswith("Cold")))
    hot_inc = int(classes.loc[classes["class"].str.startswith("Hot"), "count"].sum())
    n_month = int(len(ctx.of_month(ctx.month)))
    text = [f"{hot:,} hot-spot hexagons hold {hot_inc:,} of the {n_month:,} incidents "
            f"({(100 * hot_inc / n_month) if n_month else 0:.0f} %); {cold:,} cold-spot hexagons. "
            "Hot spot: the hexagon and its six neighbours had more incidents than chance would give."]
    numbers["hotspots"] = {"hot_cells": hot, "cold_cells": cold, "incidents_in_hot_cells": hot_inc,
                           "window_cells": int(len(t))}
    return Section("hotspot_map", "b", "Hot spots this month", text=text, image=png,
                   image_caption="",
                   links=[Link(*ACTION_PAGES["map"][:2], ctx.cmd("detect", f"--method gistar --from {ctx.month} "
                                                                           f"--to {ctx.month} --out hot.geojson"),
                                 printed=False)])


#: Emerging classes in a few words, for the table (Esri's definitions; hotspots.methods.emerging).
EMERGING_SHORT = {
    "New hot spot": "hot for the first time", "Consecutive hot spot": "hot for a run of recent months",
    "Intensifying hot spot": "hot almost always, getting busier", "Persistent hot spot": "hot almost always",
    "Diminishing hot spot": "hot almost always, getting quieter", "Sporadic hot spot": "hot now, on and off before",
    "Oscillating hot spot": "hot now, cold before", "Historical hot spot": "hot before, not now",
    "No pattern detected": "no pattern",
}


def _class_rank(c: str) -> int:
    order = ["New hot spot", "Intensifying hot spot", "Consecutive hot spot", "Sporadic hot spot",
             "Oscillating hot spot", "Persistent hot spot", "Diminishing hot spot", "Historical hot spot"]
    return order.index(c) if c in order else len(order) + (0 if "cold" in c else 1)


def _emerging(ctx: _Context, numbers: dict) -> Section:
    from hotspots.tasks.detect import detect

    first = max(ctx.months[0], shift_month(ctx.month, -(EMERGING_MONTHS - 1)))
    upto_prev = [m for m in ctx.months if first <= m <= ctx.prev]
    link = Link(*ACTION_PAGES["trends"][:2], ctx.cmd("detect", f"--method emerging --from {first} --to {ctx.month} "
                                                               "--out emerging.geojson"), printed=False)
    title = "Emerging hot spots: what changed"
    if len(upto_prev) < 3:
        return Section("emerging", "b", title, links=[link],
                       missing=f"Emerging hot spots need at least 3 months up to {ctx.prev}; the store has "
                               f"{len(upto_prev)}. Load earlier months to compare.")
    now = detect(ctx.store, "emerging", ctx.flt(first, ctx.month), res=BRIEF_RES, area=ctx.area).table
    before = detect(ctx.store, "emerging", ctx.flt(first, ctx.prev), res=BRIEF_RES, area=ctx.area).table
    both = now[["cell", "class", "count"]].merge(before[["cell", "class"]], on="cell", how="outer",
                                                 suffixes=("_now", "_before"))
    both = both.fillna({"class_now": "No pattern detected", "class_before": "No pattern detected"})
    changed = both.loc[both["class_now"] != both["class_before"]].copy()
    month_counts = count_by_cell(ctx.of_month(ctx.month), BRIEF_RES, ctx.weights).set_index("cell")["count"]
    changed["month_count"] = changed["cell"].map(month_counts).fillna(0).astype(np.int64)
    changed["rank"] = changed["class_now"].map(_class_rank)
    changed = changed.sort_values(["rank", "month_count", "cell"], ascending=[True, False, True], ignore_index=True)
    became_hot = changed["class_now"].str.contains("hot spot") & ~changed["class_now"].str.startswith("Historical")
    stopped_hot = (changed["class_before"].str.contains("hot spot")
                   & ~changed["class_before"].str.startswith("Historical")
                   & ~became_hot)
    shown = changed.head(EMERGING_ROWS)
    table = pd.DataFrame({
        "Place": [_clip(n, 28) for n in place_names(ctx.inc, shown["cell"].tolist(), BRIEF_RES)],
        f"Up to {short_month(ctx.prev)}": [c.replace(" detected", "") for c in shown["class_before"]],
        f"Up to {short_month(ctx.month)}": [c.replace(" detected", "") for c in shown["class_now"]],
        short_month(ctx.month): shown["month_count"].astype(np.int64).tolist(),
    })
    text = [f"{len(changed):,} hexagons changed class ({first} to {ctx.prev} against {first} to {ctx.month}): "
            f"{int(became_hot.sum()):,} became a hot spot of a new kind, {int(stopped_hot.sum()):,} stopped being "
            "a current hot spot. New and intensifying hot spots first."]
    numbers["emerging"] = {"changed": int(len(changed)), "became_hot": int(became_hot.sum()),
                           "stopped_hot": int(stopped_hot.sum()), "from": first,
                           "cells": shown["cell"].tolist()}
    if changed.empty:
        text = [f"No hexagon changed class ({first} to {ctx.prev} against {first} to {ctx.month})."]
    return Section("emerging", "b", title, text=text, table=table if len(table) else None,
                   table_note=(f"The first {len(shown)} of {len(changed):,} changes are shown."
                               if len(changed) > len(shown) else ""), links=[link])


# -- (c) the top ten places -----------------------------------------------------------------
def _places(ctx: _Context, numbers: dict) -> Section:
    top = _top_cells(ctx)
    now = ctx.of_month(ctx.month)
    if top.empty:
        return Section("places", "c", "Top ten places", missing=f"No incidents in {ctx.month}.")
    names = place_names(now, top["cell"].tolist(), BRIEF_RES)
    prev_counts = (count_by_cell(ctx.of_month(ctx.prev), BRIEF_RES, ctx.weights).set_index("cell")["count"]
                   if ctx.has(ctx.prev) else None)
    by_cat = count_by_cell(now, BRIEF_RES, ctx.weights, by=("category",))
    by_cat = by_cat.loc[by_cat["cell"].isin(set(top["cell"]))]
    dom = (by_cat.sort_values(["cell", "harm", "count", "category"], ascending=[True, False, False, True])
           .drop_duplicates("cell").set_index("cell"))
    rows = []
    for i, r in enumerate(top.itertuples(index=False)):
        before = None if prev_counts is None else int(prev_counts.get(r.cell, 0))
        d = dom.loc[r.cell]
        rows.append({"Place": f"{i + 1}. {_clip(names[i], 28)}", short_month(ctx.month): int(r.count),
                     short_month(ctx.prev): "no data" if before is None else f"{before:,}",
                     "Change": change_words(int(r.count), before, ctx.prev, compact=True),
                     "Main problem": short_type(d["category"])})
    table = pd.DataFrame(rows)
    n_month = int(len(now))
    share = 100 * int(top["count"].sum()) / n_month if n_month else 0.0
    text = [f"These {len(top)} hexagons (~0.1 km² each) hold {int(top['count'].sum()):,} of the {n_month:,} "
            f"incidents ({share:.0f} %). Main problem: the crime type with the most harm there this month."]
    numbers["places"] = [{"rank": i + 1, "cell": r.cell, "count": int(r.count), "harm": float(r.harm),
                          "previous": None if prev_counts is None else int(prev_counts.get(r.cell, 0)),
                          "main_problem": str(dom.loc[r.cell, "category"]), "place": names[i]}
                         for i, r in enumerate(top.itertuples(index=False))]
    return Section("places", "c", "Top ten places", text=text, table=table,
                   links=[Link(*ACTION_PAGES["map"][:2], ctx.cmd("detect", f"--method count --from {ctx.month} "
                                                                           f"--to {ctx.month} --out places.csv"),
                                 printed=False)])


# -- (d) police x A&E --------------------------------------------------------------------------
def _overlay(ctx: _Context, numbers: dict) -> Section:
    title = "Police x A&E summary"
    o_first, o_last = _period(ctx, BRIEF_OVERLAY_MONTHS)
    period = f"{short_month(o_first)} to {short_month(o_last)}" if o_first != o_last else short_month(o_last)
    link = Link(*ACTION_PAGES["overlay"][:2], ctx.cmd("overlay", f"--from {o_first} --to {o_last} "
                                                                 "--out overlay.csv"))
    numbers["overlay"] = None
    from hotspots.tasks.overlay import overlay
    from hotspots.methods.suppress import SECONDARY_LABEL, primary_label

    try:
        pub = overlay(ctx.store, date_from=o_first, date_to=o_last, res=BRIEF_RES, area=ctx.area,
                      police_forces=ctx.forces, exclude_synthetic_ae=not ctx.synthetic)
    except SettingError as err:  # no A&E data loaded: say so plainly (the fix is for analysts: data notes)
        if not _has_ae(ctx):
            return Section("overlay", "d", title, links=[link],
                           missing="No A&E data loaded: this section compares police-recorded violence with "
                                   "assaults seen by emergency departments, and needs their (ISTV) files.")
        return Section("overlay", "d", title, links=[link], missing=f"{err.message} {err.fix}")
    ae_total = pub.totals["ae_assaults"]
    hidden = primary_label(pub.threshold)
    ranked = pub.ranked.head(OVERLAY_ROWS)
    # the excess is derived from the A&E total: shown only where the total itself is shown
    show_excess = isinstance(ae_total, (int, np.integer))
    table = pd.DataFrame({
        "Place (nearest location)": [_clip(_strip_near(str(n).split(";")[0].split(" (")[0]) or
                                           "(no location text)", 28) for n in ranked["near"]],
        "A&E assaults": [str(v) for v in ranked["ae_assaults"]],
        "Police violence": [int(v) for v in ranked["police_violence"]],
        "Excess A&E": [("hidden" if (v is None or not show_excess) else f"{float(v):,.1f}")
                                      for v in ranked["excess"]],
        "Class": ranked["class"].tolist(),
    })
    cc = pub.class_counts
    metrics = [(f"Police-recorded violence, {period}", f"{pub.totals['police_violence']:,}",
                ctx.area_name),
               ("A&E assault attendances located", str(ae_total) if not isinstance(ae_total, (int, np.integer))
                else f"{int(ae_total):,}", f"'{hidden}' and '{SECONDARY_LABEL}' hide small numbers"),
               ("Hexagons 'A&E only' (A&E high, police not)", f"{cc.get('A&E only', 0):,}",
                f"'Both high': {cc.get('Both high', 0):,}")]
    weapons = pub.weapons.loc[pub.weapons["assaults"].astype(str) != "0"]
    text = [f"The 12 months to {month_words(ctx.month)} ({period}): one month of A&E data is too few assaults "
            "to show without revealing small numbers.",
            f"Excess A&E: A&E assaults beyond the hexagon's share of police violence; places ranked by it. "
            f"A&E counts from 1 to {pub.threshold} show as '{hidden}'; only places whose A&E count is shown "
            "are ranked, since a hidden count's place in the list would give it away."]
    if len(weapons):
        text.append("Weapon or method (A&E): " + ", ".join(f"{w} {a}" for w, a in
                                                          zip(weapons["weapon"], weapons["assaults"])) + ".")
    if ae_total == 0:
        text.insert(0, f"No located A&E assaults in {ctx.area_name}, {period}: nothing to compare.")
    numbers["overlay"] = {"police_violence": int(pub.totals["police_violence"]),
                          "ae_assaults": ae_total if isinstance(ae_total, str) else int(ae_total),
                          "classes": {k: int(v) for k, v in cc.items()},
                          "ranked_ae": [str(v) for v in ranked["ae_assaults"]],
                          "ranked_cells": ranked["cell"].tolist(), "period": [o_first, o_last]}
    return Section("overlay", "d", title, metrics=metrics, text=text, table=table if len(table) else None,
                   links=[link])


def _has_ae(ctx: _Context) -> bool:
    return bool(ctx.store.con.execute("SELECT count(*) FROM incidents WHERE source = 'ae'").fetchall()[0][0])


def _unique_names(first: list[str], second: list[str]) -> list[str]:
    """Names made unique: a repeated name gets its second location ("Shopping Area / High St"),
    and if still repeated, a number ("Shopping Area (2)").

    >>> _unique_names(["A", "B", "A"], ["x", "y", "z"])
    ['A / x', 'B', 'A / z']
    >>> _unique_names(["A", "A"], ["", ""])
    ['A (1)', 'A (2)']
    """
    out = [f"{a} / {b}" if first.count(a) > 1 and b else a for a, b in zip(first, second)]
    seen: dict[str, int] = {}
    res = []
    for n in out:
        if out.count(n) > 1:
            seen[n] = seen.get(n, 0) + 1
            res.append(f"{n} ({seen[n]})")
        else:
            res.append(n)
    return res


def _site_location(t, k: int) -> str:
    """The ``k``-th location of a ``top_locations`` text ("A (12); B (5)"), "On or near" removed."""
    parts = [p.strip() for p in str(t).split(";") if p.strip()]
    return _strip_near(parts[k].split(" (")[0]) if len(parts) > k else ""


# -- (e) recommended actions ---------------------------------------------------------------------
def _period(ctx: _Context, months: int) -> tuple[str, str]:
    first = max(ctx.months[0], shift_month(ctx.month, -(months - 1)))
    return first, ctx.month


def _patrol(ctx: _Context, numbers: dict) -> Section:
    title = "Action: patrol areas"
    numbers["patrol"] = None
    from hotspots.tasks.patrol import plan_map_png, plan_patrol

    first, last = _period(ctx, BRIEF_PATROL_MONTHS)
    link = Link(*ACTION_PAGES["patrol"][:2], ctx.cmd("patrol", f"--from {first} --to {last} --out patrol.pdf",
                                                     district=True))
    plan = plan_patrol(ctx.store, ctx.flt(first, last), area=ctx.area, res=BRIEF_RES,
                       exclude_police_generated=ctx.exclude_police_generated)
    s = plan.summary
    a = plan.areas.head(ACTION_ROWS)
    table = pd.DataFrame({
        "Area": [_clip(str(n), 40) for n in a["name"]],
        "Area (km²)": a["area_km2"].round(3),
        "Expected share of crime (%)": a["expected_crime_pct"].round(1),
        "Incidents in the period": a["period_incidents"].astype(np.int64),
    })
    text = [f"{s['areas']} patrol areas, {s['area_pct']:.2f} % of {ctx.area_name}, ranked by the forecast for "
            f"{s['forecast_month']} ({first} to {last})"
            + (f"; expected to hold {s['expected_crime_pct']:.1f} % of next month's crime."
               if s.get("expected_crime_pct") is not None else ".")
            + f" Visits of {s['visit_min']:g} minutes, random order, each area about every "
              f"{s['revisit_min'] / 60:g} hours."]
    numbers["patrol"] = {"areas": int(s["areas"]), "area_pct": float(s["area_pct"]),
                         "expected_crime_pct": s.get("expected_crime_pct"), "period": [first, last]}
    return Section("patrol", "e", title, text=text, table=table, image=plan_map_png(plan, *ACTION_MAP_PX),
                   table_note=(f"The first {len(a)} of {len(plan.areas)} areas." if len(plan.areas) > len(a) else ""),
                   links=[link])


def _cctv(ctx: _Context, numbers: dict) -> Section:
    title = "Action: mobile CCTV sites"
    numbers["cctv"] = None
    from hotspots.tasks.cctv import plan_png, read_points, site_cameras

    first, last = _period(ctx, BRIEF_CCTV_MONTHS)
    extra = f"--from {first} --to {last}" + (f" --existing {shlex.quote(str(ctx.cameras_file))}"
                                              if ctx.cameras_file else "")
    link = Link(*ACTION_PAGES["cctv"][:2], ctx.cmd("cctv", extra + " --out cctv.pdf"))
    existing = read_points(ctx.cameras_file, "existing cameras") if ctx.cameras_file else None
    if existing is not None and ctx.area is not None and len(existing):
        # cameras of other districts are not this briefing's to move
        existing = existing.loc[ctx.area.contains(existing["easting"].to_numpy(float),
                                                  existing["northing"].to_numpy(float))].reset_index(drop=True)
    plan = site_cameras(ctx.store, ctx.flt(first, last), ctx.area, existing=existing,
                        weights=ctx.weights)
    s = plan.summary
    sites = plan.sites.head(ACTION_ROWS)
    names = _unique_names([_site_location(t, 0) or "(no location text)" for t in sites["top_locations"]],
                          [_site_location(t, 1) for t in sites["top_locations"]])
    table = pd.DataFrame({
        "Site": [f"{r}. {_clip(n, 44)}" for r, n in zip(sites["rank"], names)],
        "Incidents seen": sites["covered_incidents"].astype(np.int64),
        "Added to the plan": sites["added_incidents"].astype(np.int64),
        "Cumulative (%)": sites["cumulative_pct"].astype(float).round(1),
    })
    text = [f"{s['sites_used']} sites cover {s['covered_incidents']:,} of {s['total_incidents']:,} incidents "
            f"({s['coverage_pct']:.1f} %) within {s['radius_m']:,.0f} m, {first} to {last} "
            f"({'proven optimal' if s['optimal'] else 'best found'})."]
    if existing is not None and len(existing):
        text.append(_camera_moves(plan, existing, float(s["radius_m"])))
    elif existing is not None:
        text.append(f"The cameras file has no camera in {ctx.area_name}.")
    else:
        text.append("No list of existing cameras was given, so none is suggested for moving.")
    numbers["cctv"] = {"sites": int(s["sites_used"]), "covered_incidents": int(s["covered_incidents"]),
                       "total_incidents": int(s["total_incidents"]), "period": [first, last]}
    return Section("cctv", "e", title, text=text, table=table,
                   table_note=(f"The first {len(sites)} of {len(plan.sites)} sites." if len(plan.sites) > len(sites)
                               else ""),
                   image=plan_png(plan, ctx.boundary_geoms(), *ACTION_MAP_PX), links=[link])


def _camera_moves(plan, existing: pd.DataFrame, radius_m: float) -> str:
    """Which existing cameras see least in the period, and how many new sites no camera covers yet."""
    ex = existing[["easting", "northing"]].to_numpy(dtype=float)
    dem = plan.demand
    dx = dem["easting"].to_numpy(float)[:, None] - ex[:, 0][None, :]
    dy = dem["northing"].to_numpy(float)[:, None] - ex[:, 1][None, :]
    r = existing["radius_m"].to_numpy(float) if "radius_m" in existing else np.full(len(ex), radius_m)
    seen = ((dx ** 2 + dy ** 2) <= (r[None, :] ** 2)) * dem["incidents"].to_numpy(float)[:, None]
    per_cam = seen.sum(axis=0)
    names = (existing["name"].astype(str).tolist() if "name" in existing
             else [f"camera {i + 1}" for i in range(len(ex))])
    order = np.argsort(per_cam, kind="stable")[:2]
    least = " and ".join(f"{names[i]} ({int(per_cam[i]):,} incidents)" for i in order)
    s = plan.sites
    if len(s):
        d = np.sqrt((s["easting"].to_numpy(float)[:, None] - ex[:, 0][None, :]) ** 2
                    + (s["northing"].to_numpy(float)[:, None] - ex[:, 1][None, :]) ** 2).min(axis=1)
        far = int((d > 2 * radius_m).sum())
    else:
        far = 0
    n_least = len(order)
    if far == 0:
        return (f"{len(ex)} existing cameras. The least busy: {least}. Every new site is near an existing "
                "camera: no camera needs moving.")
    return (f"{len(ex)} existing cameras. The least busy {'is' if n_least == 1 else 'are'} {least}. "
            f"{far} of the {len(s)} new sites {'is' if far == 1 else 'are'} more than {2 * radius_m:,.0f} m from "
            f"any camera: move the least busy camera{'s' if n_least > 1 else ''} to the best-ranked of "
            f"{'it' if far == 1 else 'them'} first.")


def _sweeps(ctx: _Context, numbers: dict) -> Section:
    title = "Action: knife-sweep areas"
    numbers["sweeps"] = None
    from hotspots.tasks.sweeps import plan_sweeps, sweep_action_table, sweep_map_png

    first, last = _period(ctx, BRIEF_SWEEP_MONTHS)
    has_ae = bool(ctx.store.con.execute("SELECT count(*) FROM incidents WHERE source = 'ae'").fetchall()[0][0])
    sources = tuple(ctx.sources) + (("ae",) if has_ae and "ae" not in ctx.sources else ())
    link = Link(*ACTION_PAGES["sweeps"][:2], ctx.cmd("sweeps", f"--from {first} --to {last} "
                                                               f"--sources {','.join(sources)} --out sweeps.pdf",
                                                     district=True))
    try:
        plan = plan_sweeps(ctx.store, first, last, sources=sources, area=ctx.area)
    except SettingError as err:
        return Section("sweeps", "e", title, links=[link], missing=f"{err.message} {err.fix}")
    s = plan.summary
    t = plan.areas.iloc[plan.order].head(ACTION_ROWS)
    table = sweep_action_table(plan, ACTION_ROWS, name_len=60)
    # the visit number is the only number a sweep team needs: "Sweep 4: Parking Area" -> "Parking Area"
    table["Area"] = [_clip(re.sub(r"^\s*Sweep\s+\d+\s*:\s*", "", str(n)), 40) for n in table["Area"]]
    text = [f"{s['areas']} sweep areas ({s['area_km2']:.3f} km²), {first} to {last}, numbered in visiting order; "
            f"walk {s['walk_m']:,.0f} m between them. {s['score_note']}."]
    numbers["sweeps"] = {"areas": int(s["areas"]), "period": [first, last], "sources": list(sources)}
    return Section("sweeps", "e", title, text=text, table=table, image=sweep_map_png(plan, *ACTION_MAP_PX),
                   table_note=(f"The first {len(t)} of {len(plan.areas)} areas, in visiting order."
                               if len(plan.areas) > len(t) else ""), links=[link])


# -- (f) data notes ------------------------------------------------------------------------------
def _notes(ctx: _Context, numbers: dict) -> Section:
    con = ctx.store.con
    # A&E counts leave only through the overlay's suppression (section d): not listed here
    by_source = con.execute("SELECT source, count(*) FROM incidents WHERE strftime(month, '%Y-%m') = ? "
                            "AND source <> 'ae' GROUP BY source ORDER BY source", [ctx.month]).fetchall()
    rej = con.execute("SELECT reason, count(*) FROM rejections WHERE strftime(month, '%Y-%m') = ? "
                      "AND source = ? GROUP BY reason ORDER BY 2 DESC, 1", [ctx.month, SOURCE_POLICE]).fetchall()
    n_month = int(len(ctx.of_month(ctx.month)))
    text = []
    if ctx.synthetic:
        text.append(f"{SYNTHETIC_NOTE.upper()}: the generated sample, for training and testing only.")
    src_words = ", ".join(f"{n:,} {s}" for s, n in by_source) or "none"
    text.append(f"Source: police.uk street-level crime (Open Government Licence v3.0): month only, locations are "
                f"anonymised snap points. {ctx.month}, all areas: {src_words} (A&E: section d); "
                f"in {ctx.area_name}: {n_month:,}. "
                f"Store: {ctx.months[0]} to {ctx.months[-1]}"
                + ("" if ctx.has(ctx.last_year) else f"; {ctx.last_year} not loaded") + ".")
    if rej:
        parts = ", ".join(f"{n:,} {r.replace('_', ' ')}" for r, n in rej)
        text.append(f"Excluded when loading {ctx.month} (whole force file): {sum(n for _, n in rej):,} rows "
                    f"({parts}).")
    else:
        text.append(f"Excluded: no police.uk rows of {ctx.month} were rejected when loading.")
    text.append(("Drugs and weapons possession (found mostly by police activity) get no harm. "
                 if ctx.exclude_police_generated else
                 "Drugs and weapons possession are included; they measure police activity as much as crime. ")
                + "Harm: approximate Cambridge Crime Harm Index (days of imprisonment) per category.")
    text.append("Change test: exact conditional test of two Poisson counts (Przyborowski & Wilenski 1940), "
                "allowing for month length, Benjamini-Hochberg corrected over the table's rows. "
                "Hot spots: Getis-Ord Gi*, FDR-corrected; emerging: Gi* per month + Mann-Kendall trend.")
    text.append(f"A&E: counts from 1 to {defaults.AE_SUPPRESS_MAX} are never shown, nor totals that would reveal "
                "them; A&E free text never leaves the Data page.")
    missing = [s for s in ("overlay", "patrol", "cctv", "sweeps") if numbers.get(s) is None]
    if ctx.command_area.startswith("--area"):
        text.append(f"Commands: {ctx.command_area} is the boundary file of {ctx.area_name}.")
    if missing:
        why = {"overlay": "police x A&E (no A&E data loaded)" if not _has_ae(ctx) else "police x A&E (see (d))",
               "patrol": "patrol areas (see its page)", "cctv": "CCTV sites (see its page)",
               "sweeps": "knife-sweep areas (see its page)"}
        text.append("Not in this briefing: " + "; ".join(why[m] for m in missing) + ".")
    numbers["notes"] = {"rejected": {r: int(n) for r, n in rej}, "by_source": {s: int(n) for s, n in by_source},
                        "months": [ctx.months[0], ctx.months[-1]]}
    return Section("notes", "f", "Data notes", text=text,
                   links=[Link("pages/data.py", "Data", "python -m hotspots status", printed=False)])


# --------------------------------------------------------------------------- #
# The PDF                                                                      #
# --------------------------------------------------------------------------- #
#: Body type of the PDF (points). Sheet's projector type is 20 pt; at 20 pt a ten-row table of
#: six columns does not fit one A4 landscape page, so the briefing scales it to 16 pt
#: (table text 14.4 pt): still readable projected, one page per section.
PDF_BODY_PT = 16.0
#: Type beside a map (points): the table and notes of an action share the page with its map.
PDF_BESIDE_PT = 12.0


def _briefing_sheet(*args, **kwargs):
    """A Sheet with projector type at ``PDF_BODY_PT``."""
    from hotspots.outputs.sheets import Sheet

    return Sheet(*args, body_pt=PDF_BODY_PT, **kwargs)


def reproduce_lines(b: Briefing) -> list[str]:
    """The commands that reproduce the printed sections, for the data notes (analysts, not the meeting)."""
    return [f"{s.heading}: {link.command}" for s in b.sections for link in s.links if link.printed]


def page_words(s: Section) -> str:
    """Where to work on a section in the app, in plain words (the commands go to the data notes)."""
    titles = [link.title for link in s.links if link.printed]
    return f"Plan it in the Hotspots app: the {titles[0]} page." if titles else ""


def briefing_pdf(b: Briefing) -> bytes:
    """The briefing as a PDF: a title page, then one page per section, projector type.

    A section with a map prints it large: across the page when it has no table, beside
    its table otherwise. Each section is kept to its page (shrunk a little if it would
    overflow). The commands that reproduce each section are listed in the data notes.
    """
    doc = _briefing_sheet(b.title, subtitle=b.subtitle, synthetic=b.synthetic, large=True, fit_pages=True)
    for label, value, note in b.section("headline").metrics[:1]:
        doc.text(f"{label}: {value}")
    doc.text("Sections: " + "; ".join(s.heading + (" (not available)" if s.missing else "") for s in b.sections)
             + ".")
    commands = reproduce_lines(b)
    for s in b.sections:
        doc.page_break()
        doc.heading(s.heading)
        if s.missing:
            doc.text(s.missing)
        beside = s.image is not None and s.table is not None
        # beside a map the text is set smaller so the section keeps to its page
        small = PDF_BESIDE_PT if beside else None
        if beside:
            doc.columns(0.52)
            doc.image(s.image, height_frac=0.86)
            if s.image_caption:
                doc.text(s.image_caption, small)
            doc.next_column()
        for label, value, note in s.metrics:
            doc.text(f"{label}: {value}" + (f" ({note})" if note else ""), small)
        if s.image is not None and not beside:
            doc.image(s.image, height_frac=0.78)
            if s.image_caption:
                doc.text(s.image_caption)
        if s.table is not None:
            doc.table(s.table, size_pt=small)
            if s.table_note:
                doc.text(s.table_note, small)
        if s.text:
            doc.bullets(s.text, small)
        if page_words(s):
            doc.text(page_words(s), small)
        if s.key == "notes" and commands:
            doc.text("For analysts, the commands that reproduce each section:", PDF_BODY_PT * 0.75)
            doc.bullets(commands, PDF_BODY_PT * 0.7)
        if beside:
            doc.end_columns()
    return doc.to_pdf()


# --------------------------------------------------------------------------- #
# The command line                                                            #
# --------------------------------------------------------------------------- #
def add_brief_parser(subparsers) -> None:
    """Register ``python -m hotspots brief``."""
    p = subparsers.add_parser("brief", help="the JAG briefing pack: a PDF or a PowerPoint deck")
    p.add_argument("--area", metavar="FILE", help="area boundary (GeoJSON, GeoPackage, Shapefile, KML)")
    p.add_argument("--district", metavar="NAME", help="a district stored in the store (e.g. Watford)")
    p.add_argument("--month", metavar="YYYY-MM", help="the month to brief on (default: the latest in the store)")
    p.add_argument("--exclude-police-generated", action="store_true",
                   help="give drugs and possession of weapons no harm when naming each place's main problem")
    p.add_argument("--cameras", metavar="FILE", help="existing CCTV cameras (CSV) for the CCTV section")
    p.add_argument("--out", metavar="FILE.pdf|FILE.pptx", required=True, help="the pack to write")
    p.add_argument("--db", metavar="FILE", help="the store (default: $HOTSPOTS_DB, else data/hotspots.duckdb)")
    p.add_argument("--json", action="store_true", help="print a JSON summary (the briefing's numbers)")


def brief_cli(args) -> int:
    """Run ``python -m hotspots brief``; returns the exit status."""
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".pptx"):
        raise SettingError(f"Cannot write '{out.name}': the briefing is a .pdf or a .pptx file.",
                           "Name the output e.g. briefing.pdf or briefing.pptx.")
    t0 = time.perf_counter()
    show = sys.stderr.isatty() and not args.json
    from hotspots.cli import _progress_bar

    update, close = _progress_bar(show)
    try:
        with Store(args.db, read_only=True) as store:
            area = resolve_area(store, args.district, args.area)
            command_area = command_area_words(area.name if (area is not None and args.district) else None, args.area)
            b = build_briefing(store, args.month, area, exclude_police_generated=args.exclude_police_generated,
                               cameras_file=args.cameras, command_area=command_area,
                               district=area.name if (area is not None and args.district) else None,
                               progress=update)
    finally:
        close()
    if suffix == ".pdf":
        data = briefing_pdf(b)
    else:
        from hotspots.briefing.pptx import briefing_pptx

        data = briefing_pptx(b)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    summary = b.summary()
    summary.update(out=str(out), bytes=len(data), seconds=round(time.perf_counter() - t0, 2))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    h = summary["headline"]["total"]
    print(f"{b.title}")
    print(f"Incidents: {h['month']:,} ({change_words(h['month'], h['previous'], b.previous_month)} since "
          f"{b.previous_month})")
    for s in b.sections:
        print(f"  {s.heading}" + (f"  [not available: {s.missing}]" if s.missing else ""))
    print(f"Wrote {out} ({len(data):,} bytes) in {summary['seconds']:.1f} s")
    return 0
