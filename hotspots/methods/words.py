"""Counts in words: a number with its noun, singular for one ("1 area", "2 areas", "1,204 incidents").

The one place the project pluralises: pages, sheets, the briefing, command output, notes and map labels all
call :func:`plural` (or :func:`fill` for the registry's label templates), so no sentence says "1 areas". It sits
at the bottom of ``hotspots/`` so that every layer (methods' notes, tasks' notes, outputs, the briefing, the
command line, pages) can use it.
"""

from __future__ import annotations

import re
import string

__all__ = ["IRREGULAR", "count_text", "fill", "noun", "plural", "plural_form", "verb"]

#: Nouns whose plural is not made by adding -s or -es (the last word of a phrase is the one that changes,
#: except in these phrases).
IRREGULAR = {"day of harm": "days of harm", "person": "people", "child": "children", "criterion": "criteria"}


def plural_form(word: str) -> str:
    """The plural of a noun or noun phrase (its last word changes).

    >>> [plural_form(w) for w in ("area", "patrol area", "search", "activity", "day of harm", "key", "box")]
    ['areas', 'patrol areas', 'searches', 'activities', 'days of harm', 'keys', 'boxes']
    """
    if word in IRREGULAR:
        return IRREGULAR[word]
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(?:s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def noun(n, word: str, words: str | None = None, fmt: str = ",") -> str:
    """The noun alone, singular when the number shows as 1 ("1", "1.0" formatted as "1").

    >>> noun(1, "hexagon"), noun(0, "hexagon"), noun(1.0, "day", fmt=",.0f"), noun(1.04, "day", fmt=",.1f")
    ('hexagon', 'hexagons', 'day', 'days')
    """
    shown = format(n, fmt) if isinstance(n, (int, float)) or hasattr(n, "__index__") else str(n)
    return word if shown.strip() in ("1", "-1") else (words or plural_form(word))


def plural(n, word: str, words: str | None = None, fmt: str = ",") -> str:
    """A count and its noun: "1 patrol area", "2 patrol areas", "1,204 incidents", "0 sites".

    ``words`` gives an irregular plural; ``fmt`` the number's format (``","`` groups thousands; ``",.1f"``
    for one decimal). A count that is text (a suppressed A&E label, "1 to 7") keeps the plural.

    >>> plural(1, "patrol area"), plural(2, "patrol area"), plural(1204, "incident"), plural(0, "site")
    ('1 patrol area', '2 patrol areas', '1,204 incidents', '0 sites')
    >>> plural(1.0, "day of harm", fmt=",.0f"), plural(2.5, "day", fmt=",.1f"), plural("1 to 7", "assault")
    ('1 day of harm', '2.5 days', '1 to 7 assaults')
    """
    if isinstance(n, str):
        return f"{n} {words or plural_form(word)}"
    if hasattr(n, "__index__"):
        n = int(n)
    return f"{format(n, fmt)} {noun(n, word, words, fmt)}"


def verb(n, one: str, many: str) -> str:
    """The verb that agrees with a count: ``verb(1, "is", "are")`` is "is"; any other count takes ``many``.

    >>> f"{plural(1, 'site')} {verb(1, 'adds', 'add')} anything", f"{plural(3, 'site')} {verb(3, 'adds', 'add')}"
    ('1 site adds anything', '3 sites add')
    """
    return one if noun(n, "x", "y") == "x" else many


def count_text(value, hidden: str = "hidden") -> str:
    """A published count as table text: a number with thousands separators, a suppression label as it is
    ("1 to 7", "suppressed"), and ``hidden`` for a value withheld with its count (None or NaN). One type per
    column, so a table of A&E counts never mixes numbers and words.

    >>> [count_text(v) for v in (1204, 7.0, "1 to 7", None, float("nan"))]
    ['1,204', '7', '1 to 7', 'hidden', 'hidden']
    """
    if value is None or (isinstance(value, float) and value != value):
        return hidden
    if isinstance(value, str):
        return value
    v = float(value)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.2f}"


class _Counts(string.Formatter):
    """``str.format`` with one more field form: ``{count:,|incident}`` is :func:`plural` of the field."""

    def format_field(self, value, format_spec):
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        if value is None or value == "":
            return ""
        fmt, word, *rest = format_spec.split("|")
        return plural(value, word, rest[0] if rest else None, fmt or ",")


_FORMATTER = _Counts()


def fill(template: str, values) -> str:
    """A template filled from a mapping, where ``{name:FMT|noun}`` (or ``{name:FMT|noun|nouns}``) writes the
    number with its noun. A mapping that answers missing keys (``__missing__``) leaves those fields blank.

    >>> fill("{count:,|incident}, harm {harm:,.0f} days", {"count": 1, "harm": 230.0})
    '1 incident, harm 230 days'
    >>> fill("{n:|person|people} in {k:,|hexagon}", {"n": 3, "k": 1204})
    '3 people in 1,204 hexagons'
    """
    return _FORMATTER.vformat(template, (), values)
