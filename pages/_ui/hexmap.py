"""The hotspot map as a Streamlit component of the app's own (``pages/_ui/hexmap_frontend``).

Why not folium through streamlit-folium: that renders the whole map to a page of script
on every run and mounts a new iframe for each change, so a period change took about two
seconds. This component's iframe stays mounted (its key is stable) and each run sends it
data only (``hotspots.outputs.webmap.hexmap_args``): the browser draws the hexagons with h3-js and
Leaflet, changing only what changed. Leaflet, its full-screen plugin and h3-js are served
by the app itself (no CDN): see ``pages/_ui/hexmap_frontend/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

#: The component's own files: index.html, main.js, main.css, vendor/ (h3-js).
FRONTEND = Path(__file__).resolve().with_name("hexmap_frontend")
_component = components.declare_component("hexmap", path=str(FRONTEND))


def hexmap(args: dict, *, key: str, on_click=None) -> dict | None:
    """Draw the map; returns the last click, ``{"cell": <H3 id>, "at": <ms>}`` or ``{"cluster": <id>, "at": <ms>}``, or None.

    Parameters
    ----------
    args : dict
        From ``hotspots.outputs.webmap.hexmap_args``.
    key : str
        A stable key: the same key keeps the same map (its iframe, its zoom) across reruns.
    on_click : callable, optional
        Called before the rerun a click causes (read the click from ``st.session_state[key]``).
    """
    return _component(**args, key=key, default=None, on_change=on_click)
