"""The briefing's words: months, changes, short names, and the commands that reproduce a section."""

from __future__ import annotations

import calendar
import shlex

import numpy as np

from hotspots.briefing.model import Briefing, Section
from hotspots.methods.words import plural  # the project's one pluraliser, re-exported for the briefing

__all__ = ["change_words", "clip", "command_area_words", "days_in_month", "month_words", "page_words", "plural",
           "reproduce_lines", "short_month", "short_type", "strip_near"]


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


def clip(text: str, n: int = 32) -> str:
    """>>> clip("Sports/Recreation Area / Alexandra Close", 24)
    'Sports/Recreation Area …'
    """
    return text if len(text) <= n else text[: n - 2].rstrip() + " …"


def strip_near(location) -> str:
    s = "" if location is None or (isinstance(location, float) and np.isnan(location)) else str(location)
    return s[len("On or near "):] if s.lower().startswith("on or near ") else s


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


def reproduce_lines(b: Briefing) -> list[str]:
    """The commands that reproduce the printed sections, for the data notes (analysts, not the meeting)."""
    return [f"{s.heading}: {link.command}" for s in b.sections for link in s.links if link.printed]


def page_words(s: Section) -> str:
    """Where to work on a section in the app, in plain words (the commands go to the data notes)."""
    titles = [link.title for link in s.links if link.printed]
    return f"Plan it in the Hotspots app: the {titles[0]} page." if titles else ""
