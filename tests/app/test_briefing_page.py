"""The JAG briefing page on the 3-month sample (AppTest): presentation mode, the library's numbers, downloads."""

from pathlib import Path

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


def test_briefing_page_presents_the_library_numbers_with_downloads(app_env):
    at = open_page()
    # opens in presentation mode: the button to leave it is there, the sidebar is hidden by CSS
    assert at.session_state["settings"].presentation is True
    assert any(b.label == "Leave presentation mode" for b in at.button)
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
    places = next(df.value for df in at.dataframe if "Main problem" in df.value.columns)
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
    # leaving presentation mode brings the normal page back, with a button to present again
    next(b for b in at.button if b.label == "Leave presentation mode").click().run()
    assert at.session_state["settings"].presentation is False
    assert any(b.label.startswith("Present") for b in at.button)
