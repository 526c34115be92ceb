"""The JAG briefing page in Chromium: presentation mode, one screen per section, both downloads, offline."""

import io

import pytest

from tests.e2e.conftest import ARTIFACTS, LOCAL, frame_resources, wait_for_app

pytestmark = pytest.mark.e2e
OFFLINE = "map=Offline+%28boundaries+only%29"
SECTIONS = ["(a) Headline numbers", "(b) Hot spots this month", "(c) Top ten places", "(d) Police x A&E summary",
            "(e) Action: patrol areas", "(f) Data notes"]


def test_briefing_page_presents_and_downloads_offline(app_url, page):
    page.goto(f"{app_url['url']}/briefing?{OFFLINE}")
    wait_for_app(page, 180_000)
    page.get_by_role("heading", name="JAG briefing", exact=True).wait_for()
    assert page.locator("[data-testid=stException]").count() == 0
    # presentation mode from the start: no sidebar, large numbers
    page.get_by_role("button", name="Leave presentation mode").wait_for()
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                         "'[data-testid=stMetricValue] p')).fontSize)")
    assert size >= 40, size
    for name in SECTIONS:
        page.get_by_role("heading", name=name).first.wait_for()
    # each section is one screen-height block
    heights = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-brief-sec-"]')]
                               .map(e => e.getBoundingClientRect().height / window.innerHeight)""")
    assert len(heights) == 9 and min(heights) >= 0.9, heights
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-briefing.png"))
    # one screenshot per section, scrolled into view (the app scrolls inside its own container)
    for key in ("headline", "hotspot_map", "places", "overlay", "patrol", "notes"):
        block = page.locator(f".st-key-brief-sec-{key}")
        block.scroll_into_view_if_needed()
        block.screenshot(path=str(ARTIFACTS / f"page-briefing-{key}.png"))
    # both files download and read back
    with page.expect_download() as d:
        page.get_by_role("button", name="Download the PDF").click()
    pdf = open(d.value.path(), "rb").read()
    with page.expect_download() as d:
        page.get_by_role("button", name="Download the PowerPoint deck").click()
    pptx = open(d.value.path(), "rb").read()
    from pptx import Presentation
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "(a) Headline numbers" in text and "SYNTHETIC" in text
    assert len(Presentation(io.BytesIO(pptx)).slides) == 10
    # the hostile location of the test store never ran as script, anywhere
    assert page.dialogs == []
    assert all(u.startswith(LOCAL) for u in frame_resources(page))
    assert page.outside_requests == []
