"""A real `streamlit run app.py` on a free port, and headless Debian Chromium driven by Playwright.

Every request the page makes is routed through `guard`: anything not addressed to this
machine is aborted and recorded, so a test can prove that nothing leaves it.
Screenshots go to test-artifacts/ (not committed).
"""

from __future__ import annotations

import os
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
    from geo.ingest import ingest_sample
    from geo.sample import write_sample
    from geo.store import Store

    root = tmp_path_factory.mktemp("e2e")
    write_sample(root / "sample", months=3)
    db = root / "e2e.duckdb"
    with Store(db) as s:
        ingest_sample(root / "sample", s)
    port = _free_port()
    env = dict(os.environ, HOTSPOTS_DB=str(db), HOTSPOTS_SAMPLE_DIR=str(root / "sample"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            proc.kill()
            pytest.fail(f"streamlit did not start:\n{out}")
        time.sleep(0.3)
    yield {"url": url, "db": str(db)}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.outside_requests = []

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
            return app && app.dataset.testConnectionState === 'CONNECTED'
                && app.dataset.testScriptState === 'notRunning'
                && document.querySelectorAll('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]').length > 0;
        }""", timeout=timeout_ms)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
