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
from geo.errors import HotspotsError
from geo.crs import lonlat_to_bng
from geo.grid import cells_to_polygons

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

    def route(self, x, y, colour: str = "#000000", width: float = 2.0, arrows: bool = True,
              start_label: str | None = "Start") -> None:
        """A walking or driving order: straight lines joining the points in order (BNG metres).

        Arrowheads half-way along each leg show the direction; ``start_label`` marks the
        first point (None: no mark).
        """
        self._layers.append(_Layer("route", {"x": np.asarray(x, float), "y": np.asarray(y, float),
                                             "colour": str(colour), "width": float(width), "arrows": bool(arrows),
                                             "start": None if start_label is None else str(start_label)}))

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
            elif layer.kind in ("points", "circles", "route") and len(d["x"]):
                r = d.get("r", 0.0)
                xs += [np.nanmin(d["x"]) - r, np.nanmax(d["x"]) + r]
                ys += [np.nanmin(d["y"]) - r, np.nanmax(d["y"]) + r]
        if not xs:
            return None
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        min_span = 200.0
        if fit == "data" and layers is not self._layers:
            bb = self._boundary_bounds()
            if bb is not None:
                b = bb[0]
                # data spread over half the boundaries' width or height: show the whole boundary
                if (x1 - x0) >= 0.5 * (b[2] - b[0]) or (y1 - y0) >= 0.5 * (b[3] - b[1]):
                    return self._extent(pad_frac=0.04, fit="all")
            min_span = 900.0  # a few hexagons are shown with some streets' worth of context around them
        span = max(x1 - x0, y1 - y0, min_span)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        w, h = max(x1 - x0, min_span), max(y1 - y0, min_span)
        pad = pad_frac * span
        return cx - w / 2 - pad, cx + w / 2 + pad, cy - h / 2 - pad, cy + h / 2 + pad

    def to_png(self, width_px: int = 1800, height_px: int = 1200, dpi: int = 150, fit: str = "all",
               locator: str | bool = "auto", font_scale: float = 1.0, legend_loc: str = "right") -> bytes:
        """Render the map; returns PNG bytes.

        ``fit="all"`` frames every layer; ``fit="data"`` frames the hexagons, polygons,
        points, circles and routes (boundaries are drawn but may run off the edge): use it
        for a plan of a few small areas in a large district. When the data fill most of the
        boundaries anyway (half their width or height), the whole boundary is shown.

        Labels are drawn with a white halo. A label that would cover its shape (a small
        hexagon, a point, a coverage circle) is placed beside it, clear of the other labels
        and shapes, and joined to it by a leader line.

        Parameters
        ----------
        locator : "auto", True or False
            A small inset of the boundaries with the map's frame drawn on it, so a reader can
            tell where a zoomed map is. ``"auto"``: when the frame leaves part of the
            boundaries out.
        font_scale : float
            Multiplies every type size (e.g. 1.3 for a projector).
        legend_loc : "right" or "bottom"
            The legend's column on the right (default) or a band under the map (for a map
            printed beside a table).
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Circle, Patch
        from matplotlib.patches import Polygon as MplPolygon

        fig = plt.figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        try:
            fs = max(7.0, height_px / dpi * 1.45) * float(font_scale)
            top = (0.88 if self.synthetic else 0.92) if self.title else 0.99
            bottom_band = 0.0
            if self._legend and legend_loc == "bottom":
                rows = math.ceil(len(self._legend) / 2) + (1 if self._legend_title else 0)
                bottom_band = min(0.4, (rows * fs * 1.55 + 8) / 72 / (height_px / dpi))
            # the legend sits in its own column on the right (or a band underneath), never over the map
            right = 0.72 if (self._legend and legend_loc != "bottom") else 0.98
            ax = fig.add_axes([0.01, 0.06 + bottom_band, right, top - 0.06 - bottom_band])
            ax.set_aspect("equal")
            ax.set_axis_off()
            labels: list[dict] = []   # placed after the frame is known
            for layer in self._layers:
                d = layer.data
                if layer.kind in ("boundaries", "polygons"):
                    patches, colours = [], []
                    for i, g in enumerate(d["geoms"]):
                        for ring in _exteriors(g):
                            patches.append(MplPolygon(ring, closed=True))
                            colours.append(d["colours"][i] if layer.kind == "polygons" else "none")
                    if layer.kind == "boundaries":
                        pc = PatchCollection(patches, facecolor="none", edgecolor=OUTLINE, linewidth=1.2, zorder=2)
                    else:
                        pc = PatchCollection(patches, facecolor=colours, edgecolor=d["edge"], linewidth=d["lw"],
                                             alpha=0.85, zorder=2)
                    ax.add_collection(pc)
                    if d["labels"] is not None:
                        for g, lab in zip(d["geoms"], d["labels"]):
                            if lab is None or lab == "" or g.is_empty:
                                continue
                            p = g.representative_point()
                            b = g.bounds
                            labels.append({"x": p.x, "y": p.y, "text": lab, "half_m": max(b[2] - b[0], b[3] - b[1]) / 2,
                                           "bbox": b, "boundary": layer.kind == "boundaries", "colour": OUTLINE})
                elif layer.kind == "points":
                    ax.scatter(d["x"], d["y"], s=d["size"], c=d["colour"], edgecolors="white", linewidths=0.8,
                               zorder=4)
                    if d["labels"] is not None:
                        half_pt = math.sqrt(max(d["size"], 1.0)) / 2
                        for x, y, lab in zip(d["x"], d["y"], d["labels"]):
                            if lab is None or lab == "":
                                continue
                            labels.append({"x": x, "y": y, "text": lab, "half_m": 0.0, "half_pt": half_pt,
                                           "colour": d["colour"], "point": True})
                elif layer.kind == "circles":
                    circles = [Circle((x, y), d["r"]) for x, y in zip(d["x"], d["y"])]
                    ax.add_collection(PatchCollection(circles, facecolor=d["colour"], edgecolor=d["colour"],
                                                      alpha=0.25, linewidth=1.5, zorder=3))
                    ax.scatter(d["x"], d["y"], s=12, c=d["colour"], zorder=4)
                    if d["labels"] is not None:
                        for x, y, lab in zip(d["x"], d["y"], d["labels"]):
                            if lab is None or lab == "":
                                continue
                            labels.append({"x": x, "y": y, "text": lab, "half_m": d["r"], "colour": d["colour"],
                                           "boxed": True})
                elif layer.kind == "route":
                    _draw_route(ax, d, fs)
            ext = self._extent(fit=fit)
            view = None
            if ext is None:
                ax.text(0.5, 0.5, "Nothing to draw for this selection", ha="center", va="center",
                        transform=ax.transAxes, fontsize=fs * 1.4, parse_math=False)
            else:
                x0, x1, y0, y1 = ext
                # fill the axes box: widen the shorter side so the map keeps its true shape
                # the original box: get_position() would first shrink it to the autoscaled data (apply_aspect)
                bw, bh = fig.get_size_inches() * ax.get_position(original=True).size
                box_ratio, data_ratio = bw / bh, (x1 - x0) / (y1 - y0)
                if data_ratio < box_ratio:
                    grow = ((y1 - y0) * box_ratio - (x1 - x0)) / 2
                    x0, x1 = x0 - grow, x1 + grow
                else:
                    grow = ((x1 - x0) / box_ratio - (y1 - y0)) / 2
                    y0, y1 = y0 - grow, y1 + grow
                ax.set_xlim(x0, x1)
                ax.set_ylim(y0, y1)
                view = (x0, x1, y0, y1)
                self._scale_bar(ax, x0, x1, y0, y1, fs)
                self._north_arrow(ax, fs)
                ax.apply_aspect()
                _place_labels(fig, ax, labels, fs, dpi)
            leg_bottom = 1.0
            if self._legend:
                import textwrap

                # wrap to the legend column's width (about a quarter of the image), so nothing is cut off
                char_px = 0.6 * fs * dpi / 72
                wrap = 60 if legend_loc == "bottom" else max(12, min(34, int(0.25 * width_px / char_px) - 4))
                handles = [Patch(facecolor=c, edgecolor=OUTLINE, label=textwrap.fill(lab, wrap))
                           for c, lab in self._legend]
                title = textwrap.fill(self._legend_title, wrap + 4) or None
                if legend_loc == "bottom":
                    leg = fig.legend(handles=handles, title=title, loc="lower left",
                                     bbox_to_anchor=(0.01, 0.05), ncols=2, fontsize=fs, title_fontsize=fs,
                                     framealpha=1.0, edgecolor=OUTLINE)
                else:
                    leg = ax.legend(handles=handles, title=title, loc="upper left",
                                    bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=fs, title_fontsize=fs,
                                    framealpha=1.0, edgecolor=OUTLINE)
                leg._legend_box.align = "left"
                for t in leg.get_texts():
                    t.set_parse_math(False)
                if legend_loc != "bottom":
                    fig.canvas.draw()
                    leg_bottom = leg.get_window_extent().transformed(fig.transFigure.inverted()).y0
            if view is not None and self._wants_locator(locator, view):
                self._draw_locator(fig, ax, view, legend_column=bool(self._legend) and legend_loc != "bottom",
                                   below=leg_bottom, fs=fs)
            if self.title:
                fig.text(0.01, 0.975, self.title, fontsize=fs * 1.5, weight="bold", va="top", parse_math=False)
            foot = "Boundaries and hexagons only: no map tiles. British National Grid."
            if self.note:
                foot = f"{self.note}  |  {foot}"
            import textwrap as _tw

            foot_chars = max(30, int(0.98 * width_px / (0.55 * fs * 0.85 * dpi / 72)))
            lines = _tw.wrap(foot, foot_chars)
            foot_fs = fs * 0.85 if len(lines) <= 1 else fs * 0.85 * max(0.7, foot_chars / max(len(foot) / 2, 1))
            fig.text(0.01, 0.015, _tw.fill(foot, max(30, int(0.98 * width_px / (0.55 * foot_fs * dpi / 72)))),
                     fontsize=min(fs * 0.85, foot_fs), color="#333333", parse_math=False, va="bottom")
            if self.synthetic:
                fig.text(0.5, 0.5, "SYNTHETIC DATA", fontsize=fs * 5, color="#c00000", alpha=0.12, ha="center",
                         va="center", rotation=20, weight="bold", parse_math=False, zorder=0)
                # under the title when the title is long, so the two never overlap
                long_title = len(self.title) * 0.66 * fs * 1.5 / 72 > 0.55 * width_px / dpi
                fig.text(0.99, 0.935 if long_title else 0.975, "SYNTHETIC sample data, not real crime", fontsize=fs,
                         color="#c00000", ha="right", va="top", weight="bold", parse_math=False)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
            return buf.getvalue()
        finally:
            plt.close(fig)

    def _boundary_bounds(self):
        import shapely

        geoms = [g for layer in self._layers if layer.kind == "boundaries" for g in layer.data["geoms"]]
        if not geoms:
            return None
        return shapely.total_bounds(np.asarray(geoms, dtype=object)), geoms

    def _wants_locator(self, locator, view) -> bool:
        if locator is False or locator is None:
            return False
        bb = self._boundary_bounds()
        if bb is None:
            return False
        if locator is True:
            return True
        b = bb[0]
        x0, x1, y0, y1 = view
        tol = 0.02 * max(b[2] - b[0], b[3] - b[1])
        return b[0] < x0 - tol or b[2] > x1 + tol or b[1] < y0 - tol or b[3] > y1 + tol

    def _draw_locator(self, fig, ax, view, legend_column: bool, below: float, fs: float) -> None:
        """The boundaries small, with the main map's frame as a red box."""
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Polygon as MplPolygon
        from matplotlib.patches import Rectangle

        b, geoms = self._boundary_bounds()
        x0, x1, y0, y1 = view
        lx0, lx1 = min(b[0], x0), max(b[2], x1)
        ly0, ly1 = min(b[1], y0), max(b[3], y1)
        fw, fh = fig.get_size_inches()
        if legend_column:
            left, width = 0.745, 0.24
            height = min(0.36, max(0.12, below - 0.10))
            bottom = 0.08
        else:
            width, height = 0.2, 0.2 * fw / fh
            pos = ax.get_position(original=True)
            left, bottom = pos.x1 - width - 0.01, pos.y0 + 0.01
        inset = fig.add_axes([left, bottom, width, height])
        inset.set_aspect("equal", adjustable="box")
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_facecolor("white")
        for sp in inset.spines.values():
            sp.set_edgecolor(OUTLINE)
        patches = [MplPolygon(ring, closed=True) for g in geoms for ring in _exteriors(g)]
        inset.add_collection(PatchCollection(patches, facecolor="#eeeeee", edgecolor=OUTLINE, linewidth=0.6))
        pad = 0.05 * max(lx1 - lx0, ly1 - ly0)
        inset.set_xlim(lx0 - pad, lx1 + pad)
        inset.set_ylim(ly0 - pad, ly1 + pad)
        w, h = x1 - x0, y1 - y0
        # a tiny frame is drawn at least a few points across, so it can be seen
        span = max(lx1 - lx0, ly1 - ly0)
        if max(w, h) < 0.04 * span:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            w = h = 0.04 * span
            x0, y0 = cx - w / 2, cy - h / 2
        inset.add_patch(Rectangle((x0, y0), w, h, facecolor="none", edgecolor="#d7191c", linewidth=2.0))
        inset.set_title("Where this map is", fontsize=fs * 0.85, loc="left")

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


def _draw_route(ax, d: dict, fs: float) -> None:
    """Straight legs between consecutive points, an arrowhead half-way along each, the start marked."""
    x, y = d["x"], d["y"]
    if len(x) < 1:
        return
    import matplotlib.patheffects as pe

    ax.plot(x, y, color=d["colour"], linewidth=d["width"], linestyle=(0, (5, 2)), zorder=3.5,
            path_effects=[pe.withStroke(linewidth=d["width"] + 2, foreground="white")])
    if d["arrows"]:
        for i in range(len(x) - 1):
            mx, my = (x[i] + x[i + 1]) / 2, (y[i] + y[i + 1]) / 2
            dx, dy = x[i + 1] - x[i], y[i + 1] - y[i]
            if math.hypot(dx, dy) == 0:
                continue
            ax.annotate("", xy=(mx + dx * 0.01, my + dy * 0.01), xytext=(mx - dx * 0.01, my - dy * 0.01),
                        arrowprops={"arrowstyle": "-|>,head_length=0.8,head_width=0.45", "color": d["colour"],
                                    "lw": d["width"]}, zorder=3.6)
    if d["start"]:
        ax.scatter(x[:1], y[:1], s=90, marker="s", c=d["colour"], edgecolors="white", linewidths=1.0, zorder=3.7)


def _label_size_px(text: str, fs: float, dpi: float, boxed: bool) -> tuple[float, float]:
    """Estimated width and height of a label in pixels (DejaVu Sans bold: ~0.66 em a character)."""
    lines = str(text).split("\n")
    pt = fs
    w = max(len(s) for s in lines) * 0.66 * pt + (0.8 * pt if boxed else 0.3 * pt)
    h = len(lines) * 1.25 * pt + (0.6 * pt if boxed else 0.2 * pt)
    return w * dpi / 72, h * dpi / 72


def _overlap(a, b) -> float:
    """Overlapping area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if (w > 0 and h > 0) else 0.0


def _place_labels(fig, ax, labels: list[dict], fs: float, dpi: float) -> None:
    """Draw labels: inside their shape when it is big enough, else beside it with a leader line.

    Greedy placement in label order (the first labels get the best places): candidate
    positions on rings around each shape, in eight directions; the first that overlaps no
    placed label, no labelled shape and stays inside the map is taken (else the least
    overlapping one). Text has a white halo so it reads on any fill.
    """
    import matplotlib.patheffects as pe

    if not labels:
        return
    to_px = ax.transData.transform
    from_px = ax.transData.inverted().transform
    axb = ax.get_window_extent()
    ax_box = (axb.x0, axb.y0, axb.x1, axb.y1)
    m_per_px = (ax.get_xlim()[1] - ax.get_xlim()[0]) / max(axb.width, 1.0)
    halo = [pe.withStroke(linewidth=max(2.5, fs * 0.45), foreground="white")]
    # what labels must not cover: every labelled shape (small ones fully), the scale bar and north arrow
    obstacles = []
    for lab in labels:
        cx, cy = to_px((lab["x"], lab["y"]))
        r = lab["half_m"] / m_per_px + lab.get("half_pt", 0.0) * dpi / 72
        lab["px"], lab["r_px"] = (cx, cy), r
        if r < 60:
            obstacles.append((cx - r - 2, cy - r - 2, cx + r + 2, cy + r + 2))
    obstacles.append((axb.x0, axb.y0, axb.x0 + 0.3 * axb.width, axb.y0 + 0.12 * axb.height))   # scale bar
    obstacles.append((axb.x1 - 0.07 * axb.width, axb.y1 - 0.2 * axb.height, axb.x1, axb.y1))  # north arrow
    placed: list[tuple] = []
    dirs = [(1, 1), (-1, 1), (1, -1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    for lab in labels:
        cx, cy = lab["px"]
        r = lab["r_px"]
        boxed = bool(lab.get("boxed")) or not lab.get("point", False)
        w, h = _label_size_px(lab["text"], fs, dpi, boxed)
        inside = (not lab.get("point")) and not lab.get("boxed") and 2 * r >= 1.3 * max(w, h)
        if lab.get("boundary"):
            inside = True
        if inside:
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            placed.append(box)
            big = fs * (1.4 if 2 * r >= 2.2 * max(w, h) else 1.0)  # a roomy shape gets a bigger number
            ax.text(lab["x"], lab["y"], lab["text"], ha="center", va="center", fontsize=big, weight="bold",
                    color="#000000", zorder=7, parse_math=False,
                    path_effects=[pe.withStroke(linewidth=max(2.5, big * 0.45), foreground="white")])
            continue
        best, best_cost = None, None
        gap = 0.25 * fs * dpi / 72
        for ring in range(6):
            dist = r + gap + ring * 0.9 * max(w, h)
            for ux, uy in dirs:
                n = math.hypot(ux, uy)
                ox, oy = cx + ux / n * (dist + w / 2 * abs(ux) / n), cy + uy / n * (dist + h / 2 * abs(uy) / n)
                box = (ox - w / 2, oy - h / 2, ox + w / 2, oy + h / 2)
                cost = sum(_overlap(box, o) for o in placed) * 4 + sum(_overlap(box, o) for o in obstacles)
                out = (max(0.0, ax_box[0] - box[0]) + max(0.0, box[2] - ax_box[2]) +
                       max(0.0, ax_box[1] - box[1]) + max(0.0, box[3] - ax_box[3]))
                cost += out * (w + h) * 4 + ring * 0.01
                if best_cost is None or cost < best_cost:
                    best, best_cost = (ox, oy, box, ring), cost
                if cost < 0.5:
                    break
            if best_cost is not None and best_cost < 0.5:
                break
        ox, oy, box, ring = best
        placed.append(box)
        lx, ly = from_px((ox, oy))
        far = ring > 0 or not lab.get("point")
        bbox = ({"boxstyle": "round,pad=0.25", "fc": "white", "ec": lab.get("colour", OUTLINE), "lw": 1.2}
                if boxed else None)
        ax.text(lx, ly, lab["text"], ha="center", va="center", fontsize=fs, weight="bold", color="#000000",
                zorder=8, parse_math=False, bbox=bbox, path_effects=None if boxed else halo)
        if far:
            # leader line from the shape's edge to the label's nearest edge
            ex = min(max(cx, box[0]), box[2])
            ey = min(max(cy, box[1]), box[3])
            dx, dy = ex - cx, ey - cy
            dd = math.hypot(dx, dy)
            if dd > r + 1:
                sx, sy = cx + dx / dd * r, cy + dy / dd * r
                (x0, y0), (x1, y1) = from_px((sx, sy)), from_px((ex, ey))
                ax.plot([x0, x1], [y0, y1], color="#000000", linewidth=1.0, zorder=7.5,
                        path_effects=[pe.withStroke(linewidth=2.6, foreground="white")])
