"""The Police and A&E page in Chromium: the bivariate hexagons are drawn, nothing leaves the machine.

Its own app on the 3-month synthetic sample with A&E assaults (tests/app/test_overlay_page.build_store).
The screenshot is test-artifacts/overlay.png.
"""

import os

import pytest

from geo.query import Selection
from geo.store import Store
from hotspots.tasks.overlay import overlay
from tests.e2e.conftest import ARTIFACTS, MAP_FRAME, AppDidNotStart, serve_app, wait_for_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def overlay_app(tmp_path_factory, browser):
    from tests.app.test_overlay_page import build_store

    root = tmp_path_factory.mktemp("e2e_overlay")
    db = build_store(root, with_ae=True)
    env = dict(os.environ, HOTSPOTS_DB=db, HOTSPOTS_SAMPLE_DIR=str(root / "sample"))
    try:
        with serve_app(env, root / "streamlit.log") as url:
            yield {"url": url, "db": db}
    except AppDidNotStart as err:
        pytest.fail(str(err))


def test_overlay_page_draws_the_bivariate_map_offline(overlay_app, page):
    with Store(overlay_app["db"], read_only=True) as s:
        months = [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                              "WHERE source = 'police' ORDER BY 1").fetchall()]
        pub = overlay(s, Selection(months[0], months[-1]), res=9)
    page.goto(overlay_app["url"] + f"/overlay?map=Offline+%28boundaries+only%29&from={months[0]}&to={months[-1]}")
    wait_for_app(page, 120_000)
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=90_000)
    frame.locator(".hotspots-legend").wait_for(timeout=30_000)
    # one path per hexagon with police violence or A&E assaults
    assert frame.locator("path.leaflet-interactive").count() == len(pub.cells)
    legend = frame.locator(".hotspots-legend").inner_text()
    for cls in ("Both high", "Police only", "A&E only", "Low"):
        assert cls in legend
    assert "not shown" in legend
    # the four class colours are what is filled
    fills = set(frame.locator("path.leaflet-interactive").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))
    assert fills <= {"#574249", "#64acbe", "#c85a5a", "#e8e8e8"} and len(fills) >= 2
    body = page.inner_text("body")
    total = pub.totals["ae_assaults"]
    assert f"{total:,} assaults" in body and "1 to 7" in body
    assert "Violence unknown to police" in body and "SYNTHETIC DATA" in body
    # the whole page in one picture: Streamlit scrolls inside its own container, so make the window tall
    page.set_viewport_size({"width": 1400, "height": 3000})
    wait_for_app(page, 60_000)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # let Leaflet and Vega paint before the picture (not an assertion)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overlay.png"), full_page=True)
    assert page.outside_requests == [], page.outside_requests
    assert page.dialogs == []
