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
