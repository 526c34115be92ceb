"""Hostile uploads through the Data page, in Chromium: random bytes named .csv, an old Mac (CR-only) month and
a damaged zip, uploaded with two good months. Each bad file gets one clear sentence, the CR-only month is
read, and the good months of the same upload are loaded."""

from __future__ import annotations

import os
import zipfile

import pytest

from tests.conftest import street_csv, watford_rows
from tests.e2e.conftest import ARTIFACTS, AppDidNotStart, serve_app, wait_for_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory):
    from tests.e2e.conftest import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium (apt-get install chromium; .ci/run installs it when CI=true)")
    from geo.ingest.police import ingest_police
    from geo.store import Store

    root = tmp_path_factory.mktemp("upload")
    first = root / "2021-01-hertfordshire-street.csv"
    first.write_text(street_csv(watford_rows(4, month="2021-01")))
    db = root / "upload.duckdb"
    with Store(db) as s:  # real (not sample) data: the app does not write its sample into this store
        ingest_police([first], s)
    env = dict(os.environ, HOTSPOTS_DB=str(db), HOTSPOTS_SAMPLE_DIR=str(root / "no-sample"))
    try:
        with serve_app(env, root / "streamlit.log") as url:
            yield {"url": url, "db": db, "root": root}
    except AppDidNotStart as err:
        pytest.fail(str(err))


def _files(root):
    files = {
        "2021-02-hertfordshire-street.csv": street_csv(watford_rows(7, month="2021-02")).encode(),
        "2021-03-hertfordshire-street.csv": street_csv(watford_rows(5, month="2021-03")).encode(),
        "2021-04-hertfordshire-street.csv": os.urandom(6000) + b"\x00",
        "2021-05-hertfordshire-street.csv": street_csv(watford_rows(9, month="2021-05")).replace("\r\n", "\r").encode(),
    }
    damaged = bytearray()
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2021-06-hertfordshire-street.csv", street_csv(watford_rows(300, month="2021-06")))
    damaged = bytearray(buf.getvalue())
    for i in range(80, 120):
        damaged[i] ^= 0x5A
    files["police-2021-06.zip"] = bytes(damaged)
    paths = []
    for name, data in files.items():
        p = root / "to-upload" / name
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        paths.append(str(p))
    return paths


def test_hostile_uploads_each_get_a_sentence_and_the_good_months_load(upload_app, page):
    from geo.store import Store

    page.goto(f"{upload_app['url']}/data?map=Offline+%28boundaries+only%29")
    wait_for_app(page, 120_000)
    page.locator("[data-testid=stFileUploader] input[type=file]").first.set_input_files(_files(upload_app["root"]))
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text("What the last load did").wait_for(timeout=120_000)
    wait_for_app(page, 120_000)
    alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
    refused = [a for a in alerts if "was refused" in a]
    assert len(refused) == 2, alerts
    random_bytes = next(a for a in refused if "2021-04-hertfordshire-street.csv" in a)
    assert "binary data, not text" in random_bytes and "Traceback" not in random_bytes
    zip_alert = next(a for a in refused if "police-2021-06.zip" in a)
    assert "damaged" in zip_alert or "not a readable zip" in zip_alert
    body = page.locator("[data-testid=stMain]").inner_text()
    assert "old Mac line endings (CR only) read" in body  # the CR-only month, read and said so
    assert "Something went wrong" not in body and "Traceback" not in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "data-hostile-upload.png"), full_page=True)
    with Store(upload_app["db"], read_only=True) as s:
        by_month = dict(s.con.execute("SELECT strftime(month, '%Y-%m'), count(*) FROM incidents GROUP BY 1").fetchall())
    assert by_month == {"2021-01": 4, "2021-02": 7, "2021-03": 5, "2021-05": 9}
    assert page.outside_requests == []
