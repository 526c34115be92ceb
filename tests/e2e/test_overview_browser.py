"""The app in a real browser, with nothing allowed off the machine."""

import re

import pytest

from geo.store import Store
from tests.e2e.conftest import ARTIFACTS, wait_for_app

pytestmark = pytest.mark.e2e


def test_overview_loads_with_no_outside_request(app_url, page):
    page.goto(app_url["url"] + "/overview?map=Offline+%28boundaries+only%29")
    wait_for_app(page)
    page.wait_for_selector("text=Incidents stored")
    with Store(app_url["db"], read_only=True) as s:
        # A&E assaults are counted apart (their small counts are suppressed outside the Data page)
        n = s.con.execute("SELECT count(*) FROM incidents WHERE source <> 'ae'").fetchall()[0][0]
    body = page.inner_text("body")
    assert re.search(rf"{n:,} incidents", body), body[:500]
    assert "SYNTHETIC DATA" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert page.outside_requests == [], page.outside_requests
