"""The JAG briefing page (AppTest): on the 3-month sample, presentation mode as a choice, the library's numbers
and downloads; on real police.uk data with no A&E data of its own, section (d) says "No A&E data loaded"."""

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from streamlit.testing.v1 import AppTest

from geo.store import Store
from geo.query import Selection
from hotspots.briefing.sections import build_briefing
from hotspots.briefing.words import month_words

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/briefing.py").run()
    assert not at.exception, at.exception
    return at


def tables(at) -> list[pd.DataFrame]:
    """The page's tables: HTML tables of escaped text (pages/_ui/briefing.table_html), read back."""
    return [pd.read_html(io.StringIO(m.value), thousands=",")[0] for m in at.markdown
            if m.value.startswith('<table class="brief-table">')]


def test_briefing_page_presents_the_library_numbers_with_downloads(app_env):
    at = open_page()
    # presentation mode is the user's choice: the page opens normally and offers it
    assert at.session_state["settings"].presentation is False
    assert not any(b.label == "Leave presentation mode" for b in at.button)
    assert any(b.label.startswith("Present on a projector") for b in at.button)
    # the sidebar's area by default (the whole store), as the command's default
    assert at.selectbox(key="briefing_area").value == "Everything in the store"
    at.selectbox(key="briefing_area").select("district: Watford").run()
    assert not at.exception, at.exception
    month = at.selectbox(key="briefing_month").value
    with Store(app_env["db"], read_only=True) as s:
        b = build_briefing(s, month, Selection(area=s.area("district", "Watford")))
    assert [h.value.replace("\\", "") for h in at.main.header] == [sec.heading for sec in b.sections]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"Crimes and ASB in {month_words(month)}"] == f"{b.numbers['headline']['total']['month']:,}"
    # the top ten places table is the library's
    places = next(t for t in tables(at) if "Main problem" in t.columns)
    assert places[month_words(month)[:3] + " " + month[:4]].tolist() == [p["count"] for p in b.numbers["places"]]
    downloads = at.get("download_button")
    assert len(downloads) == 2
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)


def test_briefing_page_follows_the_chosen_month_and_area(app_env):
    at = open_page()
    months = at.selectbox(key="briefing_month").options
    at.selectbox(key="briefing_month").select(months[-1]).run()  # the earliest month: no previous one
    assert not at.exception, at.exception
    at.selectbox(key="briefing_area").select("Everything in the store").run()
    assert not at.exception, at.exception
    month = months[-1]
    with Store(app_env["db"], read_only=True) as s:
        n = s.con.execute("SELECT count(*) FROM incidents WHERE source = 'police' AND strftime(month, '%Y-%m') = ?",
                          [month]).fetchall()[0][0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"Crimes and ASB in {month_words(month)}"] == f"{n:,}"
    # no earlier month in the store: the change says so instead of inventing one
    assert "no data" in metrics.values()
    # the page's button presents; leaving brings the normal page back, with the button to present again
    next(b for b in at.button if b.label.startswith("Present on a projector")).click().run()
    assert at.session_state["settings"].presentation is True
    next(b for b in at.button if b.label == "Leave presentation mode").click().run()
    assert at.session_state["settings"].presentation is False
    assert any(b.label.startswith("Present on a projector") for b in at.button)


@pytest.fixture(scope="module")
def real_with_sample(real_db, tmp_path_factory):
    """The real 2021 police.uk store after a first run: the app wrote and loaded the synthetic sample (with its
    A&E records) before the real files were loaded. Real data is never mixed with the sample, so there is no
    A&E data to brief on."""
    from geo.ingest.sample import ingest_sample
    from geo.sample import write_sample

    root = tmp_path_factory.mktemp("real-and-sample")
    db = root / "store.duckdb"
    shutil.copy(real_db, db)
    write_sample(root / "sample", months=3)
    with Store(db) as s:
        ingest_sample(root / "sample", s)
        assert s.source_count("ae") > 0  # the sample's A&E is in the store, and only the sample's
    return {"db": str(db), "sample": str(root / "sample")}


def test_no_ae_data_says_so_on_real_police_data(real_with_sample, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", real_with_sample["db"])
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", real_with_sample["sample"])
    from tests.app.conftest import open_page as open_with

    at = open_with("pages/briefing.py", timeout_s=600, area="district: Watford")
    assert at.selectbox(key="briefing_area").value == "district: Watford"
    assert at.selectbox(key="briefing_month").value == "2021-12"  # the real months, not the sample's
    assert "(d) Police x A&E summary" in [h.value.replace("\\", "") for h in at.main.header]
    said = " ".join(w.value.replace("\\", "") for w in at.warning)
    assert "No A&E data loaded" in said and "would show" in said, said
    # not "A&E assault attendances located: 0 ... one month of A&E data is too few"
    assert not any("A&E" in m.label for m in at.metric), [m.label for m in at.metric]
    words = " ".join(m.value for m in at.markdown)
    assert "one month of A&E data is too few" not in words
