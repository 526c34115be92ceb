"""Place names of incidents: the street of an "On or near" location, and the most frequent values."""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["street_name", "top_locations", "top_values"]


def street_name(location: str) -> str:
    s = re.sub(r"^\s*on or near\s+", "", str(location), flags=re.I)
    s = re.sub(r"^\s*\d+[a-z]?\s*,?\s+", "", s, flags=re.I)   # a house number
    return s.split(",")[0].strip()


def top_values(values, n: int) -> list[tuple[str, int]]:
    s = pd.Series(values, dtype=object).dropna().astype(str)
    s = s[s.str.strip() != ""]
    if s.empty:
        return []
    vc = s.value_counts()
    vc = vc.sort_index(kind="stable").sort_values(ascending=False, kind="stable")  # ties: alphabetical
    return [(str(k), int(v)) for k, v in vc.head(n).items()]


def top_locations(locs: pd.Series, k: int = 3) -> str:
    vc = locs.dropna().astype(str)
    vc = vc[vc.str.strip() != ""].value_counts()
    return "; ".join(f"{loc} ({n:,})" for loc, n in vc.head(k).items())
