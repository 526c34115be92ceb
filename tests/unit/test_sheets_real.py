"""The printed sheets on the real Hertfordshire 2021 store (issue 15): what a patrol sheet covers, no empty
pages, whole numbers and headers in the sweep table, legends that hide no camera site, street names offline."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import pytest

from geo.query import Selection, study_area
from geo.store import Store
from hotspots.outputs.plans import METHOD_HEADING
from hotspots.tasks.mapcontext import map_context

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")

VIOLENCE = "Violence and sexual offences"


def _pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")[:-1]


def _footer_only(page: str) -> bool:
    rest = re.sub(r"Page \d+|generated \d{2} \w+ \d{4}, \d{2}:\d{2}|\|", "", page)
    for title in ("Patrol sheet", "Knife-sweep sheet", "Mobile CCTV sites"):
        rest = rest.replace(title, "")
    return not rest.strip()


@pytest.fixture(scope="module")
def store(real_db):
    with Store(real_db, read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def watford_patrol(store):
    from hotspots.tasks.patrol import plan_patrol

    area = study_area(store, "Watford")
    plan = plan_patrol(store, Selection("2021-01", "2021-12", (VIOLENCE,), area=area).checked(), n_areas=6,
                       shift="night")
    return plan, map_context(store, area)


def test_watford_patrol_sheet_says_what_it_covers_and_has_no_empty_page(watford_patrol, tmp_path):
    from hotspots.outputs.patrol import plan_pdf

    plan, ctx = watford_patrol
    pages = _pages(plan_pdf(plan, context=ctx), tmp_path)
    first = " ".join(pages[0].split())
    assert f"Crime types: {VIOLENCE}." in first
    assert "Period: 2021-01 to 2021-12." in first and "Area: Watford." in first
    assert not [i + 1 for i, p in enumerate(pages) if _footer_only(p)]
    if getattr(plan, "notes", None):
        body = " ".join(" ".join(p.split()) for p in pages)
        assert METHOD_HEADING in body and " ".join(str(plan.notes[0]).split()) in body


def test_stevenage_sweep_table_prints_every_number_and_header_word_whole(store, tmp_path):
    from hotspots.outputs.sheets import column_text
    from hotspots.outputs.sweeps import sweep_pdf, sweep_table
    from hotspots.tasks.sweeps import SWEEP_SELECTION, plan_sweeps

    area = study_area(store, "Stevenage")
    plan = plan_sweeps(store, dataclasses.replace(SWEEP_SELECTION, date_from="2021-01", date_to="2021-12",
                                                  area=area).checked())
    pages = _pages(sweep_pdf(plan, context=map_context(store, area)), tmp_path)
    tokens = set(" ".join(pages).split())
    table = sweep_table(plan).drop(columns=["Rank", "Hexagons"])
    for c in table.columns:
        assert all(w in tokens for w in str(c).split()), c
        if table[c].dtype.kind in "if":
            missing = [v for v in column_text(table[c]) if v not in tokens]
            assert not missing, (c, missing)
    assert not [i + 1 for i, p in enumerate(pages) if _footer_only(p)]


def test_hertsmere_camera_map_legend_hides_no_site(store, monkeypatch):
    import matplotlib.figure

    from hotspots.outputs.cctv import plan_png
    from hotspots.tasks.cctv import site_cameras
    from tests.unit.test_staticmap_tiles import _covered

    area = study_area(store, "Hertsmere")
    plan = site_cameras(store, Selection("2021-01", "2021-12", area=area).checked(), cameras=8)
    seen, save = [], matplotlib.figure.Figure.savefig

    def spy(self, *a, **k):
        seen.append((_covered(self), [t.get_text() for t in self.axes[0].texts]))
        return save(self, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    for size in ((1800, 1200), (1500, 1400), (1280, 720)):
        plan_png(plan, [area.geometry], *size, context=map_context(store, area))
    assert len(seen) == 3
    for covered, texts in seen:
        assert covered == []
        assert {str(r) for r in plan.sites["rank"]} <= set(texts)   # every site is numbered on the map
        assert "HERTSMERE" in texts


def test_offline_street_names_on_the_patrol_map_are_the_snap_points_names(store, watford_patrol, monkeypatch):
    """Street scale: the names written are police.uk's "On or near" names of snap points in the frame."""
    import matplotlib.figure

    from hotspots.outputs.patrol import plan_map_png

    plan, ctx = watford_patrol
    seen, save = [], matplotlib.figure.Figure.savefig

    def spy(self, *a, **k):
        ax = self.axes[0]
        seen.append((ax.get_xlim(), ax.get_ylim(), [t.get_text() for t in ax.texts]))
        return save(self, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    plan_map_png(plan, context=ctx)
    (x0, x1), (y0, y1), texts = seen[0]
    pts = store.street_points(("police",))
    inside = pts.loc[pts["easting"].between(x0 - 500, x1 + 500) & pts["northing"].between(y0 - 500, y1 + 500)]
    names = {loc.removeprefix("On or near ").strip() for loc in inside["location"]}
    ward_names = {name for layer, name, _ in ctx.outlines}
    streets = [t for t in texts if t in names and t not in ward_names]
    assert x1 - x0 < 9000 and len(streets) >= 20
    # every other text is a plan label (a number), the scale bar, the north arrow or a district / ward name
    others = {t for t in texts if t not in names}
    assert all(t.isdigit() or t in ward_names or t.title() in {n.title() for n in ward_names} or t == "N" or
               t.endswith((" m", " km")) for t in others), others
