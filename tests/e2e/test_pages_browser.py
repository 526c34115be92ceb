"""Every page loads in Chromium, offline, with nothing leaving the machine; a screenshot of each."""

import pytest

from tests.e2e.conftest import ARTIFACTS, LOCAL, frame_resources, wait_for_app

pytestmark = pytest.mark.e2e
OFFLINE = "map=Offline+%28boundaries+only%29"


@pytest.mark.parametrize("path, heading", [
    ("", "Hotspot map"), ("trends", "Trends"), ("accuracy", "Accuracy"), ("data", "Data"),
    ("overview", "Store overview"),
])
def test_every_page_loads_offline(app_url, page, path, heading):
    page.goto(f"{app_url['url']}/{path}?{OFFLINE}")
    wait_for_app(page, 120_000)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for()
    assert page.locator("[data-testid=stException]").count() == 0
    # the menu is ours on every page, however the page was reached
    menu = page.locator("[data-testid=stSidebar] a").all_inner_texts()
    assert any("Hotspot map" in m for m in menu) and not any(m.strip() in ("ui", "app") for m in menu), menu
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{path or 'map'}.png"), full_page=True)
    assert all(u.startswith(LOCAL) for u in frame_resources(page))
    assert page.outside_requests == [] and page.dialogs == []


def test_presentation_mode_hides_the_sidebar(app_url, page):
    page.goto(f"{app_url['url']}/?{OFFLINE}&present=1")
    wait_for_app(page, 120_000)
    page.get_by_role("button", name="Leave presentation mode").wait_for()
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                         "'[data-testid=stMetricValue] p')).fontSize)")
    assert size >= 40, size  # readable from the back of a room
    page.screenshot(path=str(ARTIFACTS / "page-presentation.png"), full_page=True)
    page.get_by_role("button", name="Leave presentation mode").click()
    wait_for_app(page)
    page.locator("[data-testid=stSidebar]").wait_for(state="visible")
