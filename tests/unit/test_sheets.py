"""Printed outputs: the static map and the PDF sheet, read back and rendered."""

import io
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.outputs.sheets import Sheet
from hotspots.outputs.staticmap import StaticMap, nice_scale_length_m


def _png_array(png: bytes) -> np.ndarray:
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")


def test_static_map_draws_the_colours_it_is_given_and_says_synthetic():
    m = StaticMap(title="Two areas", synthetic=False)
    m.boundaries([shapely.box(510_000, 200_000, 514_000, 203_000)])
    m.polygons([shapely.box(511_000, 201_000, 512_000, 202_000)], ["#00ff00"])
    m.circles([513_000], [201_500], 150, colour="#0000ff")
    img = _png_array(m.to_png(width_px=800, height_px=600))
    assert img.shape[:2] == (600, 800)
    rgb = img[..., :3]
    green = (rgb[..., 1] > 0.8) & (rgb[..., 0] < 0.3) & (rgb[..., 2] < 0.3)
    # the polygon is 1 km x 1 km of a 4 km x 3 km boundary: a sizeable block of green pixels
    assert green.sum() > 2_000
    # nothing red without the synthetic stamp; with it, red text appears
    red = lambda a: ((a[..., 0] > 0.7) & (a[..., 1] < 0.2) & (a[..., 2] < 0.2)).sum()  # noqa: E731
    assert red(rgb) == 0
    m.synthetic = True
    assert red(_png_array(m.to_png(width_px=800, height_px=600))[..., :3]) > 50


def test_static_map_fit_data_zooms_to_the_plan():
    m = StaticMap()
    m.boundaries([shapely.box(500_000, 200_000, 540_000, 230_000)])
    m.polygons([shapely.box(520_000, 215_000, 520_300, 215_300)], ["#00ff00"])
    count = lambda png: ((lambda a: ((a[..., 1] > 0.8) & (a[..., 0] < 0.3)).sum())(_png_array(png)))  # noqa: E731
    # a 300 m square is a few pixels in a 40 km frame, a large block when framed on itself
    assert count(m.to_png(800, 600, fit="data")) > 50 * count(m.to_png(800, 600, fit="all"))


def test_scale_bar_lengths_are_round_numbers():
    assert [nice_scale_length_m(s) for s in (1_000, 7_500, 45_000)] == [200.0, 1000.0, 5000.0]


def test_empty_map_says_so():
    assert StaticMap(title="Nothing").to_png(400, 300)[:4] == b"\x89PNG"


def _sheet() -> bytes:
    doc = Sheet("Sheet <script>alert(1)</script>", subtitle="Watford & co", synthetic=True)
    doc.heading("Areas")
    doc.text("Visit each area for 10–15 minutes; 0.1 km²; ≥ 2 hours apart. <b>not bold</b>")
    doc.bullets(["=HYPERLINK(\"x\")", "second"])
    m = StaticMap(title="Map")
    m.polygons([shapely.box(0, 0, 100, 100)], ["#ff0000"])
    doc.image(m.to_png(600, 400), height_frac=0.4)
    doc.table(pd.DataFrame({"Rank": [1, 2], "Place": ["On or near <img src=x onerror=alert(1)>", "High St"],
                            "Share of crime (%)": [3.25, 2.0]}))
    doc.page_break()
    doc.heading("Second page")
    return doc.to_pdf()


def test_sheet_text_reads_back_exactly_and_escaped():
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(_sheet()))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    for expected in ("Sheet <script>alert(1)</script>", "Watford & co", "<b>not bold</b>", "0.1 km²", "≥ 2 hours",
                     "On or near <img src=x onerror=alert(1)>", "3.25", "2.00", "SYNTHETIC sample data",
                     "Page 1"):
        assert expected in text, expected
    assert "Second page" in reader.pages[1].extract_text()
    assert len(reader.pages[0].images) == 1 and len(reader.pages[1].images) == 0


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_sheet_renders_to_png_with_the_map_in_it(tmp_path):
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(_sheet())
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    img = _png_array((tmp_path / "p-1.png").read_bytes())[..., :3]
    # A4 landscape at 50 dpi
    assert abs(img.shape[1] - 585) <= 2 and abs(img.shape[0] - 413) <= 2
    red = (img[..., 0] > 0.8) & (img[..., 1] < 0.25) & (img[..., 2] < 0.25)
    assert red.sum() > 500  # the map's red square (the banner text alone is far fewer pixels)


# ---------------------------------------------------------------- tables, pages, what a sheet covers (issue 15)

def _pdftotext(pdf: bytes, tmp_path, first: int | None = None, last: int | None = None) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    cmd = ["pdftotext", "-layout"] + (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return subprocess.run(cmd + [str(path), "-"], check=True, capture_output=True, text=True).stdout


def _pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def _footer_only(text: str, title: str) -> bool:
    """A page whose only text is the footer (``title | generated ...`` and ``Page n``)."""
    import re

    rest = re.sub(r"Page \d+", "", text.replace(title, "")).replace("|", "")
    rest = re.sub(r"generated \d{2} \w+ \d{4}, \d{2}:\d{2}", "", rest)
    return not rest.strip()


#: The Stevenage 2021 knife-sweep table as main printed it ("Visi t", "13,39 / 3", "26,78 / 9").
SWEEP_ROWS = pd.DataFrame({
    "Visit": [1, 2, 3, 4, 5, 6, 7, 8],
    "Sweep area": ["Sweep 1: Parking Area", "Sweep 3: Hospital", "Sweep 2: Bell Lane", "Sweep 4: Police Station",
                   "Sweep 7: Silam Road", "Sweep 5: Petrol Station", "Sweep 8: Collenswood Road",
                   "Sweep 6: Ely Close"],
    "Area (m²)": [13393.0, 13393.0, 26789.0, 13396.0, 13394.0, 13392.0, 13390.0, 13386.0],
    "Walk round it (m)": [432.0, 432.0, 721.0, 432.0, 432.0, 432.0, 432.0, 432.0],
    "Score": [115.0, 85.0, 94.0, 77.0, 32.0, 41.0, 31.0, 34.0],
    "Possession of weapons": [0, 2, 2, 2, 1, 0, 0, 1],
    "Robbery": [0, 0, 2, 0, 1, 2, 0, 0],
    "Violence and sexual offences": [115, 79, 84, 71, 27, 37, 31, 31],
    "Weapon flagged": [0] * 8,
    "Streets": ["Parking Area", "Hospital", "Bell Lane; Church Lane; Baker Street",
                "Police Station; Pedestrian Subway", "Silam Road", "Petrol Station; Fairlands Way",
                "Collenswood Road", "Ely Close"],
})


def _tokens(text: str) -> set[str]:
    return set(text.split())


def _assert_table_whole(df: pd.DataFrame, text: str) -> None:
    """Every number prints whole (thousands separators, on one line) and every header word is whole."""
    from hotspots.outputs.sheets import column_text

    tokens = _tokens(text)
    for c in df.columns:
        for word in str(c).split():
            assert word in tokens, f"header word {word!r} of {c!r} is split: {sorted(t for t in tokens if t in word)}"
        if pd.api.types.is_numeric_dtype(df[c]):
            for v in column_text(df[c]):
                assert v in tokens, f"{v!r} in column {c!r} is split across lines"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("size_pt", [None, 8, 12, 14])
def test_sweep_table_never_splits_a_number_or_a_header_word(tmp_path, size_pt):
    doc = Sheet("Knife-sweep sheet")
    doc.heading("Areas in visiting order")
    doc.table(SWEEP_ROWS, size_pt=size_pt)
    _assert_table_whole(SWEEP_ROWS, _pdftotext(doc.to_pdf(), tmp_path))


def test_number_columns_are_as_wide_as_their_numbers_and_text_columns_take_the_rest():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from hotspots.outputs.sheets import column_text, column_widths, register_fonts

    font, bold = register_fonts()
    text = [column_text(SWEEP_ROWS[c]) for c in SWEEP_ROWS.columns]
    widths, scale = column_widths(list(SWEEP_ROWS.columns), text, 770, font, bold, 9)
    assert scale == 1.0 and abs(sum(widths) - 770) < 1e-6
    for c, col, w in zip(SWEEP_ROWS.columns, text, widths):
        assert w >= max(stringWidth(v, font, 9) for v in col) + 12, c  # the widest number fits on one line
    by = dict(zip(SWEEP_ROWS.columns, widths))
    # the two text columns get the room; a column of one-digit numbers stays narrow
    assert by["Streets"] > by["Sweep area"] > by["Robbery"] and by["Streets"] > 2 * by["Visit"]


@pytest.mark.parametrize("pt", [6, 9, 12, 20])
def test_crowded_tables_shrink_the_type_instead_of_breaking_words(pt):
    """Twenty number columns on a narrow page: the factor shrinks the type so the widest word still fits
    in the column's width less its padding (which does not shrink)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from hotspots.outputs.sheets import column_widths, register_fonts

    font, bold = register_fonts()
    headers = [f"Column{i}" for i in range(20)]
    cols = [[f"{123456 * (i + 1):,}"] for i in range(20)]
    widths, k = column_widths(headers, cols, 500, font, bold, pt)
    assert k < 1 and abs(sum(widths) - 500) < 1e-6
    for h, col, w in zip(headers, cols, widths):
        assert stringWidth(h, bold, pt * k) <= w - 12 and stringWidth(col[0], font, pt * k) <= w - 12


@pytest.mark.parametrize("rows", range(1, 61))
def test_no_page_holds_only_the_footer(rows):
    """Tables of every length before a page break: the space after a table never starts a page of its own
    (main printed a page 4 with nothing but the footer under the Watford patrol timetable)."""
    doc = Sheet("Patrol sheet")
    doc.heading("Visiting timetable")
    doc.bullets(["Spend 15 minutes in each area on each visit.", "Come back every 2 hours."])
    doc.table(pd.DataFrame({"Team": [1] * rows, "Round": range(rows), "Patrol area": ["Area 1: Nightclub"] * rows,
                            "Minutes": [15] * rows}))
    pages = _pages(doc.to_pdf())
    assert not any(_footer_only(p, "Patrol sheet") for p in pages), [i + 1 for i, p in enumerate(pages)
                                                                    if _footer_only(p, "Patrol sheet")]


def test_plan_notes_print_under_their_heading_and_nothing_without_them():
    from types import SimpleNamespace

    from hotspots.outputs.plans import METHOD_HEADING, add_method_notes

    notes = ["Areas were capped at 0.2 km² and a 1 km walk: the Nightclub zone became 3 areas.",
             "Left out: On or near Police Station (a recording artefact)."]
    with_notes, without = Sheet("Plan"), Sheet("Plan")
    add_method_notes(with_notes, SimpleNamespace(notes=notes))
    add_method_notes(without, SimpleNamespace())
    add_method_notes(without, SimpleNamespace(notes=[]))
    text = " ".join(_pages(with_notes.to_pdf()))
    assert METHOD_HEADING in text and "0.2 km²" in text and "On or near Police Station" in text
    assert METHOD_HEADING not in " ".join(_pages(without.to_pdf()))
