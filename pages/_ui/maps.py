"""The map on a page: the app's own component (``hexmap``), fed by ``hotspots.outputs.webmap``.

One map stack on every page (bench/README.md, "One map stack"): the component's iframe stays mounted across
reruns (its key is stable) and each run sends it data only: cell ids, colours, plain-text labels, the legend
and outlines. The map opens on the chosen area (its outline's bounds), whatever the method draws.

What is selected lives in the session: a hexagon (``SELECTED``) or a cluster of a clustering method
(``SELECTED_CLUSTER``), chosen by a click on the map (the component's value: ``{"cell"}`` or ``{"cluster"}``)
or by a row of the hotspot table (``follow_table``, read before the map is drawn so the same run shows it).
"""

from __future__ import annotations

import functools
from dataclasses import replace

import streamlit as st

from geo.grid import cell_resolution, is_valid_cell
from hotspots.outputs.hotspot_table import HotspotTable
from hotspots.outputs.webmap import area_view, hexmap_args, hexmap_payload_bytes, map_layers
from pages._ui import cache
from pages._ui.errors import md_escape, run_safely
from pages._ui.hexmap import hexmap
from pages._ui.setup import freeze_long_lived
from pages._ui.state import BASEMAPS, Settings, settings

__all__ = ["SELECTED", "SELECTED_CLUSTER", "basemap_note", "follow_table", "selected_cluster", "show_layers",
           "show_map", "table_key"]

#: Session key of the hexagon whose drill-down is shown.
SELECTED = "selected_cell"
#: Session key of the cluster whose drill-down is shown: ``{"method": "dbscan", "cluster": id}``.
SELECTED_CLUSTER = "selected_cluster"
#: Session key of a count that a click on the map raises: the hotspot table gets a new key, so its
#: highlighted row (now not what the map shows) is cleared.
_TABLE_ROUND = "hotspot_table_round"


def basemap_note(s: Settings, places: dict | None = None) -> str:
    """One sentence: what the map's background is, where it comes from, and what to do when it cannot load.

    ``places``: the offline map's names (``cache.places``), to say how many street names are written."""
    b = cache.basemap(s)
    offline = f"Basemap \"{BASEMAPS[0]}\""
    if b.kind == "osm":
        return ("Background: OpenStreetMap, fetched by your browser from tile.openstreetmap.org on the internet; "
                f"a closed network blocks it, and the map then says so: choose {offline} in the sidebar.")
    if b.kind == "server":
        return (f"Background: {md_escape(b.name)}, fetched by your browser from the partnership's tile server "
                f"{md_escape(b.host)}; if this computer cannot reach it, the map says so.")
    if b.kind == "file" and b.manifest:
        m = b.manifest
        kind = "vector" if m["kind"] == "vector" else "picture"
        return (f"Background: {md_escape(b.name)}, a {kind} tile file ({md_escape(m.get('source', ''))}, zoom "
                f"{m['min_zoom']}–{m['max_zoom']}) served by this app itself: nothing is fetched from the internet.")
    lead = (f"Background: {md_escape(b.name)} is not installed on this computer, so the map is drawn offline "
            "(install its tile file on the Data page, Map backgrounds): " if b.kind == "file" else "Background: ")
    shown = len((places or {}).get("streets", {}).get("names", []))
    total = int((places or {}).get("streets_total", 0))
    streets = ("police.uk's street names from zoom 15 (street level)" if shown == total else
               f"the {shown:,} busiest of {total:,} police.uk street names from zoom 15 (street level)")
    return (f"{lead}district and ward outlines with their names, and {streets if total else 'no street names (no police.uk data loaded)'}; "
            "nothing is fetched from the internet.")


def _select(kind: str, key, method: str | None = None) -> None:
    """Make a hexagon (``kind="cell"``) or a cluster of ``method`` the selection (None: nothing)."""
    st.session_state.pop(SELECTED, None)
    st.session_state.pop(SELECTED_CLUSTER, None)
    if kind == "cell" and key is not None:
        st.session_state[SELECTED] = key
    elif kind == "cluster" and key is not None:
        st.session_state[SELECTED_CLUSTER] = {"method": method, "cluster": int(key)}


def _map_clicked(key: str, method: str | None = None, res: int | None = None) -> None:
    """The map's callback, run before the rerun a click causes: the clicked hexagon (or cluster outline)
    becomes the selection, so this very run outlines it and opens its drill-down."""
    value = st.session_state.get(key)
    if not isinstance(value, dict):
        return
    cell, cluster = value.get("cell"), value.get("cluster")
    res = settings().res if res is None else res
    if isinstance(cluster, int) and not isinstance(cluster, bool) and cluster >= 0 and method:
        _select("cluster", cluster, method)
    elif isinstance(cell, str) and is_valid_cell(cell) and cell_resolution(cell) == res:
        _select("cell", cell)
    else:
        return
    st.session_state[_TABLE_ROUND] = st.session_state.get(_TABLE_ROUND, 0) + 1


def selected_cluster(method: str) -> int | None:
    """The selected cluster's id when it is one of ``method``'s (DBSCAN or HDBSCAN), else None."""
    sel = st.session_state.get(SELECTED_CLUSTER)
    if isinstance(sel, dict) and sel.get("method") == method and isinstance(sel.get("cluster"), int):
        return sel["cluster"]
    return None


def table_key(method: str) -> str:
    """The hotspot table's widget key: new after each click on the map (which clears its selected row)."""
    return f"hotspot-table-{method}-{st.session_state.get(_TABLE_ROUND, 0)}"


def follow_table(table: HotspotTable, method: str) -> str:
    """Apply the row the user has just selected in the hotspot table (``st.dataframe`` with
    ``on_select="rerun"``), before the map is drawn so this run outlines it and opens its drill-down;
    returns the key to give that ``st.dataframe``.

    Only a change of the table's selection counts (a later click on the map wins over a row still
    highlighted); clearing the row clears the selection.
    """
    key = table_key(method)
    state = st.session_state.get(key)
    rows = list((state or {}).get("selection", {}).get("rows", [])) if hasattr(state, "get") else []
    seen = f"{key}-seen"
    if rows != st.session_state.get(seen, []):
        st.session_state[seen] = rows
        target = table.target(rows[0]) if rows else None
        if target is None:
            _select("none", None)
        else:
            _select(target[0], target[1], method)
    return key


def show_layers(layers: dict, s: Settings, *, res: int, key: str, height_px: int = 620,
                selectable: bool = False, method: str | None = None) -> str | None:
    """Draw map layers (``hotspots.outputs.webmap.map_layers``' keys) with the area outlines, fitted to the
    chosen area; return the hexagon the user clicked when ``selectable`` (else None). With ``method`` (a
    clustering's name), a click on a cluster outline selects that cluster (``selected_cluster``)."""
    selected = st.session_state.get(SELECTED) if selectable else None
    if selected and not (is_valid_cell(selected) and cell_resolution(selected) == res):
        st.session_state.pop(SELECTED)  # the hexagon size changed
        selected = None
    cluster = selected_cluster(method) if selectable and method else None
    area = cache.area_choice(s.area)
    background = cache.basemap(s)
    if background.kind == "file" and not background.manifest:  # not installed here: offline, and said
        background = cache.basemap(replace(s, basemap=BASEMAPS[0]))
    places = cache.places(s) if background.kind == "offline" else None
    args = run_safely(hexmap_args, layers["cells"], colours=layers["colours"], labels=layers["labels"],
                      legend=layers["legend"], res=res, boundaries=cache.boundaries(s), tiles=background,
                      places=places,
                      overlays=layers["overlays"], selected=selected, view_key=s.area, height_px=height_px,
                      view_bounds=area_view(area.geometry) if area is not None else None,
                      selected_cluster=cluster)
    hexmap(args, key=key, on_click=functools.partial(_map_clicked, key, method, res) if selectable else None)
    mb = hexmap_payload_bytes(args) / 1e6
    st.caption(f"{layers['note']} Map data sent to the browser: about {mb:.1f} MB. {basemap_note(s, places)}".strip())
    freeze_long_lived()
    return selected


def show_map(det, s: Settings, key: str = "map", height_px: int = 620) -> str | None:
    """Draw a detection on the map (its method's map style in the registry); return the H3 cell the user
    clicked (or None)."""
    layers = run_safely(map_layers, det, s.harm)
    return show_layers(layers, s, res=s.res, key=key, height_px=height_px, selectable=True,
                       method=det.method if "n_clusters" in layers else None)
