"""Recording artefacts among police.uk snap points (issue 15): the name rule, the share rule (a point holding most
of the crime in its res-9 hexagon and the six around it), what a plan leaves out, and the words it says.

Hand-built incidents with h3-py cells, so every expected count is known without the code under test.
"""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from geo.errors import SettingError
from hotspots import defaults
from hotspots.methods.artefacts import (ArtefactFinder, artefact_notes, artefacts_in_cells, artefacts_near, flag_words,
                                        place_of, split_artefacts)

CENTRE9 = h3.latlng_to_cell(51.656, -0.396, 9)
RING9 = sorted(h3.grid_ring(CENTRE9, 1))
FAR9 = sorted(h3.grid_ring(CENTRE9, 4))[0]


def _c11(cell9: str, i: int = 0) -> int:
    """A res-11 cell inside a res-9 cell (its i-th grandchild), as the store holds it."""
    return h3.str_to_int(sorted(h3.cell_to_children(cell9, 11))[i])


def _incidents(points) -> pd.DataFrame:
    """points: (location, easting, res-9 cell, how many)."""
    rows = []
    for loc, x, cell9, n in points:
        rows += [{"location": loc, "easting": float(x), "northing": 0.0, "h3_11": _c11(cell9, int(x) % 40)}] * n
    df = pd.DataFrame(rows)
    df["h3_11"] = df["h3_11"].astype(np.uint64)
    return df


def test_names_are_matched_whole_and_any_case():
    assert [place_of(s) for s in ("On or near Police Station", "on or near HOSPITAL", "On or near Supermarket",
                                  "On or near Petrol Station", " On or near  Supermarket ")] == \
        ["Police Station", "Hospital", "Supermarket", "Petrol Station", "Supermarket"]
    # streets and other places named after them are not artefacts
    for s in ("On or near Hospital Road", "On or near Station Road", "On or near Police Station Lane",
              "On or near Shopping Area", "On or near Parking Area", "", None, float("nan")):
        assert place_of(s) == "", s


def test_the_share_rule_flags_a_point_holding_half_of_its_neighbourhood():
    # 40 at one point in the centre hexagon; 35 spread over three other points in the ring: 40 / 75 = 53 %
    inc = _incidents([("On or near Ward Road", 1, CENTRE9, 40), ("On or near A Street", 2, RING9[0], 15),
                      ("On or near B Street", 3, RING9[2], 10), ("On or near C Street", 4, RING9[4], 10),
                      *[(f"On or near Far Close {i}", 10 + i, FAR9, 50) for i in range(10)]])  # not in the ring
    f = ArtefactFinder().fit(inc["location"], inc["easting"], inc["northing"], inc["h3_11"])
    assert f.points_["location"].tolist() == ["On or near Ward Road"]
    row = f.points_.iloc[0]
    assert row["rule"] == "share" and row["incidents"] == 40 and row["share_pct"] == pytest.approx(100 * 40 / 75)
    assert int(f.mask_.sum()) == 40
    # one more incident in the ring takes it under 50 % ... (40 / 81 = 49.4 %)
    more = pd.concat([inc, _incidents([("On or near D Street", 6, RING9[5], 6)])], ignore_index=True)
    assert ArtefactFinder().fit(more["location"], more["easting"], more["northing"], more["h3_11"]).points_.empty
    # ... and 29 incidents are too few whatever their share (the minimum is 30)
    few = _incidents([("On or near Ward Road", 1, CENTRE9, 29)])
    assert ArtefactFinder().fit(few["location"], few["easting"], few["northing"], few["h3_11"]).points_.empty
    assert len(ArtefactFinder(min_incidents=29).fit(few["location"], few["easting"], few["northing"],
                                                    few["h3_11"]).points_) == 1
    # the thresholds are settings, checked against their specs
    with pytest.raises(SettingError, match="artefact_share_pct"):
        ArtefactFinder(share_pct=0).fit(few["location"], few["easting"], few["northing"], few["h3_11"])


def test_named_places_are_flagged_whatever_their_size_and_shuffling_changes_nothing():
    inc = _incidents([("On or near Supermarket", 1, CENTRE9, 3), ("On or near Police Station", 2, RING9[1], 1),
                      ("On or near High Street", 3, CENTRE9, 25), ("On or near Hospital Road", 4, RING9[3], 25)])
    f = ArtefactFinder().fit(inc["location"], inc["easting"], inc["northing"], inc["h3_11"])
    assert f.points_[["location", "incidents", "rule"]].values.tolist() == [
        ["On or near Supermarket", 3, "name"], ["On or near Police Station", 1, "name"]]
    assert f.points_["why"].tolist() == [defaults.ARTEFACT_PLACES["Supermarket"],
                                         defaults.ARTEFACT_PLACES["Police Station"]]
    shuffled = inc.sample(frac=1.0, random_state=3)
    g = ArtefactFinder().fit(shuffled["location"], shuffled["easting"], shuffled["northing"], shuffled["h3_11"])
    pd.testing.assert_frame_equal(f.points_, g.points_)
    assert g.mask_.sum() == f.mask_.sum() == 4
    assert (shuffled["location"].to_numpy()[g.mask_] != "On or near High Street").all()


def test_split_leaves_artefacts_out_unless_asked_and_never_touches_other_rows():
    inc = _incidents([("On or near Hospital", 1, CENTRE9, 5), ("On or near High Street", 2, CENTRE9, 7)])
    kept, pts = split_artefacts(inc)
    assert len(kept) == 7 and set(kept["location"]) == {"On or near High Street"}
    assert pts["incidents"].tolist() == [5]
    assert len(split_artefacts(inc, include=True)[0]) == 12
    # rows outside the mask (e.g. A&E records) are neither searched nor dropped
    rows = inc["easting"].to_numpy() != 1.0
    kept, pts = split_artefacts(inc, rows=rows)
    assert len(kept) == 12 and pts.empty
    # where they lie: in which cells, near which sites
    assert len(artefacts_in_cells(pts, [CENTRE9], 9)) == 0
    _, pts = split_artefacts(inc)
    assert len(artefacts_in_cells(pts, [CENTRE9], 9)) == 1 and len(artefacts_in_cells(pts, [FAR9], 9)) == 0
    assert len(artefacts_near(pts, 1.0, 50.0, 49.0)) == 0 and len(artefacts_near(pts, 1.0, 50.0, 51.0)) == 1


def test_notes_and_flags_in_plain_words():
    pts = pd.DataFrame({"location": ["On or near Supermarket", "On or near Supermarket", "On or near Hospital",
                                     "On or near Ward Road"],
                        "incidents": [100, 62, 1, 40], "place": ["Supermarket", "Supermarket", "Hospital", ""],
                        "share_pct": [np.nan, np.nan, np.nan, 71.2], "rule": ["name", "name", "name", "share"],
                        "why": ["", "", "", ""]})
    notes = artefact_notes(pts)
    assert notes == [
        "Left out: 1 crime at 'On or near Hospital' (crimes whose victims are treated there are often located "
        "there).",
        "Left out: 162 crimes at 2 'On or near Supermarket' points (shoplifting that the shop's own CCTV covers).",
        "Left out: 40 crimes at 'On or near Ward Road', which holds 71% of the crime recorded around it (probably "
        "where crimes are recorded, not where they happen)."]
    assert artefact_notes(pts, included=True)[0].startswith("Kept, although recording artefacts: 1 crime at")
    assert artefact_notes(pts.iloc[:0]) == []
    assert flag_words(pts.iloc[[0, 2]]) == "Supermarket: 100 left out; Hospital: 1 left out"
    assert flag_words(pts, top=1) == "Supermarket: 100 left out; 3 more"
