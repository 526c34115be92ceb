"""The Data page's "Map backgrounds" tab: add a partnership tile server, install a PMTiles/MBTiles file (a path
on the computer running the app, or an upload), remove one. The work is ``hotspots.tasks.basemaps``'."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import streamlit as st

from hotspots.tasks.basemaps import add_file, add_server, remove, tiles_dir
from pages._ui import cache
from pages._ui.data_forms import progress_bar, save_uploads
from pages._ui.db import after_write, open_store
from pages._ui.errors import guarded, md_escape

__all__ = ["section"]

NOTICE = "basemap_notice"


def _size(n: int) -> str:
    """A file size in plain words: '2.4 GB', '640.0 MB', '113 kB'."""
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{max(n / 1e3, 1):,.0f} kB"


def _add_server(name: str, url: str, attribution: str) -> str:
    with open_store() as store:
        b = add_server(store, name, url, attribution)
        after_write(store)
    return (f"Added the tile server '{b.name}'. Choose it under Basemap in the sidebar: each browser fetches its "
            f"tiles from {b.host}.")


def _add_file(name: str, path: str | None, upload, attribution: str) -> str:
    bar, update = progress_bar("Installing the tile file...")
    folder = None
    try:
        if upload is not None:
            folder, paths = save_uploads([upload])
            path = paths[0]
        with open_store() as store:
            b = add_file(store, name, path, attribution or None, progress=update)
            after_write(store)
    finally:
        bar.empty()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    m = b.manifest
    return (f"Installed '{b.name}': {m['kind']} tiles, zoom {m['min_zoom']}–{m['max_zoom']}, "
            f"{_size(m['size'])}, served by this app. Choose it under Basemap in the sidebar.")


def _remove(name: str) -> str:
    with open_store() as store:
        remove(store, name)
        after_write(store)
    return f"Removed the map background '{name}'."


def _done(message: str | None) -> None:
    if message:
        st.session_state[NOTICE] = message
        st.rerun()


def section(read_only: bool) -> None:
    """The tab's forms and the list of configured backgrounds."""
    if st.session_state.get(NOTICE):
        st.success(st.session_state.pop(NOTICE))
    st.markdown(
        "The sidebar's **Basemap** offers *Offline* (the default: outlines and street names, nothing fetched), "
        "*OpenStreetMap* (from the internet), and the backgrounds added here, which everyone using this store "
        "sees. On a closed network, add the partnership's own tile server, or install a tile file (PMTiles or "
        "MBTiles, e.g. OS Open Zoomstack) that this app serves itself.")
    maps = cache.basemaps()
    if maps:
        rows = [{"Name": b.name,
                 "Kind": "Tile server" if b.kind == "server" else "Tile file",
                 "Where": b.url if b.kind == "server" else (
                     f"served by this app ({b.manifest['kind']}, zoom {b.manifest['min_zoom']}–{b.manifest['max_zoom']}, "
                     f"{_size(b.manifest['size'])})" if b.manifest else "not installed on this computer"),
                 "Attribution": b.attribution} for b in maps]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    server, local, drop = st.tabs(["Add a tile server", "Install a tile file", "Remove"])
    with server:
        with st.form("basemap_server", clear_on_submit=False, border=False):
            name = st.text_input("Name", placeholder="Council OS maps", key="basemap_server_name")
            url = st.text_input("Tile address", key="basemap_server_url",
                                placeholder="https://maps.example.gov.uk/tiles/{z}/{x}/{y}.png",
                                help="An XYZ template with {z}, {x}, {y} ({s} for a, b, c subdomains), or a WMTS "
                                     "template with {TileMatrix}, {TileRow}, {TileCol} on the GoogleMapsCompatible "
                                     "/ EPSG:3857 tile matrix set (British National Grid sets cannot be drawn).")
            text = st.text_input("Attribution", key="basemap_server_attribution",
                                 placeholder="© Crown copyright and database rights 2025 OS AC0000000000")
            if st.form_submit_button("Add the server", type="primary", disabled=read_only):
                _done(guarded(_add_server, name, url, text))
    with local:
        with st.form("basemap_file", clear_on_submit=False, border=False):
            name = st.text_input("Name", placeholder="OS Open Zoomstack", key="basemap_file_name")
            path = st.text_input("Path on the computer running the app", key="basemap_file_path",
                                 placeholder="/data/maps/OS_Open_Zoomstack.mbtiles",
                                 help="Best for large files (OS Open Zoomstack is a few GB): nothing is uploaded.")
            upload = st.file_uploader("...or upload the file", type=["pmtiles", "mbtiles"], key="basemap_file_upload")
            text = st.text_input("Attribution (else the file's own)", key="basemap_file_attribution",
                                 placeholder="Contains OS data © Crown copyright and database right 2025")
            st.caption(f"The file is copied (an MBTiles file converted to PMTiles) into {md_escape(str(tiles_dir()))}, "
                       "in parts under 200 MB that the app serves from its own port.")
            if st.form_submit_button("Install the file", type="primary", disabled=read_only):
                if not upload and not path.strip():
                    st.error("Give the file's path or upload it.")
                else:
                    _done(guarded(_add_file, name, None if upload else Path(path.strip()).expanduser(), upload, text))
    with drop:
        if not maps:
            st.info("No tile server or tile file has been added.")
        else:
            name = st.selectbox("Map background", [b.name for b in maps], key="basemap_remove_name")
            st.caption("A tile file's copy on this computer is deleted too; the original file is not touched.")
            if st.button("Remove", disabled=read_only, key="basemap_remove", icon=":material/delete:"):
                _done(guarded(_remove, name))
