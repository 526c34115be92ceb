"""The Mobile CCTV page in Chromium, offline: coverage circles drawn, hostile location text shown as text,
nothing leaving the machine; a screenshot as the artifact."""

import pytest

from tests.e2e.conftest import ARTIFACTS, LOCAL, MAP_FRAME, XSS_LOCATION, frame_resources, wait_for_map

pytestmark = pytest.mark.e2e
QUERY = "map=Offline+%28boundaries+only%29&area=district%3A+Watford&types=Robbery"
#: The page's map is the app's own map component (pages/_ui/hexmap.py); the camera sites are GeoJSON overlay
#: circles (paths without a data-cell, unlike the hexagons), each with a numbered mark drawn as text by main.js.
MARKS = ".hotspots-mark-inner"
CIRCLES = "path.leaflet-interactive:not([data-cell])"


def wait_for_cctv_map(pg, timeout_ms: int = 180_000):
    """Streamlit idle, the map drawn, and its paths and numbered sites the same over three polls."""
    import time

    wait_for_map(pg, timeout_ms)
    frame = pg.frame_locator(MAP_FRAME).first
    frame.locator(MARKS).first.wait_for(timeout=timeout_ms)
    last, stable, deadline = None, 0, time.monotonic() + timeout_ms / 1000
    while stable < 3 and time.monotonic() < deadline:
        now = (frame.locator("path.leaflet-interactive").count(), frame.locator(MARKS).count(),
               frame.locator("path.leaflet-interactive").first.bounding_box())
        stable = stable + 1 if now == last else 0
        last = now
        time.sleep(0.25)
    return frame


def site_tooltip(frame, rank: int) -> str:
    """Hover each camera circle (by event: the legend may cover a site at the opening zoom) until the tooltip
    of site ``rank`` shows; return its text."""
    circles = frame.locator(CIRCLES)
    for i in range(circles.count()):
        circles.nth(i).dispatch_event("mouseover")
        tip = frame.locator(".leaflet-tooltip").last
        tip.wait_for()
        text = tip.inner_text()
        if text.startswith(f"Site {rank}:"):
            return text
        circles.nth(i).dispatch_event("mouseout")
    raise AssertionError(f"no camera circle has the tooltip of site {rank}")


def test_cctv_page_draws_sites_and_escapes_locations(app_url, page):
    page.goto(f"{app_url['url']}/cctv?{QUERY}")
    frame = wait_for_cctv_map(page)
    page.get_by_role("heading", name="Mobile CCTV", exact=True).wait_for()
    assert page.locator("[data-testid=stException]").count() == 0
    # eight numbered sites, each with its coverage circle
    ranks = frame.locator(MARKS)
    ranks.first.wait_for()
    assert sorted(int(t) for t in ranks.all_inner_texts()) == list(range(1, 9))
    assert frame.locator("path.leaflet-interactive").count() >= 8
    assert "New camera site" in frame.locator(".hotspots-legend").inner_text()
    # the hostile test force's 60 robberies sit at one point: site 1 sees them; its tooltip shows the text as text
    # (hovered by event: the legend may cover a site at the opening zoom)
    assert XSS_LOCATION in site_tooltip(frame, 1)
    assert frame.locator("img[src=x]").count() == 0 and page.locator("img[src=x]").count() == 0
    # the sites table and the did-it-work section rendered
    page.get_by_text("The sites, best first").wait_for()
    page.get_by_role("heading", name="Did it work?").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "page-cctv.png"))
    assert all(u.startswith(LOCAL) for u in frame_resources(page))
    assert page.outside_requests == [] and page.dialogs == []
