"""Every cached call of the app (the only home of ``st.cache_data``): the store's summary, selections,
detections, plans, evaluations, briefings and their files.

Each cached function takes hashable arguments only: the store's path and version (so any write
invalidates every cache), the frozen ``state.Settings`` (``Settings.analysis()``: display-only choices at
their defaults) and a page's own frozen settings; uploads come as ``(name, bytes)`` pairs, read from a
private temporary folder. Each opens its own short-lived ``Store``. The public wrappers pass the current
store and turn a ``HotspotsError`` into its sentence (``errors.run_safely``). A long call makes its progress
bar inside the cached function, so a cache hit replays it, emptied.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.compute as pc
import streamlit as st

from geo.boundaries import read_area
from geo.constants import SOURCE_AE, SYNTHETIC_MARK
from geo.ingest.ae import fixes, match_rate, stored_venues, unmatched
from geo.query import Selection, select_incidents
from geo.readers.common import read_table
from geo.readers.inputs import FileSource
from geo.readers.points import read_deployment, read_points
from geo.store import Store
from hotspots import defaults
from hotspots.briefing.pdf import briefing_pdf
from hotspots.briefing.pptx import briefing_pptx
from hotspots.briefing.sections import build_briefing
from hotspots.briefing.words import command_area_words
from hotspots.methods.harm import harm_weights
from hotspots.tasks.mapcontext import CONTEXT_LAYERS
from hotspots.methods.temporal import day_hour_grid, monthly_series
from hotspots.outputs.cctv import plan_pdf as cctv_pdf
from hotspots.outputs.patrol import plan_map_png as patrol_map_png
from hotspots.outputs.patrol import plan_pdf as patrol_pdf
from hotspots.outputs.sweeps import sweep_map_png, sweep_pdf
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.ae_status import published_ae_status
from hotspots.tasks.detect import detect
from hotspots.tasks.did_it_work import evaluate_deployment
from hotspots.tasks.evaluate import evaluate
from hotspots.tasks.overlay import overlay as published_overlay
from hotspots.tasks.patrol import plan_patrol
from hotspots.outputs.detect import write_detection
from hotspots.outputs.hotspot_table import detection_kml, hotspot_table as rank_result, with_locations
from hotspots.tasks.profile import busiest_locations, cell_profile, cluster_incidents, cluster_profile
from hotspots.tasks.sweeps import plan_sweeps
from geo.errors import SettingError
from geo.query import street_labels
from hotspots.outputs.webmap import places_args
from hotspots.tasks.basemaps import OFFLINE, Basemap, basemap_names, configured, tiles_dir
from hotspots.tasks.basemaps import resolve as resolve_basemap
from hotspots.tasks.basemaps import open_basemap
from hotspots.tasks.mapcontext import map_context
from pages._ui.db import db_path, sample_dir, store_version
from pages._ui.errors import guarded, run_safely
from pages._ui.state import WHOLE_STORE, CctvSettings, PatrolSettings, Settings, SweepSettings, Upload

#: The sample's existing static cameras (written by the sample generator).
SAMPLE_CAMERAS = "cctv/existing_cctv_synthetic.csv"


def _here() -> tuple[str, float]:
    return db_path(), store_version()


def _with_file(upload: Upload, fn, *args, **kwargs):
    """Call ``fn(path, *args, **kwargs)`` on an uploaded file written to a private temporary folder."""
    if upload is None:
        return None
    name, data = upload
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / Path(name).name
        p.write_bytes(data)
        return fn(p, *args, **kwargs)


def _bar(text: str):
    """A progress bar and its ``progress(fraction, message)`` callback."""
    bar = st.progress(0.0, text=text)

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"{text.rstrip('.')}: {message}"[-110:])

    return bar, update


# -- the store ------------------------------------------------------------------------------------------------
def _without_sample(status: pd.DataFrame, real_forces) -> pd.DataFrame:
    """Status rows of the real police forces and of real (not sample-marked) A&E sites."""
    real_ae = (status["source"] == SOURCE_AE) & ~status["force"].str.contains(SYNTHETIC_MARK, regex=False)
    return status.loc[status["force"].isin(list(real_forces)) | real_ae]


@st.cache_data(show_spinner=False)
def _summary(path: str, version: float) -> dict:
    with Store(path, create=False) as s:
        status = s.status()
        forces = sorted(status["force"].unique()) if len(status) else []
        # real vs synthetic is decided by the police forces (police.uk, stop and search, force
        # records): A&E "forces" are hospital sites, and the overlay page filters them itself
        police_forces = sorted(status.loc[status["source"] != SOURCE_AE, "force"].unique()) if len(status) else []
        real = [f for f in police_forces if SYNTHETIC_MARK not in f]
        stored = status.loc[status["rows"] > 0]  # a month with only rejected rows has nothing to show
        if real:  # once real data is loaded, the synthetic sample is left out of every view
            stored = _without_sample(stored, real)
        months = {src: sorted(stored.loc[stored.source == src, "month"].unique()) for src in stored["source"].unique()}
        return {
            "rows": int(status["rows"].sum()) if len(status) else 0,
            "rejected": int(status["rejected"].sum()) if len(status) else 0,
            "status": status,
            "months": sorted(status["month"].unique()) if len(status) else [],
            "months_by_source": months,
            "forces": forces,
            "shown_forces": tuple(real),  # empty: every force (only the sample is loaded)
            "areas": s.area_names(),
            "synthetic": bool(police_forces) and not real,
            "has_loads": s.has_loads(),
            "read_only": s.read_only_reason if s.read_only else None,
            "sample_loaded": s.meta("sample_loaded") is not None,
            "outcomes": s.outcome_count(),
        }


def summary() -> dict:
    """Counts by source and month, areas, forces, and whether the data is the synthetic sample (cached)."""
    return _summary(*_here())


def shown_data(info: dict) -> pd.DataFrame:
    """The status rows the views show: all of them on the sample alone; once real data is loaded, the real
    police forces' and the real A&E sites' (the synthetic sample is left out, as every page leaves it out)."""
    status = info["status"]
    if not len(status) or not info["shown_forces"]:
        return status
    return _without_sample(status, info["shown_forces"]).reset_index(drop=True)


@st.cache_data(show_spinner=False)
def _ae_published(path: str, version: float, sites: tuple[str, ...] | None):
    with Store(path, create=False) as s:
        return published_ae_status(s, sites)


def ae_published(status: pd.DataFrame | None = None):
    """The A&E rows as they may be published (``hotspots.tasks.ae_status``): of the sites in ``status`` (a
    status frame, e.g. ``shown_data``), or of every site (cached)."""
    sites = None
    if status is not None:
        sites = tuple(sorted(status.loc[status["source"] == SOURCE_AE, "force"].unique())) if len(status) else ()
    return _ae_published(*_here(), sites)


def ae_loaded() -> bool:
    """Whether the store holds A&E records (shown ones: real data leaves the sample's out)."""
    return SOURCE_AE in summary()["months_by_source"]


@st.cache_data(show_spinner=False)
def _area(path: str, version: float, layer: str, name: str):
    with Store(path, create=False) as s:
        return s.area(layer, name)


def area(layer: str, name: str):
    """A stored boundary (cached)."""
    return _area(*_here(), layer, name)


def _area_of(path: str, version: float, key: tuple[str, str] | None):
    return _area(path, version, *key) if key else None


def area_choice(choice: str | None):
    """A "layer: name" choice's boundary (None for the whole store or no choice)."""
    if not choice or choice == WHOLE_STORE or ": " not in choice:
        return None
    layer, name = choice.split(": ", 1)
    return area(layer, name)


def _selection(path: str, version: float, s: Settings) -> Selection:
    return s.selection(_area_of(path, version, s.area_key()))


@st.cache_data(show_spinner=False)
def _boundaries_geojson(path: str, version: float, layer: str | None) -> dict:
    with Store(path, create=False) as store:
        names = [(lay, n) for lay, n in store.area_names() if layer is None or lay == layer]
        if not names:
            return {"type": "FeatureCollection", "features": []}
        areas = [store.area(lay, n) for lay, n in names]
    gdf = gpd.GeoDataFrame({"name": [a.name for a in areas]}, geometry=[a.geometry for a in areas], crs=27700)
    # outlines for orientation: 100 m simplification and ~1 m coordinates keep them light
    gdf["geometry"] = gdf.geometry.simplify(100)
    gdf = gdf.to_crs(4326)
    gdf["geometry"] = gdf.geometry.set_precision(1e-5)
    return json.loads(gdf.to_json(drop_id=True))


def boundaries(s: Settings) -> dict:
    """Outlines to draw: the chosen area's layer (or the districts) as GeoJSON."""
    key = s.area_key()
    return _boundaries_geojson(*_here(), key[0] if key else "district")


@st.cache_data(show_spinner=False)
def _saved_mappings(path: str, version: float) -> dict[str, str]:
    with Store(path, create=False) as s:
        return s.mappings()


def saved_mappings() -> dict[str, str]:
    """Force-records column mappings saved in the store, by name (cached)."""
    return _saved_mappings(*_here())


@st.cache_data(show_spinner=False)
def _ae_tables(path: str, version: float) -> dict:
    with Store(path, create=False) as s:
        return {"rate": match_rate(s), "unmatched": unmatched(s), "venues": stored_venues(s), "fixes": fixes(s)}


def ae_tables() -> dict:
    """The A&E match rate by site, the descriptions not located, the venues and the saved fixes (cached)."""
    return _ae_tables(*_here())


# -- an uploaded force-records export ---------------------------------------------------------------------
#: A force-records header row has at least this many filled cells (title lines above it have one).
MIN_HEADER_CELLS = 3


def _looks_like_any_header(cells: list[str]) -> bool:
    return sum(1 for c in cells if c and str(c).strip()) >= MIN_HEADER_CELLS


def _raw(path: str, name: str):
    return read_table(FileSource(name, Path(path)), _looks_like_any_header, "a force records export (CSV or XLSX)")


@st.cache_data(show_spinner="Reading the export...", max_entries=8)
def _header(path: str, mtime: float, name: str) -> dict:
    raw = _raw(path, name)
    preview = raw.table.slice(0, 5).drop_columns(["_row"]).to_pandas()
    return {"columns": raw.columns, "rows": raw.table.num_rows, "header_row": raw.header_row, "preview": preview}


def export_header(path: Path, name: str) -> dict | None:
    """The export's columns, row count and first rows; a file that cannot be read shows its sentence."""
    return guarded(_header, str(path), path.stat().st_mtime, name)


@st.cache_data(show_spinner=False, max_entries=16)
def _values(path: str, mtime: float, column: str) -> pd.DataFrame:
    counts = pc.value_counts(_raw(path, Path(path).name).table.column(column).combine_chunks()).to_pylist()
    rows = sorted(((c["values"], c["counts"]) for c in counts if c["values"] is not None and c["values"].strip()),
                  key=lambda vc: (-vc[1], vc[0]))
    return pd.DataFrame(rows, columns=["Value in the file", "Rows"])


def column_values(path: Path, column: str) -> pd.DataFrame:
    """A column's distinct values with their rows, commonest first (cached)."""
    return _values(str(path), path.stat().st_mtime, column)


# -- the hotspot map --------------------------------------------------------------------------------------
@st.cache_data(show_spinner="Finding hotspots...", max_entries=32)
def _detection(path: str, version: float, s: Settings, method: str, params: tuple):
    with Store(path, create=False) as store:
        return detect(store, method, _selection(path, version, s), res=s.res, **dict(params))


def detection(s: Settings, method: str, **params):
    """A hotspot method's result for the current settings (cached)."""
    return run_safely(_detection, *_here(), s.analysis(), method, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False, max_entries=64)
def _profile(path: str, version: float, s: Settings, cell: str):
    with Store(path, create=False) as store:
        return cell_profile(store, _selection(path, version, s), cell, s.res,
                            weights=harm_weights(s.exclude_police_generated))


def profile(s: Settings, cell: str):
    """What happens in one hexagon (cached)."""
    return run_safely(_profile, *_here(), s.analysis(), cell)


@st.cache_data(show_spinner=False, max_entries=16)
def _busiest_locations(path: str, version: float, s: Settings):
    with Store(path, create=False) as store:
        return busiest_locations(store, _selection(path, version, s), s.res)


@st.cache_data(show_spinner="Listing the hot spots...", max_entries=32)
def _ranked(path: str, version: float, s: Settings, method: str, params: tuple):
    det = _detection(path, version, s, method, params)
    return rank_result(det, _busiest_locations(path, version, s) if det.per_cell else None)


def ranked(s: Settings, method: str, **params):
    """A method's whole result as the ranked table under the map (``HotspotTable``, cached)."""
    return run_safely(_ranked, *_here(), s.analysis(), method, tuple(sorted(params.items())))


#: The files a detection downloads as, by ending (CSV, GeoJSON and GeoPackage are ``detect --out``'s).
DETECTION_FILES = (".csv", ".geojson", ".gpkg", ".kml")


@st.cache_data(show_spinner=False, max_entries=16)
def _detection_file(path: str, version: float, s: Settings, method: str, params: tuple, ending: str) -> bytes:
    det = _detection(path, version, s, method, params)
    if ending == ".kml":
        return detection_kml(det, _ranked(path, version, s, method, params), name=f"Hotspots: {det.method}")
    det = with_locations(det, _busiest_locations(path, version, s) if det.per_cell else None)
    with tempfile.TemporaryDirectory() as tmp:  # the GeoPackage driver writes a file, never to memory
        return write_detection(det, Path(tmp) / f"hotspots{ending}").read_bytes()


def detection_file(s: Settings, method: str, ending: str, **params) -> bytes:
    """A method's whole result as a file (``DETECTION_FILES``): CSV, GeoJSON and GeoPackage by the writer
    ``python -m hotspots detect --out`` uses, KML with the hotspot table's rows (cached)."""
    return run_safely(_detection_file, *_here(), s.analysis(), method, tuple(sorted(params.items())), ending)


@st.cache_data(show_spinner=False, max_entries=8)
def _cluster_members(path: str, version: float, s: Settings, method: str, params: tuple):
    det = _detection(path, version, s, method, params)
    with Store(path, create=False) as store:
        return cluster_incidents(store, _selection(path, version, s), det)


@st.cache_data(show_spinner=False, max_entries=64)
def _cluster_profile(path: str, version: float, s: Settings, method: str, params: tuple, cluster: int):
    det = _detection(path, version, s, method, params)
    members = _cluster_members(path, version, s, method, params)
    with Store(path, create=False) as store:
        return cluster_profile(store, _selection(path, version, s), det, cluster,
                               weights=harm_weights(s.exclude_police_generated), members=members)


def cluster(s: Settings, method: str, cluster_id: int, **params):
    """What happens in one cluster of a DBSCAN or HDBSCAN result: its incidents, types, months (cached)."""
    return run_safely(_cluster_profile, *_here(), s.analysis(), method, tuple(sorted(params.items())),
                      int(cluster_id))


@st.cache_data(show_spinner=False, max_entries=16)
def _incidents(path: str, version: float, s: Settings, columns: tuple):
    with Store(path, create=False) as store:
        return select_incidents(store, _selection(path, version, s), columns=columns, purpose="The app")


def incidents(s: Settings, columns: tuple[str, ...]):
    """The selected incidents (cached), with the given columns."""
    return run_safely(_incidents, *_here(), s.analysis(), tuple(columns))


# -- trends and accuracy -----------------------------------------------------------------------------------
@st.cache_data(show_spinner="Counting incidents by month...", max_entries=16)
def _monthly(path: str, version: float, s: Settings) -> pd.DataFrame:
    inc = _incidents(path, version, s, ("month", "category"))
    return monthly_series(inc, "category", date_from=s.date_from, date_to=s.date_to, keys=s.categories,
                          harm=s.harm, weights=harm_weights(s.exclude_police_generated))


def monthly(s: Settings) -> pd.DataFrame:
    """Incidents (or harm) a month by crime type, month x type (cached)."""
    return run_safely(_monthly, *_here(), s.analysis())


@st.cache_data(show_spinner="Spreading incidents over the hours of the week...", max_entries=16)
def _day_hour(path: str, version: float, s: Settings):
    inc = _incidents(path, version, s, ("occurred_at", "occurred_until", "time_precision", "category"))
    return day_hour_grid(inc, harm=s.harm, weights=harm_weights(s.exclude_police_generated))


def day_hour(s: Settings):
    """The aoristic day-of-week x hour grid for the current settings (cached)."""
    return run_safely(_day_hour, *_here(), s.analysis())


@st.cache_data(show_spinner="Testing each map on months it did not see...", max_entries=8)
def _evaluation(path: str, version: float, s: Settings, test_months: tuple[str, ...], train_months: int,
                label: str):
    with Store(path, create=False) as store:
        return evaluate(store, list(test_months), _selection(path, version, s), train_months=train_months,
                        res=s.res, label=label)


def evaluation(s: Settings, test_months: tuple[str, ...], train_months: int, label: str):
    """Hit rate, PAI and RRI of every method on the chosen split (cached)."""
    return run_safely(_evaluation, *_here(), s.analysis(), tuple(test_months), int(train_months), label)


# -- planners ----------------------------------------------------------------------------------------------
def _plan_patrol(path: str, version: float, s: Settings, p: PatrolSettings, progress):
    with Store(path, create=False) as store:
        return plan_patrol(store, _selection(path, version, s), res=s.res, budget_pct=p.budget_pct,
                           n_areas=p.n_areas, shift=p.shift, visit_min=p.visit_min, seed=p.seed,
                           max_area_km2=p.max_area_km2, max_walk_m=p.max_walk_m,
                           include_artefacts=p.include_artefacts, progress=progress)


def _plan_sweeps(path: str, version: float, s: Settings, w: SweepSettings, progress):
    sel = Selection(s.date_from, s.date_to, (), tuple(s.sources) + ((SOURCE_AE,) if w.with_ae else ()), (),
                    _area_of(path, version, s.area_key()))
    green = _with_file(w.green, read_area, name="green space")
    with Store(path, create=False) as store:
        # real data is never mixed with the sample: the real forces the sidebar shows (empty: only the
        # sample is loaded), and synthetic A&E left out once real forces are shown (as on the Overlay page)
        return plan_sweeps(store, sel, res=defaults.SWEEP_RES, weights=dict(w.weights), n_areas=w.n_areas,
                           green=None if green is None else green.geometry, flag_extra=w.flag_extra,
                           police_forces=tuple(s.forces), exclude_synthetic_ae=bool(s.forces),
                           include_artefacts=w.include_artefacts, progress=progress)


#: The planners with a printable sheet and a static map: what the bar says, the plan, the sheet, the map.
PLANNERS = {"patrol": ("Planning patrols...", _plan_patrol, patrol_pdf, patrol_map_png),
            "sweeps": ("Ranking sweep areas...", _plan_sweeps, sweep_pdf, sweep_map_png)}


@st.cache_data(show_spinner=False, max_entries=32)
def _plan(path: str, version: float, kind: str, s: Settings, settings):
    text, make = PLANNERS[kind][:2]
    bar, update = _bar(text)
    try:
        return make(path, version, s, settings, update)
    finally:
        bar.empty()


def plan(kind: str, s: Settings, settings):
    """A planner's plan (``kind``: "patrol" or "sweeps") for the current settings (cached; a progress bar while
    it is made)."""
    return run_safely(_plan, *_here(), kind, s.analysis(), settings)


@st.cache_data(show_spinner=False, max_entries=8)
def _offline_context(path: str, version: float, area_key: tuple[str, str] | None):
    with Store(path, create=False) as store:
        return map_context(store, _area_of(path, version, area_key))


def _print_context(path: str, version: float, area_key: tuple[str, str] | None, basemap_name: str):
    """A printed map's background: the chosen basemap's tiles (opened here: a tile file is not cached), or
    offline outlines and street names."""
    from dataclasses import replace as _replace

    ctx = _offline_context(path, version, area_key)
    if basemap_name == OFFLINE:
        return ctx
    try:
        b = resolve_basemap(basemap_name, basemaps())
    except SettingError:
        return ctx
    return _replace(ctx, tiles=open_basemap(b), basemap=b.name)


@st.cache_data(show_spinner=False, max_entries=32)
def _sheet(path: str, version: float, kind: str, s: Settings, settings, large: bool,
           basemap_name: str = OFFLINE) -> bytes:
    return PLANNERS[kind][2](_plan(path, version, kind, s, settings), large=large,
                             context=_print_context(path, version, s.area_key(), basemap_name))


def sheet(kind: str, s: Settings, settings) -> bytes:
    """The planner's printable sheet (PDF bytes, cached); projector type in presentation mode; its map on the
    chosen basemap (offline: outlines and street names)."""
    return run_safely(_sheet, *_here(), kind, s.analysis(), settings, s.presentation, basemap(s).name)


@st.cache_data(show_spinner=False, max_entries=32)
def _static_map(path: str, version: float, kind: str, s: Settings, settings, basemap_name: str = OFFLINE) -> bytes:
    return PLANNERS[kind][3](_plan(path, version, kind, s, settings), width_px=1500, height_px=1000,
                             context=_print_context(path, version, s.area_key(), basemap_name))


def static_map(kind: str, s: Settings, settings) -> bytes:
    """The plan's areas as a static map (PNG, drawn on the server), as printed on its sheet: on the chosen
    basemap's tiles, or offline (nothing fetched) with outlines and street names."""
    return run_safely(_static_map, *_here(), kind, s.analysis(), settings, basemap(s).name)


def sample_cameras() -> Upload:
    """The sample's existing cameras as an upload, when the sample folder has them."""
    p = sample_dir() / SAMPLE_CAMERAS
    return (p.name, p.read_bytes()) if p.exists() else None


@st.cache_data(show_spinner="Finding the best camera sites (proven optimal)...", max_entries=16)
def _cctv(path: str, version: float, s: Settings, c: CctvSettings):
    existing = _with_file(c.existing, read_points, "existing cameras", name=c.existing[0] if c.existing else None)
    candidates = _with_file(c.candidates, read_points, "candidate sites",
                            name=c.candidates[0] if c.candidates else None)
    exclude = _with_file(c.exclude, read_area, name=Path(c.exclude[0]).stem if c.exclude else None)
    with Store(path, create=False) as store:
        return site_cameras(store, _selection(path, version, s), cameras=c.cameras, radius_m=c.radius_m,
                            weights=harm_weights(s.exclude_police_generated), existing=existing,
                            candidates=candidates, exclude=exclude, min_spacing_m=c.min_spacing_m,
                            include_artefacts=c.include_artefacts)


def cctv(s: Settings, c: CctvSettings):
    """The camera plan for the current settings (cached)."""
    return run_safely(_cctv, *_here(), s.analysis(), c)


@st.cache_data(show_spinner="Drawing the printable plan...", max_entries=8)
def _cctv_pdf(path: str, version: float, s: Settings, c: CctvSettings, basemap_name: str = OFFLINE) -> bytes:
    plan = _cctv(path, version, s, c)
    a = _area_of(path, version, s.area_key())
    if a is not None:
        outlines = [a.geometry]
    else:
        with Store(path, create=False) as store:
            outlines = [store.area(layer, name).geometry for layer, name in store.area_names() if layer == "district"]
    return cctv_pdf(plan, outlines, context=_print_context(path, version, s.area_key(), basemap_name))


def cctv_sheet(s: Settings, c: CctvSettings) -> bytes:
    """The printable camera plan (PDF bytes, cached), its map on the chosen basemap."""
    return run_safely(_cctv_pdf, *_here(), s.analysis(), c, basemap(s).name)


@st.cache_data(show_spinner="Comparing before and after...", max_entries=8)
def _deployment(path: str, version: float, s: Settings, deployment: Upload, sites: tuple, months: tuple,
                radius_m: float, buffer_m: float, control: Upload):
    if deployment is not None:
        dep = _with_file(deployment, read_deployment, name=deployment[0])
    else:
        dep = pd.DataFrame([{"site": name, "easting": e, "northing": n, "from": months[0], "to": months[1]}
                            for name, e, n in sites])
    ctrl = _with_file(control, read_area, name=Path(control[0]).stem if control else None)
    with Store(path, create=False) as store:
        return evaluate_deployment(store, dep, _selection(path, version, s), ctrl, radius_m=radius_m,
                                   buffer_m=buffer_m,
                                   weights=harm_weights(s.exclude_police_generated) if s.harm else None)


def deployment(s: Settings, *, deployment: Upload = None, sites: tuple = (), months: tuple = (),
               radius_m: float = defaults.CCTV_RADIUS_M, buffer_m: float = defaults.WDQ_BUFFER_M,
               control: Upload = None):
    """Before/after and the WDQ for a deployment file, or for given sites over given months (cached)."""
    return run_safely(_deployment, *_here(), s.analysis(), deployment, tuple(sites), tuple(months),
                      float(radius_m), float(buffer_m), control)


# -- police violence x A&E ----------------------------------------------------------------------------------
@st.cache_data(show_spinner="Comparing police violence with A&E assaults...", max_entries=16)
def _overlay(path: str, version: float, s: Settings, police_forces: tuple[str, ...]):
    sel = Selection(s.date_from, s.date_to, (), s.sources, police_forces, _area_of(path, version, s.area_key()))
    with Store(path, create=False) as store:
        # real data is never mixed with the sample: synthetic A&E is left out once real police forces are shown
        return published_overlay(store, sel, res=s.res, exclude_synthetic_ae=bool(police_forces))


def overlay(s: Settings, police_forces: tuple[str, ...]):
    """The published overlay (every A&E count already suppressed) for the period, area and grid (cached)."""
    return run_safely(_overlay, *_here(), s.analysis(), tuple(police_forces))


# -- the JAG briefing ---------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=8)
def _briefing(path: str, version: float, area_choice: str, month: str, forces: tuple[str, ...],
              cameras: str | None, basemap_name: str = OFFLINE):
    key = None if area_choice == WHOLE_STORE or ": " not in area_choice else tuple(area_choice.split(": ", 1))
    a = _area_of(path, version, key)
    district = a.name if a is not None and area_choice.startswith("district: ") else None
    bar, update = _bar("Preparing the briefing...")
    try:
        with Store(path, create=False) as store:
            return build_briefing(store, month, Selection(forces=forces, area=a), cameras_file=cameras,
                                  district=district,
                                  command_area=command_area_words(district, None if a is None or district
                                                                  else f"{a.name}.geojson"),
                                  progress=update,
                                  tiles=_print_context(path, version, key, basemap_name).tiles)
    finally:
        bar.empty()


def briefing(area_choice: str, month: str, forces: tuple[str, ...], cameras: str | None,
             basemap_name: str = OFFLINE):
    """The briefing for an area and month (cached; a progress bar while it is made); its maps on the basemap
    called ``basemap_name`` (default offline: outlines and street names)."""
    return run_safely(_briefing, *_here(), area_choice, month, tuple(forces), cameras, basemap_name)


@st.cache_data(show_spinner="Writing the PDF...", max_entries=8)
def _briefing_pdf(path: str, version: float, area_choice: str, month: str, forces: tuple[str, ...],
                  cameras: str | None, basemap_name: str = OFFLINE) -> bytes:
    return briefing_pdf(_briefing(path, version, area_choice, month, forces, cameras, basemap_name))


@st.cache_data(show_spinner="Writing the PowerPoint deck...", max_entries=8)
def _briefing_pptx(path: str, version: float, area_choice: str, month: str, forces: tuple[str, ...],
                   cameras: str | None, basemap_name: str = OFFLINE) -> bytes:
    return briefing_pptx(_briefing(path, version, area_choice, month, forces, cameras, basemap_name))


def briefing_file(kind: str, area_choice: str, month: str, forces: tuple[str, ...], cameras: str | None,
                  basemap_name: str = OFFLINE) -> bytes:
    """The briefing as a PDF (``kind="pdf"``) or a PowerPoint deck (``"pptx"``), cached; its maps on the basemap
    called ``basemap_name``."""
    fn = _briefing_pdf if kind == "pdf" else _briefing_pptx
    return run_safely(fn, *_here(), area_choice, month, tuple(forces), cameras, basemap_name)


# -- map backgrounds ------------------------------------------------------------------------------------------
def _tiles_signature() -> tuple:
    """The installed tile folders and when each changed: a new install or removal is a new cache key."""
    root = tiles_dir()
    try:
        return tuple(sorted((e.name, e.stat().st_mtime) for e in root.iterdir() if e.is_dir()))
    except OSError:
        return ()


@st.cache_data(show_spinner=False)
def _basemaps(path: str, version: float, root: str, signature: tuple) -> list[Basemap]:
    with Store(path, create=False) as s:
        return configured(s, Path(root))


def basemaps() -> list[Basemap]:
    """The partnership's tile servers and installed files, from the store (cached)."""
    return _basemaps(*_here(), str(tiles_dir()), _tiles_signature())


def basemap_choices() -> tuple[str, ...]:
    """The sidebar's Basemap choices: offline, OpenStreetMap, then the store's servers and files."""
    return basemap_names(basemaps())


def basemap(s: Settings) -> Basemap:
    """The chosen background (offline when the choice is no longer configured)."""
    try:
        return resolve_basemap(s.basemap, basemaps())
    except SettingError:
        return resolve_basemap(OFFLINE)


@st.cache_data(show_spinner=False)
def _places(path: str, version: float, area_key: tuple[str, str] | None) -> dict:
    with Store(path, create=False) as store:
        layers = {lay for lay, _ in store.area_names()}
        area = store.area(*area_key) if area_key else None
        streets, total = street_labels(store, area)
    outlines = []
    for layer in CONTEXT_LAYERS:  # districts, and wards when loaded
        if layer not in layers:
            continue
        fc = _boundaries_geojson(path, version, layer)
        if area is not None and layer != "district":  # only the wards around the study area
            around = gpd.GeoSeries([area.geometry], crs=27700).to_crs(4326).envelope.iloc[0]
            keep = gpd.GeoDataFrame.from_features(fc["features"], crs=4326).intersects(around)
            fc = {"type": "FeatureCollection", "features": [f for f, k in zip(fc["features"], keep) if k]}
        outlines.append((layer, fc))
    return places_args(outlines, streets, total)


def places(s: Settings) -> dict:
    """What an offline map writes: district and ward outlines with names, police.uk street names (cached)."""
    return run_safely(_places, *_here(), s.area_key())
