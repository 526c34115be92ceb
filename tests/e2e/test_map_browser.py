"""The hotspot map in headless Chromium, offline: hexagons, period changes, drill-down, escaping."""

import re
import time

import pytest

from geo.store import Store
from hotspots.tasks.detect import detect
from geo.query import Selection
from tests.e2e.conftest import (ARTIFACTS, LOCAL, MAP_FRAME, XSS_LOCATION, drawn_cells, frame_resources,
                                hexagon_paths, map_state, wait_for_app, wait_for_map)

pytestmark = pytest.mark.e2e
OFFLINE = "map=Offline+%28boundaries+only%29"


def months(db):
    with Store(db, read_only=True) as s:
        return [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                            "WHERE source = 'police' ORDER BY 1").fetchall()]


def metric(pg, label):
    text = pg.locator("[data-testid=stMetric]", has_text=label).first.inner_text()
    return int(re.search(r"([\d,]+) ", text.split("\n", 1)[1]).group(1).replace(",", ""))


def test_map_draws_the_hexagons_with_nothing_leaving(app_url, page):
    page.goto(f"{app_url['url']}/?{OFFLINE}")
    wait_for_map(page)
    m = months(app_url["db"])
    with Store(app_url["db"], read_only=True) as s:
        det = detect(s, "count", Selection(m[0], m[-1]))
    assert hexagon_paths(page) == len(det.table)
    assert sorted(drawn_cells(page)) == sorted(det.table["cell"])  # the library's hexagons, each once
    assert metric(page, "Incidents selected") == det.summary["incidents"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)
    resources = frame_resources(page)
    assert resources and all(u.startswith(LOCAL) for u in resources), resources
    assert page.outside_requests == [] and page.dialogs == []


def test_changing_the_period_updates_the_map(app_url, page):
    page.goto(f"{app_url['url']}/?{OFFLINE}")
    wait_for_map(page)
    before_paths, before = hexagon_paths(page), metric(page, "Incidents selected")
    before_state = map_state(page)
    page.evaluate("sel => { document.querySelector(sel).__before = true; }", MAP_FRAME)  # the map's iframe
    thumb = page.get_by_role("slider").first          # the period's first month
    thumb.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => !document.body.innerText.includes('{before:,} incidents')", timeout=60_000)
    wait_for_map(page)
    m = months(app_url["db"])
    with Store(app_url["db"], read_only=True) as s:
        det = detect(s, "count", Selection(m[1], m[-1]))
    deadline = time.monotonic() + 30
    while hexagon_paths(page) != len(det.table) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert metric(page, "Incidents selected") == det.summary["incidents"] < before
    assert hexagon_paths(page) == len(det.table) != before_paths
    assert sorted(drawn_cells(page)) == sorted(det.table["cell"])
    after = map_state(page)
    assert after["version"] != before_state["version"] and after["draws"] > before_state["draws"]
    # the same map redrew its data: no new iframe, no page of script sent again
    assert page.evaluate("sel => document.querySelector(sel).__before === true", MAP_FRAME)


def test_clicking_a_hexagon_opens_its_drilldown(app_url, page):
    page.goto(f"{app_url['url']}/?{OFFLINE}")
    wait_for_map(page)
    page.locator("iframe").first.scroll_into_view_if_needed()
    wait_for_map(page)
    # the largest hexagon whose centre is in view and not under the legend or a control
    x, y = page.evaluate("""() => {
        const f = document.querySelector('iframe'), d = f.contentDocument, r = f.getBoundingClientRect();
        let best = null;
        for (const p of d.querySelectorAll('path.leaflet-interactive')) {
            const b = p.getBoundingClientRect(), cx = b.x + b.width / 2, cy = b.y + b.height / 2;
            const inView = r.y + cy > 0 && r.y + cy < window.innerHeight;
            if (inView && d.elementFromPoint(cx, cy) === p && (!best || b.width * b.height > best[2]))
                best = [cx, cy, b.width * b.height];
        }
        return [r.x + best[0], r.y + best[1]];
    }""")
    cell = page.evaluate("""([x, y]) => {
        const f = document.querySelector('iframe'), r = f.getBoundingClientRect();
        return f.contentDocument.elementFromPoint(x - r.x, y - r.y).getAttribute('data-cell');
    }""", [x, y])
    page.mouse.click(x, y)
    page.locator("text=This hexagon").wait_for(timeout=60_000)
    wait_for_app(page)
    assert f"H3 cell {cell} " in page.inner_text("body")  # the drill-down is the clicked hexagon's
    page.locator("[data-testid=stMetric]", has_text="Incidents here").first.wait_for()
    assert "By crime type" in page.inner_text("body")
    page.locator("[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg").first.wait_for()
    time.sleep(1)
    page.screenshot(path=str(ARTIFACTS / "map-drilldown.png"), full_page=True)
    assert page.dialogs == []


def test_hostile_location_text_is_shown_as_text(app_url, page):
    page.goto(f"{app_url['url']}/?{OFFLINE}&types=Robbery")
    wait_for_app(page)
    page.get_by_text("DBSCAN clusters", exact=True).click()
    page.locator("[data-testid=stMetric]", has_text="Clusters found").wait_for(timeout=60_000)
    wait_for_map(page, visible=False)
    # clusters a few metres across are sub-pixel at county zoom: open each tooltip by its event
    tips = page.evaluate("""() => {
        const d = document.querySelector('iframe').contentDocument, out = [];
        for (const p of d.querySelectorAll('path.leaflet-interactive')) {
            p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
            const t = d.querySelector('.leaflet-tooltip');
            if (t) out.push(t.innerText);
            p.dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));
        }
        return out;
    }""")
    assert any(XSS_LOCATION in t for t in tips), tips[:5]
    assert page.frame_locator("iframe").first.locator("img[src='x']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "map-xss.png"), full_page=True)
    assert page.dialogs == []
