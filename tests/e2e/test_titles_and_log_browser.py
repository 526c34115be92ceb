"""Issue 15 in a real browser: each page's browser tab is named after the page ("Store overview · Hotspots", not
"Hotspots"), and a store with a small A&E count (shown as "1 to 7") leaves no Arrow conversion error in the
server's log on the pages that show A&E counts.
"""

import os

import pytest

from geo.store import Store
from tests.e2e.conftest import ARTIFACTS, serve_app, wait_for_app

pytestmark = pytest.mark.e2e

ARROW_ERROR = "Serialization of dataframe to Arrow table was unsuccessful"


@pytest.fixture(scope="module")
def sparse_app(tmp_path_factory):
    """The 3-month sample with only 3 A&E assaults in its first month, served by ``streamlit run``."""
    from geo.ingest.sample import ingest_sample
    from geo.sample import write_sample

    root = tmp_path_factory.mktemp("titles")
    write_sample(root / "sample", months=3)
    db = root / "sparse.duckdb"
    with Store(db) as s:
        ingest_sample(root / "sample", s)
        first = s.con.execute("SELECT min(month) FROM incidents WHERE source = 'ae'").fetchall()[0][0]
        keep = [r[0] for r in s.con.execute("SELECT id FROM incidents WHERE source = 'ae' AND month = ? ORDER BY id "
                                            "LIMIT 3", [first]).fetchall()]
        s.con.execute("DELETE FROM incidents WHERE source = 'ae' AND month = ? AND NOT list_contains(?, id)",
                      [first, keep])
    log = root / "streamlit.log"
    env = dict(os.environ, HOTSPOTS_DB=str(db), HOTSPOTS_SAMPLE_DIR=str(root / "sample"))
    with serve_app(env, log) as url:
        yield {"url": url, "log": log}


def test_tabs_are_named_after_their_pages_and_the_log_has_no_arrow_error(sparse_app, page):
    seen = {}
    for path, want in (("overview", "Store overview · Hotspots"), ("overlay", "Police and A&E · Hotspots"),
                       ("data?present=1", "Data · Hotspots"), ("trends", "Trends · Hotspots")):
        page.goto(f"{sparse_app['url']}/{path}")
        wait_for_app(page, 120_000)
        seen[path] = page.title()
        if path == "overview":
            assert page.locator("h1").first.inner_text().strip() == "Store overview"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "overview-sparse-ae.png"))
        assert seen[path] == want, seen
    log = sparse_app["log"].read_text(errors="replace")
    assert ARROW_ERROR not in log, log[-3000:]
    assert "Conversion failed for column" not in log, log[-3000:]
    assert page.outside_requests == [], page.outside_requests

