""""Violence unknown to police" lists only hexagons where A&E exceeds what police data predicts beyond chance
(issue 15: it listed every hexagon with any excess, busy "Both high" ones with a few more A&E assaults than a
straight share of police violence included).

A hand-made layout of four res-9 hexagons (tests/ae_rows.py helpers), 1,000 police violence crimes and
100 A&E assaults, so A&E / police = 0.1:

    police violence  600  200  10  190
    A&E assaults      40   26  20   14
    expected          60   20   1   19
    excess           -20   +6 +19   -5

Before, both hexagons with a positive excess were ranked (#2, then #1). #1's 26 against 20 expected is
chance (one-sided p about 0.13); #2's 20 against 1 is not. The p-values are checked against scipy's exact
binomial test and its Benjamini-Hochberg correction, computed here, not by the library.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from scipy import stats

from geo.store import Store
from hotspots.cli import main
from hotspots.outputs.overlay import overlay_csv
from hotspots.tasks.overlay import overlay
from tests.ae_rows import SITE, ae_rows, layout_cells, police_rows, unit

POLICE = [600, 200, 10, 190]
AE = [40, 26, 20, 14]


@pytest.fixture
def four(tmp_path):
    cells = layout_cells()[:4]
    db = tmp_path / "four.duckdb"
    with Store(db) as s:
        s.write(unit(police_rows(cells, POLICE), "police", "Hertfordshire Constabulary",
                     "2021-06-hertfordshire-street.csv"))
        s.write(unit(ae_rows(cells, AE, weapons=["body"]), "ae", SITE, "istv_test.csv"))
    return {"db": str(db), "cells": cells}


def reference_p(ae=AE, ae_total=None) -> list[float]:
    """One-sided exact conditional test of two Poisson counts, per hexagon: scipy's binomial test."""
    ae_total = sum(ae) if ae_total is None else ae_total
    share = ae_total / (ae_total + sum(POLICE))
    return [stats.binomtest(a, a + p, share, alternative="greater").pvalue for p, a in zip(POLICE, ae)]


def test_only_hexagons_beyond_chance_are_listed(four):
    cells = four["cells"]
    with Store(four["db"], read_only=True) as s:
        pub = overlay(s)
    assert reference_p()[1] > 0.05 and reference_p()[2] < 1e-10       # the layout is what the docstring says
    # issue 16: the test runs on the published (perturbed) A&E counts and total, so that the list cannot be
    # used to rebuild an exact count; each is within 2 of the exact one
    t = pub.cells.set_index("cell")
    shown = [int(t.loc[c, "ae_assaults"]) for c in cells]
    total = pub.totals["ae_assaults"]
    assert all(abs(a - b) <= 2 for a, b in zip(shown, AE)) and abs(total - sum(AE)) <= 2
    want_p = reference_p(shown, total)
    want_fdr = stats.false_discovery_control(want_p, method="bh")   # every shown count above 0 is tested
    for i, cell in enumerate(cells):
        assert t.loc[cell, "p"] == pytest.approx(want_p[i], rel=1e-2)
        assert t.loc[cell, "p_fdr"] == pytest.approx(want_fdr[i], rel=1e-2)
    assert t["unknown_to_police"].tolist() == [c == cells[2] for c in t.index]
    assert pub.ranked["cell"].tolist() == [cells[2]]                 # not #1: its excess of 6 is chance
    assert pub.ranked["excess"].tolist() == [pytest.approx(shown[2] - 10 * total / 1000, abs=0.005)]
    assert pub.summary()["unknown_to_police"] == 1


def test_the_command_keeps_its_keys_and_columns_and_adds_the_test(four, tmp_path, capsys):
    out = tmp_path / "overlay.csv"
    assert main(["overlay", "--db", four["db"], "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    old_keys = {"res", "months", "cells", "classes", "totals", "cells_ae_suppressed", "high_cuts", "suppression",
                "synthetic", "out"}
    assert old_keys <= set(summary)
    assert summary["unknown_to_police"] == 1
    assert summary["unknown_to_police_test"]["alpha"] == 0.05
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(rows[0])[:6] == ["cell", "police_violence", "ae_assaults", "class", "expected_ae", "excess"]
    assert {"p", "p_fdr", "unknown_to_police"} <= set(rows[0])
    listed = [r["cell"] for r in rows if r["unknown_to_police"] == "True"]
    assert listed == [four["cells"][2]]
    # the same file as the page's download
    with Store(four["db"], read_only=True) as s:
        assert overlay_csv(overlay(s)) == out.read_bytes()
    # the text output names the list for what it is
    assert main(["overlay", "--db", four["db"], "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 hexagon with more A&E assaults than police violence predicts, beyond chance" in text
