"""The hotspot-method table: each method's name, meaning, settings, output columns and adapters.

``detect``, ``evaluate``, the command line's choices, the map page, its layers and the briefing all read
this one table (open_cp's ``predictors`` is the model: every predictor returns one ``GridPrediction`` that
the evaluation reads). Adding a method is one module under ``hotspots/methods/`` plus one ``Method`` here
(``register``): its ``run`` turns the selected incidents into a ``CellScores``, and its ``history_score``
(optional) scores every cell of the study area for the month after a history of monthly counts, which is
what the accuracy tests compare.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from geo.boundaries import Area
from geo.errors import SettingError
from geo.grid import cells_area_km2, str_to_cells
from geo.months import months_between
from hotspots import defaults
from hotspots.methods import clusters
from hotspots.methods.cells import analysis_window, count_by_cell
from hotspots.methods.density import QuarticKDE
from hotspots.methods.emerging import NO_PATTERN, EmergingHotspots
from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, CellMonths, RecencyBlendForecast, cell_months
from hotspots.methods.gistar import GetisOrdGiStar
from hotspots.methods.harm import harm_of
from hotspots.methods.nearrepeat import KnoxTest

__all__ = ["CellScores", "METHODS", "MapStyle", "Method", "MethodInput", "method_names", "register", "resolve", "unregister"]


@dataclass
class CellScores:
    """What every hotspot method returns, and what every consumer reads.

    Attributes
    ----------
    method : str
        The registry name.
    table : pandas.DataFrame
        The method's rows, as ``detect`` prints and writes them (``Method.columns``).
    summary : dict
        Numbers and words for people and for ``--json``.
    cells : numpy.ndarray of uint64
        The cells of the study area the method scored (empty for a test that makes no map, e.g. Knox).
    score : numpy.ndarray of float
        One value per cell, higher where the method sees more (NaN where it has none).
    res : int
        The cells' H3 resolution.
    per_cell : bool
        ``table`` has a ``cell`` column of H3 cells (else one row per cluster with a ``geometry`` in
        EPSG:27700, or per band of a test).
    """

    method: str
    table: pd.DataFrame
    summary: dict = field(default_factory=dict)
    cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    res: int = defaults.H3_DEFAULT_RES
    per_cell: bool = True


@dataclass(frozen=True)
class MethodInput:
    """What a method's ``run`` receives: the selected incidents and the study area's cells."""

    incidents: pd.DataFrame
    res: int
    area: Area | None
    harm: bool
    weights: dict
    summary: dict

    def window(self) -> np.ndarray:
        """Every cell of the study area (H3 strings), empty ones included."""
        return analysis_window(self.incidents, self.res, self.area)

    def values(self) -> np.ndarray:
        """Each incident's weight: its harm (days) with ``harm``, else 1."""
        return harm_of(self.incidents["category"].to_numpy(), self.weights) if self.harm else np.ones(len(self.incidents))


@dataclass(frozen=True)
class MapStyle:
    """How the map draws a method's result (``hotspots.outputs.webmap.map_layers`` reads it).

    ``kind``: ``values`` (a sequential colour per cell from ``column``; ``{value}`` means ``harm`` when the
    selection weighs by harm, else ``count``), ``classes`` (a colour per class of ``column`` from the palette
    ``palette`` names in ``hotspots.outputs.legend.PALETTES``; rows outside it are not drawn) or ``clusters``
    (one outline per row of a table with a ``geometry``). ``title``, ``unit``, ``label`` (per row, its columns),
    ``note`` and ``legend_note`` are format strings; they may use the summary's keys, the row's columns,
    ``{Value}`` / ``{value_unit}`` ("Incidents" / "incidents" or "Harm" / "days of harm"), ``{drawn}``,
    ``{total}``, ``{hidden}`` and ``{max_cells}``. ``keep_area_pct`` draws only rows whose ``cum_area_pct`` is
    at most that; ``keep_min_share`` only rows of at least that share of the largest value.
    """

    kind: str
    title: str
    column: str = "{value}"
    unit: str = "{value_unit}"
    label: str = ""
    note: str = ""
    legend_note: str = ""
    palette: str = ""
    keep_area_pct: float | None = None
    keep_min_share: float | None = None


@dataclass(frozen=True)
class Method:
    """One row of the method table.

    ``run(inputs, params) -> CellScores``; ``history_score(history, train_months, params) -> (score per
    cell, fitted parameters)`` or None for a method that makes no map (a statistical test); ``bandwidths(params)``
    the density bandwidths (m) its history needs; ``aliases`` other names that mean this method with some
    settings (the accuracy table's names: ``naive``, ``kde-300`` ...); ``map`` how the map page draws it
    (None: a test with no map, left off the map page); ``estimator`` the ``hotspots.methods`` class it fits (a
    ``hotspots.methods.base.Estimator``; None for plain counting), which the estimator checks read; ``widgets``
    the settings the map page offers (see ``page_settings``).
    """

    name: str
    label: str
    meaning: str
    params: tuple[str, ...]
    columns: tuple[str, ...]
    run: Callable[[MethodInput, dict], CellScores]
    history_score: Callable[[CellMonths, int, dict], tuple[np.ndarray, dict]] | None = None
    bandwidths: Callable[[dict], tuple[float, ...]] = lambda params: ()
    aliases: dict[str, dict] = field(default_factory=dict)
    per_cell: bool = True
    needs_times: bool = False
    map: MapStyle | None = None
    estimator: type | None = None
    widgets: tuple[str, ...] | None = None

    def page_settings(self) -> tuple[str, ...]:
        """The settings a page offers for this method (``widgets``; default its ``params`` but the seed and
        the permutation count, which stay at their defaults)."""
        if self.widgets is not None:
            return self.widgets
        return tuple(p for p in self.params if p not in ("permutations", "seed"))


# -- the adapters ----------------------------------------------------------------------------------------------
def _scores(method: str, inputs: MethodInput, table: pd.DataFrame, score_col: str, window=None) -> CellScores:
    """A per-cell table as CellScores: every window cell with its score (cells the table lacks score 0)."""
    window = inputs.window() if window is None else window
    cells = str_to_cells(np.asarray(window, dtype=object))
    score = pd.Series(table[score_col].to_numpy(dtype=float), index=table["cell"]).reindex(
        np.asarray(window, dtype=object)).fillna(0.0).to_numpy()
    return CellScores(method, table, inputs.summary, cells, score, inputs.res, per_cell=True)


def _count(inputs: MethodInput, params: dict) -> CellScores:
    harm = inputs.harm
    table = count_by_cell(inputs.incidents, inputs.res, inputs.weights)
    total = table["harm" if harm else "count"].sum()
    table["share_pct"] = 100 * table["harm" if harm else "count"] / total if total else 0.0
    table = table.sort_values(["harm" if harm else "count", "cell"], ascending=[False, True], ignore_index=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    inputs.summary.update(cells=int(len(table)),
                          top=table.head(10)[["cell", "count", "harm"]].to_dict(orient="records"))
    return _scores("count", inputs, table, "harm" if harm else "count")


def _count_history(history: CellMonths, train_months: int, params: dict):
    what = "harm" if params.get("harm") else "counts"
    if params.get("months") == "all":
        return getattr(history, what).sum(axis=1), {}
    return history.last(train_months, "harm" if params.get("harm") else "counts"), {}


def _kde(inputs: MethodInput, params: dict) -> CellScores:
    h = defaults.SPECS["bandwidth_m"].check(params.get("bandwidth_m"), "kde") or defaults.KDE_BANDWIDTH_M
    inc = inputs.incidents
    w = inputs.values() if inputs.harm else None
    est = QuarticKDE(bandwidth_m=h).fit(inc["easting"].to_numpy(), inc["northing"].to_numpy(), w)
    window = inputs.window()
    table = est.density_at_cells(window)
    counts = count_by_cell(inc, inputs.res, inputs.weights)[["cell", "count", "harm"]]
    table = table.merge(counts, on="cell", how="left").fillna({"count": 0, "harm": 0.0})
    table["count"] = table["count"].astype(np.int64)
    scores = _scores("kde", inputs, table, "density", window)
    # cells beyond every incident's reach are zeros; they add size, not information
    table = table.loc[(table["density"] > 0) | (table["count"] > 0), ["cell", "count", "harm", "density"]]
    scores.table = table.sort_values(["density", "cell"], ascending=[False, True], ignore_index=True)
    inputs.summary.update(cells=int(len(scores.table)), bandwidth_m=h, kernel="quartic",
                          density_unit=("harm (days) per km2" if inputs.harm else "incidents per km2"))
    return scores


def _kde_history(history: CellMonths, train_months: int, params: dict):
    return history.last(train_months, float(params.get("bandwidth_m") or defaults.KDE_BANDWIDTH_M)), {}


def _gistar(inputs: MethodInput, params: dict) -> CellScores:
    k = defaults.SPECS["k"].check(params.get("k", defaults.GISTAR_K), "gistar")
    permutations = defaults.SPECS["permutations"].check(params.get("permutations") or 0, "gistar")
    counts = count_by_cell(inputs.incidents, inputs.res, inputs.weights)
    window = inputs.window()
    value = counts["harm" if inputs.harm else "count"].to_numpy(dtype=float)
    est = GetisOrdGiStar(k=k, permutations=permutations, seed=params.get("seed")).fit(
        counts["cell"].to_numpy(), value, window)
    table = est.to_frame().merge(counts[["cell", "count", "harm"]], on="cell", how="left")
    table[["count", "harm"]] = table[["count", "harm"]].fillna(0)
    table["count"] = table["count"].astype(np.int64)
    cols = ["cell", "count", "harm", "z", "p", "p_fdr", "class"] + (["p_sim"] if "p_sim" in table else [])
    table = table[cols].sort_values(["z", "cell"], ascending=[False, True], ignore_index=True)
    inputs.summary.update(cells=int(len(table)), window_cells=int(len(window)), k=k,
                          classes=table["class"].value_counts().to_dict(),
                          window_note="Every hexagon of the area is in the analysis, empty ones as zeros.")
    return _scores("gistar", inputs, table, "z", window)


def _gistar_history(history: CellMonths, train_months: int, params: dict):
    values = history.last(train_months)
    if np.ptp(values) == 0:  # Gi* undefined: every cell alike
        return np.full(history.n_cells, np.nan), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gi = GetisOrdGiStar(k=params.get("k", defaults.GISTAR_K)).fit(history.cells, values, window=history.cells)
    return np.asarray(gi.z_, dtype=float), {}


def _emerging(inputs: MethodInput, params: dict) -> CellScores:
    k = defaults.SPECS["k"].check(params.get("k", defaults.GISTAR_K), "emerging")
    inc = inputs.incidents
    months = sorted(inc["month"].unique())
    if len(months) < 3:
        raise SettingError(f"Emerging hot spots need at least 3 months; the selection has {len(months)}.",
                           "Choose a longer period (a year or more is best).")
    by_month = count_by_cell(inc, inputs.res, inputs.weights, by=("month",))
    window = inputs.window()
    data = by_month.rename(columns={"month": "period", ("harm" if inputs.harm else "count"): "value"})[
        ["cell", "period", "value"]]
    est = EmergingHotspots(k=k).fit(data, window=window, periods=months)
    table = est.to_frame()
    totals = count_by_cell(inc, inputs.res, inputs.weights)[["cell", "count", "harm"]]
    table = table.merge(totals, on="cell", how="left").fillna({"count": 0, "harm": 0.0})
    table["count"] = table["count"].astype(np.int64)
    # patterns first, strongest final z first
    table = table.assign(_none=table["class"].eq(NO_PATTERN)).sort_values(
        ["_none", "final_z", "cell"], ascending=[True, False, True], ignore_index=True).drop(columns="_none")
    inputs.summary.update(cells=int(len(table)), periods=months, classes=table["class"].value_counts().to_dict())
    return _scores("emerging", inputs, table, "final_z", window)


def _emerging_history(history: CellMonths, train_months: int, params: dict):
    counts = history.counts
    if counts.shape[1] < 3 or np.ptp(counts) == 0:
        return np.full(history.n_cells, np.nan), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = EmergingHotspots(k=params.get("k", defaults.GISTAR_K)).fit(
            counts, cells=history.cells, periods=list(history.months))
    frame = est.to_frame().set_index("cell").reindex(np.asarray(history.cells, dtype=object))
    return frame["final_z"].to_numpy(dtype=float), {}


def _knox(inputs: MethodInput, params: dict) -> CellScores:
    inc = inputs.incidents
    month_only = int((inc["time_precision"] == "month").sum())
    if month_only:
        raise SettingError(
            f"The Knox test needs the day of each incident, but {month_only:,} of the {len(inc):,} selected "
            "incidents have only a month (police.uk data gives only the month of each crime), so the days "
            "between two incidents cannot be measured.",
            "Choose force records with dates (--sources rms), e.g. burglary from the force's RMS export.")
    # a window's midpoint stands for its time (aoristic midpoint)
    start = pd.to_datetime(inc["occurred_at"])
    t = start.to_numpy()
    if "occurred_until" in inc:
        end = pd.to_datetime(inc["occurred_until"])
        t = np.where(end.notna(), (start + (end - start) / 2).to_numpy(), t)
    perms = defaults.SPECS["permutations"].check(params.get("permutations") or defaults.PERMUTATIONS, "knox")
    est = KnoxTest(permutations=perms, seed=params.get("seed")).fit(
        inc["easting"].to_numpy(), inc["northing"].to_numpy(), t, precision=inc["time_precision"].to_numpy())
    table = est.to_frame()
    near = table.iloc[0]
    inputs.summary.update(rows=int(len(table)), pairs=int(getattr(est, "n_pairs_", 0)),
                          nearest_band={"ratio": float(near["ratio"]), "p": float(near["p"])})
    return CellScores("knox", table, inputs.summary, res=inputs.res, per_cell=False)


def _cluster_scores(method: str, inputs: MethodInput, table: pd.DataFrame, labels: np.ndarray) -> CellScores:
    """Clusters as cell scores: each cell scores the incidents (or harm) it holds that lie in a cluster."""
    inc = inputs.incidents.loc[labels >= 0]
    counts = count_by_cell(inc, inputs.res, inputs.weights)
    scores = _scores(method, inputs, counts, "harm" if inputs.harm else "count")
    return CellScores(method, table, inputs.summary, scores.cells, scores.score, inputs.res, per_cell=False)


def _dbscan(inputs: MethodInput, params: dict) -> CellScores:
    inc = inputs.incidents
    x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
    eps = defaults.SPECS["eps_m"].check(params.get("eps_m"), "dbscan") or defaults.DBSCAN_EPS_M
    ms = defaults.SPECS["min_samples"].check(params.get("min_samples"), "dbscan") or defaults.DBSCAN_MIN_SAMPLES
    est = clusters.WeightedDBSCAN(eps_m=eps, min_samples=ms).fit(x, y)
    inputs.summary.update(eps_m=eps, min_samples=ms)
    return _cluster_table("dbscan", inputs, est.labels_)


def _hdbscan(inputs: MethodInput, params: dict) -> CellScores:
    inc = inputs.incidents
    x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
    mcs = (defaults.SPECS["min_cluster_size"].check(params.get("min_cluster_size"), "hdbscan")
           or defaults.HDBSCAN_MIN_CLUSTER_SIZE)
    ms = defaults.SPECS["min_samples"].check(params.get("min_samples"), "hdbscan")
    est = clusters.WeightedHDBSCAN(min_cluster_size=mcs, min_samples=ms).fit(x, y)
    inputs.summary.update(min_cluster_size=mcs, min_samples=ms)
    return _cluster_table("hdbscan", inputs, est.labels_)


def _cluster_table(method: str, inputs: MethodInput, labels: np.ndarray) -> CellScores:
    inc = inputs.incidents
    x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
    w = harm_of(inc["category"].to_numpy(), inputs.weights)
    table = clusters.summarise_clusters(labels, x, y, inc["category"].to_numpy(), inc["location"].to_numpy(),
                                        inc["month"].to_numpy(), harm=w)
    table = table.sort_values("harm" if inputs.harm else "count", ascending=False, ignore_index=True)
    noise = int((labels < 0).sum())
    inputs.summary.update(clusters=int(len(table)), noise=noise,
                          clustered_pct=round(100 * (len(inc) - noise) / len(inc), 1))
    return _cluster_scores(method, inputs, table, labels)


def _clusters_history(kind: str):
    def score(history: CellMonths, train_months: int, params: dict):
        """The training months' incidents in cells that a clustering of the cell centres (weighted by their
        incidents) puts in a cluster; 0 elsewhere."""
        w = history.last(train_months)
        occupied = w > 0
        out = np.zeros(history.n_cells)
        if occupied.sum() < 2:
            return out, {}
        x, y = history.x_m[occupied], history.y_m[occupied]
        if kind == "dbscan":
            est = clusters.WeightedDBSCAN(eps_m=float(params.get("eps_m") or defaults.DBSCAN_EPS_M),
                                          min_samples=int(params.get("min_samples") or defaults.DBSCAN_MIN_SAMPLES))
        else:
            est = clusters.WeightedHDBSCAN(
                min_cluster_size=int(params.get("min_cluster_size") or defaults.HDBSCAN_MIN_CLUSTER_SIZE))
        labels = est.fit(x, y, w[occupied]).labels_
        out[np.flatnonzero(occupied)[labels >= 0]] = w[occupied][labels >= 0]
        return out, {}
    return score


def _forecast(inputs: MethodInput, params: dict) -> CellScores:
    inc = inputs.incidents
    months = months_between(min(inc["month"]), max(inc["month"]))
    window = inputs.window()
    history = cell_months(inc, window, months, bandwidths_m=FORECAST_BANDWIDTHS_M, weights=inputs.weights)
    model = RecencyBlendForecast().fit(history)
    score = model.predict()
    counts = count_by_cell(inc, inputs.res, inputs.weights)[["cell", "count", "harm"]]
    table = pd.DataFrame({"cell": np.asarray(history.cells, dtype=object), "score": score})
    table = table.merge(counts, on="cell", how="left").fillna({"count": 0, "harm": 0.0})
    table["count"] = table["count"].astype(np.int64)
    scores = CellScores("forecast", table, inputs.summary, str_to_cells(np.asarray(history.cells, dtype=object)),
                        np.asarray(score, dtype=float), inputs.res)
    table = table.loc[table["score"] > 0].sort_values(["score", "count", "cell"], ascending=[False, False, True],
                                                      ignore_index=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    table["area_km2"] = cells_area_km2(table["cell"].to_numpy(dtype=object))
    table["cum_area_pct"] = 100 * table["area_km2"].cumsum() / float(history.area_km2.sum())
    scores.table = table
    inputs.summary.update(cells=int(len(table)), window_cells=int(len(window)),
                          forecast_month=model.forecast_month_, half_life_months=model.half_life_months_,
                          prior_strength=model.prior_strength_,
                          score_note="relative score: recency-weighted incidents a month, smoothed; rank is what counts")
    return scores


def _forecast_history(history: CellMonths, train_months: int, params: dict):
    f = RecencyBlendForecast(train_months=train_months).fit(history)
    return f.predict(), {"half_life_months": f.half_life_months_, "prior_strength": f.prior_strength_,
                         "validation_months": len(f.validation_months_)}


#: What a clustering's table holds, and how the map draws it (DBSCAN and HDBSCAN alike).
CLUSTER_COLUMNS = ("cluster", "count", "harm", "area_km2", "top_categories", "top_locations", "months_active",
                   "first_month", "last_month")
CLUSTER_MAP = MapStyle("clusters", "Cluster size", column="count", unit="incidents")
#: Classes with no significant pattern are left off a classes map.
UNDRAWN_NOTE = "Not drawn: {hidden:,|hexagon} with no significant pattern."


# -- the table ---------------------------------------------------------------------------------------------------
_CELL_COLUMNS = ("cell", "count", "harm")
METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add a method (or replace one of the same name); returns it."""
    METHODS[method.name] = method
    return method


def unregister(name: str) -> None:
    METHODS.pop(name, None)


def method_names(*, maps_only: bool = False) -> tuple[str, ...]:
    """The registered methods' names (``maps_only``: those that score cells, so can be evaluated)."""
    return tuple(n for n, m in METHODS.items() if not maps_only or m.history_score is not None)


_KDE_NAME = re.compile(r"^kde-(\d+(?:\.\d+)?)$")


def resolve(name: str) -> tuple[Method, dict]:
    """A method name or alias -> (the method, the settings the alias fixes).

    >>> m, params = resolve("kde-150")
    >>> m.name, params
    ('kde', {'bandwidth_m': 150.0})
    >>> resolve("naive")[0].name
    'count'
    """
    key = str(name).strip().lower()
    if key in METHODS:
        return METHODS[key], {}
    for m in METHODS.values():
        if key in m.aliases:
            return m, dict(m.aliases[key])
    mk = _KDE_NAME.match(key)
    if mk and "kde" in METHODS and float(mk.group(1)) > 0:
        return METHODS["kde"], {"bandwidth_m": float(mk.group(1))}
    names = list(METHODS) + [a for m in METHODS.values() for a in m.aliases]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise SettingError(f"'{name}' is not a method.{hint}", f"Use one of: {', '.join(METHODS)}.")


register(Method(
    "count", "Counts", "Incidents in each hexagon (or their harm): where most happened.",
    params=(), columns=("cell", "rank", "count", "harm", "share_pct"), run=_count, history_score=_count_history,
    aliases={"naive": {}, "naive-all": {"months": "all"}, "harm": {"harm": True}},
    map=MapStyle("values", "{Value} per hexagon",
                 label="{count:,|incident}, harm {harm:,.0f|day} ({share_pct:.1f}% of the total)")))
register(Method(
    "forecast", "Forecast (next month)",
    "Forecast for the month after the period: recent months weigh most, and each hexagon is pulled towards its "
    "neighbourhood's density. The method that best predicted next month's crime on months it had not seen (see "
    "the Accuracy page): the default for planning patrols.",
    params=(), columns=("cell", "rank", "score", "count", "harm", "area_km2", "cum_area_pct"), run=_forecast,
    history_score=_forecast_history, bandwidths=lambda p: tuple(FORECAST_BANDWIDTHS_M),
    map=MapStyle("values", "Forecast, next month", column="score", unit="(score)",
                 label="Rank {rank:,} (top {cum_area_pct:.1f}% of the area); {count:,|incident} in the period",
                 note="The top 10 % of the study area ({drawn:,|hexagon}) is drawn; darkest first to patrol. "
                      "Forecast for {forecast_month}.",
                 legend_note="Relative score: higher means more incidents expected. Rank is what counts.",
                 keep_area_pct=10.0),
    estimator=RecencyBlendForecast))
register(Method(
    "kde", "Kernel density",
    "Kernel density (quartic kernel): incidents per km2 smoothed over the bandwidth, so nearby incidents add up "
    "even across hexagon edges.",
    params=("bandwidth_m",), columns=("cell", "count", "harm", "density"), run=_kde, history_score=_kde_history,
    bandwidths=lambda p: (float(p.get("bandwidth_m") or defaults.KDE_BANDWIDTH_M),),
    aliases={f"kde-{bw}": {"bandwidth_m": float(bw)} for bw in (150, 300, 600)},
    map=MapStyle("values", "Density ({value_unit} per km²)", column="density", unit="per km²",
                 label="{density:,.1f} {value_unit} per km²; {count:,|incident} in the hexagon",
                 note="Hexagons below 2% of the peak density are not drawn.",
                 legend_note="Quartic kernel, bandwidth {bandwidth_m:,.0f} m.", keep_min_share=0.02),
    estimator=QuarticKDE))
# One register() per method below: the entries share their shape on purpose (they are the rows of one table).
register(Method(
    "gistar", "Gi* hot spots",
    "Getis-Ord Gi*: hexagons whose neighbourhood has more (hot) or fewer (cold) incidents than chance would give, "
    "at 90/95/99 % confidence after correcting for testing many hexagons.",
    params=("k", "permutations", "seed"), columns=("cell", "count", "harm", "z", "p", "p_fdr", "class"),
    run=_gistar, history_score=_gistar_history,
    map=MapStyle("classes", "Gi* hot and cold spots (FDR-corrected)", column="class", palette="gistar",
                 label="{class}: {count:,|incident}, z = {z:.1f}",
                 note=UNDRAWN_NOTE),
    estimator=GetisOrdGiStar))
register(Method(
    "dbscan", "DBSCAN clusters",
    "DBSCAN clusters: groups of incidents within the search distance of each other, with at least the minimum "
    "number around each core point.",
    params=("eps_m", "min_samples"), columns=CLUSTER_COLUMNS, run=_dbscan,
    history_score=_clusters_history("dbscan"), per_cell=False, map=CLUSTER_MAP,
    estimator=clusters.WeightedDBSCAN))
register(Method(
    "hdbscan", "HDBSCAN clusters", "HDBSCAN clusters: dense groups of incidents at whatever density they occur.",
    params=("min_cluster_size", "min_samples"), columns=CLUSTER_COLUMNS, run=_hdbscan,
    widgets=("min_cluster_size",),  # min_samples left None: it follows min_cluster_size, as on the CLI
    history_score=_clusters_history("hdbscan"), per_cell=False, map=CLUSTER_MAP,
    estimator=clusters.WeightedHDBSCAN))
register(Method(
    "emerging", "Emerging hot spots",
    "Emerging hot spots: how each hexagon's Gi* status changed month by month (new, intensifying, persistent, "
    "diminishing ...).",
    params=("k",), columns=("cell", "class", "trend_z", "trend_p", "n_hot", "n_cold", "final_z", "count", "harm"),
    run=_emerging, history_score=_emerging_history,
    map=MapStyle("classes", "Emerging hot spots", column="class", palette="emerging",
                 label="{class}: {count:,|incident}; trend z = {trend_z:.1f}",
                 note=UNDRAWN_NOTE),
    estimator=EmergingHotspots))
register(Method(
    "knox", "Near repeats (Knox)",
    "Knox near-repeat test: whether incidents close in space are also close in time more often than chance.",
    params=("permutations", "seed"), columns=("observed", "expected", "ratio", "p"), run=_knox,
    per_cell=False, needs_times=True,
    estimator=KnoxTest))
