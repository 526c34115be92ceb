"""``--basemap NAME`` on the commands that print maps: the PDF's maps draw that background's tiles.

A tiny raster PMTiles over Watford is built here (tests/unit/test_tiles.py's builder), installed as a basemap
of a copy of the real 2021 store, and the patrol sheet printed with and without it.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from hotspots.cli import main
from tests.unit.test_tiles import raster_pmtiles

pytestmark = pytest.mark.shared


def _coloured_share(pdf, tmp_path) -> float:
    """Share of the first page's pixels that are strongly coloured (the test tiles are; paper, outlines and
    text are white, grey or black, and the plan's own areas are small)."""
    png = tmp_path / f"{pdf.stem}"
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf), str(png)], check=True)
    img = np.asarray(Image.open(next(tmp_path.glob(f"{pdf.stem}*.png"))).convert("RGB")).astype(int)
    return float((img.max(axis=2) - img.min(axis=2) > 60).mean())


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")
def test_patrol_pdf_draws_the_chosen_basemap(real_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOTSPOTS_TILES_DIR", str(tmp_path / "served"))
    db = tmp_path / "copy.duckdb"
    shutil.copy(real_db, db)
    raster_pmtiles(tmp_path / "w.pmtiles")
    assert main(["basemap", "add", "Watford test", "--file", str(tmp_path / "w.pmtiles"), "--db", str(db),
                 "--quiet"]) == 0
    plan = ["patrol", "--db", str(db), "--district", "Watford", "--types", "Violence and sexual offences",
            "--areas", "3"]
    assert main(plan + ["--out", str(tmp_path / "offline.pdf")]) == 0
    assert main(plan + ["--basemap", "Watford test", "--out", str(tmp_path / "tiles.pdf")]) == 0
    assert main(plan + ["--basemap", "No such map", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "No such map" in capsys.readouterr().err
    tiled, offline = _coloured_share(tmp_path / "tiles.pdf", tmp_path), _coloured_share(tmp_path / "offline.pdf",
                                                                                           tmp_path)
    assert tiled > 0.15 and offline < 0.05, (tiled, offline)
