"""Static maps for printed sheets and briefings: PNG images drawn with matplotlib.

A patrol sheet, a camera plan or a JAG slide needs a map that prints and projects
without a tile server (police networks often block them: DOMAIN.md, "closed
networks"). These maps show what the decision needs: boundaries, hexagons or
polygons, points and coverage circles, a legend, a scale bar in metres and a north
arrow. Everything is drawn on British National Grid (EPSG:27700), so distances on
the page are true.

Under the plan, a map draws the background the user chose (``context``, a
``hotspots.tasks.mapcontext.MapContext``): a basemap's raster tiles, reprojected
from Web Mercator onto the map's frame and credited in its footer; or, offline (the
default: nothing is fetched), the district and ward outlines with their names and
police.uk's street names at street scale. Legends and the locator inset go in a
corner of the map where they cover no marker, shape or label (else beside the map).

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
from geo.crs import bng_to_lonlat, lonlat_to_bng
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
    def __init__(self, title: str = "", synthetic: bool = False, note: str = "", tiles=None, context=None):
        self.context = context
        self.tiles = tiles if tiles is not None else getattr(context, "tiles", None)
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
               locator: str | bool = "auto", font_scale: float = 1.0, legend_loc: str = "auto") -> bytes:
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
        legend_loc : "auto", "right" or "bottom"
            ``"auto"`` (default): the legend (and the locator) in a corner of the map that covers no
            marker, shape or label, tested on the drawn boxes; when no corner is free, in a column on
            the right, beside the map. ``"right"``: always that column; ``"bottom"``: a band under the
            map (for a map printed beside a table).
        """
        import matplotlib.pyplot as plt

        fig = self.figure(width_px=width_px, height_px=height_px, dpi=dpi, fit=fit, locator=locator,
                          font_scale=font_scale, legend_loc=legend_loc)
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
            return buf.getvalue()
        finally:
            plt.close(fig)

    def figure(self, width_px: int = 1800, height_px: int = 1200, dpi: int = 150, fit: str = "all",
               locator: str | bool = "auto", font_scale: float = 1.0, legend_loc: str = "auto"):
        """The map as a matplotlib figure (:meth:`to_png`'s parameters); the caller closes it
        (``matplotlib.pyplot.close(fig)``)."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        if legend_loc not in LEGEND_PLACES:
            raise HotspotsError(f"legend_loc '{legend_loc}' is not one of {', '.join(LEGEND_PLACES)}.",
                                "Use \"auto\" (a free corner, else beside the map), \"right\" or \"bottom\".")
        tiles: dict = {}  # tiles fetched for the first layout are reused by the second
        if legend_loc == "auto":
            fig = self._figure(width_px, height_px, dpi, fit, locator, font_scale, "inside", tiles)
            if fig is not None:
                return fig
            legend_loc = "right"
        return self._figure(width_px, height_px, dpi, fit, locator, font_scale, legend_loc, tiles)

    # the axes box of each layout (figure fractions): left, bottom, width; the top depends on the title
    def _axes_box(self, legend_loc: str, width_px: int, height_px: int, dpi: int, fs: float) -> list[float]:
        top = (0.88 if self.synthetic else 0.92) if self.title else 0.99
        bottom_band = 0.0
        if self._legend and legend_loc == "bottom":
            rows = math.ceil(len(self._legend) / 2) + (1 if self._legend_title else 0)
            bottom_band = min(0.4, (rows * fs * 1.55 + 8) / 72 / (height_px / dpi))
        # the legend sits in its own column on the right (or a band underneath), never over the map
        right = 0.72 if legend_loc == "right" else 0.98
        # the footer under the map: as many lines as it takes (the tiles' credit is not known yet: the longest)
        probe = [f"Map tiles: {plain(getattr(self.tiles, 'name', ''))}, {plain(getattr(self.tiles, 'attribution', ''))}"
                 " (zoom 19). 12 of 120 tiles did not arrive and are blank."] if self.tiles is not None else []
        size, _, lines = _footer(self._footer_text(probe), width_px, fs, dpi)
        foot = 0.015 + (lines * size * 1.25 + 4) / 72 / (height_px / dpi)
        bottom = max(0.06, foot + 0.01)
        return [0.01, bottom + bottom_band, right, top - bottom - bottom_band]

    def _footer_text(self, notes) -> str:
        foot = " ".join(n for n in notes if n) or (
            "No map tiles: outlines and police.uk street names." if self.context is not None else
            "Boundaries and hexagons only: no map tiles.")
        foot = f"{foot} British National Grid."
        return f"{self.note}  |  {foot}" if self.note else foot

    def _figure(self, width_px, height_px, dpi, fit, locator, font_scale, legend_loc, tile_cache):
        import matplotlib.pyplot as plt
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Circle, Patch
        from matplotlib.patches import Polygon as MplPolygon
        import shapely

        fig = plt.figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        keep = False
        try:
            fs = max(7.0, height_px / dpi * 1.45) * float(font_scale)
            ax = fig.add_axes(self._axes_box(legend_loc, width_px, height_px, dpi, fs))
            ax.set_aspect("equal")
            ax.set_axis_off()
            labels: list[dict] = []   # placed after the frame is known
            shapes: list = []         # what a legend must not cover, in map metres
            points: list = []         # (x, y, radius in points): markers, also not to be covered
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
                        shapes += [g for g in d["geoms"] if not g.is_empty]
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
                    half_pt = math.sqrt(max(d["size"], 1.0)) / 2 + 0.8
                    points += [(x, y, half_pt) for x, y in zip(d["x"], d["y"])]
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
                    shapes += [shapely.Point(x, y).buffer(d["r"]) for x, y in zip(d["x"], d["y"])]
                    points += [(x, y, 2.5) for x, y in zip(d["x"], d["y"])]
                    if d["labels"] is not None:
                        for x, y, lab in zip(d["x"], d["y"], d["labels"]):
                            if lab is None or lab == "":
                                continue
                            labels.append({"x": x, "y": y, "text": lab, "half_m": d["r"], "colour": d["colour"],
                                           "boxed": True})
                elif layer.kind == "route":
                    _draw_route(ax, d, fs)
                    if len(d["x"]) > 1:
                        shapes.append(shapely.LineString(np.column_stack([d["x"], d["y"]])))
                    points += [(x, y, d["width"] + 3) for x, y in zip(d["x"][:1], d["y"][:1])]
            ext = self._extent(fit=fit)
            view = None
            placed_px: list[tuple] = []
            furniture_px: list[tuple] = []
            foot_notes: list[str] = []
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
                view = (x0, x1, y0, y1)
                offline = True
                if self.tiles is not None:
                    offline, note = _draw_tiles(ax, self.tiles, view, tile_cache)
                    foot_notes.append(note)
                if offline and self.context is not None:
                    _draw_outlines(ax, self.context, view)
                ax.set_xlim(x0, x1)
                ax.set_ylim(y0, y1)
                self._scale_bar(ax, x0, x1, y0, y1, fs)
                self._north_arrow(ax, fs)
                ax.apply_aspect()
                axb = ax.get_window_extent()
                furniture_px = [(axb.x0, axb.y0, axb.x0 + 0.3 * axb.width, axb.y0 + 0.12 * axb.height),  # scale bar
                                (axb.x1 - 0.07 * axb.width, axb.y1 - 0.2 * axb.height, axb.x1, axb.y1)]  # north
                placed_px = _place_labels(fig, ax, labels, fs, dpi)
            blocked = _Blocked(ax, shapes, points, placed_px + furniture_px, dpi) if view is not None else None
            leg_bottom = 1.0
            if self._legend:
                import textwrap

                # wrap to the legend column's width (about a quarter of the image), so nothing is cut off
                char_px = 0.6 * fs * dpi / 72
                wrap = 60 if legend_loc == "bottom" else max(12, min(34, int(0.25 * width_px / char_px) - 4))
                handles = [Patch(facecolor=c, edgecolor=OUTLINE, label=textwrap.fill(lab, wrap))
                           for c, lab in self._legend]
                title = textwrap.fill(self._legend_title, wrap + 4) or None
                kw = {"handles": handles, "title": title, "fontsize": fs, "title_fontsize": fs, "framealpha": 1.0,
                      "edgecolor": OUTLINE}
                if legend_loc == "bottom":
                    leg = fig.legend(loc="lower left", bbox_to_anchor=(0.01, 0.05), ncols=2, **kw)
                elif legend_loc == "right":
                    leg = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kw)
                else:
                    leg = _legend_in_a_free_corner(fig, ax, kw, blocked)
                    if leg is None:
                        return None
                leg._legend_box.align = "left"
                leg.set_zorder(9)
                for t in [*leg.get_texts(), leg.get_title()]:
                    t.set_parse_math(False)
                if legend_loc == "right":
                    fig.canvas.draw()
                    leg_bottom = leg.get_window_extent().transformed(fig.transFigure.inverted()).y0
                elif blocked is not None:
                    blocked.add_px(_box(leg.get_window_extent(fig.canvas.get_renderer())))
            if view is not None and self._wants_locator(locator, view):
                if legend_loc == "inside":
                    if not self._draw_locator_in_a_free_corner(fig, ax, view, fs, blocked):
                        return None
                else:
                    self._draw_locator(fig, ax, view, legend_column=legend_loc == "right", below=leg_bottom, fs=fs)
            if view is not None and self.context is not None and (self.tiles is None or offline):
                _draw_place_names(fig, ax, self.context, view, fs, dpi, blocked)
            if self.title:
                fig.text(0.01, 0.975, self.title, fontsize=fs * 1.5, weight="bold", va="top", parse_math=False)
            foot_size, foot_text, _ = _footer(self._footer_text(foot_notes), width_px, fs, dpi)
            fig.text(0.01, 0.015, foot_text, fontsize=foot_size, color="#333333", parse_math=False, va="bottom")
            if self.synthetic:
                fig.text(0.5, 0.5, "SYNTHETIC DATA", fontsize=fs * 5, color="#c00000", alpha=0.12, ha="center",
                         va="center", rotation=20, weight="bold", parse_math=False, zorder=0)
                # under the title when the title is long, so the two never overlap
                long_title = len(self.title) * 0.66 * fs * 1.5 / 72 > 0.55 * width_px / dpi
                fig.text(0.99, 0.935 if long_title else 0.975, "SYNTHETIC sample data, not real crime", fontsize=fs,
                         color="#c00000", ha="right", va="top", weight="bold", parse_math=False)
            keep = True
            return fig
        finally:
            if not keep:
                plt.close(fig)

    def _draw_locator_in_a_free_corner(self, fig, ax, view, fs, blocked) -> bool:
        """The locator inset in the first corner of the map where it covers nothing (False: none is free)."""
        b, _ = self._boundary_bounds()
        x0, x1, y0, y1 = view
        lw, lh = max(b[2], x1) - min(b[0], x0), max(b[3], y1) - min(b[1], y0)
        axb = ax.get_window_extent()
        fw, fh = fig.get_size_inches() * fig.dpi
        w = 0.2 * axb.width
        h = min(0.35 * axb.height, w * lh / max(lw, 1.0))
        title_px = fs * 1.6 * fig.dpi / 72
        pad = 0.015 * axb.width
        for corner in LEGEND_CORNERS:
            left = axb.x0 + pad if "left" in corner else axb.x1 - pad - w
            bottom = axb.y1 - pad - h - title_px if "upper" in corner else axb.y0 + pad
            box = (left, bottom, left + w, bottom + h + title_px)
            if not blocked.covers(box):
                self._draw_locator(fig, ax, view, legend_column=False, below=1.0, fs=fs,
                                   frac_box=(left / fw, bottom / fh, w / fw, h / fh))
                blocked.add_px(box)
                return True
        return False

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

    def _draw_locator(self, fig, ax, view, legend_column: bool, below: float, fs: float,
                      frac_box: tuple | None = None) -> None:
        """The boundaries small, with the main map's frame as a red box."""
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Polygon as MplPolygon
        from matplotlib.patches import Rectangle

        b, geoms = self._boundary_bounds()
        x0, x1, y0, y1 = view
        lx0, lx1 = min(b[0], x0), max(b[2], x1)
        ly0, ly1 = min(b[1], y0), max(b[3], y1)
        fw, fh = fig.get_size_inches()
        if frac_box is not None:
            left, bottom, width, height = frac_box
        elif legend_column:
            left, width = 0.745, 0.24
            height = min(0.36, max(0.12, below - 0.10))
            bottom = 0.08
        else:
            width, height = 0.2, 0.2 * fw / fh
            pos = ax.get_position(original=True)
            left, bottom = pos.x1 - width - 0.01, pos.y0 + 0.01
        inset = fig.add_axes([left, bottom, width, height])
        inset.set_aspect("equal", adjustable="box")
        inset.set_zorder(9)
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


def _place_labels(fig, ax, labels: list[dict], fs: float, dpi: float) -> list[tuple]:
    """Draw labels: inside their shape when it is big enough, else beside it with a leader line.

    Greedy placement in label order (the first labels get the best places): candidate
    positions on rings around each shape, in eight directions; the first that overlaps no
    placed label, no labelled shape and stays inside the map is taken (else the least
    overlapping one). Text has a white halo so it reads on any fill.
    """
    import matplotlib.patheffects as pe

    if not labels:
        return []
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
    return placed


# ----------------------------------------------------------------------------- legends that hide nothing

def _box(bbox) -> tuple[float, float, float, float]:
    """A matplotlib Bbox as (x0, y0, x1, y1)."""
    return float(bbox.x0), float(bbox.y0), float(bbox.x1), float(bbox.y1)


class _Blocked:
    """What a legend, the locator or a place name must not cover, tested in display pixels against the
    drawn map: shapes (hexagons, polygons, coverage circles, routes) as map geometry, markers as discs,
    and boxes (labels as matplotlib measured them, the scale bar and north arrow, a placed legend)."""

    def __init__(self, ax, shapes, points, boxes_px, dpi: float, margin_px: float = 3.0):
        import shapely

        self.ax, self.dpi, self.margin = ax, float(dpi), float(margin_px)
        self.shapes = np.asarray([g for g in shapes if g is not None and not g.is_empty], dtype=object)
        self.tree = shapely.STRtree(self.shapes) if len(self.shapes) else None
        lines = [g for g in self.shapes if g.geom_type in ("LineString", "MultiLineString")]
        self.lines = shapely.STRtree(np.asarray(lines, dtype=object)) if lines else None
        if points:
            xy = ax.transData.transform(np.asarray([(x, y) for x, y, _ in points], dtype=float))
            self.points = np.column_stack([xy, np.asarray([r for _, _, r in points], float) * dpi / 72])
        else:
            self.points = np.zeros((0, 3))
        renderer = ax.figure.canvas.get_renderer()
        self.boxes = [tuple(b) for b in boxes_px]
        for t in ax.texts:
            if t.get_visible() and t.get_text():
                self.boxes.append(_box(t.get_window_extent(renderer)))

    def add_px(self, box) -> None:
        self.boxes.append(tuple(box))

    def covers(self, box_px) -> bool:
        """Whether a box (display pixels) would cover any shape, marker or box already on the map."""
        m = self.margin
        x0, y0, x1, y1 = box_px[0] - m, box_px[1] - m, box_px[2] + m, box_px[3] + m
        for b in self.boxes:
            if _overlap((x0, y0, x1, y1), b) > 0:
                return True
        if len(self.points):
            px, py, r = self.points.T
            dx = np.maximum(np.maximum(x0 - px, 0), px - x1)
            dy = np.maximum(np.maximum(y0 - py, 0), py - y1)
            if bool((np.hypot(dx, dy) < r).any()):
                return True
        return self.covers_shapes((x0, y0, x1, y1))

    def covers_shapes(self, box_px, tree=None) -> bool:
        """Whether a box (display pixels) meets any shape (or the shapes of ``tree``)."""
        import shapely

        tree = self.tree if tree is None else tree
        x0, y0, x1, y1 = box_px
        if tree is not None:
            inv = self.ax.transData.inverted()
            (a, b), (c, d) = inv.transform([(x0, y0), (x1, y1)])
            hits = tree.query(shapely.box(min(a, c), min(b, d), max(a, c), max(b, d)), predicate="intersects")
            if len(hits):
                return True
        return False


#: Where a legend may go: "auto" (a free corner of the map, else beside it), "right" (beside), "bottom" (under).
LEGEND_PLACES = ("auto", "right", "bottom")
#: The corners tried, in order: the upper left is most often empty (the north arrow is upper right, the
#: scale bar lower left).
LEGEND_CORNERS = ("upper left", "lower right", "upper right", "lower left")
#: A legend inside the map may take at most this share of its width and height.
LEGEND_MAX_FRAC = (0.42, 0.6)


def _legend_in_a_free_corner(fig, ax, kw: dict, blocked):
    """The legend in the first corner of the map where it covers nothing; None when no corner is free."""
    if blocked is None:
        return None
    renderer = fig.canvas.get_renderer()
    axb = ax.get_window_extent()
    for corner in LEGEND_CORNERS:
        leg = ax.legend(loc=corner, borderaxespad=0.6, **kw)
        box = _box(leg.get_window_extent(renderer))
        small = (box[2] - box[0] <= LEGEND_MAX_FRAC[0] * axb.width and
                 box[3] - box[1] <= LEGEND_MAX_FRAC[1] * axb.height)
        if small and not blocked.covers(box):
            return leg
        leg.remove()
    return None


# ----------------------------------------------------------------------------- tiles under the map

#: Earth radius of Web Mercator (EPSG:3857), metres.
MERCATOR_R = 6378137.0
#: The most tiles one printed map fetches (a coarser zoom is used beyond it).
MAX_TILES = 120
#: Tiles are washed towards white by this much so the plan on top stands out (0: as the server sent them).
TILE_WASH = 0.25
#: Tiles fetched for one map are kept while it is drawn (both layouts share them).
_TILE_CACHE_MAX = 256


def tile_zoom(view, width_px: float, min_zoom: int = 0, max_zoom: int = 19) -> int:
    """The zoom whose 256-pixel tiles are at least as sharp as the map (one tile pixel no larger than one map
    pixel at the map's centre), within the source's zooms.

    >>> tile_zoom((510000, 512000, 196000, 197000), 1000)   # 2 m a pixel in Watford: 1.5 m tile pixels
    16
    >>> tile_zoom((510000, 512000, 196000, 197000), 1000, max_zoom=14)
    14
    """
    x0, x1, y0, y1 = view
    _, lat = bng_to_lonlat([(x0 + x1) / 2], [(y0 + y1) / 2])
    m_px = (x1 - x0) / max(width_px, 1.0)
    ground = 2 * math.pi * MERCATOR_R * math.cos(math.radians(float(lat[0]))) / 256
    z = math.ceil(math.log2(ground / max(m_px, 1e-6)))
    return int(min(max(z, int(min_zoom)), int(max_zoom)))


def lonlat_to_tile_xy(lon, lat, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator tile coordinates (fractional, XYZ: y from the north) of longitudes and latitudes.

    >>> x, y = lonlat_to_tile_xy([0.0], [0.0], 1)
    >>> float(x[0]), float(y[0])
    (1.0, 1.0)
    """
    n = 2.0 ** int(z)
    lat_r = np.radians(np.clip(np.asarray(lat, float), -85.05112878, 85.05112878))
    x = (np.asarray(lon, float) + 180.0) / 360.0 * n
    y = (1.0 - np.arcsinh(np.tan(lat_r)) / math.pi) / 2.0 * n
    return x, y


def _decode_tile(data: bytes):
    """A tile's bytes as an RGBA uint8 array (None when it is not a picture PIL can read)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGBA"))
    except Exception:  # a corrupt or non-image tile is a missing tile, never an error on a printout
        return None


def _fetch_tile(tiles, z: int, x: int, y: int, cache: dict):
    key = (z, x, y)
    if key not in cache:
        try:
            data = tiles.tile(z, x, y)
        except Exception:  # a server that fails mid-map leaves a gap, said in the footer
            data = None
        if len(cache) >= _TILE_CACHE_MAX:
            cache.clear()
        cache[key] = None if not data else _decode_tile(data)
    return cache[key]


def _draw_tiles(ax, tiles, view, cache: dict) -> tuple[bool, str]:
    """Draw raster tiles under the map, reprojected from Web Mercator onto its British National Grid frame.

    Each pixel of the map's axes is unprojected to longitude and latitude (pyproj), then to a position in
    the tiles of the chosen zoom (:func:`tile_zoom`), and its colour read there by bilinear interpolation.

    Returns whether the map must draw its offline background instead (vector tiles, or no tile arrived),
    and a sentence for the footer (credit, or what happened).
    """
    name = plain(getattr(tiles, "name", "") or "the basemap")
    credit = plain(getattr(tiles, "attribution", "") or "")
    if getattr(tiles, "kind", "raster") != "raster":
        return True, (f"The basemap {name} holds vector tiles, which printed maps do not draw: outlines and "
                      "police.uk street names instead.")
    x0, x1, y0, y1 = view
    axb = ax.get_window_extent()
    w, h = max(int(round(axb.width)), 1), max(int(round(axb.height)), 1)
    z = tile_zoom(view, w, getattr(tiles, "min_zoom", 0), getattr(tiles, "max_zoom", 19))
    xs = x0 + (np.arange(w) + 0.5) * (x1 - x0) / w
    ys = y1 - (np.arange(h) + 0.5) * (y1 - y0) / h
    # pyproj on a coarse grid, interpolated: British National Grid to Web Mercator is smooth over a map
    step = 16
    gx = np.unique(np.r_[np.arange(0, w, step), w - 1])
    gy = np.unique(np.r_[np.arange(0, h, step), h - 1])
    gxx, gyy = np.meshgrid(xs[gx], ys[gy])
    lon, lat = bng_to_lonlat(gxx.ravel(), gyy.ravel())
    lon, lat = lon.reshape(gxx.shape), lat.reshape(gxx.shape)
    while True:
        tx_g, ty_g = lonlat_to_tile_xy(lon, lat, z)
        n_tiles = (int(np.floor(tx_g.max())) - int(np.floor(tx_g.min())) + 1) * \
                  (int(np.floor(ty_g.max())) - int(np.floor(ty_g.min())) + 1)
        if n_tiles <= MAX_TILES or z <= getattr(tiles, "min_zoom", 0):
            break
        z -= 1
    tx = _interp_grid(tx_g, gx, gy, w, h)
    ty = _interp_grid(ty_g, gx, gy, w, h)
    n = 2 ** z
    ix0, ix1 = max(int(np.floor(tx.min())), 0), min(int(np.floor(tx.max())), n - 1)
    iy0, iy1 = max(int(np.floor(ty.min())), 0), min(int(np.floor(ty.max())), n - 1)
    got, wanted, size = {}, 0, None
    for ty_i in range(iy0, iy1 + 1):
        for tx_i in range(ix0, ix1 + 1):
            wanted += 1
            img = _fetch_tile(tiles, z, tx_i, ty_i, cache)
            if img is not None:
                got[(tx_i, ty_i)] = img
                size = size or img.shape[0]
    if not got:
        return True, (f"The basemap {name} sent no tiles for this map (zoom {z}): outlines and police.uk "
                      "street names instead.")
    mosaic = np.zeros(((iy1 - iy0 + 1) * size, (ix1 - ix0 + 1) * size, 4), dtype=np.float32)
    for (tx_i, ty_i), img in got.items():
        if img.shape[0] != size or img.shape[1] != size:
            from PIL import Image

            img = np.asarray(Image.fromarray(img).resize((size, size)))
        r, c = (ty_i - iy0) * size, (tx_i - ix0) * size
        mosaic[r:r + size, c:c + size] = img
    u = (tx - ix0) * size - 0.5
    v = (ty - iy0) * size - 0.5
    rgba = _bilinear(mosaic, u, v)
    rgba[..., :3] = rgba[..., :3] * (1 - TILE_WASH) + 255.0 * TILE_WASH
    ax.imshow(np.clip(rgba, 0, 255).astype(np.uint8), extent=(x0, x1, y0, y1), origin="upper",
              interpolation="nearest", zorder=0.5, aspect="equal")
    missing = wanted - len(got)
    note = f"Map tiles: {name}" + (f", {credit}" if credit else "") + f" (zoom {z})."
    if missing:
        note += f" {missing} of {wanted} tiles did not arrive and are blank."
    return False, note


def _interp_grid(values: np.ndarray, gx: np.ndarray, gy: np.ndarray, w: int, h: int) -> np.ndarray:
    """Bilinear interpolation of a coarse grid (rows gy, columns gx) to every pixel of a w x h image."""
    cols = np.empty((len(gy), w))
    for i in range(len(gy)):
        cols[i] = np.interp(np.arange(w), gx, values[i])
    out = np.empty((h, w))
    for j in range(w):
        out[:, j] = np.interp(np.arange(h), gy, cols[:, j])
    return out


def _bilinear(img: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sample an image (rows, columns, channels) at fractional column u and row v (clamped at the edges)."""
    hgt, wid = img.shape[:2]
    u = np.clip(u, 0, wid - 1)
    v = np.clip(v, 0, hgt - 1)
    c0, r0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    c1, r1 = np.minimum(c0 + 1, wid - 1), np.minimum(r0 + 1, hgt - 1)
    fu, fv = (u - c0)[..., None], (v - r0)[..., None]
    top = img[r0, c0] * (1 - fu) + img[r0, c1] * fu
    bottom = img[r1, c0] * (1 - fu) + img[r1, c1] * fu
    return top * (1 - fv) + bottom * fv


def plain(text: str, limit: int = 200) -> str:
    """Text from a tile source, safe to print: control characters dropped, length capped.

    >>> plain("© OpenStreetMap\\ncontributors")
    '© OpenStreetMap contributors'
    """
    s = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    return s if len(s) <= limit else s[:limit - 1] + "…"


# ----------------------------------------------------------------------------- offline: outlines and names

#: The widest map (metres) that draws ward outlines, names wards, and writes street names.
WARD_OUTLINE_MAX_SPAN_M = 30_000.0
WARD_NAME_MAX_SPAN_M = 14_000.0
STREET_NAME_MAX_SPAN_M = 9_000.0
#: Place-name colours: districts darker than wards, streets between.
DISTRICT_GREY, WARD_GREY, STREET_GREY = "#555555", "#8a8a8a", "#5a5a5a"


def _draw_outlines(ax, ctx, view) -> None:
    """District and ward outlines (grey, under everything) that cross the map's frame."""
    import shapely
    from matplotlib.collections import LineCollection

    x0, x1, y0, y1 = view
    frame = shapely.box(x0, y0, x1, y1)
    span = max(x1 - x0, y1 - y0)
    for layer, colour, lw, style in (("ward", "#b0b0b0", 0.6, (0, (4, 2))), ("district", "#8c8c8c", 1.1, "solid")):
        if layer == "ward" and span > WARD_OUTLINE_MAX_SPAN_M:
            continue
        segs = [ring for lay, _, g in ctx.outlines if lay == layer and g.intersects(frame)
                for ring in _all_rings(g)]
        if segs:
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=lw, linestyles=style, zorder=1))


def _all_rings(g) -> list[np.ndarray]:
    t = g.geom_type
    if t == "Polygon":
        return [np.asarray(g.exterior.coords)] + [np.asarray(r.coords) for r in g.interiors]
    if t in ("MultiPolygon", "GeometryCollection"):
        return [r for part in g.geoms for r in _all_rings(part)]
    return _exteriors(g)


def _draw_place_names(fig, ax, ctx, view, fs: float, dpi: float, blocked) -> None:
    """District, ward and street names, where they cover no marker, label or legend, nor each other.

    District names always (inside the frame); ward names and police.uk street names ("On or near X" is
    written X, at the mean of X's snap points in each kilometre square) only on maps narrow enough to read
    them, busiest streets first.
    """
    import matplotlib.patheffects as pe
    import shapely

    x0, x1, y0, y1 = view
    span = max(x1 - x0, y1 - y0)
    frame = shapely.box(x0, y0, x1, y1)
    inner = shapely.box(x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0), x1 - 0.04 * (x1 - x0), y1 - 0.04 * (y1 - y0))
    to_px = ax.transData.transform
    axb = _box(ax.get_window_extent())
    taken: list[tuple] = []

    def free(box) -> bool:
        if box[0] < axb[0] or box[1] < axb[1] or box[2] > axb[2] or box[3] > axb[3]:
            return False
        if any(_overlap(box, t) > 0 for t in taken):
            return False
        return blocked is None or not _covers_marks(blocked, box)

    def put(x, y, text, size, colour, weight="normal", style="normal") -> bool:
        px, py = to_px((x, y))
        wpx = len(text) * 0.6 * size * dpi / 72 + 4
        hpx = 1.3 * size * dpi / 72
        box = (px - wpx / 2, py - hpx / 2, px + wpx / 2, py + hpx / 2)
        if not free(box):
            return False
        taken.append(box)
        ax.text(x, y, text, ha="center", va="center", fontsize=size, color=colour, weight=weight, style=style,
                zorder=6.5, parse_math=False, path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])
        return True

    def put_area(g, text, size, colour, **kw) -> bool:
        """An area's name inside the frame: at its representative point, else in one of its quarters."""
        part = g.intersection(inner)
        if part.is_empty:
            return False
        spots = [part.representative_point()]
        mx, my = (inner.bounds[0] + inner.bounds[2]) / 2, (inner.bounds[1] + inner.bounds[3]) / 2
        for q in (shapely.box(inner.bounds[0], my, mx, inner.bounds[3]), shapely.box(mx, my, *inner.bounds[2:]),
                  shapely.box(inner.bounds[0], inner.bounds[1], mx, my), shapely.box(mx, inner.bounds[1], mx * 2 -
                                                                                      inner.bounds[0], my)):
            piece = part.intersection(q)
            if not piece.is_empty and piece.area > 0:
                spots.append(piece.representative_point())
        return any(put(p.x, p.y, text, size, colour, **kw) for p in spots)

    areas = sorted([(lay, name, g) for lay, name, g in ctx.outlines if g.intersects(inner)],
                   key=lambda t: -t[2].intersection(frame).area)
    for lay, name, g in areas:
        if lay == "district":
            put_area(g, name.upper(), fs * 1.0, DISTRICT_GREY, weight="bold")
    if span <= WARD_NAME_MAX_SPAN_M:
        for lay, name, g in areas:
            if lay == "ward":
                put_area(g, name, fs * 0.78, WARD_GREY, style="italic")
    streets = getattr(ctx, "streets", None)
    if span <= STREET_NAME_MAX_SPAN_M and streets is not None and len(streets):
        e = streets["easting"].to_numpy(float)
        n = streets["northing"].to_numpy(float)
        inside = (e > x0) & (e < x1) & (n > y0) & (n < y1)
        shown = 0
        limit = int(max(20, min(150, (axb[2] - axb[0]) * (axb[3] - axb[1]) / 9000)))
        for name, x, y in zip(streets["name"].to_numpy()[inside], e[inside], n[inside]):
            if shown >= limit:
                break
            shown += put(x, y, str(name), fs * 0.72, STREET_GREY)


def _covers_marks(blocked: _Blocked, box) -> bool:
    """Whether a place name would cover a marker, a route or a box (labels, legend, scale bar, north arrow);
    areas such as patrol areas may lie under a street name, which says where they are."""
    m = blocked.margin
    x0, y0, x1, y1 = box[0] - m, box[1] - m, box[2] + m, box[3] + m
    if any(_overlap((x0, y0, x1, y1), b) > 0 for b in blocked.boxes):
        return True
    if blocked.lines is not None and blocked.covers_shapes((x0, y0, x1, y1), blocked.lines):
        return True
    if len(blocked.points):
        px, py, r = blocked.points.T
        dx = np.maximum(np.maximum(x0 - px, 0), px - x1)
        dy = np.maximum(np.maximum(y0 - py, 0), py - y1)
        return bool((np.hypot(dx, dy) < r).any())
    return False


def _footer(text: str, width_px: float, fs: float, dpi: float) -> tuple[float, str, int]:
    """The footer's type size, its text wrapped to the image's width, and its number of lines: one line at
    0.85 of the map's type when it fits, else smaller type (down to 0.6 of it) on as few lines as it takes."""
    import textwrap

    size = fs * 0.85
    for k in (1.0, 0.9, 0.8, 0.7):
        chars = max(30, int(0.98 * width_px / (0.55 * size * k * dpi / 72)))
        lines = textwrap.wrap(text, chars)
        if len(lines) <= 2 or k == 0.7:
            return size * k, "\n".join(lines), max(1, len(lines))
    return size, text, 1  # pragma: no cover - the loop always returns
