"""The JAG briefing on the real police.uk Hertfordshire files: Watford, December 2021.

Every expected number is counted from the raw CSVs with the csv module, pyproj, shapely and
h3-py alone (no project code), inside the Watford boundary of ../shared/data/boundaries.
No timing here: bench/briefing.py times the command.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections import Counter

import h3
import numpy as np
import pytest
import shapely

from geo.boundaries import read_areas
from geo.ingest.police import ingest_police
from geo.query import Selection, study_area
from geo.store import Store
from hotspots.briefing.pdf import briefing_pdf
from hotspots.briefing.pptx import briefing_pptx
from hotspots.briefing.sections import build_briefing
from hotspots.methods.poisson import compare_counts
from tests.conftest import POLICE_STREET_DIR, SHARED_DATA, SHARED_REASON

pytestmark = pytest.mark.shared

DISTRICTS = SHARED_DATA / "boundaries" / "herts_lad_dissolved_from_lsoa2011.geojson"
MONTH, PREV = "2021-12", "2021-11"


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    db = tmp_path_factory.mktemp("brief_real") / "real.duckdb"
    with Store(db) as s:
        ingest_police([POLICE_STREET_DIR], s)
        s.save_areas(read_areas(DISTRICTS), "district")
    with Store(db, read_only=True) as s:
        area = study_area(s, "Watford")
        b = build_briefing(s, MONTH, Selection(area=area), district="Watford")
    return {"b": b, "area": area, "db": str(db)}


def raw_rows(month: str, geom) -> list[dict]:
    """The month's rows with coordinates inside the boundary (EPSG:27700), straight from the CSV."""
    from pyproj import Transformer

    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    with open(POLICE_STREET_DIR / f"{month}-hertfordshire-street.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Longitude"] and r["Latitude"]]
    x, y = to_bng.transform(np.array([float(r["Longitude"]) for r in rows]),
                            np.array([float(r["Latitude"]) for r in rows]))
    inside = shapely.intersects_xy(geom, x, y)  # points on the edge count as inside, as the store's area test
    return [r for r, keep in zip(rows, inside) if keep]


def test_headline_counts_equal_the_raw_files(real):
    b, geom = real["b"], real["area"].geometry
    now, before = raw_rows(MONTH, geom), raw_rows(PREV, geom)
    h = b.numbers["headline"]
    assert h["total"]["month"] == len(now) > 500
    assert h["total"]["previous"] == len(before)
    assert h["total"]["last_year"] is None  # 2020-12 is not in the files: said, not invented
    assert h["total"]["p_previous"] == pytest.approx(compare_counts(len(now), len(before), 31, 30))
    by_type = Counter(r["Crime type"] for r in now)
    for cat, v in h["by_type"].items():
        if cat in by_type:
            assert v["month"] == by_type[cat], cat
    # the usual range: the 11 earlier months of 2021
    hist = [len(raw_rows(f"2021-{m:02d}", geom)) for m in range(1, 12)]
    mean, sd = np.mean(hist), np.std(hist, ddof=1)
    assert h["total"]["usual_range"] == pytest.approx([round(max(0, mean - 2 * sd), 1), round(mean + 2 * sd, 1)])


def test_top_place_is_the_busiest_hexagon_of_the_raw_files(real):
    b, geom = real["b"], real["area"].geometry
    now = raw_rows(MONTH, geom)
    # the store's documented cell: the res-11 cell's parent at res 9
    cells = [h3.cell_to_parent(h3.latlng_to_cell(float(r["Latitude"]), float(r["Longitude"]), 11), 9) for r in now]
    counts = Counter(cells)
    top_cell, top_n = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    first = b.numbers["places"][0]
    assert (first["cell"], first["count"]) == (top_cell, top_n)
    locs = Counter(r["Location"] for r, c in zip(now, cells) if c == top_cell)
    best = sorted(locs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    assert first["place"].split(" / ")[0] == best.removeprefix("On or near ")
    assert [p["count"] for p in b.numbers["places"]] == sorted(counts.values(), reverse=True)[:10]


def test_real_pack_reads_back_with_every_section(real):
    b = real["b"]
    assert not b.synthetic
    from pptx import Presentation
    from pypdf import PdfReader

    pdf = briefing_pdf(b)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "SYNTHETIC" not in text and "Watford" in text
    assert f"{b.numbers['headline']['total']['month']:,}" in text
    deck = Presentation(io.BytesIO(briefing_pptx(b)))
    assert len(deck.slides) == len(b.sections) + 1
    # police.uk only: no A&E loaded, so the overlay says so; the planners run on the real months
    assert b.section("overlay").missing and "A&E" in b.section("overlay").missing
    for key in ("patrol", "cctv", "sweeps"):
        assert b.section(key).missing is None, (key, b.section(key).missing)
    assert b.numbers["patrol"]["period"] == ["2021-01", "2021-12"]


def pdf_words(pdf: bytes, tmp_path) -> str:
    """The PDF's text as ``pdftotext -layout`` reads it, whitespace collapsed (a sentence may wrap)."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils (pdftotext)")
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def deck_words(deck: bytes) -> str:
    from pptx import Presentation

    prs = Presentation(io.BytesIO(deck))
    return " ".join(" ".join(sh.text_frame.text.split()) for slide in prs.slides for sh in slide.shapes
                    if sh.has_text_frame)


def check_no_ae(b, tmp_path) -> None:
    """Section (d) says there is no A&E data, and what loading it would add, in the model, the PDF and the deck."""
    o = b.section("overlay")
    assert o.missing.startswith("No A&E data loaded. ") and "would show" in o.missing, o.missing
    assert o.metrics == [] and o.text == []  # no "A&E assault attendances located: 0"
    for words in (pdf_words(briefing_pdf(b), tmp_path), deck_words(briefing_pptx(b))):
        assert "No A&E data loaded. With the emergency departments' assault records" in words
        assert "one month of A&E data is too few" not in words
        assert "attendances located" not in words


def test_no_ae_data_loaded_in_the_pdf_and_the_deck(real, tmp_path):
    """police.uk files only: the store has no A&E at all."""
    check_no_ae(real["b"], tmp_path)


def test_the_sample_ae_beside_real_data_is_no_ae_data(real_db, tmp_path):
    """The real files loaded after a first run that wrote the synthetic sample (its A&E included): real data is
    never mixed with the sample, so the real briefing has no A&E data (issue 15 saw "located 0")."""
    from geo.ingest.sample import ingest_sample
    from geo.sample import write_sample

    db = tmp_path / "store.duckdb"
    shutil.copy(real_db, db)
    write_sample(tmp_path / "sample", months=3)
    with Store(db) as s:
        ingest_sample(tmp_path / "sample", s)
    with Store(db, read_only=True) as s:
        assert s.source_count("ae") > 0
        b = build_briefing(s, MONTH, Selection(area=study_area(s, "Watford"), forces=("Hertfordshire Constabulary",)),
                           district="Watford")
    assert not b.synthetic
    check_no_ae(b, tmp_path)
    assert "synthetic sample" in b.section("overlay").missing
    notes = " ".join(b.section("notes").text)
    assert "police x A&E (no A&E data loaded)" in notes
    # the knife sweeps do not claim A&E data either
    assert "--sources police " in b.section("sweeps").links[0].command
