"""Dashboard speed: how long a filter change takes to redraw the hotspot map, and what it sends.

One year of the real Hertfordshire police.uk street files (``../shared/data``,
2021-01 .. 2021-12) and the district boundaries are loaded into a temporary DuckDB
store. Then, in the same process:

* **Server side, in this process.** For each resolution, ``hotspots.tasks.detect.detect(store,
  "count", ...)`` and the data the page sends its map (``hotspots.outputs.webmap.map_layers`` +
  ``hotspots.outputs.webmap.hexmap_args``, then ``json.dumps`` as Streamlit serialises component
  arguments), median of ``--runs``; ``ensure_data``'s ``Store(path)``, and the cached
  functions (store summary, boundaries, detection) both as a cache hit and a miss. It
  checks whether opening the store as ``ensure_data`` does changes its modification time
  (``pages._ui.db.store_version``, part of every ``st.cache_data`` key).
* **Payloads.** What one change sends the map (the component's JSON arguments), what the
  first opening adds once (the component's page, script, h3-js, Leaflet and its CSS, from
  disk), against two baselines built from the same hexagons: the folium map the page drew
  before (``bench/folium_maps.hex_map``, ``map_payload_bytes``: sent whole on every change)
  and the naive map (one ``folium.Polygon`` per cell, each with its own tooltip).
* **In the browser.** ``streamlit run app.py`` on a free port (``HOTSPOTS_DB`` = the
  temporary store), headless Debian Chromium with the e2e tests' arguments (every
  non-local request goes to a closed local proxy). For res 9 and 10 the map page is
  opened at ``?from=2021-01&to=2021-12&res=R&map=Offline (boundaries only)``; then the
  first period thumb is focused and ArrowRight / ArrowLeft are pressed in turn (each
  press changes the period: 2021-02..12, back to 2021-01..12, ...). A redraw is timed from
  the keydown event (in the page) to the first moment all of these hold, and keep holding
  for ``STABLE_MS``: Streamlit's script state is ``notRunning``, the slider shows the new
  period, and the map says it has drawn *the new period's data*: its
  ``body[data-version]`` equals the version computed here, in this process, from the
  library's hexagons, colours and labels for that period (the component sets it after
  applying the data and a frame has been painted), and it holds exactly that period's
  number of hexagon paths. Only the first ArrowRight asks for a period the app has not
  shown yet (``st.cache_data`` should hold the others; the bench checks whether the
  store's modification time changed during each press); two more changes move the
  *last* thumb to periods never asked for (2021-01..11, 2021-01..10) and are reported
  apart as "new period".
* **Discarded presses.** A press after which a run ends with the slider not on the new
  period is recorded as DISCARDED, with what it cost, and the same key is pressed again;
  only presses that change the period are in the redraw statistics.

Where the redraw time goes is measured, not guessed:

* the websocket frames, with Chrome's own timestamps (DevTools ``Network`` events) and
  decoded as Streamlit's ``BackMsg`` / ``ForwardMsg``: key -> rerun request sent
  (front end), request -> map message received (server: the script up to the map,
  serialisation and transfer), map message -> script finished;
* in the map iframe (an init script): whether the iframe is the same as before the press
  (it should be: the component keeps it), when the component's ``streamlit:render``
  message arrived, and when the component marked the new data drawn and painted
  (``data-version``, seen by a ``MutationObserver``);
* the renderer's main-thread totals over the redraw (DevTools ``Performance.getMetrics``:
  script, style, layout, all tasks);
* one extra change per resolution under the DevTools JS sampling profiler (not part of
  the timings), its self time grouped by script: Leaflet, h3-js, the map component's
  own script, Streamlit's front end, garbage collection, and native work
  (``(program)``: style, layout, paint, parsing).

Usage::

    python bench/dashboard.py [--changes N] [--runs R] [--res 9 10] [--keep]

Nothing is written to the repository; the store and Streamlit's log live in a temporary
folder (``--keep`` leaves it and prints its path).
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
STREET_DIR = DATA / "police" / "hertfordshire_2021" / "street"
DISTRICTS = DATA / "boundaries" / "herts_lad_dissolved_from_lsoa2011.geojson"

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

#: The goals of the dashboard-speed issue, at res 9.
GOAL_REDRAW_S = 1.0
GOAL_PAYLOAD_MB = 3.0
GOAL_RES = 9

YEAR = ("2021-01", "2021-12")
OFFLINE = "Offline (boundaries only)"
#: The map page's height outside presentation mode (pages/map.py).
MAP_HEIGHT_PX = 620
#: The redrawn map must stay complete this long before the redraw counts as finished.
STABLE_MS = 500
#: The app must have been idle this long before a key is pressed.
SETTLE_MS = 1000
POLL_MS = 20
#: Presses of one key allowed to produce one change (the app discards some: see the README).
MAX_PRESSES = 3
TIMEOUT_MS = 120_000
def quiet_streamlit() -> None:
    """No "missing ScriptRunContext" / "No runtime found" lines when pages/_ui/ runs here.

    Streamlit sets its log level when it first reads its config, so read it first.
    """
    import streamlit.logger
    from streamlit import config

    config.get_option("logger.level")
    streamlit.logger.set_log_level("ERROR")


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def median(xs):
    return statistics.median(xs) if xs else float("nan")


# -- data ------------------------------------------------------------------------------------
def load_store(db: Path) -> dict:
    from geo.boundaries import read_areas
    from geo.ingest.police import ingest_police
    from geo.store import Store

    files = sorted(STREET_DIR.glob("2021-*.csv"))
    t0 = time.perf_counter()
    with Store(db) as store:
        report = ingest_police(files, store)
        areas = read_areas(DISTRICTS)
        store.save_areas(areas, "district")
        store.con.execute("CHECKPOINT")
        rows = store.count()
    stored = sum(f["rows_stored"] for f in report.files)
    return {"files": len(files), "rows": rows, "stored": stored, "districts": len(areas),
            "s": time.perf_counter() - t0}


# -- server side, in this process ------------------------------------------------------------------
def settings(res: int, date_from: str, date_to: str):
    from pages._ui.state import Settings

    return Settings(date_from=date_from, date_to=date_to, res=res, basemap=OFFLINE)


def detection(db: Path, s):
    """``detect(store, "count", ...)`` as pages/_ui/cache.py calls it (whole store, counts)."""
    from geo.store import Store
    from hotspots.tasks.detect import detect

    with Store(db, create=False) as store:
        return detect(store, "count", s.selection(), res=s.res)


def our_args(det, s) -> tuple[dict, dict]:
    """What pages/_ui/maps.show_map sends its map component: (args, layers)."""
    from hotspots.outputs.webmap import hexmap_args, map_layers
    from pages._ui import cache

    layers = map_layers(det, s.harm)
    args = hexmap_args(layers["cells"], colours=layers["colours"], labels=layers["labels"], legend=layers["legend"],
                       res=s.res, boundaries=cache.boundaries(s), tiles=s.basemap, overlays=layers["overlays"],
                       selected=None, view_key=s.area, height_px=MAP_HEIGHT_PX)
    return args, layers


def args_steps(det, s) -> dict[str, float]:
    """The page's map work on a run, step by step (s): map_layers, hexmap_args, and the JSON
    Streamlit makes of the component's arguments."""
    import json

    from hotspots.outputs.webmap import hexmap_args, map_layers
    from pages._ui import cache

    t = [time.perf_counter()]
    layers = map_layers(det, s.harm)
    t.append(time.perf_counter())
    args = hexmap_args(layers["cells"], colours=layers["colours"], labels=layers["labels"], legend=layers["legend"],
                       res=s.res, boundaries=cache.boundaries(s), tiles=s.basemap, overlays=layers["overlays"],
                       selected=None, view_key=s.area, height_px=MAP_HEIGHT_PX)
    t.append(time.perf_counter())
    json.dumps(dict(args, default=None, key="map-count"))
    t.append(time.perf_counter())
    return {"map_layers": t[1] - t[0], "hexmap_args (cells, palette, labels, versions)": t[2] - t[1],
            "json.dumps of the args (Streamlit)": t[3] - t[2]}


def folium_map(layers: dict, s):
    """The map the page drew before the component: bench/folium_maps.hex_map (folium)."""
    from bench.folium_maps import hex_map
    from pages._ui import cache

    return hex_map(layers["cells"], colours=layers["colours"], labels=layers["labels"], legend=layers["legend"],
                   boundaries=cache.boundaries(s), tiles=s.basemap, overlays=layers["overlays"],
                   height_px=MAP_HEIGHT_PX)


def naive_map(layers: dict, boundaries: dict):
    """The naive way: one folium.Polygon per hexagon, each with its own tooltip; same outlines and legend."""
    import folium
    import h3

    from bench import folium_maps

    cells = list(layers["cells"]["cell"])
    lats, lngs = zip(*(h3.cell_to_latlng(c) for c in cells))
    bounds = [[min(lats), min(lngs)], [max(lats), max(lngs)]]
    m = folium.Map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                   zoom_start=11, tiles=None, control_scale=True, height=MAP_HEIGHT_PX)
    folium.GeoJson(boundaries, name="Boundaries", interactive=False,
                   style_function=lambda f: {"color": "#222", "weight": 2, "fill": False, "dashArray": "4"}).add_to(m)
    for cell, colour, label in zip(cells, layers["colours"], layers["labels"]):
        folium.Polygon(locations=[list(p) for p in h3.cell_to_boundary(cell)], color=colour, weight=0.5,
                       fill=True, fill_color=colour, fill_opacity=0.8,
                       tooltip=folium.Tooltip(html.escape(label), sticky=True)).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    folium_maps.LegendControl(folium_maps.legend_html(layers["legend"])).add_to(m)
    m.fit_bounds(bounds)
    return m


def component_files_bytes() -> dict[str, int]:
    """The files the map component's iframe fetches once, when the map first opens (bytes on disk)."""
    from pages._ui.hexmap import FRONTEND

    page = (FRONTEND / "index.html").read_text()
    out = {"index.html": len(page.encode())}
    for ref in re.findall(r'(?:src|href)="([^"]+)"', page):
        path = ROOT / "static" / ref.split("app/static/", 1)[1] if "app/static/" in ref else FRONTEND / ref
        out[ref.rsplit("/", 1)[-1]] = path.stat().st_size
    return out


def ensure_data_open(db: Path) -> bool:
    """What ``pages._ui.setup.ensure_data()`` does with the store on every run; does the store's
    modification time (part of every st.cache_data key, ``pages._ui.db.store_version``) change?"""
    from geo.store import Store
    from pages._ui.db import store_version

    before = store_version()
    with Store(db) as store:  # create=True, as ensure_data opens it
        store.count()
    return store_version() != before


def timed(fn, runs: int):
    """(median seconds, result of the last run)."""
    import gc

    times, out = [], None
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return median(times), out


def server_side(db: Path, res: int, periods: list[tuple[str, str]], runs: int) -> dict:
    """Hexagon counts and data versions for every period the browser will visit; server timings;
    payloads ours and the baselines'."""
    from bench.folium_maps import map_payload_bytes
    from hotspots.outputs.webmap import hexmap_payload_bytes
    from pages._ui import cache

    out: dict = {"expected": {}, "version": {}, "hexagons": {}}
    for p in periods:
        s = settings(res, *p)
        det = detection(db, s)
        args, _ = our_args(det, s)
        out["hexagons"][p] = len(det.table)
        out["expected"][p] = len(args["cells"])
        out["version"][p] = args["version"]

    # timings on the first change's period (2021-02..2021-12)
    s = settings(res, "2021-02", YEAR[1])
    out["ensure_s"], out["mtime_changes"] = timed(lambda: ensure_data_open(db), runs)
    out["summary_s"], _ = timed(lambda: (cache._summary.clear(), cache.summary()), runs)
    out["boundaries_s"], _ = timed(lambda: (cache._boundaries_geojson.clear(), cache.boundaries(s)), runs)
    out["detect_s"], det = timed(lambda: detection(db, s), runs)
    cache.detection(s, "count")  # fills st.cache_data (memory, in this process), as the app's first run does
    out["cache_hit_s"], _ = timed(lambda: cache.detection(s, "count"), runs)
    cache.boundaries(s)  # warm (its miss is timed above), so the next lines time the map alone
    steps: dict[str, list[float]] = {}
    for _ in range(runs):
        for k, v in args_steps(det, s).items():
            steps.setdefault(k, []).append(v)
    out["steps"] = {k: median(v) for k, v in steps.items()}
    out["map_s"] = sum(out["steps"].values())
    out["server_s"] = out["detect_s"] + out["map_s"]

    # payloads of the page as opened (the year)
    s = settings(res, *YEAR)
    det = detection(db, s)
    args, layers = our_args(det, s)
    out["ours_bytes"] = hexmap_payload_bytes(args)
    out["files_bytes"] = component_files_bytes()
    out["folium_build_render_s"], out["folium_bytes"] = timed(lambda: map_payload_bytes(folium_map(layers, s)), 1)
    out["naive_build_render_s"], out["naive_bytes"] = timed(
        lambda: len(naive_map(layers, cache.boundaries(s)).get_root().render().encode("utf-8")), 1)
    return out


# -- the app ---------------------------------------------------------------------------------------
@contextmanager
def streamlit_app(db: Path, tmp: Path):
    """``streamlit run app.py`` on a free port, exactly as the browser tests start it."""
    from tests.e2e.conftest import AppDidNotStart, serve_app

    env = dict(os.environ, HOTSPOTS_DB=str(db), HOTSPOTS_SAMPLE_DIR=str(tmp / "sample"))
    try:
        with serve_app(env, tmp / "streamlit.log") as url:
            yield url
    except AppDidNotStart as err:
        raise SystemExit(str(err)) from err


#: Runs in every frame before its own scripts; in an iframe (the map component) it records
#: when Streamlit's render messages arrived and when the component marked a data set drawn
#: (``body[data-version]``, set after the data is applied and a frame painted). A new
#: iframe's first document is about:blank and the component's page reuses its window (this
#: script does not run again), so the listener is on the window and the observer is
#: (re)attached to whichever document is current when a render message arrives.
FRAME_PROBE = """(() => {
  if (window.top === window || window.__bench) return;
  const now = () => performance.timeOrigin + performance.now();
  const b = window.__bench = {renders: [], drawn: [], observed: null};
  const watch = () => {
    if (b.observed === document) return;
    b.observed = document;
    new MutationObserver(() => {
      const v = document.body.getAttribute('data-version'), last = b.drawn[b.drawn.length - 1];
      if (v && (!last || last[1] !== v)) b.drawn.push([now(), v]);
    }).observe(document.body, {attributes: true, attributeFilter: ['data-version']});
  };
  window.addEventListener('message', e => {
    if (e.data && e.data.type === 'streamlit:render') { b.renders.push(now()); watch(); }
  }, true);
})();"""

#: The map component's iframe (the only custom component on the map page).
MAP_FRAME = "iframe[data-testid=stCustomComponentV1]"

#: Before a key press: mark the current map iframe as old, record keydown and script states.
ARM = """() => {
  const now = () => performance.timeOrigin + performance.now();
  const app = document.querySelector('[data-testid="stApp"]');
  window.__chg = {key: null, states: []};
  for (const f of document.querySelectorAll('iframe')) f.__old = true;
  document.addEventListener('keydown', () => { if (window.__chg.key === null) window.__chg.key = now(); },
                            {capture: true, once: true});
  if (window.__chgObs) window.__chgObs.disconnect();
  window.__chgObs = new MutationObserver(records => {
    for (const r of records) window.__chg.states.push([now(), r.oldValue, app.dataset.testScriptState]);
  });
  window.__chgObs.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
}"""

#: After a key press: wait until the map has drawn the new period's data (its data version,
#: computed in this process, and its hexagon count) with Streamlit idle, stable for stableMs;
#: or, if a script run ends with the period slider not on the target (the press was
#: discarded), return that ("lost") once it has stayed so for stableMs.
WAIT_REDRAWN = """async ({expected, version, target, stableMs, pollMs, timeoutMs, frameSel}) => {
  const now = () => performance.timeOrigin + performance.now();
  const app = document.querySelector('[data-testid="stApp"]');
  const period = () => [...document.querySelectorAll('input[type=range]')].slice(0, 2)
                         .map(e => e.getAttribute('aria-valuetext'));
  const ran = () => window.__chg.states.some(s => s[1] === 'running' || s[2] === 'running');
  const fresh = () => {
    if (app.dataset.testScriptState !== 'notRunning') return null;
    for (const f of document.querySelectorAll(frameSel)) {
      let doc; try { doc = f.contentDocument; } catch (e) { continue; }
      if (!doc || !doc.body || doc.body.getAttribute('data-version') !== version) continue;
      if (doc.querySelectorAll('path.leaflet-interactive').length === expected) return f;
    }
    return null;
  };
  const frameInfo = f => {
    const w = f.contentWindow, b = w.__bench, o = w.performance.timeOrigin;
    return {newFrame: !f.__old, frameOrigin: o, probe: b ? {renders: b.renders, drawn: b.drawn} : null};
  };
  const t0 = now();
  let first = null, lost = null;
  while (now() - t0 < timeoutMs) {
    const p = period(), onTarget = p[0] === target[0] && p[1] === target[1];
    const f = onTarget ? fresh() : null;
    if (f && first && f === first.frame) {
      if (now() - first.t >= stableMs)
        return {done: first.t, key: window.__chg.key, states: window.__chg.states, lost: false,
                period: p, iframes: document.querySelectorAll('iframe').length, ...frameInfo(f)};
    } else {
      first = f ? {t: now(), frame: f} : null;
    }
    if (!onTarget && ran() && app.dataset.testScriptState === 'notRunning') {
      lost = lost ?? now();
      if (now() - lost >= stableMs) {
        const mf = document.querySelector(frameSel);
        return {done: lost, key: window.__chg.key, states: window.__chg.states, lost: true, period: p,
                iframes: document.querySelectorAll('iframe').length, ...(mf ? frameInfo(mf) : {})};
      }
    } else {
      lost = null;
    }
    await new Promise(r => setTimeout(r, pollMs));
  }
  const seen = [...document.querySelectorAll(frameSel)].map(f => {
    try { const d = f.contentDocument;
          return [d.body.getAttribute('data-version'), d.querySelectorAll('path.leaflet-interactive').length]; }
    catch (e) { return null; } });
  return {timeout: true, state: app.dataset.testScriptState, seen, expected, version, period: period()};
}"""

#: Hexagon paths Leaflet drew with no area (a hexagon smaller than a pixel at the map's zoom).
ZERO_AREA = """sel => {
  const doc = document.querySelector(sel).contentDocument;
  let zero = 0;
  for (const p of doc.querySelectorAll('path.leaflet-interactive')) {
    const b = p.getBBox();
    if (b.width * b.height === 0) zero += 1;
  }
  return zero;
}"""

#: Resolve once the script state has been notRunning for settleMs.
SETTLE = """async ({settleMs, pollMs}) => {
  const app = document.querySelector('[data-testid="stApp"]');
  let since = null;
  for (;;) {
    const idle = app.dataset.testScriptState === 'notRunning';
    since = idle ? (since ?? performance.now()) : null;
    if (since !== null && performance.now() - since >= settleMs) return;
    await new Promise(r => setTimeout(r, pollMs));
  }
}"""


class Wire:
    """Streamlit's websocket frames with Chrome's timestamps (ms since the epoch), decoded."""

    def __init__(self, cdp):
        self.offset_s: float | None = None
        self.frames: list[tuple[float, str, int, str]] = []
        for ev in ("Network.webSocketWillSendHandshakeRequest", "Network.requestWillBeSent"):
            cdp.on(ev, self._calibrate)
        cdp.on("Network.webSocketFrameReceived", lambda e: self._frame(e, "in"))
        cdp.on("Network.webSocketFrameSent", lambda e: self._frame(e, "out"))

    def _calibrate(self, e):
        if "wallTime" in e:
            self.offset_s = e["wallTime"] - e["timestamp"]

    def _frame(self, e, direction):
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        r = e["response"]
        raw = base64.b64decode(r["payloadData"]) if r.get("opcode") == 2 else r["payloadData"].encode()
        kind = "?"
        try:
            if direction == "in":
                msg = ForwardMsg.FromString(raw)
                kind = msg.WhichOneof("type") or "?"
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    kind = "element:" + (msg.delta.new_element.WhichOneof("type") or "?")
                elif kind == "delta":
                    kind = "delta:" + (msg.delta.WhichOneof("type") or "?")
            else:
                kind = BackMsg.FromString(raw).WhichOneof("type") or "?"
        except Exception:  # a frame that is not one of Streamlit's messages
            pass
        self.frames.append(((e["timestamp"] + (self.offset_s or 0.0)) * 1000.0, direction, len(raw), kind))

    def between(self, t0: float, t1: float):
        return [f for f in self.frames if t0 <= f[0] <= t1]


def perf_metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def profile_groups(profile: dict) -> dict[str, float]:
    """Self time (ms) of a DevTools CPU profile, grouped by the script it ran in."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    out: dict[str, float] = {}
    for sample, dt in zip(profile.get("samples", []), profile.get("timeDeltas", [])):
        cf = nodes[sample]["callFrame"]
        url, fn = cf.get("url", ""), cf.get("functionName", "")
        if fn in ("(idle)", "(program)", "(garbage collector)", "(root)"):
            group = {"(idle)": "idle", "(program)": "native (style, layout, paint, parse)",
                     "(garbage collector)": "garbage collection", "(root)": "native (style, layout, paint, parse)"}[fn]
        elif "leaflet" in url.lower() or "fullscreen" in url.lower():
            group = "Leaflet"
        elif "h3-js" in url:
            group = "h3-js (hexagon outlines)"
        elif "/component/" in url:
            group = "the map component (main.js)"
        elif "/static/js/" in url:
            group = "Streamlit front end"
        else:
            group = "other: " + url.rsplit("/", 1)[-1][:40]
        out[group] = out.get(group, 0.0) + dt / 1000.0
    return out


def caption_mb(page) -> float | None:
    m = re.search(r"Map data sent to the browser: (?:about )?([\d.]+) MB", page.inner_text("body"))
    return float(m.group(1)) if m else None


def browse(browser, url: str, res: int, plan: list[dict], first_expected: int, first_version: str,
           instrument: bool) -> dict:
    """Open the map at res, then make each planned change; a discarded press is recorded and repeated.

    ``instrument=False``: the browser as a user has it (no DevTools domain on); the redraw
    statistics come from this pass. ``instrument=True``: websocket frames (DevTools
    ``Network``, every frame's payload copied to this process and decoded), renderer metrics
    and the profiler, for the breakdown of where the time goes; they cost time of their own
    on a 2-core machine, so this pass's totals are reported apart.
    """
    from tests.e2e.conftest import LOCAL, hexagon_paths, wait_for_app

    ctx = browser.new_context(viewport={"width": 1400, "height": 900})  # as the e2e `page` fixture
    outside: list[str] = []
    ctx.on("requestfailed", lambda r: outside.append(r.url) if not r.url.startswith(LOCAL) else None)
    ctx.add_init_script(FRAME_PROBE)
    page = ctx.new_page()
    cdp = wire = None
    if instrument:
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Performance.enable")
        wire = Wire(cdp)
    q = urllib.parse.urlencode({"from": YEAR[0], "to": YEAR[1], "res": res, "map": OFFLINE},
                               quote_via=urllib.parse.quote)
    t0 = time.perf_counter()
    page.goto(f"{url}/?{q}")
    # not tests.e2e.conftest.wait_for_map: it waits for the first path to be *visible*, and at
    # res 10 Leaflet draws many hexagons as zero-area paths at the county zoom (counted below)
    wait_for_app(page, TIMEOUT_MS)
    page.wait_for_function(
        """([sel, n, v]) => [...document.querySelectorAll(sel)].some(f => {
             try { const d = f.contentDocument;
                   return d.body.getAttribute('data-version') === v
                       && d.querySelectorAll('path.leaflet-interactive').length === n; }
             catch (e) { return false; } })""", arg=[MAP_FRAME, first_expected, first_version],
        timeout=TIMEOUT_MS, polling=50)
    out = {"first_load_s": time.perf_counter() - t0, "drawn": hexagon_paths(page), "caption_mb": caption_mb(page),
           "zero_area": page.evaluate(ZERO_AREA, MAP_FRAME), "changes": [], "lost": [], "profile": None,
           "outside": outside}
    for step in plan:
        for _ in range(MAX_PRESSES):
            r = press(page, cdp, wire, step)
            if r.get("timeout"):
                raise SystemExit(f"res {res}, {step['label']}: neither a redraw nor a finished run in "
                                 f"{TIMEOUT_MS / 1000:.0f} s (state {r['state']}, slider {r['period']}, "
                                 f"map iframes (data version, paths) {r['seen']}, expected "
                                 f"({r['version']}, {r['expected']}))")
            if r["lost"]:
                out["lost"].append(r)
                continue
            if step.get("profiled"):
                if instrument:
                    out["profile"] = r
            else:
                out["changes"].append(r)
            break
        else:
            raise SystemExit(f"res {res}, {step['label']}: {MAX_PRESSES} presses of {step['keyname']} did not "
                             f"change the period to {step['period']}")
    out["calibrated"] = wire is not None and wire.offset_s is not None
    ctx.close()
    return out


def press(page, cdp, wire: Wire, step: dict) -> dict:
    """Press the step's key once on its slider thumb; what happened, with timestamps (ms since the epoch)."""
    from pages._ui.db import store_version

    page.evaluate(SETTLE, {"settleMs": SETTLE_MS, "pollMs": POLL_MS})
    version = store_version()  # the app's own cache-key part (HOTSPOTS_DB is set in this process too)
    page.evaluate(ARM)
    page.get_by_role("slider").nth(step["thumb"]).focus()
    m0 = perf_metrics(cdp) if cdp else {}
    if cdp and step.get("profiled"):
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 500})
        cdp.send("Profiler.start")
    page.keyboard.press(step["keyname"])
    r = page.evaluate(WAIT_REDRAWN, {"expected": step["expected"], "version": step["version"],
                                     "target": list(step["period"]), "stableMs": STABLE_MS, "pollMs": POLL_MS,
                                     "timeoutMs": TIMEOUT_MS, "frameSel": MAP_FRAME})
    if cdp and step.get("profiled"):
        r["profile"] = profile_groups(cdp.send("Profiler.stop")["profile"])
        cdp.send("Profiler.disable")
    if r.get("timeout"):
        return r
    m1 = perf_metrics(cdp) if cdp else {}
    r["metrics"] = {k: m1.get(k, 0) - m0.get(k, 0) for k in
                    ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")}
    r["wire"] = wire.between(r["key"] - 50, r["done"] + STABLE_MS) if wire else []
    r["period_seen"] = tuple(r.pop("period"))
    r["store_version_changed"] = store_version() != version
    r.update(step)
    return r


#: Phases of a press, in order, with their column headings (ms).
PHASES = {
    "key -> rerun request sent": "key>sent",
    "request sent -> last message before the map": "srv>pre",
    "last message before the map -> map message": "pre>map",
    "map message -> render args in the map iframe": "map>args",
    "render args -> new data drawn and painted": "args>drw",
    "drawn -> seen complete": "drw>seen",
    "map message -> script_finished received": "map>fin",
}


def phases(r: dict) -> dict:
    """Milliseconds of each phase of one press, from the recorded timestamps (None: not seen)."""
    key, done = r["key"], r["done"]
    wire = r["wire"]
    sent = next((t for t, d, _, k in wire if d == "out" and k == "rerun_script" and t >= key - 5), None)
    inbound = [(t, n, k) for t, d, n, k in wire if d == "in" and sent is not None and t >= sent]
    mapmsgs = [f for f in inbound if f[2] in ("element:component_instance", "ref_hash")]
    big = mapmsgs[0] if mapmsgs else (max(inbound, key=lambda f: f[1]) if inbound else None)
    big_t = big[0] if big else None
    pre = [t for t, n, k in inbound if big_t is not None and t < big_t]
    pre_t = pre[-1] if pre else None
    finished = next((t for t, n, k in inbound if k == "script_finished"), None)
    probe = r.get("probe") or {}
    renders = [t for t in probe.get("renders", []) if big_t is not None and t >= big_t]
    args_t = renders[0] if renders else None
    drawn = next((t for t, v in probe.get("drawn", []) if v == r.get("version") and t >= key), None)
    drawn = None if r["lost"] else drawn

    def gap(a, b):
        return b - a if a is not None and b is not None else None

    return {"total": done - key,
            "key -> rerun request sent": gap(key, sent),
            "request sent -> last message before the map": gap(sent, pre_t),
            "last message before the map -> map message": gap(pre_t, big_t),
            "map message -> render args in the map iframe": gap(big_t, args_t),
            "render args -> new data drawn and painted": gap(args_t, drawn),
            "drawn -> seen complete": gap(drawn, done),
            "map message -> script_finished received": gap(big_t, finished),
            "map message MB": big[1] / 1e6 if big else None,
            "map message kind": big[2] if big else None,
            "new iframe": bool(r.get("newFrame"))}


# -- main ------------------------------------------------------------------------------------------
def make_plan(changes: int) -> list[dict]:
    """The presses to make, with the period each should give and whether the app has computed it before."""
    alt = [dict(keyname="ArrowRight", thumb=0, period=("2021-02", YEAR[1])),
           dict(keyname="ArrowLeft", thumb=0, period=YEAR)]
    plan = [dict(alt[i % 2], label=f"change {i + 1}") for i in range(changes)]
    start = plan[-1]["period"] if plan else YEAR
    new = [(start[0], "2021-11"), (start[0], "2021-10")]
    plan += [dict(keyname="ArrowLeft", thumb=1, period=p, label=f"new period {i + 1}") for i, p in enumerate(new)]
    # one more change under the JS profiler (not in the statistics): the last thumb back one month
    plan.append(dict(keyname="ArrowRight", thumb=1, period=new[0], label="back one month", profiled=True))
    seen = {YEAR}
    for step in plan:
        step["cached"] = step["period"] in seen
        seen.add(step["period"])
    return plan


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--changes", type=int, default=6, help="alternating ArrowRight/ArrowLeft changes (default 6)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each in-process timing, median (default 3)")
    ap.add_argument("--res", type=int, nargs="+", default=[9, 10], help="H3 resolutions (default 9 10)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (store, Streamlit's log)")
    a = ap.parse_args(argv)

    files = sorted(STREET_DIR.glob("2021-*.csv")) if STREET_DIR.exists() else []
    if len(files) != 12 or not DISTRICTS.exists():
        print(f"bench/dashboard.py needs the real data in {DATA}: the 12 police.uk street files "
              f"{STREET_DIR}/2021-*.csv (found {len(files)}) and {DISTRICTS} "
              f"({'found' if DISTRICTS.exists() else 'missing'}). CI has them; locally, put the shared data "
              "folder next to the repository.", file=sys.stderr)
        return 2
    from tests.e2e.conftest import CHROMIUM
    from tests.e2e.conftest import CHROMIUM_ARGS as E2E_CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        print(f"bench/dashboard.py needs Debian's chromium at {CHROMIUM} (apt-get install chromium).",
              file=sys.stderr)
        return 2

    quiet_streamlit()
    from importlib.metadata import version

    import folium
    import streamlit

    print(f"Python {platform.python_version()}  streamlit {streamlit.__version__}  folium {folium.__version__}  "
          f"playwright {version('playwright')}  "
          f"Chromium {CHROMIUM}  cores {os.cpu_count()}  load {loadavg()}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        db = tmp / "dashboard.duckdb"
        os.environ["HOTSPOTS_DB"] = str(db)  # pages/_ui/ in this process reads the same store
        os.environ["HOTSPOTS_SAMPLE_DIR"] = str(tmp / "sample")
        info = load_store(db)
        print(f"store: {info['files']} files, {info['rows']:,} incidents, {info['districts']} districts "
              f"({info['s']:.1f} s)", flush=True)
        plan = make_plan(a.changes)
        periods = sorted({YEAR} | {s["period"] for s in plan})
        server = {}
        for res in a.res:
            server[res] = server_side(db, res, periods, a.runs)
            print(f"res {res}: server side measured (load {loadavg()})", flush=True)

        from playwright.sync_api import sync_playwright

        results, traced = {}, {}
        # the store is closed here: the app opens its own short-lived connections
        with streamlit_app(db, tmp) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=E2E_CHROMIUM_ARGS)
            try:
                for res in a.res:
                    sv = server[res]
                    steps = [dict(s, expected=sv["expected"][s["period"]], version=sv["version"][s["period"]])
                             for s in plan]
                    results[res] = browse(browser, url, res, steps, sv["expected"][YEAR], sv["version"][YEAR],
                                          instrument=False)
                    print(f"res {res}: browser measured (load {loadavg()})", flush=True)
                    traced[res] = browse(browser, url, res, [dict(s, cached=True) for s in steps], sv["expected"][YEAR],
                                         sv["version"][YEAR], instrument=True)
                    print(f"res {res}: browser measured again, instrumented (load {loadavg()})", flush=True)
            finally:
                browser.close()
        report(a, server, results, traced)
    finally:
        if a.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def fmt(x, spec=".2f", none="–"):
    return none if x is None else format(x, spec)


def seconds(presses) -> list[float]:
    return [(c["done"] - c["key"]) / 1000 for c in presses]


def report(a, server: dict, results: dict, traced: dict) -> None:
    print()
    print("| res | hexagons drawn (with incidents) | MB per change, ours (caption) | MB once: component files "
          "| MB per change, folium map before | MB, naive | redraw median s | redraw max s | server s (detect + map) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for res, r in results.items():
        sv = server[res]
        t = seconds(r["changes"])
        ours_mb, naive_mb, folium_mb = sv["ours_bytes"] / 1e6, sv["naive_bytes"] / 1e6, sv["folium_bytes"] / 1e6
        files_mb = sum(sv["files_bytes"].values()) / 1e6
        print(f"| {res} | {r['drawn']:,} ({sv['hexagons'][YEAR]:,}) | {ours_mb:.2f} ({fmt(r['caption_mb'], '.1f')}) "
              f"| {files_mb:.2f} | {folium_mb:.2f} | {naive_mb:.2f} | {median(t):.2f} | {max(t):.2f} "
              f"| {sv['server_s']:.3f} |")
    print(f"(redraw: {len(next(iter(results.values()))['changes'])} period changes per resolution, from the keydown "
          f"to the map marking the new period's data drawn and painted, with the script finished, in a browser with "
          f"no DevTools domain on; server: in this process, median of {a.runs}, period 2021-02..2021-12)")
    files = next(iter(server.values()))["files_bytes"]
    print("component files, fetched once when the map opens (kB): "
          + ", ".join(f"{k} {v / 1e3:.0f}" for k, v in files.items()))

    print()
    print("Per press (ms): " + "; ".join(f"{h} = {k}" for k, h in PHASES.items())
          + ". msg MB: the map message ('ref': sent as a reference to a copy the browser has); iframe: a new "
          "map iframe or the same; task/script/layout/style: the renderer's main-thread time over the press "
          "(DevTools Performance.getMetrics). 'before': the period was shown earlier in the session.")
    for res, r in results.items():
        sv = server[res]
        print()
        print(f"res {res}: first load {r['first_load_s']:.2f} s; {r['drawn']:,} paths drawn "
              f"(map_layers keeps {sv['expected'][YEAR]:,}), {r['zero_area']:,} of them with zero area at the "
              f"opening zoom; requests leaving the machine: {len(r['outside'])}")
        per_run = sv["ensure_s"] + sv["cache_hit_s"] + sv["map_s"]
        print(f"  server, in this process (median of {a.runs}, period 2021-02..2021-12; the app does each "
              f"row on every run, the cached ones unless the cache hits):")
        miss = sv["ensure_s"] + sv["summary_s"] + sv["boundaries_s"] + sv["detect_s"]
        for k, v in [("ensure_data: Store(path) opened with create=True", sv["ensure_s"]),
                     ("store_summary, not cached", sv["summary_s"]),
                     ("boundaries GeoJSON, not cached", sv["boundaries_s"]),
                     ("detect (count), not cached", sv["detect_s"]), ("detection, st.cache_data hit", sv["cache_hit_s"]),
                     *sv["steps"].items()]:
            print(f"    {k:<50} {v:>7.3f} s")
        print(f"    {'= a run if the caches hit':<50} {per_run:>7.3f} s, of which the map's data: "
              f"{sv['map_s']:.3f} s ({100 * sv['map_s'] / per_run:.0f}%)")
        print(f"    {'= a run if every cache misses':<50} {miss + sv['map_s']:>7.3f} s")
        print(f"    ensure_data's Store(path) changes the store's modification time, part of every cache key: "
              f"{'YES: every st.cache_data entry misses on every run' if sv['mtime_changes'] else 'no'}")
        print(f"  build + render the year's folium map (before): {sv['folium_build_render_s']:.2f} s; "
              f"naive: {sv['naive_build_render_s']:.2f} s")
        print("  the timed presses (no DevTools domain on):")
        for c in sorted(r["changes"] + r["lost"], key=lambda c: c["key"]):
            label = "DISCARDED press" if c["lost"] else c["label"]
            shown = c["period_seen"]
            print(f"    {label:<24} {c['keyname']:<10} {shown[0] + '..' + shown[1]:<17} "
                  f"before: {'yes' if c['cached'] or c['lost'] else 'no':<4} {(c['done'] - c['key']) / 1000:>6.2f} s  "
                  f"{'new iframe' if c.get('newFrame') else 'same iframe'}")
        cached = seconds(c for c in r["changes"] if c["cached"])
        cold = seconds(c for c in r["changes"] if not c["cached"])
        print(f"  redraw median: period shown before {median(cached):.2f} s (n={len(cached)}), "
              f"period asked for the first time {median(cold):.2f} s (n={len(cold)})")
        r = traced[res]
        print(f"  the same presses again, instrumented (every period now cached; the DevTools network capture "
              f"copies each websocket frame to this process): redraw median {median(seconds(r['changes'])):.2f} s")
        print(f"  {'press':<24} {'key':<10} {'period after':<17} {'before':<6} {'total s':>7} "
              + " ".join(f"{h:>8}" for h in PHASES.values())
              + f" {'msg MB':>6} {'iframe':>6} {'task ms':>7} {'script':>6} {'layout':>6} {'style':>6}")
        presses = sorted(r["changes"] + r["lost"] + ([r["profile"]] if r["profile"] else []), key=lambda c: c["key"])
        for c in presses:
            ph = phases(c)
            label = ("DISCARDED press" if c["lost"] else c["label"]) + (" (prof.)" if c.get("profiled") else "")
            shown = c["period_seen"]
            mb = "ref" if ph["map message kind"] == "ref_hash" else fmt(ph["map message MB"], ".2f")
            m = c["metrics"]
            print(f"  {label:<24} {c['keyname']:<10} {shown[0] + '..' + shown[1]:<17} "
                  f"{'yes' if c['cached'] or c['lost'] else 'no':<6} {ph['total'] / 1000:>7.2f} "
                  + " ".join(f"{fmt(ph[k], '.0f'):>8}" for k in PHASES)
                  + f" {mb:>6} {'new' if ph['new iframe'] else 'same':>6} {m['TaskDuration'] * 1000:>7.0f} "
                  f"{m['ScriptDuration'] * 1000:>6.0f} {m['LayoutDuration'] * 1000:>6.0f} "
                  f"{m['RecalcStyleDuration'] * 1000:>6.0f}")
        meds = {k: median([v for v in (phases(c)[k] for c in r["changes"]) if v is not None]) for k in PHASES}
        print("  medians of the timed changes (ms): " + ", ".join(f"{PHASES[k]} {v:.0f}" for k, v in meds.items()))
        presses_all = presses + results[res]["changes"] + results[res]["lost"]
        changed = sum(c["store_version_changed"] for c in presses_all)
        print(f"  the store's modification time changed during {changed} of {len(presses_all)} presses "
              f"(so the app's caches missed)")
        if r["lost"]:
            n = len(r["lost"]) + len(r["changes"]) + (1 if r["profile"] else 0)
            refs = sum(phases(c)["map message kind"] == "ref_hash" for c in r["lost"])
            print(f"  DISCARDED presses: {len(r['lost'])} of {n}. The slider snapped back and the period did not "
                  f"change, but the whole script ran: key -> run finished, median {median(seconds(r['lost'])):.2f} s; "
                  f"the map went out as a reference to the copy already sent (ref_hash) in {refs} of {len(r['lost'])}.")
        if r["profile"]:
            groups = r["profile"]["profile"]
            busy = sum(v for k, v in groups.items() if k != "idle")
            print(f"  profiled change ({r['profile']['label']}, {seconds([r['profile']])[0]:.2f} s with the profiler "
                  f"on): renderer main-thread self time by script, {busy:.0f} ms busy, "
                  f"{groups.get('idle', 0):.0f} ms idle:")
            for k, v in sorted(groups.items(), key=lambda kv: -kv[1]):
                if k != "idle" and v >= 1:
                    print(f"    {k:<42} {v:>7.0f} ms  {100 * v / busy:>4.0f}%")
        if not r.get("calibrated"):
            print("  (websocket timestamps were not calibrated: the srv>map and map>* phases are not comparable)")

    print()
    if GOAL_RES in results:
        t = seconds(results[GOAL_RES]["changes"])
        mb = server[GOAL_RES]["ours_bytes"] / 1e6
        print(f"Goal: redraw < {GOAL_REDRAW_S:g} s at res {GOAL_RES}: "
              f"{'met' if median(t) < GOAL_REDRAW_S else 'NOT met'} (median {median(t):.2f} s, max {max(t):.2f} s; "
              f"{sum(x < GOAL_REDRAW_S for x in t)} of {len(t)} changes under {GOAL_REDRAW_S:g} s)")
        first = mb + sum(server[GOAL_RES]["files_bytes"].values()) / 1e6
        print(f"Goal: payload < {GOAL_PAYLOAD_MB:g} MB at res {GOAL_RES}: "
              f"{'met' if first < GOAL_PAYLOAD_MB else 'NOT met'} ({mb:.2f} MB per change; {first:.2f} MB on the "
              f"first opening, the component's files included)")
    print(f"load average at the end: {loadavg()}")


if __name__ == "__main__":
    sys.exit(main())
