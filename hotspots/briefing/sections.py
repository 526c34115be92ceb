"""The JAG briefing: one content model for the page, the PDF and the PowerPoint deck.

The Joint Agency Group meets monthly and asks two questions: what changed since
last month, and what should the partnership do about it (DOMAIN.md section 1).
:func:`build_briefing` computes every section of the briefing for an area (a
district, a boundary file, or the whole store) and a month, once, as plain data
(:class:`Briefing`: sections of numbers, text, tables and static map images).
The app page, :func:`briefing_pdf` and ``hotspots.briefing.pptx.briefing_pptx`` only lay
that model out, so the three always say the same.

Sections (issue 8):

(a) headline numbers: the month against the previous month and the same month
    last year, in plain words, with a test of whether the change is beyond normal
    variation (:func:`compare_counts`) and the usual range of the last 12 months;
(b) the hotspot map of the month (Getis-Ord Gi*) and the emerging-hotspot classes
    that changed between the analysis up to the previous month and up to this one;
(c) the top ten places (H3 res-9 hexagons) with their change and main problem;
(d) police x A&E summary (``hotspots.tasks.overlay``), small numbers suppressed
    (``hotspots.methods.suppress``);
(e) recommended actions: patrol areas, CCTV sites, knife-sweep areas, each with its
    page and the command that reproduces it;
(f) data notes: sources, months, rows excluded and why, "synthetic" on sample data.

A section that cannot be made says so plainly (``Section.missing``);
nothing is made up in its place.

Text from data files (location names) stays plain text here; every renderer
escapes it for its medium (reportlab through ``hotspots.outputs.sheets``; python-pptx text
is plain; the page uses ``md_escape`` or ``st.dataframe``).
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geo.boundaries import Area
from geo.constants import SOURCE_AE, SOURCE_POLICE, SYNTHETIC_MARK
from geo.crs import lonlat_to_bng
from geo.errors import SettingError
from geo.grid import cell_parent, cell_to_int, cell_to_parent, cells_to_latlng, cells_to_str, latlng_to_cell  # noqa: F401
from geo.months import check_month, shift_month
from geo.query import Selection, select_incidents, selection_months
from geo.readers.points import read_points
from geo.store import Store
from hotspots import defaults
from hotspots.briefing.model import (ACTION_MAP_PX, ACTION_PAGES, ACTION_ROWS, BRIEF_CCTV_MONTHS,
                                     BRIEF_OVERLAY_MONTHS, BRIEF_PATROL_MONTHS, BRIEF_RES, BRIEF_SWEEP_MONTHS,
                                     CHANGE_ALPHA, EMERGING_MONTHS, EMERGING_ROWS, HEADLINE_TYPES, NAME_MAX,
                                     OVERLAY_ROWS, TOP_PLACES, USUAL_RANGE_MONTHS, Briefing, Link, Section)
from hotspots.briefing.words import (change_words, clip, command_area_words, days_in_month, month_words, plural,
                                     short_month,
                                     short_type,
                                     strip_near)
from hotspots.methods.cells import count_by_cell
from hotspots.methods.harm import harm_weights
from hotspots.methods.lattice import benjamini_hochberg
from hotspots.methods.poisson import compare_counts, usual_range
from hotspots.methods.suppress import SECONDARY_LABEL, primary_label
from hotspots.outputs.cctv import plan_png
from hotspots.outputs.files import SYNTHETIC_NOTE
from hotspots.outputs.patrol import plan_map_png
from hotspots.outputs.staticmap import StaticMap
from hotspots.outputs.sweeps import sweep_action_table, sweep_map_png
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.detect import detect
from hotspots.tasks.mapcontext import map_context
from hotspots.tasks.overlay import PROTECTION_NOTE, overlay
from hotspots.tasks.patrol import plan_patrol
from hotspots.tasks.sweeps import plan_sweeps
from geo.schema import is_synthetic
from hotspots.outputs.legend import GISTAR_COLOURS, emerging_rank

__all__ = ["build_briefing", "place_names", "top_locations"]


def top_locations(inc: pd.DataFrame, res: int, n: int = 1) -> dict[str, list[str]]:
    """The ``n`` most frequent location texts of each cell (ties: alphabetical), "On or near" removed.

    >>> import h3
    >>> c = cell_to_int(latlng_to_cell(51.656, -0.396, 11))
    >>> df = pd.DataFrame({"h3_11": np.array([c] * 3, dtype=np.uint64),
    ...                    "location": ["On or near B Road", "On or near A Street", "On or near B Road"]})
    >>> list(top_locations(df, 9, n=2).values())
    [['B Road', 'A Street']]
    """
    if inc.empty:
        return {}
    cells = cells_to_str(cell_to_parent(inc["h3_11"].to_numpy(dtype=np.uint64), res))
    df = pd.DataFrame({"cell": cells, "location": inc["location"].fillna("").astype(str).to_numpy()})
    df = df.loc[df["location"] != ""]
    k = df.groupby(["cell", "location"], sort=False).size().reset_index(name="k")
    k = k.sort_values(["cell", "k", "location"], ascending=[True, False, True])
    k = k.groupby("cell", sort=False).head(n)
    out: dict[str, list[str]] = {}
    for c, loc in zip(k["cell"], k["location"]):
        out.setdefault(c, []).append(strip_near(loc))
    return out


def place_names(inc: pd.DataFrame, cells, res: int) -> list[str]:
    """A name for each cell: its most frequent location; where two cells would share a
    name, the second most frequent location is added ("Market Place / High Street").

    >>> import h3
    >>> a = latlng_to_cell(51.656, -0.396, 11)
    >>> b = latlng_to_cell(51.700, -0.300, 11)
    >>> df = pd.DataFrame({"h3_11": np.array([cell_to_int(x) for x in [a, a, a, b, b, b]], dtype=np.uint64),
    ...                    "location": ["On or near Park", "On or near Park", "On or near Elm Road",
    ...                                 "On or near Park", "On or near Park", "On or near Oak Lane"]})
    >>> place_names(df, [cell_parent(a, 9), cell_parent(b, 9)], 9)
    ['Park / Elm Road', 'Park / Oak Lane']
    """
    locs = top_locations(inc, res, n=2)
    first = [(locs.get(c) or ["(no location text)"])[0] for c in cells]
    dup = {n for n in first if first.count(n) > 1}
    out = []
    for c, n in zip(cells, first):
        more = (locs.get(c) or [])[1:]
        out.append(f"{n} / {more[0]}" if n in dup and more else n)
    return out


# --------------------------------------------------------------------------- #
# Building the briefing                                                       #
# --------------------------------------------------------------------------- #
def build_briefing(store: Store, month: str | None = None, sel: Selection = Selection(), *,
                   cameras_file: str | None = None, command_area: str = "", district: str | None = None,
                   progress=None, tiles=None) -> Briefing:
    """Compute every section of the JAG briefing for an area and a month.

    Parameters
    ----------
    store : Store
    month : str, optional
        ``YYYY-MM``; default the latest month in the store (for the sources).
    sel : geo.query.Selection
        Which incidents: the area (the district or boundary; None for the whole store), the sources (default
        police.uk street crime) and forces (all), and ``exclude_police_generated`` (give drugs and possession of
        weapons no harm when choosing each place's main problem: they measure patrol effort as much as harm,
        DOMAIN.md section 3). Its period and crime types are the sections' own.
    cameras_file : str, optional
        Existing cameras (CSV), passed to the CCTV siting.
    command_area : str
        The area part of the reproduce commands (:func:`command_area_words`).
    district : str, optional
        The district's name, for commands that take ``--district``.
    progress : callable(fraction, message), optional
    tiles : geo.tiles.TileSource, optional
        The basemap the maps draw under their hexagons (the user's choice); None: offline, district and
        ward outlines with their names and police.uk street names (``hotspots.tasks.mapcontext``).

    Raises
    ------
    SettingError
        No data, a month the store does not hold, or a bad month.
    """
    tick = progress or (lambda f, m: None)
    sel = replace(sel, date_from=None, date_to=None, categories=()).checked()
    area, sources, forces = sel.area, sel.sources, sel.forces
    months = selection_months(store, sel)
    if not months:
        raise SettingError("The store holds no incidents to brief on.",
                           "Load police.uk files first: python -m hotspots ingest police FILES")
    if month is None:
        month = months[-1]
    check_month(month, "The briefing month")
    if month not in months:
        raise SettingError(f"The store has no incidents for {month} (it has {months[0]} to {months[-1]}).",
                           f"Choose a month from {months[0]} to {months[-1]}.")
    prev, last_year = shift_month(month, -1), shift_month(month, -12)
    first = max(months[0], shift_month(month, -(max(EMERGING_MONTHS, USUAL_RANGE_MONTHS + 1) - 1)))
    tick(0.05, "Selecting incidents")
    inc = select_incidents(store, sel.with_period(first, month),
                           columns=("month", "category", "h3_11", "location", "easting", "northing", "force"),
                           purpose="The briefing's police sections")
    synthetic = bool(is_synthetic(inc)) or bool(forces and any("SYNTHETIC" in f for f in forces))
    area_name = area.name if area is not None else "the whole store"
    weights = harm_weights(sel.exclude_police_generated, dict(sel.harm_overrides) or None)
    ctx = _Context(store=store, sel=sel, month=month, prev=prev, last_year=last_year, months=months, inc=inc,
                   area=area, area_name=area_name, synthetic=synthetic, weights=weights, sources=tuple(sources),
                   forces=tuple(forces), command_area=command_area, cameras_file=cameras_file, district=district,
                   background=map_context(store, area, tiles))
    numbers: dict = {}
    sections: list[Section] = []
    steps = [("headline", _headline, 0.10), ("hotspot_map", _hotspot_map, 0.20), ("emerging", _emerging, 0.30),
             ("places", _places, 0.55), ("overlay", _overlay, 0.60), ("patrol", _patrol, 0.70),
             ("cctv", _cctv, 0.80), ("sweeps", _sweeps, 0.90), ("notes", _notes, 0.97)]
    for key, fn, frac in steps:
        tick(frac, f"Section: {key}")
        t0 = time.perf_counter()
        try:
            sec = fn(ctx, numbers)
        except SettingError as err:  # e.g. too little data for a planner: the section says why
            numbers.setdefault(key, None)
            sec = Section(key, _LETTERS[key], _TITLES[key], missing=f"{err.message} {err.fix}".strip())
        numbers.setdefault("section_seconds", {})[key] = round(time.perf_counter() - t0, 2)
        sections.append(sec)
    tick(1.0, "Done")
    title = f"JAG briefing: {area_name}, {month_words(month)}"
    subtitle = (f"What changed since {month_words(prev)} and what the partnership could do. "
                f"police.uk street-level crime{' (SYNTHETIC sample)' if synthetic else ''}.")
    return Briefing(title=title, subtitle=subtitle, area_name=area_name, month=month, previous_month=prev,
                    last_year_month=last_year, synthetic=synthetic, sections=sections, numbers=numbers)


_LETTERS = {"headline": "a", "hotspot_map": "b", "emerging": "b", "places": "c", "overlay": "d", "patrol": "e",
            "cctv": "e", "sweeps": "e", "notes": "f"}
_TITLES = {"headline": "Headline numbers", "hotspot_map": "Hot spots this month",
           "emerging": "Emerging hot spots: what changed", "places": "Top ten places",
           "overlay": "Police x A&E summary", "patrol": "Action: patrol areas", "cctv": "Action: mobile CCTV sites",
           "sweeps": "Action: knife-sweep areas", "notes": "Data notes"}


@dataclass
class _Context:
    store: Store
    sel: Selection
    month: str
    prev: str
    last_year: str
    months: list[str]
    inc: pd.DataFrame
    area: Area | None
    area_name: str
    synthetic: bool
    weights: dict
    sources: tuple[str, ...]
    forces: tuple[str, ...]
    command_area: str
    cameras_file: str | None
    district: str | None
    cache: dict = field(default_factory=dict)
    background: object = None   # the maps' MapContext: tiles, or offline outlines and street names

    def of_month(self, m: str) -> pd.DataFrame:
        key = ("month", m)
        if key not in self.cache:
            self.cache[key] = self.inc.loc[self.inc["month"] == m]
        return self.cache[key]

    def has(self, m: str) -> bool:
        return m in self.months

    def flt(self, date_from: str | None, date_to: str | None, categories=()) -> Selection:
        """The briefing's selection over a period (and crime types)."""
        return replace(self.sel, date_from=date_from, date_to=date_to, categories=tuple(categories))

    def cmd(self, name: str, extra: str = "", district: bool = False) -> str:
        """A command line; ``district``: the command takes ``--district NAME`` (patrol, sweeps)."""
        parts = ["python -m hotspots", name]
        if district and self.district:
            parts.append(command_area_words(self.district))
        elif self.command_area:
            parts.append(self.command_area)
        if extra:
            parts.append(extra)
        return " ".join(parts)

    def boundary_geoms(self) -> list:
        if self.area is not None:
            return [self.area.geometry]
        try:
            return [self.store.area(lay, n).geometry for lay, n in self.store.area_names() if lay == "district"]
        except Exception:  # noqa: BLE001 - outlines are decoration; a map without them still reads
            return []


# -- (a) headline -------------------------------------------------------------------
def _count_column(values) -> list:
    """Counts as numbers (right-aligned in tables), or "no data" when the month is not in the store."""
    vals = list(values)
    if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in vals):
        return ["no data"] * len(vals)
    return pd.array([int(v) for v in vals], dtype="Int64")


def _headline(ctx: _Context, numbers: dict) -> Section:

    now = ctx.of_month(ctx.month)["category"].value_counts()
    before = ctx.of_month(ctx.prev)["category"].value_counts() if ctx.has(ctx.prev) else None
    ly = ctx.of_month(ctx.last_year)["category"].value_counts() if ctx.has(ctx.last_year) else None
    main = list(now.sort_values(ascending=False).index[:HEADLINE_TYPES])
    # keep the order stable and readable: biggest this month first; ties alphabetical
    main = sorted(main, key=lambda c: (-int(now.get(c, 0)), c))
    rest = [c for c in set(now.index) | set(before.index if before is not None else []) |
            set(ly.index if ly is not None else []) if c not in main]

    def get(series, cats):
        if series is None:
            return None
        return int(sum(int(series.get(c, 0)) for c in cats))

    rows = [("All crime", None)] + [(c, [c]) for c in main] + ([("All other types", rest)] if rest else [])
    d_now, d_prev, d_ly = days_in_month(ctx.month), days_in_month(ctx.prev), days_in_month(ctx.last_year)
    recs = []
    for label, cats in rows:
        n_now = int(now.sum()) if cats is None else get(now, cats)
        n_prev = (int(before.sum()) if cats is None else get(before, cats)) if before is not None else None
        n_ly = (int(ly.sum()) if cats is None else get(ly, cats)) if ly is not None else None
        p_prev = compare_counts(n_now, n_prev, d_now, d_prev) if n_prev is not None else np.nan
        p_ly = compare_counts(n_now, n_ly, d_now, d_ly) if n_ly is not None else np.nan
        recs.append({"label": label, "now": n_now, "prev": n_prev, "ly": n_ly, "p_prev": p_prev, "p_ly": p_ly})
    df = pd.DataFrame(recs)
    for col in ("p_prev", "p_ly"):
        p = df[col].to_numpy(dtype=float)
        df[col + "_fdr"] = benjamini_hochberg(p) if np.isfinite(p).any() else p

    def verdict(n_now, n_before, p_fdr, label_month):
        words = change_words(n_now, n_before, label_month, compact=True)
        if n_before is not None and np.isfinite(p_fdr) and p_fdr <= CHANGE_ALPHA:
            return f"{words} *"
        return words

    table = pd.DataFrame({
        "Crime type": [short_type(c) for c in df["label"]],
        short_month(ctx.month): df["now"].astype(np.int64),
        short_month(ctx.prev): _count_column(df["prev"]),
        "Change on month": [verdict(a, b, p, ctx.prev) for a, b, p in zip(df["now"], df["prev"], df["p_prev_fdr"])],
        short_month(ctx.last_year): _count_column(df["ly"]),
        "Change on year": [verdict(a, b, p, ctx.last_year) for a, b, p in zip(df["now"], df["ly"], df["p_ly_fdr"])],
    })
    total = df.iloc[0]
    # the usual range of the total: the previous (up to) 12 months held in the store
    hist_months = [m for m in ctx.months if shift_month(ctx.month, -USUAL_RANGE_MONTHS) <= m < ctx.month]
    monthly = ctx.inc["month"].value_counts()
    hist = [int(monthly.get(m, 0)) for m in hist_months]
    rng = usual_range(hist)

    def beyond(p_fdr, n_before):
        if n_before is None:
            return ""
        return "beyond normal variation" if np.isfinite(p_fdr) and p_fdr <= CHANGE_ALPHA else "within normal variation"

    def signed(n_now, n_before):
        return "no data" if n_before is None else f"{int(n_now) - int(n_before):+,}"

    def note(n_now, n_before, p_fdr, label_month):
        if n_before is None:
            return f"{label_month} is not in the store"
        return f"{change_words(n_now, n_before)}, {beyond(p_fdr, n_before)}"

    metrics = [(f"Crimes and ASB in {month_words(ctx.month)}", f"{int(total['now']):,}", ctx.area_name),
               (f"Change since {month_words(ctx.prev)}", signed(total["now"], total["prev"]),
                note(total["now"], total["prev"], total["p_prev_fdr"], ctx.prev)),
               (f"Change since {month_words(ctx.last_year)}", signed(total["now"], total["ly"]),
                note(total["now"], total["ly"], total["p_ly_fdr"], ctx.last_year))]
    text = []
    if rng is not None:
        lo, mean, hi = rng
        where = ("inside" if lo <= total["now"] <= hi else ("above" if total["now"] > hi else "below"))
        text.append(f"Usual range ({hist_months[0]} to {hist_months[-1]}, average ± 2 sd): {lo:,.0f} to {hi:,.0f} "
                    f"a month. {month_words(ctx.month)} is {where} it.")
    else:
        text.append(f"Usual range: not shown; the store holds fewer than 3 months before {ctx.month}.")
    text.append("* Beyond normal variation: this large a change happens by chance less than 1 time in 20 "
                "(test: data notes).")
    numbers["headline"] = {
        "total": {"month": int(total["now"]), "previous": None if total["prev"] is None else int(total["prev"]),
                  "last_year": None if total["ly"] is None else int(total["ly"]),
                  "p_previous": None if not np.isfinite(total["p_prev"]) else float(total["p_prev"]),
                  "p_last_year": None if not np.isfinite(total["p_ly"]) else float(total["p_ly"]),
                  "beyond_previous": bool(beyond(total["p_prev_fdr"], total["prev"]).startswith("beyond")),
                  "beyond_last_year": bool(beyond(total["p_ly_fdr"], total["ly"]).startswith("beyond")),
                  "usual_range": None if rng is None else [round(rng[0], 1), round(rng[2], 1)]},
        "by_type": {r["label"]: {"month": r["now"], "previous": r["prev"], "last_year": r["ly"]} for r in recs},
    }
    return Section("headline", "a", "Headline numbers", metrics=metrics, text=text,
                   table=table, table_note="")


# -- (b) hotspot map and emerging classes ----------------------------------------------
def _gistar_month(ctx: _Context):
    if "gistar" not in ctx.cache:
        ctx.cache["gistar"] = detect(ctx.store, "gistar", ctx.flt(ctx.month, ctx.month), res=BRIEF_RES)
    return ctx.cache["gistar"]


def _top_cells(ctx: _Context) -> pd.DataFrame:
    if "top" not in ctx.cache:
        t = count_by_cell(ctx.of_month(ctx.month), BRIEF_RES, ctx.weights)
        ctx.cache["top"] = t.sort_values(["count", "harm", "cell"], ascending=[False, False, True],
                                         ignore_index=True).head(TOP_PLACES)
    return ctx.cache["top"]


def _cell_xy(cells) -> tuple[np.ndarray, np.ndarray]:

    lat, lon = cells_to_latlng(list(cells))
    return lonlat_to_bng(lon, lat)


def _hotspot_map(ctx: _Context, numbers: dict) -> Section:

    det = _gistar_month(ctx)
    t = det.table
    classes = t.loc[t["class"].isin(GISTAR_COLOURS)]
    top = _top_cells(ctx)
    m = StaticMap(title=f"Hot spots, {month_words(ctx.month)}: {ctx.area_name}", synthetic=ctx.synthetic,
                  note=f"Getis-Ord Gi*, H3 res {BRIEF_RES} hexagons (~0.1 km²), police.uk {ctx.month}",
                  context=ctx.background)
    geoms = ctx.boundary_geoms()
    if geoms:
        m.boundaries(geoms)
    if len(classes):
        m.cells(classes["cell"].tolist(), [GISTAR_COLOURS[c] for c in classes["class"]])
    if len(top):
        x, y = _cell_xy(top["cell"].tolist())
        m.points(x, y, colour="#000000", size=40, labels=[str(i + 1) for i in range(len(top))])
    present = [c for c in GISTAR_COLOURS if c in set(classes["class"])]
    items = [(GISTAR_COLOURS[c], c) for c in present] or [("#ffffff", "No significant hot or cold spots")]
    items.append(("#000000", "Top ten places by count (numbers: section c)"))
    m.legend(items, title="Gi* (FDR-corrected)")
    png = m.to_png(width_px=2300, height_px=1250, dpi=200, fit="data", font_scale=1.3)
    counts = classes["class"].value_counts()
    hot = int(sum(counts.get(c, 0) for c in GISTAR_COLOURS if c.startswith("Hot")))
    cold = int(sum(counts.get(c, 0) for c in GISTAR_COLOURS if c.startswith("Cold")))
    hot_inc = int(classes.loc[classes["class"].str.startswith("Hot"), "count"].sum())
    n_month = int(len(ctx.of_month(ctx.month)))
    text = [f"{plural(hot, 'hot-spot hexagon')} {'holds' if hot == 1 else 'hold'} {hot_inc:,} of the "
            f"{plural(n_month, 'incident')} ({(100 * hot_inc / n_month) if n_month else 0:.0f} %); "
            f"{plural(cold, 'cold-spot hexagon')}. "
            "Hot spot: the hexagon and its six neighbours had more incidents than chance would give."]
    numbers["hotspots"] = {"hot_cells": hot, "cold_cells": cold, "incidents_in_hot_cells": hot_inc,
                           "window_cells": int(len(t))}
    return Section("hotspot_map", "b", "Hot spots this month", text=text, image=png,
                   image_caption="",
                   links=[Link(*ACTION_PAGES["map"][:2], ctx.cmd("detect", f"--method gistar --from {ctx.month} "
                                                                           f"--to {ctx.month} --out hot.geojson"),
                                 printed=False)])


def _emerging(ctx: _Context, numbers: dict) -> Section:

    first = max(ctx.months[0], shift_month(ctx.month, -(EMERGING_MONTHS - 1)))
    upto_prev = [m for m in ctx.months if first <= m <= ctx.prev]
    link = Link(*ACTION_PAGES["trends"][:2], ctx.cmd("detect", f"--method emerging --from {first} --to {ctx.month} "
                                                               "--out emerging.geojson"), printed=False)
    title = "Emerging hot spots: what changed"
    if len(upto_prev) < 3:
        return Section("emerging", "b", title, links=[link],
                       missing=f"Emerging hot spots need at least 3 months up to {ctx.prev}; the store has "
                               f"{len(upto_prev)}. Load earlier months to compare.")
    now = detect(ctx.store, "emerging", ctx.flt(first, ctx.month), res=BRIEF_RES).table
    before = detect(ctx.store, "emerging", ctx.flt(first, ctx.prev), res=BRIEF_RES).table
    both = now[["cell", "class", "count"]].merge(before[["cell", "class"]], on="cell", how="outer",
                                                 suffixes=("_now", "_before"))
    both = both.fillna({"class_now": "No pattern detected", "class_before": "No pattern detected"})
    changed = both.loc[both["class_now"] != both["class_before"]].copy()
    month_counts = count_by_cell(ctx.of_month(ctx.month), BRIEF_RES, ctx.weights).set_index("cell")["count"]
    changed["month_count"] = changed["cell"].map(month_counts).fillna(0).astype(np.int64)
    changed["rank"] = changed["class_now"].map(emerging_rank)
    changed = changed.sort_values(["rank", "month_count", "cell"], ascending=[True, False, True], ignore_index=True)
    became_hot = changed["class_now"].str.contains("hot spot") & ~changed["class_now"].str.startswith("Historical")
    stopped_hot = (changed["class_before"].str.contains("hot spot")
                   & ~changed["class_before"].str.startswith("Historical")
                   & ~became_hot)
    shown = changed.head(EMERGING_ROWS)
    table = pd.DataFrame({
        "Place": [clip(n, NAME_MAX) for n in place_names(ctx.inc, shown["cell"].tolist(), BRIEF_RES)],
        f"Up to {short_month(ctx.prev)}": [c.replace(" detected", "") for c in shown["class_before"]],
        f"Up to {short_month(ctx.month)}": [c.replace(" detected", "") for c in shown["class_now"]],
        short_month(ctx.month): shown["month_count"].astype(np.int64).tolist(),
    })
    text = [f"{plural(len(changed), 'hexagon')} changed class ({first} to {ctx.prev} against {first} to {ctx.month}): "
            f"{int(became_hot.sum()):,} became a hot spot of a new kind, {int(stopped_hot.sum()):,} stopped being "
            "a current hot spot. New and intensifying hot spots first."]
    numbers["emerging"] = {"changed": int(len(changed)), "became_hot": int(became_hot.sum()),
                           "stopped_hot": int(stopped_hot.sum()), "from": first,
                           "cells": shown["cell"].tolist()}
    if changed.empty:
        text = [f"No hexagon changed class ({first} to {ctx.prev} against {first} to {ctx.month})."]
    return Section("emerging", "b", title, text=text, table=table if len(table) else None,
                   table_note=(f"The first {len(shown)} of {len(changed):,} changes are shown."
                               if len(changed) > len(shown) else ""), links=[link])


# -- (c) the top ten places -----------------------------------------------------------------
def _places(ctx: _Context, numbers: dict) -> Section:
    top = _top_cells(ctx)
    now = ctx.of_month(ctx.month)
    if top.empty:
        return Section("places", "c", "Top ten places", missing=f"No incidents in {ctx.month}.")
    names = place_names(now, top["cell"].tolist(), BRIEF_RES)
    prev_counts = (count_by_cell(ctx.of_month(ctx.prev), BRIEF_RES, ctx.weights).set_index("cell")["count"]
                   if ctx.has(ctx.prev) else None)
    by_cat = count_by_cell(now, BRIEF_RES, ctx.weights, by=("category",))
    by_cat = by_cat.loc[by_cat["cell"].isin(set(top["cell"]))]
    dom = (by_cat.sort_values(["cell", "harm", "count", "category"], ascending=[True, False, False, True])
           .drop_duplicates("cell").set_index("cell"))
    rows = []
    for i, r in enumerate(top.itertuples(index=False)):
        before = None if prev_counts is None else int(prev_counts.get(r.cell, 0))
        d = dom.loc[r.cell]
        rows.append({"Place": f"{i + 1}. {clip(names[i], NAME_MAX)}", short_month(ctx.month): int(r.count),
                     short_month(ctx.prev): "no data" if before is None else f"{before:,}",
                     "Change": change_words(int(r.count), before, ctx.prev, compact=True),
                     "Main problem": short_type(d["category"])})
    table = pd.DataFrame(rows)
    # counts as numbers (right-aligned, thousands separators), or "no data" when the month is not loaded
    table[short_month(ctx.prev)] = _count_column(None if prev_counts is None else int(prev_counts.get(c, 0))
                                                 for c in top["cell"])
    n_month = int(len(now))
    share = 100 * int(top["count"].sum()) / n_month if n_month else 0.0
    these = "This hexagon (~0.1 km²) holds" if len(top) == 1 else f"These {len(top)} hexagons (~0.1 km² each) hold"
    text = [f"{these} {int(top['count'].sum()):,} of the {plural(n_month, 'incident')} ({share:.0f} %). "
            "Main problem: the crime type with the most harm there this month."]
    numbers["places"] = [{"rank": i + 1, "cell": r.cell, "count": int(r.count), "harm": float(r.harm),
                          "previous": None if prev_counts is None else int(prev_counts.get(r.cell, 0)),
                          "main_problem": str(dom.loc[r.cell, "category"]), "place": names[i]}
                         for i, r in enumerate(top.itertuples(index=False))]
    return Section("places", "c", "Top ten places", text=text, table=table,
                   links=[Link(*ACTION_PAGES["map"][:2], ctx.cmd("detect", f"--method count --from {ctx.month} "
                                                                           f"--to {ctx.month} --out places.csv"),
                                 printed=False)])


# -- (d) police x A&E --------------------------------------------------------------------------
def _overlay(ctx: _Context, numbers: dict) -> Section:
    title = "Police x A&E summary"
    o_first, o_last = _period(ctx, BRIEF_OVERLAY_MONTHS)
    period = f"{short_month(o_first)} to {short_month(o_last)}" if o_first != o_last else short_month(o_last)
    link = Link(*ACTION_PAGES["overlay"][:2], ctx.cmd("overlay", f"--from {o_first} --to {o_last} "
                                                                 "--out overlay.csv"))
    numbers["overlay"] = None

    ae_months = _ae_months(ctx)
    if not ae_months:  # nothing to compare with: say so plainly, and what the data would add
        only_sample = ctx.store.source_count(SOURCE_AE) > 0
        return Section("overlay", "d", title, links=[link],
                       missing=NO_AE + (" (The store's only A&E records are the synthetic sample's, which is never "
                                        "mixed with real police data.)" if only_sample else ""))
    try:
        pub = overlay(ctx.store, ctx.flt(o_first, o_last), res=BRIEF_RES, exclude_synthetic_ae=not ctx.synthetic)
    except SettingError as err:
        return Section("overlay", "d", title, links=[link], missing=f"{err.message} {err.fix}")
    ae_total = pub.totals["ae_assaults"]
    hidden = primary_label(pub.threshold)
    ranked = pub.ranked.head(OVERLAY_ROWS)
    # the excess is derived from the A&E total: shown only where the total itself is shown
    show_excess = isinstance(ae_total, (int, np.integer))
    table = pd.DataFrame({
        "Place (nearest location)": [clip(strip_near(str(n).split(";")[0].split(" (")[0]) or
                                           "(no location text)", NAME_MAX) for n in ranked["near"]],
        "A&E assaults": [str(v) for v in ranked["ae_assaults"]],
        "Police violence": [int(v) for v in ranked["police_violence"]],
        "Excess A&E": [("hidden" if (v is None or not show_excess) else f"{float(v):,.1f}")
                                      for v in ranked["excess"]],
        "Class": ranked["class"].tolist(),
    })
    cc = pub.class_counts
    metrics = [(f"Police-recorded violence, {period}", f"{pub.totals['police_violence']:,}",
                ctx.area_name),
               ("A&E assault attendances located", str(ae_total) if not isinstance(ae_total, (int, np.integer))
                else f"{int(ae_total):,}",
                f"a rounded figure; '{hidden}' and '{SECONDARY_LABEL}' hide small numbers"),
               ("Hexagons 'A&E only' (A&E high, police not)", f"{cc.get('A&E only', 0):,}",
                f"'Both high': {cc.get('Both high', 0):,}")]
    weapons = pub.weapons.loc[pub.weapons["assaults"].astype(str) != "0"]
    text = [f"The 12 months to {month_words(ctx.month)} ({period}): one month of A&E data is too few assaults "
            "to show without revealing small numbers." if ae_total != 0 else
            f"No A&E assaults were located in {ctx.area_name}, {period}: nothing to compare. The A&E data loaded "
            f"covers {_month_span(ae_months)}.",
            f"Excess A&E: A&E assaults beyond the hexagon's share of police violence; places ranked by it. "
            f"A&E counts from 1 to {pub.threshold} show as '{hidden}'; only places whose A&E count is shown "
            "are ranked, since a hidden count's place in the list would give it away.",
            PROTECTION_NOTE]
    if len(weapons):
        text.append("Weapon or method (A&E): " + ", ".join(f"{w} {a}" for w, a in
                                                          zip(weapons["weapon"], weapons["assaults"])) + ".")
    numbers["overlay"] = {"police_violence": int(pub.totals["police_violence"]),
                          "ae_assaults": ae_total if isinstance(ae_total, str) else int(ae_total),
                          "classes": {k: int(v) for k, v in cc.items()},
                          "ranked_ae": [str(v) for v in ranked["ae_assaults"]],
                          "ranked_cells": ranked["cell"].tolist(), "period": [o_first, o_last]}
    return Section("overlay", "d", title, metrics=metrics, text=text, table=table if len(table) else None,
                   links=[link])


#: What section (d) says when there is no A&E data to compare with, and what loading it would add.
NO_AE = ("No A&E data loaded. With the emergency departments' assault records (ISTV files, loaded on the Data "
         "page) this section would show where A&E treats assaults that police data does not show: the places "
         "with the most A&E assaults beyond police-recorded violence, hexagons where only A&E is high, and the "
         "weapons used.")


def _ae_months(ctx: _Context) -> list[str]:
    """The months of the A&E records this briefing may use: on real police data, real A&E only (the synthetic
    sample's A&E is never mixed with real data, as on the Police and A&E page)."""
    if "ae_months" not in ctx.cache:
        ae = pd.DataFrame(columns=["force", "month"])
        if ctx.store.source_count(SOURCE_AE):
            status = ctx.store.status()
            ae = status.loc[(status["source"] == SOURCE_AE) & (status["rows"] > 0)]
        if not ctx.synthetic:
            ae = ae.loc[~ae["force"].astype(str).str.contains(SYNTHETIC_MARK, regex=False)]
        ctx.cache["ae_months"] = sorted(set(ae["month"].dropna().astype(str)))
    return ctx.cache["ae_months"]


def _has_ae(ctx: _Context) -> bool:
    return bool(_ae_months(ctx))


def _month_span(months: list[str]) -> str:
    """>>> _month_span(["2021-01", "2021-03"]), _month_span(["2021-02"])
    ('Jan 2021 to Mar 2021', 'Feb 2021')
    """
    first, last = short_month(months[0]), short_month(months[-1])
    return first if first == last else f"{first} to {last}"


def _unique_names(first: list[str], second: list[str]) -> list[str]:
    """Names made unique: a repeated name gets its second location ("Shopping Area / High St"),
    and if still repeated, a number ("Shopping Area (2)").

    >>> _unique_names(["A", "B", "A"], ["x", "y", "z"])
    ['A / x', 'B', 'A / z']
    >>> _unique_names(["A", "A"], ["", ""])
    ['A (1)', 'A (2)']
    """
    out = [f"{a} / {b}" if first.count(a) > 1 and b else a for a, b in zip(first, second)]
    seen: dict[str, int] = {}
    res = []
    for n in out:
        if out.count(n) > 1:
            seen[n] = seen.get(n, 0) + 1
            res.append(f"{n} ({seen[n]})")
        else:
            res.append(n)
    return res


def _site_location(t, k: int) -> str:
    """The ``k``-th location of a ``top_locations`` text ("A (12); B (5)"), "On or near" removed."""
    parts = [p.strip() for p in str(t).split(";") if p.strip()]
    return strip_near(parts[k].split(" (")[0]) if len(parts) > k else ""


# -- (e) recommended actions ---------------------------------------------------------------------
def _period(ctx: _Context, months: int) -> tuple[str, str]:
    first = max(ctx.months[0], shift_month(ctx.month, -(months - 1)))
    return first, ctx.month


def _patrol(ctx: _Context, numbers: dict) -> Section:
    title = "Action: patrol areas"
    numbers["patrol"] = None

    first, last = _period(ctx, BRIEF_PATROL_MONTHS)
    link = Link(*ACTION_PAGES["patrol"][:2], ctx.cmd("patrol", f"--from {first} --to {last} --out patrol.pdf",
                                                     district=True))
    # the planner's own default types (as the Patrol page and the command above): no drugs or weapon possession
    plan = plan_patrol(ctx.store, ctx.flt(first, last, defaults.PATROL_DEFAULT_TYPES), res=BRIEF_RES)
    s = plan.summary
    a = plan.areas.head(ACTION_ROWS)
    table = pd.DataFrame({
        # "Area 3: Market Place" -> "3. Market Place": the number is the map's label, as the CCTV sites'
        "Area": [clip(re.sub(r"^\s*Area\s+(\d+)\s*:\s*", r"\1. ", str(n)), NAME_MAX) for n in a["name"]],
        "Area (km²)": a["area_km2"].round(3),
        "Expected share of crime (%)": a["expected_crime_pct"].round(1),
        "Incidents in the period": a["period_incidents"].astype(np.int64),
    })
    text = [f"{plural(s['areas'], 'patrol area')}, {s['area_pct']:.2f} % of {ctx.area_name}, ranked by the "
            f"forecast for {s['forecast_month']} ({first} to {last})"
            + (f"; expected to hold {s['expected_crime_pct']:.1f} % of next month's crime."
               if s.get("expected_crime_pct") is not None else ".")
            + f" Visits of {plural(s['visit_min'], 'minute', fmt='g')}, random order, each area about every "
              f"{plural(s['revisit_min'] / 60, 'hour', fmt='g')}."]
    numbers["patrol"] = {"areas": int(s["areas"]), "area_pct": float(s["area_pct"]),
                         "expected_crime_pct": s.get("expected_crime_pct"), "period": [first, last]}
    return Section("patrol", "e", title, text=text, table=table,
                   image=plan_map_png(plan, *ACTION_MAP_PX, context=ctx.background),
                   table_note=(f"The first {len(a)} of {len(plan.areas)} areas." if len(plan.areas) > len(a) else ""),
                   links=[link])


def _cctv(ctx: _Context, numbers: dict) -> Section:
    title = "Action: mobile CCTV sites"
    numbers["cctv"] = None

    first, last = _period(ctx, BRIEF_CCTV_MONTHS)
    extra = f"--from {first} --to {last}" + (f" --existing {shlex.quote(str(ctx.cameras_file))}"
                                              if ctx.cameras_file else "")
    link = Link(*ACTION_PAGES["cctv"][:2], ctx.cmd("cctv", extra + " --out cctv.pdf"))
    existing = read_points(ctx.cameras_file, "existing cameras") if ctx.cameras_file else None
    if existing is not None and ctx.area is not None and len(existing):
        # cameras of other districts are not this briefing's to move
        existing = existing.loc[ctx.area.contains(existing["easting"].to_numpy(float),
                                                  existing["northing"].to_numpy(float))].reset_index(drop=True)
    # the planner's own default types (as the CCTV page and the command above): street crime and ASB
    plan = site_cameras(ctx.store, ctx.flt(first, last, defaults.CCTV_DEFAULT_TYPES), existing=existing,
                        weights=ctx.weights)
    s = plan.summary
    sites = plan.sites.head(ACTION_ROWS)
    names = _unique_names([_site_location(t, 0) or "(no location text)" for t in sites["top_locations"]],
                          [_site_location(t, 1) for t in sites["top_locations"]])
    table = pd.DataFrame({
        "Site": [f"{r}. {clip(n, NAME_MAX)}" for r, n in zip(sites["rank"], names)],
        "Incidents seen": sites["covered_incidents"].astype(np.int64),
        "Added to the plan": sites["added_incidents"].astype(np.int64),
        "Cumulative (%)": sites["cumulative_pct"].astype(float).round(1),
    })
    text = [f"{plural(s['sites_used'], 'site')} {'covers' if s['sites_used'] == 1 else 'cover'} {s['covered_incidents']:,} of {plural(s['total_incidents'], 'incident')} "
            f"({s['coverage_pct']:.1f} %) within {s['radius_m']:,.0f} m, {first} to {last} "
            f"({'proven optimal' if s['optimal'] else 'best found'})."]
    if existing is not None and len(existing):
        text.append(_camera_moves(plan, existing, float(s["radius_m"])))
    elif existing is not None:
        text.append(f"The cameras file has no camera in {ctx.area_name}.")
    else:
        text.append("No list of existing cameras was given, so none is suggested for moving.")
    numbers["cctv"] = {"sites": int(s["sites_used"]), "covered_incidents": int(s["covered_incidents"]),
                       "total_incidents": int(s["total_incidents"]), "period": [first, last]}
    return Section("cctv", "e", title, text=text, table=table,
                   table_note=(f"The first {len(sites)} of {len(plan.sites)} sites." if len(plan.sites) > len(sites)
                               else ""),
                   image=plan_png(plan, ctx.boundary_geoms(), *ACTION_MAP_PX, context=ctx.background),
                   links=[link])


def _camera_moves(plan, existing: pd.DataFrame, radius_m: float) -> str:
    """Which existing cameras see least in the period, and how many new sites no camera covers yet."""
    ex = existing[["easting", "northing"]].to_numpy(dtype=float)
    dem = plan.demand
    dx = dem["easting"].to_numpy(float)[:, None] - ex[:, 0][None, :]
    dy = dem["northing"].to_numpy(float)[:, None] - ex[:, 1][None, :]
    r = existing["radius_m"].to_numpy(float) if "radius_m" in existing else np.full(len(ex), radius_m)
    seen = ((dx ** 2 + dy ** 2) <= (r[None, :] ** 2)) * dem["incidents"].to_numpy(float)[:, None]
    per_cam = seen.sum(axis=0)
    names = (existing["name"].astype(str).tolist() if "name" in existing
             else [f"camera {i + 1}" for i in range(len(ex))])
    order = np.argsort(per_cam, kind="stable")[:2]
    least = " and ".join(f"{names[i]} ({plural(int(per_cam[i]), 'incident')})" for i in order)
    s = plan.sites
    if len(s):
        d = np.sqrt((s["easting"].to_numpy(float)[:, None] - ex[:, 0][None, :]) ** 2
                    + (s["northing"].to_numpy(float)[:, None] - ex[:, 1][None, :]) ** 2).min(axis=1)
        far = int((d > 2 * radius_m).sum())
    else:
        far = 0
    n_least = len(order)
    if far == 0:
        return (f"{plural(len(ex), 'existing camera')}. The least busy: {least}. Every new site is near an existing "
                "camera: no camera needs moving.")
    return (f"{plural(len(ex), 'existing camera')}. The least busy {'is' if n_least == 1 else 'are'} {least}. "
            f"{far} of the {len(s)} new sites {'is' if far == 1 else 'are'} more than {2 * radius_m:,.0f} m from "
            f"any camera: move the least busy camera{'s' if n_least > 1 else ''} to the best-ranked of "
            f"{'it' if far == 1 else 'them'} first.")


def _sweeps(ctx: _Context, numbers: dict) -> Section:
    title = "Action: knife-sweep areas"
    numbers["sweeps"] = None

    first, last = _period(ctx, BRIEF_SWEEP_MONTHS)
    has_ae = _has_ae(ctx)
    sources = tuple(ctx.sources) + ((SOURCE_AE,) if has_ae and SOURCE_AE not in ctx.sources else ())
    link = Link(*ACTION_PAGES["sweeps"][:2], ctx.cmd("sweeps", f"--from {first} --to {last} "
                                                               f"--sources {','.join(sources)} --out sweeps.pdf",
                                                     district=True))
    try:
        plan = plan_sweeps(ctx.store, replace(ctx.flt(first, last), sources=sources, forces=()))
    except SettingError as err:
        return Section("sweeps", "e", title, links=[link], missing=f"{err.message} {err.fix}")
    s = plan.summary
    t = plan.areas.iloc[plan.order].head(ACTION_ROWS)
    table = sweep_action_table(plan, ACTION_ROWS, name_len=NAME_MAX + 20)  # "Sweep 4: " is cut below
    # the visit number is the only number a sweep team needs: "Sweep 4: Parking Area" -> "Parking Area"
    table["Area"] = [clip(re.sub(r"^\s*Sweep\s+\d+\s*:\s*", "", str(n)), NAME_MAX) for n in table["Area"]]
    text = [f"{plural(s['areas'], 'sweep area')} ({s['area_km2']:.3f} km²), {first} to {last}, numbered in visiting order; "
            f"walk {s['walk_m']:,.0f} m between them. {s['score_note']}."]
    numbers["sweeps"] = {"areas": int(s["areas"]), "period": [first, last], "sources": list(sources)}
    return Section("sweeps", "e", title, text=text, table=table,
                   image=sweep_map_png(plan, *ACTION_MAP_PX, context=ctx.background),
                   table_note=(f"The first {len(t)} of {len(plan.areas)} areas, in visiting order."
                               if len(plan.areas) > len(t) else ""), links=[link])


# -- (f) data notes ------------------------------------------------------------------------------
def _notes(ctx: _Context, numbers: dict) -> Section:
    # A&E counts leave only through the overlay's suppression (section d): not listed here
    by_source, rej = ctx.store.month_counts(ctx.month, SOURCE_POLICE)
    n_month = int(len(ctx.of_month(ctx.month)))
    text = []
    if ctx.synthetic:
        text.append(f"{SYNTHETIC_NOTE.upper()}: the generated sample, for training and testing only.")
    src_words = ", ".join(f"{n:,} {s}" for s, n in by_source) or "none"
    text.append(f"Source: police.uk street-level crime (Open Government Licence v3.0): month only, locations are "
                f"anonymised snap points. {ctx.month}, all areas: {src_words} (A&E: section d); "
                f"in {ctx.area_name}: {n_month:,}. "
                f"Store: {ctx.months[0]} to {ctx.months[-1]}"
                + ("" if ctx.has(ctx.last_year) else f"; {ctx.last_year} not loaded") + ".")
    if rej:
        parts = ", ".join(f"{n:,} {r.replace('_', ' ')}" for r, n in rej)
        text.append(f"Excluded when loading {ctx.month} (whole force file): {plural(sum(n for _, n in rej), 'row')} "
                    f"({parts}).")
    else:
        text.append(f"Excluded: no police.uk rows of {ctx.month} were rejected when loading.")
    text.append(("Drugs and weapons possession (found mostly by police activity) get no harm. "
                 if ctx.sel.exclude_police_generated else
                 "Drugs and weapons possession are included; they measure police activity as much as crime. ")
                + "Harm: approximate Cambridge Crime Harm Index (days of imprisonment) per category.")
    text.append("Change test: exact conditional test of two Poisson counts (Przyborowski & Wilenski 1940), "
                "allowing for month length, Benjamini-Hochberg corrected over the table's rows. "
                "Hot spots: Getis-Ord Gi*, FDR-corrected; emerging: Gi* per month + Mann-Kendall trend.")
    text.append(f"A&E: counts from 1 to {defaults.AE_SUPPRESS_MAX} are never shown, nor totals that would reveal "
                "them; A&E free text never leaves the Data page.")
    missing = [s for s in ("overlay", "patrol", "cctv", "sweeps") if numbers.get(s) is None]
    if ctx.command_area.startswith("--area"):
        text.append(f"Commands: {ctx.command_area} is the boundary file of {ctx.area_name}.")
    if missing:
        why = {"overlay": "police x A&E (no A&E data loaded)" if not _has_ae(ctx) else "police x A&E (see (d))",
               "patrol": "patrol areas (see its page)", "cctv": "CCTV sites (see its page)",
               "sweeps": "knife-sweep areas (see its page)"}
        text.append("Not in this briefing: " + "; ".join(why[m] for m in missing) + ".")
    numbers["notes"] = {"rejected": {r: int(n) for r, n in rej}, "by_source": {s: int(n) for s, n in by_source},
                        "months": [ctx.months[0], ctx.months[-1]]}
    return Section("notes", "f", "Data notes", text=text,
                   links=[Link("pages/data.py", "Data", "python -m hotspots status", printed=False)])


