"""The JAG briefing page in Chromium: presentation mode (a choice), one screen per section, both downloads,
offline; on the real 2021 store at 1280x720, every section fits one 16:9 screen with nothing cut or small."""

import io
import json
from urllib.parse import quote

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
    # presentation mode is the user's choice: the page opens normally, with a button to present
    assert page.locator("[data-testid=stSidebar]").is_visible()
    assert page.get_by_role("button", name="Leave presentation mode").count() == 0
    page.get_by_role("button", name="Present on a projector (large type, no sidebar)").click()
    page.get_by_role("button", name="Leave presentation mode").wait_for()
    wait_for_app(page, 180_000)
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


#: Every section's box, and every visible text element in the main area: its font size, and whether its text
#: is cut (an element that hides overflow or ends in an ellipsis, with more text than room), or reaches out of
#: its section's box sideways.
MEASURE = """() => {
  const visible = e => { const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && +cs.opacity > 0; };
  const ownText = e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const say = e => e.tagName + ' "' + e.textContent.trim().slice(0, 50) + '"';
  const small = [], cut = [];
  for (const e of document.querySelectorAll('[data-testid=stMain] *')) {
    if (!visible(e) || e.closest('[data-testid=stIconMaterial]')) continue;
    const cs = getComputedStyle(e);
    if (ownText(e) && parseFloat(cs.fontSize) < 20) small.push(say(e) + ' ' + cs.fontSize);
    const hides = cs.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(cs.overflowX)
                  || ['hidden', 'clip'].includes(cs.overflowY);
    if (hides && e.textContent.trim() && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1))
      cut.push(say(e) + ` ${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}`);
  }
  const sections = [...document.querySelectorAll('[class*="st-key-brief-sec-"]')].map(sec => {
    const box = sec.getBoundingClientRect(), out = [];
    for (const e of sec.querySelectorAll('*')) {
      if (!visible(e) || !ownText(e)) continue;
      const r = e.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1) out.push(say(e));
    }
    return {key: [...sec.classList].find(c => c.startsWith('st-key-brief-sec-')).slice(17),
            height: box.height, text: sec.innerText, outside: out};
  });
  return JSON.stringify({sections, small, cut, viewport: [innerWidth, innerHeight],
                         main: document.querySelector('[data-testid=stMain]').innerText});
}"""
KEYS = ["headline", "hotspot_map", "emerging", "places", "overlay", "patrol", "cctv", "sweeps", "notes"]


def projector_view(page, url: str, area: str) -> dict:
    """The briefing in presentation mode at 1280x720 (a 16:9 projector), measured."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{url}/briefing?present=1&area={quote(area)}")
    wait_for_app(page, 600_000)
    page.locator(".st-key-brief-sec-notes").wait_for(timeout=600_000)
    wait_for_app(page, 600_000)
    assert page.locator("[data-testid=stException]").count() == 0
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    return json.loads(page.evaluate(MEASURE))


def check_projector_view(m: dict) -> None:
    assert m["viewport"] == [1280, 720]
    assert [s["key"] for s in m["sections"]] == KEYS
    for s in m["sections"]:
        # one 16:9 screen each: the section's box is no taller than the screen
        assert s["height"] <= 720.5, (s["key"], s["height"])
        assert s["outside"] == [], (s["key"], s["outside"])
        # nothing shortened with an ellipsis ("4. Nightclub / Rickmansworth …", "Incid…")
        assert "…" not in s["text"] and "..." not in s["text"], (s["key"], s["text"])
    # no text under 20 px anywhere on the projected page, none cut off
    assert m["small"] == [], m["small"][:10]
    assert m["cut"] == [], m["cut"][:10]
    # the commands that reproduce a section are for analysts: the PDF's data notes, not the screen
    assert "python -m hotspots" not in m["main"]
    assert "Reproduce" not in m["main"]


def test_projector_view_fits_each_section_on_one_screen_on_real_data(real_app_url, page):
    m = projector_view(page, real_app_url["url"], "district: Watford")
    check_projector_view(m)
    places = next(s for s in m["sections"] if s["key"] == "places")["text"]
    # the place names in full (the real December 2021 top ten of Watford), wrapped, never cut
    assert "4. Nightclub / Rickmansworth Road" in places and "3. Parking Area / Theatre/Concert Hall" in places
    # police.uk only: the A&E section says so and what A&E data would add
    overlay = next(s for s in m["sections"] if s["key"] == "overlay")["text"]
    assert "No A&E data loaded" in overlay and "would show" in overlay
    ARTIFACTS.mkdir(exist_ok=True)
    for key in KEYS:
        page.evaluate("k => document.querySelector('.st-key-brief-sec-' + k).scrollIntoView({block: 'start'})", key)
        page.screenshot(path=str(ARTIFACTS / f"projector-watford-{key}.png"))
    assert page.outside_requests == []


def test_projector_view_fits_with_ae_data_and_a_hostile_location(app_url, page):
    """The sample holds A&E (the police x A&E numbers and their long labels) and a location that is markup."""
    m = projector_view(page, app_url["url"], "Everything in the store")
    check_projector_view(m)
    overlay = next(s for s in m["sections"] if s["key"] == "overlay")["text"]
    assert "Police-recorded violence" in overlay and "No A&E data loaded" not in overlay
    assert page.dialogs == [] and page.outside_requests == []


def sidebar_toggle(page):
    return page.locator("[data-testid=stSidebar]").get_by_text("Presentation mode (projector)")


def presenting(page) -> bool:
    wait_for_app(page, 180_000)
    on = page.get_by_role("button", name="Leave presentation mode").count() == 1
    assert on != page.locator("[data-testid=stSidebar]").is_visible()  # presenting hides the sidebar
    return on


def test_presentation_mode_is_a_choice_shown_on_every_page(app_url, page):
    base = app_url["url"]
    # visiting the briefing does not switch the session into presentation mode
    page.goto(f"{base}/briefing")
    page.get_by_role("heading", name="JAG briefing", exact=True).wait_for(timeout=180_000)
    assert not presenting(page)
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Hotspot map").click()
    page.get_by_role("heading", name="Hotspot map", exact=True).first.wait_for(timeout=180_000)
    assert not presenting(page)
    assert "present=" not in page.url
    # the sidebar's toggle, on any page, switches it on; leaving is one click
    for name in ("Hotspot map", "Trends", "Data"):
        page.locator("[data-testid=stSidebar]").get_by_role("link", name=name).click()
        page.get_by_role("heading", name=name, exact=True).first.wait_for(timeout=180_000)
        assert not presenting(page)
        sidebar_toggle(page).click()
        page.get_by_role("button", name="Leave presentation mode").wait_for(timeout=180_000)
        assert presenting(page) and "present=1" in page.url
        page.get_by_role("button", name="Leave presentation mode").click()
        page.locator("[data-testid=stSidebar]").wait_for(state="visible", timeout=180_000)
        assert not presenting(page)
        assert "present=" not in page.url
    # the briefing's own button also enters it
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="JAG briefing").click()
    page.get_by_role("button", name="Present on a projector (large type, no sidebar)").click(timeout=180_000)
    page.get_by_role("button", name="Leave presentation mode").wait_for(timeout=180_000)
    assert presenting(page)
    assert page.outside_requests == []
