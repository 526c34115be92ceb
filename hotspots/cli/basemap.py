"""``python -m hotspots basemap``: the map backgrounds a partnership shares (kept in the store).

    basemap add NAME --url URL [--attribution TEXT]     a tile server: XYZ {z}/{x}/{y}, or WMTS on EPSG:3857
    basemap add NAME --file PATH [--attribution TEXT]   a PMTiles / MBTiles file, installed for the app to serve
    basemap list                                        what the sidebar's Basemap offers
    basemap remove NAME                                 forget one (and delete an installed file's copy)

A file is copied into the app's ``static/tiles/`` (an MBTiles file converted to PMTiles on the way), in parts
the app serves from its own port; the original file is not needed afterwards.
"""

from __future__ import annotations

import json
import sys

from geo.errors import SettingError
from hotspots.cli.common import add_db, open_store, progress_bar
from hotspots.methods.words import plural
from hotspots.tasks.basemaps import BUILT_IN, OFFLINE, add_file, add_server, configured, remove, tiles_dir

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("basemap", help="map backgrounds: add a tile server or a PMTiles/MBTiles file, list, remove",
                       description=__doc__.split("\n\n")[0])
    acts = p.add_subparsers(dest="action", required=True)
    a = acts.add_parser("add", help="add a tile server (--url) or install a tile file (--file)")
    a.add_argument("name", help="the name the sidebar shows, e.g. 'OS Open Zoomstack'")
    where = a.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="an XYZ template (https://host/{z}/{x}/{y}.png) or a WMTS template "
                                     "({TileMatrix}/{TileRow}/{TileCol}) on GoogleMapsCompatible / EPSG:3857")
    where.add_argument("--file", metavar="PATH", help="a .pmtiles or .mbtiles file")
    a.add_argument("--attribution", help="who to credit, e.g. '© Crown copyright and database rights 2025 OS'")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    add_db(a)
    ls = acts.add_parser("list", help="list the map backgrounds")
    ls.add_argument("--json", action="store_true", help="print JSON")
    add_db(ls)
    r = acts.add_parser("remove", help="forget a map background")
    r.add_argument("name")
    add_db(r)


def run(args) -> int:
    if args.action == "list":
        with open_store(args) as store:
            maps = configured(store)
        if getattr(args, "json", False):
            print(json.dumps([{"name": n, "kind": "built-in"} for n in BUILT_IN]
                             + [{"name": b.name, "kind": b.kind, "url": b.url or None, "folder": b.folder or None,
                                 "installed": bool(b.manifest) if b.kind == "file" else None,
                                 "attribution": b.attribution} for b in maps], indent=2))
            return 0
        print(f"{OFFLINE}  (built in, the default: nothing fetched)")
        print(f"{BUILT_IN[1]}  (built in: fetched from the internet)")
        for b in maps:
            if b.kind == "server":
                print(f"{b.name}  (tile server: {b.url})")
            elif b.manifest:
                m = b.manifest
                print(f"{b.name}  ({m['kind']} tile file {m['source']}, zoom {m['min_zoom']}-{m['max_zoom']}, "
                      f"{m['size'] / 1e6:,.1f} MB, served by the app)")
            else:
                print(f"{b.name}  (tile file, not installed on this computer: basemap add \"{b.name}\" --file PATH)")
        return 0
    if args.action == "remove":
        with open_store(args, read_only=False) as store:
            if not remove(store, args.name):
                names = ", ".join(b.name for b in configured(store)) or "none"
                raise SettingError(f"There is no map background called '{args.name}' (the store has: {names}).",
                                   "Run python -m hotspots basemap list.")
        print(f"Removed the map background '{args.name}'.")
        return 0
    with open_store(args, read_only=False) as store:
        if args.url:
            b = add_server(store, args.name, args.url, args.attribution or "")
            print(f"Added the tile server '{b.name}' ({b.url}). Choose it under Basemap in the app's sidebar; "
                  "each person's browser fetches its tiles from that server.")
            return 0
        update, close = progress_bar(not args.quiet and sys.stderr.isatty())
        try:
            b = add_file(store, args.name, args.file, args.attribution, progress=update)
        finally:
            close()
    m = b.manifest
    print(f"Installed '{b.name}': {m['kind']} tiles ({m['tile_format']}), zoom {m['min_zoom']}-{m['max_zoom']}, "
          f"{m['size'] / 1e6:,.1f} MB in {plural(len(m['parts']), 'part')} under "
          f"{tiles_dir() / b.folder}. Choose it under Basemap in the app's sidebar; the app serves it itself.")
    return 0
