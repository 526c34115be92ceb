"""The map on a page: the app's own component (``hexmap``), fed by ``hotspots.outputs.webmap``.

One map stack on every page (bench/README.md, "One map stack"): the component's iframe stays mounted across
reruns (its key is stable) and each run sends it data only: cell ids, colours, plain-text labels, the legend
and outlines.
"""

from __future__ import annotations

import functools

import streamlit as st

from geo.grid import cell_resolution, is_valid_cell
from hotspots.outputs.webmap import hexmap_args, hexmap_payload_bytes, map_layers
from pages._ui import cache
from pages._ui.errors import run_safely
from pages._ui.hexmap import hexmap
from pages._ui.setup import freeze_long_lived
from pages._ui.state import BASEMAPS, Settings, settings

__all__ = ["SELECTED", "basemap_note", "show_layers", "show_map"]

#: Session key of the hexagon whose drill-down is shown.
SELECTED = "selected_cell"


def basemap_note(s: Settings) -> str:
    """What the map's background is, and what to do when a closed network blocks it."""
    if s.basemap == BASEMAPS[0]:
        return ("Background: OpenStreetMap, fetched by your browser from the internet; if it stays grey, the "
                f"network blocks it: choose Basemap \"{BASEMAPS[1]}\" in the sidebar.")
    return "Background: boundaries only (nothing is fetched from the internet)."


def _map_clicked(key: str) -> None:
    """The map's callback, run before the rerun a click causes: the clicked hexagon becomes the
    selection, so this very run outlines it and opens its drill-down."""
    value = st.session_state.get(key)
    cell = value.get("cell") if isinstance(value, dict) else None
    if isinstance(cell, str) and is_valid_cell(cell) and cell_resolution(cell) == settings().res:
        st.session_state[SELECTED] = cell


def show_layers(layers: dict, s: Settings, *, res: int, key: str, height_px: int = 620,
                selectable: bool = False) -> str | None:
    """Draw map layers (``hotspots.outputs.webmap.map_layers``' keys) with the area outlines; return the
    hexagon the user clicked when ``selectable`` (else None)."""
    selected = st.session_state.get(SELECTED) if selectable else None
    if selected and not (is_valid_cell(selected) and cell_resolution(selected) == res):
        st.session_state.pop(SELECTED)  # the hexagon size changed
        selected = None
    args = run_safely(hexmap_args, layers["cells"], colours=layers["colours"], labels=layers["labels"],
                      legend=layers["legend"], res=res, boundaries=cache.boundaries(s), tiles=s.basemap,
                      overlays=layers["overlays"], selected=selected, view_key=s.area, height_px=height_px)
    hexmap(args, key=key, on_click=functools.partial(_map_clicked, key) if selectable else None)
    mb = hexmap_payload_bytes(args) / 1e6
    st.caption(f"{layers['note']} Map data sent to the browser: about {mb:.1f} MB. {basemap_note(s)}".strip())
    freeze_long_lived()
    return selected


def show_map(det, s: Settings, key: str = "map", height_px: int = 620) -> str | None:
    """Draw a detection on the map (its method's map style in the registry); return the H3 cell the user
    clicked (or None)."""
    return show_layers(run_safely(map_layers, det, s.harm), s, res=s.res, key=key, height_px=height_px,
                       selectable=True)
