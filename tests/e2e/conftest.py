"""A real `streamlit run app.py` on a free port, and headless Debian Chromium driven by Playwright.

Every request the page makes is routed through `guard`: anything not addressed to this
machine is aborted and recorded, so a test can prove that nothing leaves it.
Screenshots go to test-artifacts/ (not committed).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: A location text that would run script if any page put it into HTML unescaped.
XSS_LOCATION = "<img src=x onerror=alert(1)>"
LOCAL = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:", "blob:")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium; .ci/run installs it when CI=true)")
    pytest.importorskip("playwright")
    from geo.ingest.sample import ingest_sample
    from geo.sample import write_sample
    from geo.store import Store

    from geo.ingest.police import ingest_police
    from tests.conftest import street_csv, street_row

    root = tmp_path_factory.mktemp("e2e")
    write_sample(root / "sample", months=3)
    db = root / "e2e.duckdb"
    hostile = root / "hostile-street.csv"
    month = sorted(p.name for p in (root / "sample" / "police").iterdir())[-1]
    hostile.write_text(street_csv([
        street_row(crime_id=f"x{i}", month=month, lon=f"{-0.3962 + (i % 3) * 0.0003:.6f}", lat="51.656200",
                   location=XSS_LOCATION, crime_type="Robbery", force="XSS test force (SYNTHETIC)")
        for i in range(60)]))
    with Store(db) as s:
        ingest_sample(root / "sample", s)
        ingest_police([hostile], s)
    env = dict(os.environ, HOTSPOTS_DB=str(db), HOTSPOTS_SAMPLE_DIR=str(root / "sample"))
    with _served(env, root / "streamlit.log", db) as app:
        yield app


@pytest.fixture(scope="session")
def real_app_url(real_db, tmp_path_factory):
    """The app on the real Hertfordshire 2021 store (tests/real.py), with an empty sample folder so the
    synthetic sample is never written beside the real data."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium; .ci/run installs it when CI=true)")
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("e2e-real")
    (root / "no-sample").mkdir()
    env = dict(os.environ, HOTSPOTS_DB=str(real_db), HOTSPOTS_SAMPLE_DIR=str(root / "no-sample"))
    with _served(env, root / "streamlit.log", real_db) as app:
        yield app


@contextmanager
def _served(env: dict, log: Path, db):
    """The app served for a session fixture: ``{"url", "db"}``; the tests fail, with the log's tail, if it
    does not start."""
    try:
        with serve_app(env, log) as url:
            yield {"url": url, "db": str(db)}
    except AppDidNotStart as err:
        pytest.fail(str(err))


class AppDidNotStart(RuntimeError):
    """streamlit exited or did not answer its health check in time."""


@contextmanager
def serve_app(env: dict, log_path: Path, timeout_s: float = 60, *, script: str = "app.py", cwd: Path = ROOT):
    """``streamlit run app.py`` (or ``script`` in ``cwd``) on a free loopback port; yields its URL, stops it after.

    Used by the browser tests and by bench/dashboard.py and bench/dashboard_folium.py, so all run Streamlit the
    same way.
    """
    port = _free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AppDidNotStart(f"streamlit run {script} did not start; its log:\n"
                                         + Path(log_path).read_text(errors="replace"))
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


#: Chromium as the browser tests (and bench/dashboard.py) run it. Every non-loopback request
#: goes to a proxy on a closed local port: nothing can leave the machine, whichever frame
#: asks (Playwright's request events miss some iframes).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=localhost;127.0.0.1"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.outside_requests = []
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    ctx.on("requestfailed", lambda r: pg.outside_requests.append(r.url)
           if not r.url.startswith(LOCAL) else None)

    def guard(route):
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            pg.outside_requests.append(url)
            route.abort()

    # on the context, not the page: component iframes (the map) make their own requests
    ctx.route("**/*", guard)
    yield pg
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    ctx.close()


def wait_for_app(pg, timeout_ms: int = 60_000) -> None:
    """Wait for Streamlit's own 'script finished' state: no running indicator, app rendered."""
    pg.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    # data-test-script-state goes initial -> running -> notRunning; the main block then has content
    pg.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            // notRunning is also the state before the first run starts: require rendered
            // elements and no skeleton placeholders left
            return app && app.dataset.testConnectionState === 'CONNECTED'
                && app.dataset.testScriptState === 'notRunning'
                && document.querySelectorAll('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]').length > 0
                && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
        }""", timeout=timeout_ms)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def frame_resources(pg) -> list[str]:
    """Every resource URL each component iframe loaded (its own Performance API)."""
    return pg.evaluate("""() => [...document.querySelectorAll('iframe')].flatMap(f => {
        try { return f.contentWindow.performance.getEntriesByType('resource').map(e => e.name); }
        catch (e) { return ['<cross-origin frame>']; } })""")


#: The map: the app's own component (pages/_ui/hexmap.py), one iframe kept across reruns.
MAP_FRAME = "iframe[data-testid=stCustomComponentV1]"


def hexagon_paths(pg) -> int:
    """Hexagons (and cluster outlines) drawn by Leaflet in the map iframe: its clickable SVG paths
    (outlines of areas and of the selected hexagon are not clickable, so not counted)."""
    return pg.frame_locator(MAP_FRAME).first.locator("path.leaflet-interactive").count()


def drawn_cells(pg) -> list[str]:
    """The H3 cell of every hexagon path in the map (each path carries its cell id)."""
    return pg.frame_locator(MAP_FRAME).first.locator("path.leaflet-interactive[data-cell]").evaluate_all(
        "ps => ps.map(p => p.getAttribute('data-cell'))")


def map_state(pg) -> dict | None:
    """What the map says it has drawn: the data version (body[data-version], set once a data set
    is drawn and painted), how many draws, hexagons and clickable paths; Streamlit's script state."""
    return pg.evaluate("""sel => {
        const f = document.querySelector(sel), app = document.querySelector('[data-testid="stApp"]');
        const d = f && f.contentDocument;
        if (!d || !d.body) return null;
        return {version: d.body.dataset.version || null, draws: +(d.body.dataset.draws || 0),
                cells: +(d.body.dataset.cells || 0),
                paths: d.querySelectorAll('path.leaflet-interactive').length,
                script: app ? app.dataset.testScriptState : null};
    }""", MAP_FRAME)


def wait_for_map(pg, timeout_ms: int = 90_000, visible: bool = True) -> None:
    """The app has finished, the map has drawn its data, and nothing has changed since.

    "Nothing changed": Streamlit idle, and the map's draw count, data version, path count and the
    first hexagon's position (fit-to-bounds) the same over three polls 250 ms apart. A test that
    starts a rerun first waits for a sign of the new run (a new number on the page), since
    the app is idle both before and after. ``visible=False`` for layers that may be sub-pixel at
    the opening zoom (small clusters).
    """
    import time

    wait_for_app(pg, timeout_ms)
    frame = pg.frame_locator(MAP_FRAME).first
    frame.locator("body[data-version]").wait_for(state="attached", timeout=timeout_ms)
    first = frame.locator("path.leaflet-interactive").first
    if visible:
        first.wait_for(timeout=timeout_ms, state="visible")
    last, stable, deadline = None, 0, time.monotonic() + timeout_ms / 1000
    while stable < 3 and time.monotonic() < deadline:
        st = map_state(pg)
        now = (st, first.bounding_box() if st and st["paths"] else None)
        stable = stable + 1 if now == last and st and st["script"] == "notRunning" else 0
        last = now
        time.sleep(0.25)
