"""Printed maps: raster tiles under the map (placed where the projection says), the offline background of
outlines and street names, and legends that hide no marker (issue 15)."""

from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from hotspots.outputs.staticmap import TILE_WASH, StaticMap
from hotspots.tasks.mapcontext import MapContext

matplotlib.use("Agg")

TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def _colour(z: int, x: int, y: int) -> tuple[int, int, int]:
    """A known colour per tile: neighbours always differ in red or green."""
    return (x * 53) % 200 + 40, (y * 97) % 200 + 40, (z * 11) % 256


def _png_tile(rgb, size: int = 256) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (size, size), tuple(int(v) for v in rgb)).save(buf, format="PNG")
    return buf.getvalue()


class FakeTiles:
    """A TileSource double: PNG tiles of one known colour each; records what it was asked for."""

    kind, tile_format, bounds = "raster", "png", None
    attribution, name = "Test tiles (c) nobody", "fake"

    def __init__(self, min_zoom=0, max_zoom=18, size=256, missing=False):
        self.min_zoom, self.max_zoom, self.size, self.missing = min_zoom, max_zoom, size, missing
        self.requests: list[tuple[int, int, int]] = []

    def tile(self, z, x, y):
        self.requests.append((z, x, y))
        return None if self.missing else _png_tile(_colour(z, x, y), self.size)


def _tile_of(e: float, n: float, z: int) -> tuple[float, float]:
    """Slippy-map tile coordinates (OSM wiki formula) of a British National Grid point."""
    lon, lat = TO_LONLAT.transform(e, n)
    k = 2 ** z
    lat_r = math.radians(lat)
    return (lon + 180) / 360 * k, (1 - math.log(math.tan(lat_r) + 1 / math.cos(lat_r)) / math.pi) / 2 * k


def _render(m: StaticMap, **kw):
    """The figure and its PNG, read back as an array (rows from the top)."""
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    fig = m.figure(**kw)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, facecolor="white")
    img = (mpimg.imread(io.BytesIO(buf.getvalue()), format="png")[..., :3] * 255).round()
    return fig, img, plt


@pytest.mark.parametrize("frame_m, size", [(1_500, 256), (6_000, 256), (3_000, 512)])
def test_tile_pixels_land_where_the_projection_puts_them(frame_m, size):
    """Sample pixels well inside tiles: each shows its tile's colour (washed as the map washes tiles), the
    tile being the one the slippy-map formula gives for that pixel's British National Grid point."""
    tiles = FakeTiles(size=size)
    e0, n0 = 510_500, 196_500   # Watford town centre
    m = StaticMap(tiles=tiles)
    m.boundaries([shapely.box(e0, n0, e0 + frame_m, n0 + frame_m * 0.6)])
    fig, img, plt = _render(m, width_px=900, height_px=600, dpi=100)
    try:
        ax = fig.axes[0]
        zooms = {z for z, _, _ in tiles.requests}
        assert len(zooms) == 1
        z = zooms.pop()
        # the map's own resolution: one tile pixel no larger than one map pixel
        x0, x1 = ax.get_xlim()
        axb = ax.get_window_extent()
        lat = TO_LONLAT.transform((x0 + x1) / 2, n0)[1]
        tile_m_px = 2 * math.pi * 6378137 * math.cos(math.radians(lat)) / (256 * 2 ** z)
        assert tile_m_px <= (x1 - x0) / axb.width < 2 * tile_m_px
        checked = 0
        rng = np.random.default_rng(0)
        inv = ax.transData.inverted()
        for px, py in zip(rng.uniform(axb.x0 + 0.35 * axb.width, axb.x1 - 0.1 * axb.width, 400),
                          rng.uniform(axb.y0 + 0.2 * axb.height, axb.y1 - 0.25 * axb.height, 400)):
            e, n = inv.transform((px, py))
            tx, ty = _tile_of(e, n, z)
            # keep pixels 3 tile pixels from a tile edge (bilinear sampling blends at edges)
            if min(tx % 1, 1 - tx % 1, ty % 1, 1 - ty % 1) * size < 3:
                continue
            if shapely.box(e0, n0, e0 + frame_m, n0 + frame_m * 0.6).exterior.distance(shapely.Point(e, n)) < \
                    6 * (x1 - x0) / axb.width:
                continue  # the outline is drawn over the tiles
            want = np.array(_colour(z, int(tx), int(ty)), float) * (1 - TILE_WASH) + 255 * TILE_WASH
            got = img[int(round(img.shape[0] - py - 0.5)), int(round(px - 0.5))]
            assert np.abs(got - want).max() <= 3, (e, n, z, got, want)
            checked += 1
        assert checked > 100
    finally:
        plt.close(fig)


def test_the_tiles_credit_is_in_the_footer_and_a_silent_source_falls_back_to_outlines():
    import matplotlib.pyplot as plt

    ctx = MapContext(outlines=(("district", "Watford", shapely.box(508_000, 194_000, 514_000, 200_000)),),
                     streets=pd.DataFrame({"name": ["High Street"], "easting": [511_000.0],
                                           "northing": [196_600.0], "n": [50.0]}))
    for tiles, expect, streets in [(FakeTiles(), "Test tiles (c) nobody", False),
                                   (FakeTiles(missing=True), "sent no tiles", True)]:
        m = StaticMap(tiles=tiles, context=ctx)
        m.points([510_800], [196_300], colour="#ff00ff", size=30)
        fig = m.figure(width_px=900, height_px=600, dpi=100, fit="data")
        try:
            texts = [t.get_text() for t in fig.texts] + [t.get_text() for t in fig.axes[0].texts]
            assert any(expect in t for t in texts), texts
            assert ("High Street" in texts) is streets   # tiles carry their own street names
            assert ("WATFORD" in texts) is streets
        finally:
            plt.close(fig)


def test_vector_tiles_are_not_fetched_for_print_and_the_map_says_so():
    import matplotlib.pyplot as plt

    tiles = FakeTiles()
    tiles.kind, tiles.tile_format = "vector", "pbf"
    m = StaticMap(tiles=tiles, context=MapContext())
    m.boundaries([shapely.box(510_000, 196_000, 511_000, 197_000)])
    fig = m.figure(width_px=600, height_px=400, dpi=100)
    try:
        assert tiles.requests == []
        assert any("vector tiles" in t.get_text() for t in fig.texts)
    finally:
        plt.close(fig)


def test_without_tiles_nothing_is_fetched_and_offline_names_are_drawn_at_street_scale():
    """Offline: district and ward names, and police.uk street names at street scale (not on a county map)."""
    import matplotlib.pyplot as plt

    watford = shapely.box(508_000, 194_000, 514_000, 200_000)
    ctx = MapContext(outlines=(("district", "Watford", watford),
                               ("ward", "Central", shapely.box(510_000, 196_000, 512_000, 197_500))),
                     streets=pd.DataFrame({"name": ["High Street", "The Parade", "Far Away Road"],
                                           "easting": [510_900.0, 511_300.0, 530_000.0],
                                           "northing": [196_700.0, 196_900.0, 230_000.0], "n": [90.0, 40.0, 5.0]}))

    def names(frame):
        m = StaticMap(context=ctx)
        m.boundaries([frame])
        fig = m.figure(width_px=1200, height_px=800, dpi=100)
        try:
            return {t.get_text() for t in fig.axes[0].texts}, " ".join(t.get_text() for t in fig.texts)
        finally:
            plt.close(fig)

    street, foot = names(shapely.box(510_300, 196_200, 511_900, 197_300))
    assert {"High Street", "The Parade", "Central"} <= street and "Far Away Road" not in street
    assert "No map tiles: outlines and police.uk street names" in foot
    county, _ = names(shapely.box(480_000, 180_000, 560_000, 250_000))
    assert "WATFORD" in county and "High Street" not in county and "Central" not in county


# ---------------------------------------------------------------------------- legends that hide nothing

def _covered(fig) -> list[str]:
    """Markers and map labels under a legend or an inset, measured with matplotlib's renderer boxes."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    covers = []
    legends = [leg for leg in [ax.get_legend(), *fig.legends] if leg is not None]
    covers += [("legend", leg.get_window_extent(renderer)) for leg in legends]
    for inset in fig.axes[1:]:
        covers.append(("inset", inset.get_tightbbox(renderer)))
    found = []
    for coll in ax.collections:
        offsets = coll.get_offsets()
        if not len(offsets) or type(coll).__name__ != "PathCollection":
            continue
        sizes = coll.get_sizes()
        r = (math.sqrt(float(max(sizes))) / 2 if len(sizes) else 3) * fig.dpi / 72
        for px, py in ax.transData.transform(np.asarray(offsets)):
            for what, b in covers:
                if b.x0 - r < px < b.x1 + r and b.y0 - r < py < b.y1 + r:
                    found.append(f"marker at ({px:.0f}, {py:.0f}) under the {what}")
    for t in ax.texts:
        if not t.get_text():
            continue
        tb = t.get_window_extent(renderer)
        for what, b in covers:
            if tb.overlaps(b):
                found.append(f"label {t.get_text()!r} under the {what}")
    return found


def _grid_map(nx: int, ny: int, legend: bool, corner_only: str | None = None) -> StaticMap:
    """Markers over a 3 km x 2 km patch of a 40 km boundary (so the locator is drawn)."""
    m = StaticMap(title="Sites")
    m.boundaries([shapely.box(490_000, 180_000, 530_000, 215_000)])
    xs, ys = np.meshgrid(np.linspace(510_000, 513_000, nx), np.linspace(196_000, 198_000, ny))
    x, y = xs.ravel(), ys.ravel()
    if corner_only == "upper right":
        keep = (x > 511_500) & (y > 197_000)
        x, y = x[keep], y[keep]
    m.points(x, y, colour="#ff00ff", size=30, labels=[str(i + 1) if i < 6 else None for i in range(len(x))])
    if legend:
        m.legend([("#ff00ff", f"Camera site {i}") for i in range(1, 7)], title="Cameras")
    return m


@pytest.mark.parametrize("legend", [True, False])
@pytest.mark.parametrize("nx, ny, corner_only", [(25, 18, None), (6, 5, None), (8, 6, "upper right")])
def test_legend_and_locator_cover_no_marker_or_label(monkeypatch, legend, nx, ny, corner_only):
    """Whatever the markers fill (the whole frame, a sparse grid, one corner), no legend or inset covers one.

    Measured on the figure ``to_png`` saves (so the test reads what is printed)."""
    import matplotlib.figure

    seen = []
    save = matplotlib.figure.Figure.savefig

    def spy(self, *a, **k):
        seen.append(_covered(self))
        return save(self, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    png = _grid_map(nx, ny, legend, corner_only).to_png(width_px=1200, height_px=800, dpi=100, fit="data",
                                                        locator=True)
    assert png[:4] == b"\x89PNG" and len(seen) == 1
    assert seen[0] == []


@pytest.mark.parametrize("legend", [True, False])
def test_a_free_corner_takes_the_legend_and_the_map_gets_the_width(legend):
    """Markers only in the upper right of the area: the legend and the locator go in empty corners inside
    the map, which gets the width a legend column would take."""
    import matplotlib.pyplot as plt

    m = StaticMap(title="Sites")
    m.boundaries([shapely.box(510_000, 196_000, 516_000, 200_000)])
    xs, ys = np.meshgrid(np.linspace(514_000, 515_800, 8), np.linspace(198_600, 199_800, 6))
    m.points(xs.ravel(), ys.ravel(), colour="#ff00ff", size=30)
    if legend:
        m.legend([("#ff00ff", f"Camera site {i}") for i in range(1, 7)], title="Cameras")
    fig = m.figure(width_px=1200, height_px=800, dpi=100, locator=True)
    column = m.figure(width_px=1200, height_px=800, dpi=100, locator=True, legend_loc="right")
    try:
        assert _covered(fig) == [] and _covered(column) == []
        ax, axc = fig.axes[0].get_window_extent(), column.axes[0].get_window_extent()
        assert ax.width > 1.25 * axc.width
        boxes = [fig.axes[1].get_window_extent()]
        if legend:
            boxes.append(fig.axes[0].get_legend().get_window_extent(fig.canvas.get_renderer()))
        for box in boxes:   # inside the map's frame
            assert ax.x0 <= box.x0 and box.x1 <= ax.x1 and ax.y0 <= box.y0 and box.y1 <= ax.y1
    finally:
        plt.close(fig)
        plt.close(column)


def _write_pmtiles(path, z: int, xs: range, ys: range, attribution: str) -> None:
    """A small raster PMTiles file (one zoom, a known colour per tile), written with the pmtiles package."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    with open(path, "wb") as fh:
        w = Writer(fh)
        tiles = sorted((zxy_to_tileid(z, x, y), x, y) for x in xs for y in ys)
        for tid, x, y in tiles:
            w.write_tile(tid, _png_tile(_colour(z, x, y)))
        w.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE, "min_zoom": z, "max_zoom": z,
                    "min_lon_e7": int(-0.5e7), "min_lat_e7": int(51.6e7), "max_lon_e7": int(-0.3e7),
                    "max_lat_e7": int(51.7e7), "center_zoom": z, "center_lon_e7": int(-0.4e7),
                    "center_lat_e7": int(51.65e7)},
                   {"name": "Test streets", "attribution": attribution, "format": "png"})


def test_a_pmtiles_file_built_here_is_drawn_where_the_projection_says(tmp_path):
    """The real reader (geo.tiles.open_tiles) on a PMTiles file: the map asks for its one zoom, shows each
    tile's colour where the slippy-map formula puts that tile, and credits the file."""
    import matplotlib.pyplot as plt

    from geo.tiles import open_tiles

    z = 15
    e0, n0, frame = 510_500, 196_500, 1_500
    corners = [_tile_of(e, n, z) for e in (e0 - 2000, e0 + frame + 2000) for n in (n0 - 2000, n0 + frame + 2000)]
    xs = range(int(min(c[0] for c in corners)), int(max(c[0] for c in corners)) + 1)
    ys = range(int(min(c[1] for c in corners)), int(max(c[1] for c in corners)) + 1)
    path = tmp_path / "streets.pmtiles"
    _write_pmtiles(path, z, xs, ys, "Contains OS data © Crown copyright <b>2024</b>")
    tiles = open_tiles(path)
    assert tiles.kind == "raster" and (tiles.min_zoom, tiles.max_zoom) == (z, z)
    m = StaticMap(tiles=tiles)
    m.boundaries([shapely.box(e0, n0, e0 + frame, n0 + frame * 0.6)])
    fig, img, _ = _render(m, width_px=900, height_px=600, dpi=100)
    try:
        ax = fig.axes[0]
        axb = ax.get_window_extent()
        inv = ax.transData.inverted()
        hits = 0
        for px in np.linspace(axb.x0 + 0.3 * axb.width, axb.x1 - 0.15 * axb.width, 25):
            for py in np.linspace(axb.y0 + 0.2 * axb.height, axb.y1 - 0.3 * axb.height, 15):
                e, n = inv.transform((px, py))
                tx, ty = _tile_of(e, n, z)
                if min(tx % 1, 1 - tx % 1, ty % 1, 1 - ty % 1) * 256 < 3 or \
                        shapely.box(e0, n0, e0 + frame, n0 + frame * 0.6).exterior.distance(shapely.Point(e, n)) < 30:
                    continue
                want = np.array(_colour(z, int(tx), int(ty)), float) * (1 - TILE_WASH) + 255 * TILE_WASH
                got = img[int(round(img.shape[0] - py - 0.5)), int(round(px - 0.5))]
                assert np.abs(got - want).max() <= 3, (e, n, got, want)
                hits += 1
        assert hits > 100
        foot = " ".join(t.get_text() for t in fig.texts)
        # the credit as plain text (geo.tiles drops markup)
        assert "Contains OS data © Crown copyright" in foot and "<b>" not in foot and "zoom 15" in foot
    finally:
        plt.close(fig)
        tiles.close()
