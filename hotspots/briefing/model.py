"""The briefing's content model: sections of numbers, words, tables and maps, and where to act on each.

The page, the PDF and the deck only lay this out, so the three always say the same (``hotspots.briefing``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.constants import H3_DEFAULT_RES

__all__ = ["ACTION_PAGES", "Briefing", "Link", "Section"]


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


#: Longest place name in a table (characters): tables wrap names, never cut them (issue 15: "4. Nightclub /
#: Rickmansworth …" on the projector). police.uk's longest location text in the 2021 Hertfordshire files
#: is 40 characters after "On or near ", so two joined fit; only free text longer than this is shortened.
NAME_MAX = 90


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
