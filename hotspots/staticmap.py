"""Static maps for printed sheets and briefings: PNG images drawn with matplotlib, no network.

A patrol sheet, a camera plan or a JAG slide needs a map that prints and projects
without a tile server (police networks often block them: DOMAIN.md, "closed
networks"). These maps show what the decision needs and nothing else: boundaries,
hexagons or polygons, points and coverage circles, a legend, a scale bar in metres
and a north arrow. Everything is drawn on British National Grid (EPSG:27700), so
distances on the page are true.

Examples
--------
>>> import shapely
>>> m = StaticMap(title="Example", synthetic=True)
>>> m.boundaries([shapely.box(510000, 200000, 512000, 201500)])
>>> m.circles([511000], [200700], 100, labels=["1"])
>>> m.legend([("#1f78b4", "Camera, 100 m coverage")], title="Cameras")
>>> png = m.to_png(width_px=600, height_px=400)
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["StaticMap", "nice_scale_length_m"]

#: Outline colour of boundaries and polygons (dark grey reads on paper and projectors).
OUTLINE = "#333333"


def nice_scale_length_m(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k metres) about a fifth of the map's width.

    >>> nice_scale_length_m(10_000), nice_scale_length_m(1_234), nice_scale_length_m(60_000)
    (2000.0, 200.0, 10000.0)
    """
    if not span_m > 0:
        return 100.0
    target = span_m / 5
    k = math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * 10**k <= target:
            return float(m * 10**k)
    return float(10**k)


def _metres_text(m: float) -> str:
    return f"{m / 1000:g} km" if m >= 1000 else f"{m:g} m"


@dataclass
class _Layer:
    kind: str
    data: dict = field(default_factory=dict)


class StaticMap:
    """A map drawn in British National Grid metres, rendered to PNG.

    Parameters
    ----------
    title : str
        Drawn above the map.
    synthetic : bool
        Stamp "SYNTHETIC DATA" across the map (sample data must say so on every output).
    note : str
        A line under the map (e.g. the period and the data source).

    Notes
    -----
    Layers are drawn in the order they are added; labels are plain text (matplotlib
    does not interpret HTML; mathtext is switched off for every label).
    """

    def __init__(self, title: str = "", synthetic: bool = False, note: str = ""):
        self.title = str(title)
        self.synthetic = bool(synthetic)
        self.note = str(note)
        self._layers: list[_Layer] = []
        self._legend: list[tuple[str, str]] = []
        self._legend_title = ""

    # -- layers ------------------------------------------------------------------
    def boundaries(self, geoms_bng, labels=None) -> None:
        """Outlines (shapely geometries in EPSG:27700): districts, wards, the study area."""
        self._layers.append(_Layer("boundaries", {"geoms": list(geoms_bng), "labels": _opt(labels)}))

    def cells(self, cells, colours, labels=None) -> None:
        """Filled H3 hexagons (cell ids as strings or integers), one colour each."""
        from geo.crs import lonlat_to_bng
        from geo.grid import cells_to_polygons

        polys = cells_to_polygons(list(cells))
        geoms = []
        import shapely

        for p in polys:
            lon, lat = np.asarray(p.exterior.coords).T
            x, y = lonlat_to_bng(lon, lat)
            geoms.append(shapely.Polygon(np.column_stack([x, y])))
        self._layers.append(_Layer("polygons", {"geoms": geoms, "colours": _colours(colours, len(geoms)),
                                                "labels": _opt(labels), "edge": "#ffffff", "lw": 0.3}))

    def polygons(self, geoms_bng, colours, labels=None) -> None:
        """Filled polygons with a dark outline; labels drawn at a point inside each."""
        geoms = list(geoms_bng)
        self._layers.append(_Layer("polygons", {"geoms": geoms, "colours": _colours(colours, len(geoms)),
                                                "labels": _opt(labels), "edge": OUTLINE, "lw": 1.2}))

    def points(self, x, y, colour: str = "#000000", size: float = 20, labels=None) -> None:
        """Points at British National Grid coordinates (metres)."""
        self._layers.append(_Layer("points", {"x": np.asarray(x, float), "y": np.asarray(y, float),
                                              "colour": colour, "size": size, "labels": _opt(labels)}))

    def circles(self, x, y, radius_m: float, colour: str = "#1f78b4", labels=None) -> None:
        """Circles of a true radius in metres (e.g. camera coverage), centre marked."""
        self._layers.append(_Layer("circles", {"x": np.asarray(x, float), "y": np.asarray(y, float),
                                               "r": float(radius_m), "colour": colour, "labels": _opt(labels)}))

    def legend(self, items, title: str = "") -> None:
        """Legend entries: (colour, label) pairs, in order."""
        self._legend = [(str(c), str(lab)) for c, lab in items]
        self._legend_title = str(title)

    # -- drawing -----------------------------------------------------------------
    def _extent(self, pad_frac: float = 0.04, fit: str = "all"):
        import shapely

        xs, ys = [], []
        layers = self._layers
        if fit == "data" and any(layer.kind != "boundaries" for layer in layers):
            layers = [layer for layer in layers if layer.kind != "boundaries"]
            pad_frac = max(pad_frac, 0.15)
        for layer in layers:
            d = layer.data
            if layer.kind in ("boundaries", "polygons") and d["geoms"]:
                b = shapely.total_bounds(np.asarray(d["geoms"], dtype=object))
                xs += [b[0], b[2]]
                ys += [b[1], b[3]]
            elif layer.kind in ("points", "circles") and len(d["x"]):
                r = d.get("r", 0.0)
                xs += [np.nanmin(d["x"]) - r, np.nanmax(d["x"]) + r]
                ys += [np.nanmin(d["y"]) - r, np.nanmax(d["y"]) + r]
        if not xs:
            return None
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        span = max(x1 - x0, y1 - y0, 200.0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        w, h = max(x1 - x0, 200.0), max(y1 - y0, 200.0)
        pad = pad_frac * span
        return cx - w / 2 - pad, cx + w / 2 + pad, cy - h / 2 - pad, cy + h / 2 + pad

    def to_png(self, width_px: int = 1800, height_px: int = 1200, dpi: int = 150, fit: str = "all") -> bytes:
        """Render the map; returns PNG bytes.

        ``fit="all"`` frames every layer; ``fit="data"`` frames the hexagons, polygons,
        points and circles (boundaries are drawn but may run off the edge): use it for a
        plan of a few small areas in a large district.
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Circle, Patch
        from matplotlib.patches import Polygon as MplPolygon

        fig = plt.figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        try:
            # the legend sits in its own column on the right, never over the map
            right = 0.72 if self._legend else 0.98
            ax = fig.add_axes([0.01, 0.06, right, 0.86] if self.title else [0.01, 0.06, right, 0.93])
            ax.set_aspect("equal")
            ax.set_axis_off()
            fs = max(7.0, height_px / dpi * 1.45)
            for layer in self._layers:
                d = layer.data
                if layer.kind in ("boundaries", "polygons"):
                    patches, colours = [], []
                    for i, g in enumerate(d["geoms"]):
                        for ring in _exteriors(g):
                            patches.append(MplPolygon(ring, closed=True))
                            colours.append(d["colours"][i] if layer.kind == "polygons" else "none")
                    if layer.kind == "boundaries":
                        pc = PatchCollection(patches, facecolor="none", edgecolor=OUTLINE, linewidth=1.0)
                    else:
                        pc = PatchCollection(patches, facecolor=colours, edgecolor=d["edge"], linewidth=d["lw"],
                                             alpha=0.85)
                    ax.add_collection(pc)
                    if d["labels"] is not None:
                        for g, lab in zip(d["geoms"], d["labels"]):
                            if lab is None or lab == "" or g.is_empty:
                                continue
                            p = g.representative_point()
                            ax.text(p.x, p.y, str(lab), ha="center", va="center", fontsize=fs, weight="bold",
                                    color="#000000", usetex=False, parse_math=False,
                                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": OUTLINE, "lw": 0.5,
                                          "alpha": 0.85})
                elif layer.kind == "points":
                    ax.scatter(d["x"], d["y"], s=d["size"], c=d["colour"], edgecolors="white", linewidths=0.5,
                               zorder=4)
                    if d["labels"] is not None:
                        for x, y, lab in zip(d["x"], d["y"], d["labels"]):
                            ax.annotate(str(lab), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=fs * 0.9,
                                        zorder=5, parse_math=False)
                elif layer.kind == "circles":
                    circles = [Circle((x, y), d["r"]) for x, y in zip(d["x"], d["y"])]
                    ax.add_collection(PatchCollection(circles, facecolor=d["colour"], edgecolor=d["colour"],
                                                      alpha=0.25, linewidth=1.5, zorder=3))
                    ax.scatter(d["x"], d["y"], s=12, c=d["colour"], zorder=4)
                    if d["labels"] is not None:
                        for x, y, lab in zip(d["x"], d["y"], d["labels"]):
                            ax.text(x, y + d["r"], str(lab), ha="center", va="bottom", fontsize=fs, weight="bold",
                                    zorder=5, parse_math=False,
                                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": d["colour"], "lw": 0.8})
            ext = self._extent(fit=fit)
            if ext is None:
                ax.text(0.5, 0.5, "Nothing to draw for this selection", ha="center", va="center",
                        transform=ax.transAxes, fontsize=fs * 1.4, parse_math=False)
            else:
                x0, x1, y0, y1 = ext
                # fill the axes box: widen the shorter side so the map keeps its true shape
                bw, bh = fig.get_size_inches() * ax.get_position().size
                box_ratio, data_ratio = bw / bh, (x1 - x0) / (y1 - y0)
                if data_ratio < box_ratio:
                    grow = ((y1 - y0) * box_ratio - (x1 - x0)) / 2
                    x0, x1 = x0 - grow, x1 + grow
                else:
                    grow = ((x1 - x0) / box_ratio - (y1 - y0)) / 2
                    y0, y1 = y0 - grow, y1 + grow
                ax.set_xlim(x0, x1)
                ax.set_ylim(y0, y1)
                self._scale_bar(ax, x0, x1, y0, y1, fs)
                self._north_arrow(ax, fs)
            if self._legend:
                import textwrap

                handles = [Patch(facecolor=c, edgecolor=OUTLINE, label=textwrap.fill(lab, 26))
                           for c, lab in self._legend]
                leg = ax.legend(handles=handles, title=self._legend_title or None, loc="upper left",
                                bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=fs, title_fontsize=fs,
                                framealpha=1.0, edgecolor=OUTLINE)
                leg._legend_box.align = "left"
                for t in leg.get_texts():
                    t.set_parse_math(False)
            if self.title:
                fig.text(0.01, 0.975, self.title, fontsize=fs * 1.5, weight="bold", va="top", parse_math=False)
            foot = "Boundaries and hexagons only: no map tiles. British National Grid."
            if self.note:
                foot = f"{self.note}  |  {foot}"
            fig.text(0.01, 0.015, foot, fontsize=fs * 0.85, color="#333333", parse_math=False)
            if self.synthetic:
                fig.text(0.5, 0.5, "SYNTHETIC DATA", fontsize=fs * 5, color="#c00000", alpha=0.18, ha="center",
                         va="center", rotation=20, weight="bold", parse_math=False)
                fig.text(0.99, 0.975, "SYNTHETIC sample data, not real crime", fontsize=fs, color="#c00000",
                         ha="right", va="top", weight="bold", parse_math=False)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
            return buf.getvalue()
        finally:
            plt.close(fig)

    @staticmethod
    def _scale_bar(ax, x0, x1, y0, y1, fs) -> None:
        length = nice_scale_length_m(x1 - x0)
        bx, by = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
        h = 0.008 * (y1 - y0)
        ax.add_patch(__import__("matplotlib.patches", fromlist=["Rectangle"]).Rectangle(
            (bx, by), length, h, facecolor="#000000", edgecolor="#000000", zorder=6))
        ax.text(bx + length / 2, by + 2.2 * h, _metres_text(length), ha="center", va="bottom", fontsize=fs,
                zorder=6, parse_math=False, bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1})

    @staticmethod
    def _north_arrow(ax, fs) -> None:
        ax.annotate("N", xy=(0.97, 0.95), xytext=(0.97, 0.86), xycoords="axes fraction", ha="center", va="center",
                    fontsize=fs * 1.3, weight="bold", zorder=6,
                    arrowprops={"arrowstyle": "-|>", "color": "#000000", "lw": 2})


def _opt(labels):
    return None if labels is None else [None if v is None else str(v) for v in labels]


def _colours(colours, n: int) -> list[str]:
    if isinstance(colours, str):
        return [colours] * n
    out = [str(c) for c in colours]
    if len(out) != n:
        from geo.errors import HotspotsError

        raise HotspotsError(f"{len(out)} colours were given for {n} shapes.", "Give one colour per shape.")
    return out


def _exteriors(g) -> list[np.ndarray]:
    """Exterior rings of a polygon or multipolygon as coordinate arrays (lines: their coordinates)."""
    t = g.geom_type
    if t == "Polygon":
        return [np.asarray(g.exterior.coords)]
    if t in ("MultiPolygon", "GeometryCollection"):
        return [r for part in g.geoms for r in _exteriors(part)]
    if t in ("LineString", "LinearRing"):
        return [np.asarray(g.coords)]
    if t == "MultiLineString":
        return [np.asarray(p.coords) for p in g.geoms]
    return []
