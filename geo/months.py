"""Months: the one place that reads, checks, shifts and spans ``YYYY-MM`` months.

police.uk data is monthly (DOMAIN.md s2): every analysis period is a run of whole months. Months are
passed around as ``YYYY-MM`` text; arithmetic goes through the month index (``year * 12 + month - 1``).

The range a month may take is bounded here too: police.uk's first month is 2010-12, nothing is dated
after the current month, and force records and A&E files start no earlier than ``FIRST_RECORD_YEAR``
(configurable per load). A month outside that range in a file is refused with a reason, so a period's
span is always a few hundred months at most.
"""

from __future__ import annotations

import datetime as dt
import re

from geo.errors import SettingError

__all__ = ["FIRST_POLICE_MONTH", "FIRST_RECORD_YEAR", "MAX_CELL_MONTHS", "MAX_SPAN_MONTHS", "MONTH_RE",
           "check_cell_months", "check_month", "current_month", "month_index", "month_of_index", "months_between",
           "shift_month"]

#: The first month police.uk publishes (data.police.uk, "About": December 2010).
FIRST_POLICE_MONTH = "2010-12"
#: Force records and A&E records dated before this year are refused (default; ``--first-year`` changes it).
FIRST_RECORD_YEAR = 2000
#: The longest run of months an analysis spans (50 years): police.uk data since 2010-12 is about 200.
MAX_SPAN_MONTHS = 600
#: The most hexagon-months one analysis holds in a dense array (24 million: 190 MB of float64 per array;
#: a county at res 9 over 16 years is about 6 million). Larger selections are refused with a sentence
#: rather than allowed to exhaust the server's memory.
MAX_CELL_MONTHS = 24_000_000
#: A month as police.uk writes it.
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def current_month(today: dt.date | None = None) -> str:
    """The month of ``today`` (default: the computer's date), ``YYYY-MM``.

    >>> current_month(dt.date(2026, 12, 7))
    '2026-12'
    """
    return (today or dt.date.today()).strftime("%Y-%m")


def check_month(value: str | None, name: str = "Month") -> str | None:
    """A ``YYYY-MM`` month checked (None or "" stays None).

    >>> check_month("2021-06")
    '2021-06'
    >>> check_month("2021-13", "From month")
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: From month '2021-13' is not a month. Fix: Write months as YYYY-MM, e.g. 2021-06.
    """
    if value is None or value == "":
        return None
    if not MONTH_RE.match(str(value)):
        raise SettingError(f"{name} '{value}' is not a month.", "Write months as YYYY-MM, e.g. 2021-06.")
    return str(value)


def month_index(month: str) -> int:
    """``year * 12 + month - 1``: consecutive months have consecutive indices.

    >>> month_index("2021-01") - month_index("2020-12")
    1
    """
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_of_index(i: int) -> str:
    """The ``YYYY-MM`` of a month index (``month_index``'s inverse).

    >>> month_of_index(month_index("2021-12"))
    '2021-12'
    """
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def shift_month(month: str, k: int) -> str:
    """The month ``k`` months after ``month`` (before, for negative ``k``).

    >>> shift_month("2021-01", -1), shift_month("2021-12", 1), shift_month("2021-06", -12)
    ('2020-12', '2022-01', '2020-06')
    """
    return month_of_index(month_index(month) + k)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, inclusive (empty when ``last`` is before ``first``).

    >>> months_between("2021-11", "2022-02")
    ['2021-11', '2021-12', '2022-01', '2022-02']
    """
    a, b = month_index(first), month_index(last)
    if b - a + 1 > MAX_SPAN_MONTHS:
        raise SettingError(f"The period {first} to {last} spans {b - a + 1:,} months; an analysis covers at most "
                           f"{MAX_SPAN_MONTHS} months ({MAX_SPAN_MONTHS // 12} years).",
                           "Choose a shorter period (the sidebar, or --from and --to).")
    return [month_of_index(i) for i in range(a, b + 1)]


def check_cell_months(n_cells: int, n_months: int, what: str = "The analysis") -> None:
    """Refuse a hexagons x months array too large to hold (``MAX_CELL_MONTHS``), with a sentence.

    >>> check_cell_months(15_000, 13)
    >>> check_cell_months(110_000, 600)
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: The analysis would hold 110,000 hexagons x 600 months, more ... Fix: ...
    """
    if n_cells * n_months > MAX_CELL_MONTHS:
        raise SettingError(f"{what} would hold {n_cells:,} hexagons x {n_months:,} months, more than this program "
                           f"analyses at once ({MAX_CELL_MONTHS:,} hexagon-months).",
                           "Choose a shorter period, a smaller area, or larger hexagons.")
