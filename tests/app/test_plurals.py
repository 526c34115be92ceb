"""No page says "1 areas" (issue 15): every page of the sample, on selections small enough to give counts of
one, is read whole (text, metrics, tables, buttons, and the labels the map draws) and searched for a count of
one before a plural noun. Counts are written by one helper, ``hotspots.methods.words.plural`` (and ``fill``
for the map's label templates); its own rules are checked here too.
"""

import json
import re

import pytest

from hotspots.methods.words import fill, noun, plural, plural_form, verb
from pages._ui.setup import PAGES
from tests.app.conftest import open_page

NOUNS = ("areas", "hexagons", "incidents", "cameras", "sites", "months", "crimes", "assaults", "rows", "files",
         "cells", "clusters", "sweeps", "types", "weeks", "days", "visits", "locations", "forces", "hot spots",
         "minutes", "hours", "records", "points", "streets", "wards", "districts", "places", "outcomes", "windows",
         "people", "teams", "steps", "parts", "origins", "days of harm")
#: "1 areas", "1 patrol areas", "1 test months", "harm 1 days": a 1 not part of a larger number or a decimal.
ONE_PLURAL = re.compile(r"(?<![\d.,])1 (?:[A-Za-z&-]+ )?(?:%s)\b" % "|".join(re.escape(n) for n in NOUNS))

#: Selections of the 3-month sample that give counts of one somewhere (rare types, one district, one month).
SELECTIONS = [
    {},
    {"types": "Bicycle theft", "area": "district: Watford", "from": "{last}", "to": "{last}"},
    {"types": "Possession of weapons", "area": "district: Three Rivers", "from": "{last}", "to": "{last}",
     "res": "10"},
]


def page_texts(at) -> list[str]:
    """Everything a page shows as text, including dataframe cells and the map component's labels."""
    out = []

    def walk(node):
        for c in getattr(node, "children", {}).values():
            for attr in ("value", "label", "body"):
                v = getattr(c, attr, None)
                if isinstance(v, str):
                    out.append(v)
            kind = type(c).__name__
            if kind == "Metric":
                out.append(str(c.value))
            if kind == "Dataframe":
                df = c.value
                out.extend(str(col) for col in df.columns)
                for col in df.columns:
                    if not str(df[col].dtype).startswith(("int", "float", "bool", "datetime")):
                        out.extend(str(v) for v in df[col])
            if getattr(c, "type", "") == "component_instance":
                args = json.loads(c.proto.json_args or "{}")
                out.extend(str(v) for v in _strings(args))
            walk(c)

    walk(at._tree)
    return out


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def months_of(db):
    from geo.store import Store

    with Store(db, read_only=True) as s:
        return [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                            "WHERE source = 'police' ORDER BY 1").fetchall()]


@pytest.mark.parametrize("selection", range(len(SELECTIONS)))
def test_no_page_writes_one_before_a_plural(app_env, selection):
    last = months_of(app_env["db"])[-1]
    query = {k: v.format(last=last) for k, v in SELECTIONS[selection].items()}
    found, ones = [], 0
    for path, _, _ in PAGES:
        at = open_page(path, **query)
        for text in page_texts(at):
            ones += len(re.findall(r"(?<![\d.,])1 [a-z]", text))
            found += [f"{path}: ...{text[max(0, m.start() - 40):m.end() + 20]}..." for m in ONE_PLURAL.finditer(text)]
    assert not found, "\n".join(sorted(set(found))[:20])
    if selection:
        assert ones > 0, "the selection should give counts of one somewhere (else it checks nothing)"


def test_the_one_pluraliser():
    assert [plural(n, "area") for n in (0, 1, 2, 1204)] == ["0 areas", "1 area", "2 areas", "1,204 areas"]
    assert plural(1, "patrol area") == "1 patrol area" and plural(1.0, "hour", fmt="g") == "1 hour"
    assert plural(1.5, "hour", fmt="g") == "1.5 hours" and plural(0.96, "day", fmt=",.0f") == "1 day"
    assert plural("1 to 7", "assault") == "1 to 7 assaults"             # a suppressed count stays plural
    assert [plural_form(w) for w in ("search", "activity", "day of harm")] == ["searches", "activities",
                                                                              "days of harm"]
    assert noun(1, "site") == "site" and verb(1, "adds", "add") == "adds" and verb(2, "adds", "add") == "add"
    # the map's label templates (hotspots/tasks/registry.py)
    label = "{count:,|incident}, harm {harm:,.0f|day} ({share_pct:.1f}% of the total)"
    assert fill(label, {"count": 1, "harm": 1.0, "share_pct": 0.04}) == "1 incident, harm 1 day (0.0% of the total)"
    assert fill(label, {"count": 2, "harm": 230.0, "share_pct": 1}) == "2 incidents, harm 230 days (1.0% of the total)"
