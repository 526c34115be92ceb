"""Map backgrounds as a setting: the built-in choices, a partnership's tile servers and installed tile files.

Choices, in the order the sidebar lists them:

* ``OFFLINE`` (the default): no tiles at all; the map draws what the store knows (district and ward outlines
  with their names, and police.uk's street names at street zoom). Nothing is fetched from anywhere.
* ``OSM``: the public OpenStreetMap tiles, fetched by the browser from the internet.
* each tile server the partnership configured (an XYZ or WMTS address, ``geo.tiles.xyz_template``), fetched by
  the browser from that server (on a closed network, the partnership's own);
* each tile file installed on this computer (PMTiles or MBTiles, e.g. OS Open Zoomstack), served by the app
  itself from its own port (``geo.tiles.install_tiles``: parts under ``static/tiles/<folder>/``).

Servers and files are kept in the store (``Store.save_basemap``), so everyone using the store sees them; a file
is installed on each computer that runs the app (its folder is not in the store).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from geo.errors import SettingError
from geo.store import Store
from geo.tiles import (MANIFEST, TileSource, XyzSource, install_tiles, open_tiles, plain_text, read_manifest,
                       safe_folder, xyz_template)

__all__ = ["ALIASES", "BUILT_IN", "OFFLINE", "OSM", "OSM_ATTRIBUTION", "OSM_URL", "Basemap", "add_file",
           "add_server", "basemap_names", "configured", "open_basemap", "remove", "resolve", "tiles_dir"]

OFFLINE = "Offline: outlines and street names"
OSM = "OpenStreetMap (internet)"
BUILT_IN = (OFFLINE, OSM)
#: Names earlier versions used (shared links keep working).
ALIASES = {"Offline (boundaries only)": OFFLINE, "OpenStreetMap": OSM}
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: OpenStreetMap's tile usage policy asks for this credit, linked to its copyright page.
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"
#: The app serves ``static/`` at ``/app/static`` (.streamlit/config.toml); installed files go in its ``tiles``.
TILES_DIR = Path(__file__).resolve().parents[2] / "static" / "tiles"
MAX_NAME = 60


def tiles_dir() -> Path:
    """Where installed tile files go: the app's ``static/tiles`` ($HOTSPOTS_TILES_DIR for tests; the app
    serves only its own ``static`` folder)."""
    return Path(os.environ.get("HOTSPOTS_TILES_DIR") or TILES_DIR)


@dataclass(frozen=True)
class Basemap:
    """One background choice.

    Attributes
    ----------
    name : str
        What the sidebar shows.
    kind : str
        "offline", "osm", "server" or "file".
    url : str
        The XYZ template (osm, server).
    folder : str
        The installed folder under ``tiles_dir()`` (file).
    attribution : str
        Plain text.
    manifest : dict, optional
        The installed file's manifest (file; None when it is not installed on this computer).
    """

    name: str
    kind: str
    url: str = ""
    folder: str = ""
    attribution: str = ""
    manifest: dict | None = field(default=None, compare=False, hash=False)

    @property
    def host(self) -> str:
        return re.sub(r"^[a-z]+://", "", self.url).split("/")[0].replace("{s}.", "") if self.url else ""


def _check_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise SettingError("A map background needs a name.", "Give a short name, e.g. 'OS Open Zoomstack'.")
    if len(name) > MAX_NAME or plain_text(name, MAX_NAME) != name:
        raise SettingError(f"'{name[:80]}' is not a usable name: at most {MAX_NAME} letters, no markup.",
                           "Give a short plain name, e.g. 'OS Open Zoomstack'.")
    if name in BUILT_IN or name in ALIASES:
        raise SettingError(f"'{name}' is the name of a built-in background.", "Give another name.")
    return name


def add_server(store: Store, name: str, url: str, attribution: str = "") -> Basemap:
    """Keep a partnership tile server (XYZ, or WMTS on the Web Mercator grid) in the store.

    Raises
    ------
    SettingError
        An unusable name or address (``geo.tiles.xyz_template`` says why).
    """
    name = _check_name(name)
    src = XyzSource(url, attribution)
    store.save_basemap(name, "server", src.url, src.attribution)
    return Basemap(name, "server", url=src.url, attribution=src.attribution)


def add_file(store: Store, name: str, path, attribution: str | None = None, *, root: Path | None = None,
             progress=None) -> Basemap:
    """Install a PMTiles or MBTiles file for the app's own port and keep it in the store.

    Raises
    ------
    SettingError
        An unusable name, or one whose folder another file already uses.
    InputFileError
        The file cannot be read or is not a tile file the map can draw.
    """
    name = _check_name(name)
    root = Path(root) if root else tiles_dir()
    folder = safe_folder(name)
    for other in configured(store, root):
        if other.kind == "file" and other.folder == folder and other.name != name:
            raise SettingError(f"The name '{name}' would share its folder with '{other.name}'.",
                               "Give a name with other letters or digits.")
    manifest = install_tiles(path, root, name, progress=progress)
    text = plain_text(attribution) if attribution else manifest["attribution"]
    store.save_basemap(name, "file", folder, text)
    return Basemap(name, "file", folder=folder, attribution=text, manifest=manifest)


def remove(store: Store, name: str, *, root: Path | None = None) -> bool:
    """Forget a background (and delete an installed file's folder on this computer); whether there was one."""
    root = Path(root) if root else tiles_dir()
    found = [b for b in configured(store, root) if b.name == name]
    if not found:
        return False
    store.remove_basemap(name)
    b = found[0]
    if b.kind == "file" and b.folder == safe_folder(b.folder) and (root / b.folder / MANIFEST).is_file():
        shutil.rmtree(root / b.folder, ignore_errors=True)
    return True


def configured(store: Store, root: Path | None = None) -> list[Basemap]:
    """The store's servers and files, by name (a file's ``manifest`` None when not installed here)."""
    root = Path(root) if root else tiles_dir()
    out = []
    for r in store.basemaps().to_dict(orient="records"):
        kind, loc, text = str(r["kind"]), str(r["location"]), str(r["attribution"] or "")
        if kind == "server":
            out.append(Basemap(str(r["name"]), "server", url=loc, attribution=text))
        elif kind == "file":
            try:
                manifest = read_manifest(root / loc) if loc == safe_folder(loc) else None
            except Exception:  # noqa: BLE001 - not installed here, or damaged: said when chosen
                manifest = None
            out.append(Basemap(str(r["name"]), "file", folder=loc, attribution=text, manifest=manifest))
    return out


def basemap_names(basemaps: list[Basemap]) -> tuple[str, ...]:
    """The sidebar's choices: the built-in ones, then the configured ones."""
    return BUILT_IN + tuple(b.name for b in basemaps if b.name not in BUILT_IN)


def resolve(name: str, basemaps: list[Basemap] = ()) -> Basemap:
    """The background called ``name`` (a built-in one, an old name for one, or a configured one).

    Raises
    ------
    SettingError
        No background of that name.
    """
    name = ALIASES.get(name, name)
    if name == OFFLINE:
        return Basemap(OFFLINE, "offline")
    if name == OSM:
        return Basemap(OSM, "osm", url=OSM_URL, attribution=OSM_ATTRIBUTION)
    for b in basemaps:
        if b.name == name:
            return b
    raise SettingError(f"'{name}' is not a map background.",
                       f"Use one of: {', '.join(basemap_names(list(basemaps)))}.")


def open_basemap(b: Basemap, *, root: Path | None = None, timeout_s: float = 10) -> TileSource | None:
    """The background's tiles (for pictures drawn on the server, e.g. printed sheets); None offline.

    Raises
    ------
    InputFileError
        An installed file missing or damaged on this computer.
    """
    if b.kind == "offline":
        return None
    if b.kind in ("osm", "server"):
        return XyzSource(xyz_template(b.url), b.attribution, timeout_s=timeout_s, name=b.name)
    root = Path(root) if root else tiles_dir()
    src = open_tiles(root / b.folder)
    src.attribution = b.attribution or src.attribution
    src.name = b.name
    return src
