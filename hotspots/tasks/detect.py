"""Run a hotspot method on stored incidents: one call per method, one table out.

``detect(store, method, ...)`` selects the incidents (period, types, sources, area),
runs the method and returns a ``Detection``: a table with one row per cell (per
cluster for DBSCAN/HDBSCAN, per distance x time band for Knox) and a summary for
people and for ``--json``. ``write_detection`` saves the table as GeoJSON, GeoPackage
or CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.boundaries import Area
from geo.constants import H3_DEFAULT_RES
from geo.errors import SettingError
from geo.grid import cells_area_km2, cells_to_polygons, check_resolution
from geo.store import Store
from hotspots import defaults
from hotspots.outputs.files import SYNTHETIC_NOTE, is_synthetic, safe_csv
from hotspots.methods.harm import harm_of, harm_weights
from hotspots.tasks.query import DEFAULT_COLUMNS, IncidentFilter, analysis_window, count_by_cell, select_incidents

__all__ = ["METHODS", "Detection", "detect", "write_detection"]

METHODS = ("count", "kde", "gistar", "dbscan", "hdbscan", "emerging", "knox", "forecast")

#: One line per method, in plain words, for the CLI, the app and the briefing.
METHOD_MEANING = {
    "count": "Incidents in each hexagon (or their harm): where most happened.",
    "kde": "Kernel density (quartic kernel): incidents per km2 smoothed over the bandwidth, so nearby "
           "incidents add up even across hexagon edges.",
    "gistar": "Getis-Ord Gi*: hexagons whose neighbourhood has more (hot) or fewer (cold) incidents than "
              "chance would give, at 90/95/99 % confidence after correcting for testing many hexagons.",
    "dbscan": "DBSCAN clusters: groups of incidents within the search distance of each other, with at "
              "least the minimum number around each core point.",
    "hdbscan": "HDBSCAN clusters: dense groups of incidents at whatever density they occur.",
    "emerging": "Emerging hot spots: how each hexagon's Gi* status changed month by month (new, "
                "intensifying, persistent, diminishing ...).",
    "knox": "Knox near-repeat test: whether incidents close in space are also close in time more often "
            "than chance.",
    "forecast": "Forecast for the month after the period: recent months weigh most, and each hexagon is pulled "
                "towards its neighbourhood's density. The method that best predicted next month's crime on "
                "months it had not seen (see the Accuracy page): the default for planning patrols.",
}


@dataclass
class Detection:
    """A method's result: the table and a summary."""

    method: str
    table: pd.DataFrame
    summary: dict = field(default_factory=dict)
    #: the table has a ``cell`` column of H3 cells (else a ``geometry`` in EPSG:27700 or none)
    per_cell: bool = True


def detect(store: Store, method: str, flt: IncidentFilter = IncidentFilter(), *, res: int = H3_DEFAULT_RES,
           area: Area | None = None, harm: bool = False, exclude_police_generated: bool = False,
           harm_overrides: dict[str, float] | None = None,
           bandwidth_m: float | None = None, eps_m: float | None = None, min_samples: int | None = None,
           min_cluster_size: int | None = None, k: int = defaults.GISTAR_K, permutations: int = 0,
           seed: int | None = None) -> Detection:
    """Run one hotspot method on the incidents a filter selects.

    Parameters
    ----------
    method : str
        One of ``METHODS``.
    res : int
        H3 resolution of the output cells (7-11).
    harm : bool
        Weight incidents by harm (approximate CCHI days) instead of counting them.
    exclude_police_generated : bool
        Give drugs and possession of weapons no harm (they measure patrol effort).
    harm_overrides : dict, optional
        Category -> days, replacing the default harm weights (an edited table).
    bandwidth_m, eps_m, min_samples, min_cluster_size, k, permutations, seed
        Method parameters (defaults in ``hotspots.defaults``).

    Raises
    ------
    SettingError
        An unknown method, a bad parameter, or no incidents in the selection.
    """
    if method not in METHODS:
        raise SettingError(f"'{method}' is not a method.", f"Use one of: {', '.join(METHODS)}.")
    res = check_resolution(res)
    flt = flt.checked()
    from hotspots.methods.suppress import refuse_ae

    refuse_ae(flt.sources, "Hotspot detection")  # A&E counts leave only through the overlay's suppression
    columns = DEFAULT_COLUMNS + (("occurred_until",) if method == "knox" else ())
    inc = select_incidents(store, flt, area, columns=columns)
    if inc.empty:
        raise SettingError("No incidents match the selection (period, crime types, sources, area).",
                           "Widen the period or choose other crime types; `python -m hotspots status` "
                           "shows what the store holds.")
    weights = harm_weights(exclude_police_generated, harm_overrides)
    summary = {"method": method, "meaning": METHOD_MEANING[method], "res": res, "incidents": int(len(inc)),
               "months": sorted(inc["month"].unique().tolist()), "value": "harm" if harm else "count",
               "harm_note": "approximate CCHI (days of imprisonment)" if harm else None,
               "harm_weights": weights if harm else None, "synthetic": bool(is_synthetic(inc))}
    run = _RUNNERS[method]
    det = run(inc, res=res, area=area, harm=harm, weights=weights, bandwidth_m=bandwidth_m, eps_m=eps_m,
              min_samples=min_samples, min_cluster_size=min_cluster_size, k=k, permutations=permutations,
              seed=seed, summary=summary)
    return det


def _count(inc, *, res, harm, weights, summary, **_):
    table = count_by_cell(inc, res, weights)
    total = table["harm" if harm else "count"].sum()
    table["share_pct"] = 100 * table["harm" if harm else "count"] / total if total else 0.0
    table = table.sort_values(["harm" if harm else "count", "cell"], ascending=[False, True], ignore_index=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    summary.update(cells=int(len(table)), top=table.head(10)[["cell", "count", "harm"]].to_dict(orient="records"))
    return Detection("count", table, summary)


def _gistar(inc, *, res, area, harm, weights, k, permutations, seed, summary, **_):
    from hotspots.methods.gistar import GetisOrdGiStar

    counts = count_by_cell(inc, res, weights)
    window = analysis_window(inc, res, area)
    value = counts["harm" if harm else "count"].to_numpy(dtype=float)
    est = GetisOrdGiStar(k=k, permutations=permutations, seed=seed).fit(counts["cell"].to_numpy(), value, window)
    table = est.to_frame()
    table = table.merge(counts[["cell", "count", "harm"]], on="cell", how="left")
    table[["count", "harm"]] = table[["count", "harm"]].fillna(0)
    table["count"] = table["count"].astype(np.int64)
    cols = ["cell", "count", "harm", "z", "p", "p_fdr", "class"] + (["p_sim"] if "p_sim" in table else [])
    table = table[cols].sort_values(["z", "cell"], ascending=[False, True], ignore_index=True)
    summary.update(cells=int(len(table)), window_cells=int(len(window)), k=k,
                   classes=table["class"].value_counts().to_dict(),
                   window_note="Every hexagon of the area is in the analysis, empty ones as zeros.")
    return Detection("gistar", table, summary)


def _emerging(inc, *, res, area, harm, weights, k, summary, **_):
    from hotspots.methods.emerging import EmergingHotspots

    months = sorted(inc["month"].unique())
    if len(months) < 3:
        raise SettingError(f"Emerging hot spots need at least 3 months; the selection has {len(months)}.",
                           "Choose a longer period (a year or more is best).")
    by_month = count_by_cell(inc, res, weights, by=("month",))
    window = analysis_window(inc, res, area)
    data = by_month.rename(columns={"month": "period", ("harm" if harm else "count"): "value"})[["cell", "period", "value"]]
    est = EmergingHotspots(k=k).fit(data, window=window, periods=months)
    table = est.to_frame()
    totals = count_by_cell(inc, res, weights)[["cell", "count", "harm"]]
    table = table.merge(totals, on="cell", how="left").fillna({"count": 0, "harm": 0.0})
    table["count"] = table["count"].astype(np.int64)
    # patterns first, strongest final z first
    table = table.assign(_none=table["class"].eq("No pattern detected")).sort_values(
        ["_none", "final_z", "cell"], ascending=[True, False, True], ignore_index=True).drop(columns="_none")
    summary.update(cells=int(len(table)), periods=months, classes=table["class"].value_counts().to_dict())
    return Detection("emerging", table, summary)


def _kde(inc, *, res, area, harm, weights, bandwidth_m, summary, **_):
    from hotspots.methods.density import QuarticKDE

    h = float(bandwidth_m or defaults.KDE_BANDWIDTH_M)
    w = harm_of(inc["category"].to_numpy(), weights) if harm else None
    est = QuarticKDE(bandwidth_m=h).fit(inc["easting"].to_numpy(), inc["northing"].to_numpy(), w)
    window = analysis_window(inc, res, area)
    table = est.density_at_cells(window)
    counts = count_by_cell(inc, res, weights)[["cell", "count", "harm"]]
    table = table.merge(counts, on="cell", how="left").fillna({"count": 0, "harm": 0.0})
    table["count"] = table["count"].astype(np.int64)
    # cells beyond every incident's reach are zeros; they add size, not information
    table = table.loc[(table["density"] > 0) | (table["count"] > 0), ["cell", "count", "harm", "density"]]
    table = table.sort_values(["density", "cell"], ascending=[False, True], ignore_index=True)
    summary.update(cells=int(len(table)), bandwidth_m=h, kernel="quartic",
                   density_unit=("harm (days) per km2" if harm else "incidents per km2"))
    return Detection("kde", table, summary)


def _knox(inc, *, seed, permutations, summary, **_):
    from hotspots.methods.nearrepeat import KnoxTest

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
    est = KnoxTest(permutations=permutations or defaults.PERMUTATIONS, seed=seed).fit(
        inc["easting"].to_numpy(), inc["northing"].to_numpy(), t, precision=inc["time_precision"].to_numpy())
    table = est.to_frame()
    near = table.iloc[0]
    summary.update(rows=int(len(table)), pairs=int(getattr(est, "n_pairs_", 0)),
                   nearest_band={"ratio": float(near["ratio"]), "p": float(near["p"])})
    return Detection("knox", table, summary, per_cell=False)


def _clusters(method):
    def run(inc, *, harm, weights, eps_m, min_samples, min_cluster_size, summary, **_):
        from hotspots.methods import clusters

        x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
        w = harm_of(inc["category"].to_numpy(), weights)
        if method == "dbscan":
            eps = float(eps_m or defaults.DBSCAN_EPS_M)
            ms = int(min_samples or defaults.DBSCAN_MIN_SAMPLES)
            est = clusters.WeightedDBSCAN(eps_m=eps, min_samples=ms).fit(x, y)
            summary.update(eps_m=eps, min_samples=ms)
        else:
            mcs = int(min_cluster_size or defaults.HDBSCAN_MIN_CLUSTER_SIZE)
            est = clusters.WeightedHDBSCAN(min_cluster_size=mcs, min_samples=min_samples).fit(x, y)
            summary.update(min_cluster_size=mcs, min_samples=min_samples)
        table = clusters.summarise_clusters(est.labels_, x, y, inc["category"].to_numpy(),
                                            inc["location"].to_numpy(), inc["month"].to_numpy(), harm=w)
        table = table.sort_values("harm" if harm else "count", ascending=False, ignore_index=True)
        noise = int((est.labels_ < 0).sum())
        summary.update(clusters=int(len(table)), noise=noise,
                       clustered_pct=round(100 * (len(inc) - noise) / len(inc), 1))
        return Detection(method, table, summary, per_cell=False)
    return run


def _forecast(inc, *, res, area, weights, summary, **_):
    from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, RecencyBlendForecast, cell_months, month_range

    months = month_range(min(inc["month"]), max(inc["month"]))
    window = analysis_window(inc, res, area)
    history = cell_months(inc, window, months, bandwidths_m=FORECAST_BANDWIDTHS_M, weights=weights)
    model = RecencyBlendForecast().fit(history)
    score = model.predict()
    counts = count_by_cell(inc, res, weights)[["cell", "count", "harm"]]
    table = pd.DataFrame({"cell": np.asarray(history.cells, dtype=object), "score": score})
    table = table.merge(counts, on="cell", how="left").fillna({"count": 0, "harm": 0.0})
    table["count"] = table["count"].astype(np.int64)
    table = table.loc[table["score"] > 0].sort_values(["score", "count", "cell"], ascending=[False, False, True],
                                                      ignore_index=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    table["area_km2"] = cells_area_km2(table["cell"].to_numpy(dtype=object))
    table["cum_area_pct"] = 100 * table["area_km2"].cumsum() / float(history.area_km2.sum())
    summary.update(cells=int(len(table)), window_cells=int(len(window)), forecast_month=model.forecast_month_,
                   half_life_months=model.half_life_months_, prior_strength=model.prior_strength_,
                   score_note="relative score: recency-weighted incidents a month, smoothed; rank is what counts")
    return Detection("forecast", table, summary)


_RUNNERS = {"count": _count, "kde": _kde, "gistar": _gistar, "emerging": _emerging, "knox": _knox,
            "forecast": _forecast,
            "dbscan": _clusters("dbscan"), "hdbscan": _clusters("hdbscan")}


def write_detection(det: Detection, path: str | Path) -> Path:
    """Save a detection as GeoJSON, GeoPackage (with cell or cluster polygons) or CSV.

    CSV cells of untrusted text that start with = + - @ are prefixed with ' so a
    spreadsheet shows them as text (formula injection).
    """
    import geopandas as gpd

    from geo.constants import CRS_BNG, CRS_LONLAT

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".geojson", ".json", ".gpkg", ".csv"):
        raise SettingError(f"Cannot write '{p.name}': the output must end in .geojson, .gpkg or .csv.",
                           "Name the output e.g. hotspots.geojson.")
    table = det.table.copy()
    if det.summary.get("synthetic"):
        table.insert(0, "data_note", SYNTHETIC_NOTE)
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        p.write_bytes(safe_csv(table.drop(columns=["geometry"], errors="ignore")))
        return p
    if det.per_cell:
        gdf = gpd.GeoDataFrame(table, geometry=cells_to_polygons(table["cell"]), crs=CRS_LONLAT)
    elif "geometry" in table:
        gdf = gpd.GeoDataFrame(table, geometry="geometry", crs=CRS_BNG).to_crs(CRS_LONLAT)
    else:
        raise SettingError(f"The {det.method} result has no places to map.", "Save it as .csv instead.")
    if suffix == ".gpkg":
        gdf.to_file(p, driver="GPKG", layer=det.method)
    else:
        gdf.to_file(p, driver="GeoJSON")
    return p
