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


def test_cctv_numbers_and_buttons_are_whole_at_1280_on_real_data(real_app_url, page):
    """Hertsmere 2021 at 1280x720: no metric value and no button text is cut (on main "2,152 → 1,876 incidents"
    under "Control area" and "Geo…" for the GeoJSON button were); every site's flag column is there."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{real_app_url['url']}/cctv?area=district%3A+Hertsmere")
    wait_for_cctv_map(page)
    page.get_by_role("heading", name="Did it work?").wait_for()
    page.locator("[data-testid=stMetricValue]").nth(6).wait_for(timeout=180_000)
    cut = page.evaluate("""() => [...document.querySelectorAll(
            '[data-testid=stMetricValue] div, [data-testid=stMain] button p')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)""")
    assert cut == [], cut
    values = page.locator("[data-testid=stMetricValue]").all_inner_texts()
    assert any("→" in v for v in values), values
    page.get_by_text("Control area (incidents)").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-cctv-1280-hertsmere.png"), full_page=True)
    assert page.outside_requests == [] and page.dialogs == []


@pytest.mark.parametrize("width,height", [(1280, 720), (1600, 1000)])
def test_the_legend_hides_no_camera_site_at_the_opening_view(real_app_url, page, width, height):
    """Hertsmere 2021, all eight default sites: at the map's opening view the legend (bottom left) covers no
    site's numbered mark and no circle's centre; on main the legend sat over a site at 1280 px."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{real_app_url['url']}/cctv?area=district%3A+Hertsmere")
    frame = wait_for_cctv_map(page)
    legend = frame.locator(".hotspots-legend").bounding_box()
    assert legend is not None
    marks = [frame.locator(MARKS).nth(i).bounding_box() for i in range(frame.locator(MARKS).count())]
    assert len(marks) >= 8, marks

    def centre_in_legend(b):
        cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
        return (legend["x"] <= cx <= legend["x"] + legend["width"]
                and legend["y"] <= cy <= legend["y"] + legend["height"])

    covered = [b for b in marks if centre_in_legend(b)]
    assert covered == [], (legend, covered)
    assert page.outside_requests == []
