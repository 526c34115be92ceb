"""The police x A&E overlay on a hand-made layout: classes, excess, ranking, suppression, files, CLI.

The layout (tests/ae_rows.py): ten res-9 hexagons, by position

    police violence  20  15  3  2  1  1   0  0  0  0      (42)
    A&E assaults     12   0  9  2  0  1  10  3  1  1      (39)

Worked by hand:
* police high cut: 6 non-zero cells, top 20 % = ceil(1.2) = 2 cells (20, 15) -> cut 15.
* A&E high cut: 8 non-zero, top ceil(1.6) = 2 (12, 10) -> 10 (at least 8 anyway).
* classes: #0 Both high, #1 Police only, #6 A&E only, the rest Low.
* expected = police x 39/42; excess = A&E - expected:
  #6 10, #2 9 - 3x39/42 = 6.214, #7 3, #8 1, #9 1, #3 2 - 2x39/42 = 0.143, #5 1 - 39/42 = 0.071 (ranked so).
* suppression: #3 (2), #5 (1), #7 (3), #8 (1), #9 (1) hidden: their sum 8 over 5 cells would pin each to
  at most 4 (8 - 4 x 1). A partner is known to be 8 or more (and what its class says: #0 and #6 "A&E high",
  >= 10; #2 Low, 8..9), so its *room* is 12 - 10 = 2 (#0), 10 - 10 = 0 (#6), 9 - 8 = 1 (#2); the small
  ones have 1 + 0 + 2 + 0 + 0 = 3 and need 6 in all (the top of 1..7 for each). None alone gives 3: the
  smallest with room, #2, is hidden, then #0 (2, the smallest giving the rest); total 39 shown.
  Check: hidden sum 39 - 10 = 29, #0 >= 10 and #2 >= 8 leave the five small ones 5..11, each 1..7.
* weapons: knife/sharp 10, glass/bottle 3, body 25, firearm 1: glass 3 and firearm 1 hidden have room
  2 + 0 and need 6; knife/sharp has 10 - 8 = 2 (not enough), body 17 -> body hidden.
* ranking ("violence unknown to police"): only shown counts with excess > 0: #6 alone.
"""

from __future__ import annotations

import json

import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.boundaries import Area
from geo.crs import lonlat_to_bng
from geo.errors import SettingError
from geo.ingest.sample import ingest_sample
from geo.query import Selection
from geo.sample import write_sample
from geo.store import Store
from hotspots.cli import main
from hotspots.methods.ckm import MAX_MOVE, perturb
from hotspots.tasks.overlay import RANKED_MAX, compute_overlay, high_cut, overlay
from hotspots.methods.suppress import SECONDARY_LABEL, assert_no_small_counts
from tests.ae_rows import AE, POLICE, ae_rows, layout_cells, police_rows, sample_ae_units, unit, write_layout
from hotspots.outputs.overlay import overlay_csv, overlay_geojson, write_overlay

LAB = "1 to 7"


@pytest.fixture
def layout(tmp_path):
    # a fixed store secret (issue 16): the record keys, so the published counts, are the same every run;
    # the tests still work the published numbers out from the stored keys rather than writing them down
    from geo.store.ae import AE_SECRET_DDL

    db = tmp_path / "overlay.duckdb"
    with Store(db) as s:
        s.con.execute(AE_SECRET_DDL)
        s.con.execute("INSERT INTO ae_secret VALUES (?)", [b"tests/unit/test_overlay.py layout".ljust(32, b".")])
        cells = write_layout(s)
    return {"db": str(db), "cells": cells}


def by_position(df, cells, col):
    t = df.set_index("cell")
    return [t[col].get(c, 0) for c in cells]


def published_by_hand(store, counts=AE, threshold=7):
    """The layout's published A&E counts worked out apart from the library's SQL: each record's key read from
    ``ae_records`` (rows ``ae-0``, ``ae-1``, ... fill the cells in order), summed per cell here, and the
    count moved by ``hotspots.methods.ckm.perturb`` (cell-key perturbation). Returns (cells, total)."""
    keys = dict(store.con.execute("SELECT id, record_key FROM ae_records").fetchall())
    cell_keys, i = [], 0
    for n in counts:
        cell_keys.append(sum(keys[f"ae-{j}"] for j in range(i, i + n)) % 65536)
        i += n
    total_key = sum(keys[f"ae-{j}"] for j in range(i)) % 65536
    return (perturb(counts, cell_keys, threshold).tolist(),
            int(perturb([sum(counts)], [total_key], threshold)[0]))


def published_groups_by_hand(store, column: str, threshold=7) -> dict:
    """The published count of each group of the layout's A&E records (``column``: ``"weapon"`` or ``"hour"``,
    Monday 00:00 = hour 0), worked out here: groups and key sums from the stored records, moved by ``perturb``."""
    rows = store.con.execute("SELECT i.id, i.subcategory, i.occurred_at, r.record_key FROM incidents i "
                             "JOIN ae_records r ON r.force = i.force AND r.id = i.id WHERE i.source = 'ae'").fetchall()
    groups: dict = {}
    for _id, sub, at, key in rows:
        g = sub if column == "weapon" else at.weekday() * 24 + at.hour
        groups.setdefault(g, []).append(key)
    return {g: int(perturb([len(k)], [sum(k) % 65536], threshold)[0]) for g, k in groups.items()}


def classes_of(pub_ae, police_cut=15):
    """Classes from the published A&E counts and the exact police ones (module docstring's rules)."""
    ae_cut = high_cut(pub_ae)
    if 2 <= ae_cut <= 7:
        ae_cut = 8.0 if max(pub_ae) > 7 else 1.0
    return ae_cut, [("Both high" if p >= police_cut and a >= ae_cut else "Police only" if p >= police_cut
                     else "A&E only" if a >= ae_cut else "Low") for p, a in zip(POLICE, pub_ae)]


def test_counts_classes_and_excess_by_hand(layout):
    # Issue 16: cuts, classes and excess follow the *published* (perturbed) A&E counts, so that a class or a
    # rank cannot rebuild an exact count. The store draws a new secret per store, so the published numbers
    # are worked out here from the stored record keys (published_by_hand), not written down.
    cells = layout["cells"]
    with Store(layout["db"], read_only=True) as s:
        oc = compute_overlay(s)
        pub_ae, pub_total = published_by_hand(s)
    assert by_position(oc.cells, cells, "police_violence") == POLICE
    assert by_position(oc.cells, cells, "ae_assaults") == AE
    assert by_position(oc.cells, cells, "ae_published_n") == pub_ae
    # hidden (1..7) and empty cells keep their exact counts; the others move by at most 3 (2 but for one key
    # in 65,536), and are hidden too where that brings them to 7 or below
    assert all(p == a if a <= 7 else abs(p - a) <= 3 for a, p in zip(AE, pub_ae))
    ae_cut, classes = classes_of(pub_ae)
    assert (oc.police_cut, oc.ae_cut) == (15, ae_cut)
    assert by_position(oc.cells, cells, "class") == classes
    want_excess = [a - p * pub_total / 42 for p, a in zip(POLICE, pub_ae)]
    np.testing.assert_allclose(by_position(oc.cells, cells, "excess"), want_excess)
    # every cell with anything is listed, and only those
    assert len(oc.cells) == sum(1 for p, a in zip(POLICE, AE) if p or a)


def test_published_overlay_by_hand(layout):
    # Issue 16: shown A&E counts and the total are published perturbed (cell-key perturbation), so the exact
    # numbers once written here (12, 10, total 39) are now what the publication function gives for them:
    # worked out apart from the library by published_by_hand. Small counts are hidden exactly as before.
    cells = layout["cells"]
    with Store(layout["db"], read_only=True) as s:
        pub = overlay(s)
        pub_ae, pub_total = published_by_hand(s)
    ae = by_position(pub.cells, cells, "ae_assaults")
    for a, p, label in zip(AE, pub_ae, ae):
        assert label == (0 if a == 0 else LAB if p <= 7 else label if label == SECONDARY_LABEL else p)
    # the five small ones (sum 8) still need a partner hidden with them against the total
    assert SECONDARY_LABEL in ae
    assert pub.totals == {"police_violence": 42, "ae_assaults": pub_total}
    ae_cut, classes = classes_of(pub_ae)
    assert pub.class_counts == {k: classes.count(k) for k in ("Both high", "Police only", "A&E only", "Low")}
    assert pub.cuts == {"police_high": 15, "ae_high": int(ae_cut)}
    # excess: hidden with its count, from the published counts otherwise
    exc = by_position(pub.cells, cells, "excess")
    for i, label in enumerate(ae):
        if isinstance(label, str):
            assert exc[i] is None
        else:
            assert exc[i] == pytest.approx(pub_ae[i] - POLICE[i] * pub_total / 42, abs=0.005)
    # ranked: only shown counts with excess > 0, in the order the published cells give
    assert set(pub.ranked["cell"]) <= {cells[i] for i, label in enumerate(ae) if not isinstance(label, str)}
    assert pub.ranked["cell"].tolist() == [c for c in ranking_from_published_cells(pub)
                                           if c in set(pub.ranked["cell"])]
    assert pub.ranked["ae_assaults"].tolist() == [pub_ae[cells.index(c)] for c in pub.ranked["cell"]]
    n_hidden = sum(isinstance(label, str) for label in ae)
    assert any(f"Hexagons whose A&E count is hidden ({n_hidden}) are not ranked" in n for n in pub.notes)
    if cells[6] in set(pub.ranked["cell"]):  # no police there: #5's snap point ("Street 5") comes first
        assert pub.ranked.set_index("cell").loc[cells[6], "near"].startswith("On or near Street 5 (")
    # unseen: hidden A&E counts where police recorded no violence (#7, #8, #9, and #6 if it is the partner)
    assert set(pub.unseen["cell"]) == {cells[i] for i, label in enumerate(ae) if isinstance(label, str)
                                       and POLICE[i] == 0}
    assert set(pub.unseen["ae_assaults"]) <= {LAB, SECONDARY_LABEL}
    assert all(n.startswith("On or near Street") for n in pub.unseen["near"])
    assert pub.summary()["cells_ae_hidden_no_police_violence"] == len(pub.unseen)
    assert pub.notes[0] == "Small numbers are hidden and others slightly adjusted to protect patients."
    # weapons: exact 10, 3, 25, 1 (module docstring), published perturbed where shown; shares are of the
    # published total, from the published counts
    with Store(layout["db"], read_only=True) as s:
        by_weapon, by_hour = published_groups_by_hand(s, "weapon"), published_groups_by_hand(s, "hour")
    w = pub.weapons.set_index("weapon")
    assert w["assaults"].to_dict() == {"knife/sharp": by_weapon["knife/sharp"], "glass/bottle": LAB,
                                       "blunt object": 0, "body": SECONDARY_LABEL, "firearm": LAB, "other": 0,
                                       "unknown": 0}
    assert abs(by_weapon["knife/sharp"] - 10) <= MAX_MOVE
    assert w.loc["knife/sharp", "share_pct"] == pytest.approx(100 * by_weapon["knife/sharp"] / pub_total, abs=0.05)
    assert w.loc["body", "share_pct"] is None and w.loc["firearm", "share_pct"] is None
    # day x hour: exact 30 on Saturday 23:00 and 9 on Friday 22:00 (Saturday = day 5), published perturbed
    assert pub.ae_grid.loc["Saturday", 23] == by_hour[5 * 24 + 23]
    assert pub.ae_grid.loc["Friday", 22] == by_hour[4 * 24 + 22]
    assert abs(by_hour[5 * 24 + 23] - 30) <= MAX_MOVE and abs(by_hour[4 * 24 + 22] - 9) <= MAX_MOVE
    assert pub.ae_no_time == 0
    assert not pub.synthetic


def test_no_published_value_small_or_recoverable(layout):
    with Store(layout["db"], read_only=True) as s:
        pub = overlay(s)
    total = pub.totals["ae_assaults"]
    c = pub.cells
    # bounds a reader has from the map class: "A&E high" is a published count >= the cut, any other class
    # below it; published counts (and the total) are perturbed, so the exact count is within MAX_MOVE of it
    # (issue 16: the checker is told so with move=MAX_MOVE)
    cut = pub.cuts["ae_high"]
    high = c["class"].isin(["Both high", "A&E only"]).to_numpy()
    lower, upper = np.where(high, cut - MAX_MOVE, 0), np.where(high, np.inf, cut - 1 + MAX_MOVE)
    assert_no_small_counts(c["ae_assaults"].tolist(), total=total, lower=lower, upper=upper, what="cells",
                           move=MAX_MOVE)
    assert_no_small_counts(pub.weapons["assaults"].tolist(), total=total, what="weapons", move=MAX_MOVE)
    assert_no_small_counts(pub.ae_grid.to_numpy().ravel().tolist() + [pub.ae_no_time], total=total, what="grid",
                           move=MAX_MOVE)
    assert_no_small_counts(pub.ranked["ae_assaults"].tolist(), what="ranked")


def test_area_and_period_select_both_sources(layout, tmp_path):
    cells = layout["cells"]
    # a box round the first three cells only
    lat, lng = np.array([h3.cell_to_latlng(c) for c in cells[:3]]).T
    x, y = lonlat_to_bng(lng, lat)
    area = Area("three", shapely.box(x.min() - 50, y.min() - 50, x.max() + 50, y.max() + 50))
    with Store(layout["db"], read_only=True) as s:
        oc = compute_overlay(s, Selection(area=area))
        assert sorted(oc.cells["cell"]) == sorted(cells[:3])
        assert oc.cells["ae_assaults"].sum() == 12 + 0 + 9 and oc.cells["police_violence"].sum() == 20 + 15 + 3
        assert compute_overlay(s, Selection("2021-07")).cells.empty      # nothing after June
    # a second month of A&E is counted only when the period includes it
    with Store(layout["db"]) as s:
        s.write(unit(ae_rows(cells[:1], counts=[4], month="2021-07"), "ae", "RWH01", "istv_july.csv",
                     months=("2021-07",)))
        assert compute_overlay(s, Selection(date_to="2021-06")).cells["ae_assaults"].sum() == 39
        assert compute_overlay(s).cells["ae_assaults"].sum() == 43
        assert compute_overlay(s, Selection("2021-07")).cells["ae_assaults"].sum() == 4


def test_coarser_grid_adds_up(layout):
    with Store(layout["db"], read_only=True) as s:
        fine, coarse = compute_overlay(s, res=9), compute_overlay(s, res=7)
    assert coarse.cells["ae_assaults"].sum() == fine.cells["ae_assaults"].sum() == 39
    assert coarse.cells["police_violence"].sum() == fine.cells["police_violence"].sum() == 42
    parents = pd.Series([h3.cell_to_parent(c, 7) for c in fine.cells["cell"]])
    want = fine.cells["ae_assaults"].groupby(parents.to_numpy()).sum()
    assert coarse.cells.set_index("cell")["ae_assaults"].to_dict() == {k: v for k, v in want.items()}


def test_no_ae_loaded_says_how_to_load(tmp_path):
    with Store(tmp_path / "p.duckdb") as s:
        write_layout(s, with_ae=False)
        with pytest.raises(SettingError, match="No A&E assault data") as e:
            overlay(s)
    assert "ingest ae" in e.value.fix


def test_synthetic_ae_left_out_when_asked(layout):
    cells = layout["cells"]
    with Store(layout["db"]) as s:
        s.write(unit(ae_rows(cells[:1], counts=[5], site="SYN (SYNTHETIC)"), "ae", "SYN (SYNTHETIC)", "istv_syn.csv"))
        assert compute_overlay(s).cells["ae_assaults"].sum() == 44
        oc = compute_overlay(s, exclude_synthetic_ae=True)
        assert oc.cells["ae_assaults"].sum() == 39 and not oc.synthetic


@pytest.mark.parametrize("ae, cut", [
    ([3, 1, 1, 2, 1, 1, 1, 1, 1, 1], 1),    # top 20 % cut 2: nothing above 7 -> any assault is "high"
    ([3, 1, 1, 2, 1, 1, 9, 6, 1, 1], 8),    # top 20 % cut 6: a cell shows more than 7 (the 9) -> 8
    ([30, 1, 1, 2, 1, 1, 9, 6, 1, 1], None),  # top 20 % cut: the 9's published count (8..11), above 7, kept
])
def test_high_cut_never_inside_2_to_7(tmp_path, ae, cut):
    # a plain top-20 % cut of 2..7 would tell "1 to 7" cells apart (at 7: exactly 7)
    cells = layout_cells()
    with Store(tmp_path / "sparse.duckdb") as s:
        s.write(unit(police_rows(cells), "police", "Hertfordshire Constabulary", "street.csv"))
        s.write(unit(ae_rows(cells, counts=ae, weapons=["body"]), "ae", "RWH01", "istv.csv"))
        pub = overlay(s)
        oc = compute_overlay(s)
    # issue 16: the cut follows the published (perturbed) counts: the 9 is published as 6..12, and hidden as
    # "1 to 7" when that is 7 or below (then no count shows above 7, or the 30 alone does)
    nine = int(oc.cells.set_index("ae_assaults").loc[9, "ae_published_n"]) if 9 in ae else 0
    assert 6 <= nine <= 12 or 9 not in ae
    if cut == 8 and nine <= 7:
        cut = 1
    elif cut is None:
        cut = nine if nine > 7 else 8
    assert pub.cuts["ae_high"] == cut
    assert (oc.cells["ae_high"] == (oc.cells["ae_published_n"] >= cut)).all()
    assert any("'A&E high' means any A&E assault" in n for n in pub.notes) == (cut == 1)


def test_files_carry_only_published_values(layout, tmp_path):
    with Store(layout["db"], read_only=True) as s:
        pub = overlay(s)
    csv_path = write_overlay(pub, tmp_path / "o.csv")
    gj_path = write_overlay(pub, tmp_path / "o.geojson")
    t = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert list(t.columns)[:4] == ["cell", "police_violence", "ae_assaults", "class"]
    total = pub.totals["ae_assaults"]   # perturbed (issue 16): the exact 39 moves by up to MAX_MOVE
    assert_no_small_counts(t["ae_assaults"].tolist(), total=total, move=MAX_MOVE)
    assert (t["excess"] == "").sum() == int(pub.cells["ae_assaults_suppressed"].sum())  # hidden with the count
    assert not t["excess"].str.startswith("'").any()           # numbers stay numbers
    gj = json.loads(gj_path.read_text())
    props = [f["properties"] for f in gj["features"]]
    assert len(props) == 10 and all(f["geometry"]["type"] == "Polygon" for f in gj["features"])
    assert_no_small_counts([p["ae_assaults"] for p in props], total=total, move=MAX_MOVE)
    assert overlay_csv(pub) == csv_path.read_bytes() and overlay_geojson(pub) == gj_path.read_bytes()
    with pytest.raises(SettingError, match="must end in .csv or .geojson"):
        write_overlay(pub, tmp_path / "o.xlsx")


def test_cli_overlay_json_and_detect_refuses_ae(layout, tmp_path, capsys):
    out = tmp_path / "cells.csv"
    assert main(["overlay", "--db", layout["db"], "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # issue 16: the A&E total and shown counts are perturbed; the CLI prints what the publication gives
    with Store(layout["db"], read_only=True) as s:
        pub = overlay(s)
        pub_total = published_by_hand(s)[1]
    assert summary["cells"] == 10 and summary["totals"] == {"police_violence": 42, "ae_assaults": pub_total}
    assert summary["classes"] == pub.class_counts and sum(summary["classes"].values()) == 10
    assert summary["cells_ae_suppressed"] == int(pub.cells["ae_assaults_suppressed"].sum())
    assert summary["out"] == str(out)
    assert summary["ae_note"] == "Small numbers are hidden and others slightly adjusted to protect patients."
    csv = pd.read_csv(out, dtype=str)
    assert_no_small_counts(csv["ae_assaults"].tolist(), total=pub_total, move=MAX_MOVE)
    assert set(csv["ae_note"]) == {summary["ae_note"]}                   # the file says so in every row
    # text output
    assert main(["overlay", "--db", layout["db"], "--out", str(tmp_path / "c.geojson")]) == 0
    text = capsys.readouterr().out
    assert f"A&E assaults: {pub_total} (a rounded figure)" in text and "1 to 7" in text and "Wrote 10 hexagons" in text
    assert "slightly adjusted to protect patients" in text
    gj = json.loads((tmp_path / "c.geojson").read_text())
    assert gj["notes"] == [summary["ae_note"]]
    # detect never lets A&E counts out unsuppressed
    assert main(["detect", "--method", "count", "--sources", "ae", "--db", layout["db"]]) == 2
    assert "does not use A&E data" in capsys.readouterr().err
    # a bad output name is a sentence, exit 2
    assert main(["overlay", "--db", layout["db"], "--out", str(tmp_path / "x.txt")]) == 2
    assert "must end in .csv or .geojson" in capsys.readouterr().err


def test_withheld_or_small_total_hides_every_breakdown(tmp_path):
    # A&E 3 and 6 only (9 in all): each "1 to 7", nothing above 7 to hide with them, so the total is
    # withheld; then shares (count / total), expected counts (police x total / police total), and even
    # which hexagons, hours or weapons have any assault would give numbers back: nothing A&E is shown
    cells = layout_cells()
    for name, counts in (("withheld", [3, 6, 0, 0, 0, 0, 0, 0, 0, 0]), ("small", [1, 1, 1, 1, 1, 1, 1, 0, 0, 0])):
        with Store(tmp_path / f"{name}.duckdb") as s:
            s.write(unit(police_rows(cells), "police", "Hertfordshire Constabulary", "street.csv"))
            s.write(unit(ae_rows(cells, counts=counts, weapons=["body"]), "ae", "RWH01", "istv.csv"))
            pub = overlay(s)
        assert pub.totals["ae_assaults"] == (SECONDARY_LABEL if name == "withheld" else LAB)
        assert (pub.cells["ae_assaults"] == SECONDARY_LABEL).all()      # zeros too
        assert pub.cells["expected_ae"].isna().all() and pub.cells["excess"].isna().all()
        assert set(pub.cells["class"]) <= {"Police only", "Low"}
        assert (pub.weapons["assaults"] == SECONDARY_LABEL).all() and pub.weapons["share_pct"].isna().all()
        assert (pub.ae_grid == SECONDARY_LABEL).all().all() and pub.ae_no_time == SECONDARY_LABEL
        assert pub.ranked.empty and pub.unseen.empty
        assert any("Too few A&E assaults" in n for n in pub.notes)
        # only hexagons with police violence are listed: one without is there only for its A&E assaults
        assert set(pub.cells["cell"]) == {cell for cell, p in zip(cells, POLICE) if p}
        assert (pub.cells["police_violence"] > 0).all()


# ------------------------------------------------------------------------------ an attacker using everything


def overlay_attack(pub, ranked_max=None, move=0):
    """The range each hidden A&E count of a published overlay can still take, by integer programming.

    Uses every published fact, independently of hotspots.methods.suppress: the labels ("1 to 7" is 1..7,
    "suppressed" is 8 or more, since 0 and 1..7 are always shown otherwise), the class bounds (A&E high:
    at least the cut, else below it), the total, each cell's expected A&E (police x A&E total / police
    total), and the "violence unknown to police" list read as it was documented before the fix: every
    hexagon with excess > 0, best first, cut at ``ranked_max`` rows (so a listed hexagon has excess > 0 and
    at least its successor's; an unlisted one at most 0, or at most the last row's when the list is full).
    The list's rule is applied only when the list holds a hidden count: a list of shown counts only says
    nothing about hidden ones. Returns {cell: (min, max)} for the "1 to 7" cells.

    ``move``: published numbers above the threshold (shown counts, the total) are perturbed by at most this
    much (issue 16, ``MAX_MOVE``), and a class reflects the published count: the attacker then knows each
    such exact number only within ``move`` of what is shown ("1 to 7" counts are never moved).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    ranked_max = RANKED_MAX if ranked_max is None else ranked_max
    t = pub.threshold
    cells = pub.cells.reset_index(drop=True)
    total, p_total = pub.totals["ae_assaults"], pub.totals["police_violence"]
    assert isinstance(total, int)
    labels = cells["ae_assaults"].tolist()
    hidden = [i for i, v in enumerate(labels) if isinstance(v, str)]
    var = {cells["cell"].iat[i]: k for k, i in enumerate(hidden)}
    n = len(hidden)
    if n == 0:
        return {}
    lo, hi = np.zeros(n), np.full(n, np.inf)
    cut = pub.cuts["ae_high"]
    for k, i in enumerate(hidden):
        if labels[i] == LAB:
            lo[k], hi[k] = 1, t
        elif labels[i] == SECONDARY_LABEL:
            lo[k] = t + 1
        if cut is not None:
            slack = 0 if labels[i] == LAB else move
            if cells["class"].iat[i] in ("Both high", "A&E only"):
                lo[k] = max(lo[k], cut - slack)
            else:
                hi[k] = min(hi[k], cut - 1 + slack)
    expected = {c: p * total / p_total if p_total else 0.0 for c, p in zip(cells["cell"], cells["police_violence"])}
    shown_count = {c: int(v) for c, v in zip(cells["cell"], labels) if not isinstance(v, str)}
    shown_hi = sum(v + move for v in shown_count.values() if v > 0)
    shown_lo = sum(max(t + 1, v - move) for v in shown_count.values() if v > 0)
    rows_a, rows_lo, rows_hi = [np.ones(n)], [total - move - shown_hi], [total + move - shown_lo]

    def excess(cell):
        """(coefficients, constant): excess = coefficients . x + constant."""
        a = np.zeros(n)
        if cell in var:
            a[var[cell]] = 1.0
            return a, -expected[cell]
        return a, shown_count[cell] - expected[cell]

    listed = pub.ranked["cell"].tolist()
    if any(c in var for c in listed):
        eps = 1e-6
        for c1, c2 in zip(listed, listed[1:]):           # excess(c1) >= excess(c2)
            a1, k1 = excess(c1)
            a2, k2 = excess(c2)
            rows_a.append(a1 - a2), rows_lo.append(k2 - k1), rows_hi.append(np.inf)
        for c in listed:                                  # excess > 0
            a, k = excess(c)
            rows_a.append(a), rows_lo.append(eps - k), rows_hi.append(np.inf)
        last_a, last_k = excess(listed[-1])
        for c in set(var) - set(listed):                  # unlisted: excess <= 0 (or <= the last row's)
            a, k = excess(c)
            if len(listed) < ranked_max:
                rows_a.append(a), rows_lo.append(-np.inf), rows_hi.append(-k)
            else:
                rows_a.append(a - last_a), rows_lo.append(-np.inf), rows_hi.append(last_k - k)
    cons = LinearConstraint(np.array(rows_a), np.array(rows_lo), np.array(rows_hi))
    out = {}
    for c, k in var.items():
        if labels[hidden[k]] != LAB:
            continue
        ends = []
        for sign in (1.0, -1.0):
            obj = np.zeros(n)
            obj[k] = sign
            r = milp(obj, constraints=cons, integrality=np.ones(n), bounds=Bounds(lo, hi))
            assert r.status == 0, r.message
            ends.append(round(sign * r.fun))
        out[c] = tuple(ends)
    return out


def test_attacker_reads_the_old_ranking():
    # the attacker on a list published the old way (the layout's: #6 10 shown, #2 "suppressed", #7, #8, #9,
    # #3, #5 "1 to 7", in excess order) with expected A&E #3 = 2 x 39/42 = 1.86 and #5 = 0.93:
    # #3 listed -> 3 - 1.86 > 0 -> #3 >= 2; with the order (#9 before #3: #3 - 1.86 <= #9 - 0) and the
    # total, the attacker pins it to exactly 2, its true count
    cells = layout_cells()
    pub = type("P", (), {})()
    pub.threshold, pub.cuts = 7, {"police_high": 15, "ae_high": 10}
    pub.totals = {"police_violence": 42, "ae_assaults": 39}
    pub.cells = pd.DataFrame({"cell": cells, "police_violence": POLICE,
                              "ae_assaults": [12, 0, SECONDARY_LABEL, LAB, 0, LAB, 10, LAB, LAB, LAB],
                              "class": ["Both high", "Police only", "Low", "Low", "Low", "Low", "A&E only", "Low",
                                        "Low", "Low"]})
    pub.ranked = pd.DataFrame({"cell": [cells[6], cells[2], cells[7], *sorted([cells[8], cells[9]]), cells[3],
                                        cells[5]]})
    ranges = overlay_attack(pub)
    assert ranges[cells[3]] == (2, 2)
    # without the list, review finding 1 is left in these (old) cells: #2 "suppressed" is 8 or more, and
    # Low (below the cut 10), so 8..9; the five small ones share 39 - 22 - #2 = 8..9, each at most 5
    pub.ranked = pub.ranked.iloc[0:0]
    assert set(overlay_attack(pub).values()) == {(1, 5)}


def ranking_from_published_cells(pub):
    """The ranking a reader can compute from the published cells alone: shown counts with excess > 0."""
    c = pub.cells.loc[~pub.cells["ae_assaults_suppressed"]].copy()
    c["x"] = [float(v) for v in c["excess"]]
    c = c.loc[c["x"] > 0].sort_values(["x", "cell"], ascending=[False, True])
    return c["cell"].tolist()


def unseen_from_published_cells(pub):
    """The unseen list a reader can make from the published cells alone, in the published order."""
    c = pub.cells.loc[pub.cells["ae_assaults_suppressed"] & (pub.cells["police_violence"] == 0)]
    near = pub.unseen.set_index("cell")["near"]
    return sorted(c["cell"], key=lambda cell: (near.get(cell, ""), cell))


def test_ranking_gives_no_hidden_count_away(layout):
    # review finding 2: the list held hidden counts in excess order, with expected and police counts beside
    cells = layout["cells"]
    with Store(layout["db"], read_only=True) as s:
        pub = overlay(s)
    ranges = overlay_attack(pub, move=MAX_MOVE)
    assert all(v == (1, 7) for v in ranges.values()), ranges
    # only hexagons whose count is shown are ranked, and the ranking is what the published cells give
    assert all(isinstance(v, (int, np.integer)) and v > 7 for v in pub.ranked["ae_assaults"])
    assert pub.ranked["cell"].tolist() == ranking_from_published_cells(pub)[:len(pub.ranked)]
    # by hand (module docstring): #6 (10 A&E, no police) is listed whenever it is shown (issue 16: which
    # counts are shown now depends on the perturbed classes, see test_published_overlay_by_hand)
    if cells[6] not in set(pub.cells.loc[pub.cells["ae_assaults_suppressed"], "cell"]):
        assert cells[6] in pub.ranked["cell"].tolist()
    # the unseen list adds nothing to the published cells: the same hexagons, in an order of names only
    assert pub.unseen["cell"].tolist() == unseen_from_published_cells(pub)


def test_ranking_on_a_sample_sized_store(tmp_path):
    # the sample's volumes (the review's case: ranks between shown excesses 6.0 and 5.1 each exactly 6):
    # 3 months of the synthetic sample with its A&E at the generator's true places
    write_sample(tmp_path / "sample", months=3)
    with Store(tmp_path / "s.duckdb") as s:
        ingest_sample(tmp_path / "sample", s)
        if not s.con.execute("SELECT count(*) FROM incidents WHERE source = 'ae'").fetchall()[0][0]:
            for u in sample_ae_units(tmp_path / "sample"):
                s.write(u)
        months = [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                              "WHERE source = 'ae' ORDER BY 1").fetchall()]
        pubs = [overlay(s, res=9), overlay(s, Selection(months[-1], months[-1]), res=9)]
    for pub in pubs:
        assert isinstance(pub.totals["ae_assaults"], int)
        ranges = overlay_attack(pub, move=MAX_MOVE)
        assert ranges and all(v == (1, 7) for v in ranges.values())
        assert pub.ranked["cell"].tolist() == ranking_from_published_cells(pub)[:len(pub.ranked)]
        assert all(isinstance(v, (int, np.integer)) and v > 7 for v in pub.ranked["ae_assaults"])
        assert pub.unseen["cell"].tolist() == unseen_from_published_cells(pub)
    # one month at res 9: the ranking is sparse, the unseen list is not, and each of its hexagons truly has
    # A&E assaults and no police violence (the library's true counts)
    assert len(pubs[1].unseen) > len(pubs[1].ranked)
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        true = compute_overlay(s, Selection(months[-1], months[-1]), res=9).cells.set_index("cell")
    got = true.loc[pubs[1].unseen["cell"]]
    assert (got["police_violence"] == 0).all() and (got["ae_assaults"] >= 1).all()
